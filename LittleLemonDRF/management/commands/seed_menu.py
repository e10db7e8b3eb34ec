"""Load the restaurant's menu from fixtures/ into an empty database."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from LittleLemonDRF.models import Category

MENU_FIXTURE = settings.BASE_DIR / "fixtures" / "menu.json"


class Command(BaseCommand):
    help = "Load fixtures/menu.json unless the menu already has categories (edits are kept)."

    def handle(self, *args, **options):
        if Category.objects.exists():
            self.stdout.write("Menu already present; left as it is.")
            return
        call_command("loaddata", str(MENU_FIXTURE), verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Loaded the menu from {MENU_FIXTURE.name}."))
