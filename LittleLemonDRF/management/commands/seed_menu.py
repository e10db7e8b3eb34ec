"""Load the restaurant's menu from fixtures/ into an empty database."""

from django.conf import settings
from django.core.management.base import BaseCommand

from LittleLemonDRF import services
from LittleLemonDRF.services import dining_room

MENU_FIXTURE = settings.BASE_DIR / "fixtures" / "menu.json"


class Command(BaseCommand):
    help = "Load fixtures/menu.json unless the menu already has categories (edits are kept)."

    def handle(self, *args, **options):
        if dining_room.dining_room_load():
            self.stdout.write(self.style.SUCCESS("Set the dining room: 12 tables, table hours."))
        if not services.menu_load(fixture=MENU_FIXTURE):
            self.stdout.write("Menu already present; left as it is.")
            return
        self.stdout.write(self.style.SUCCESS(f"Loaded the menu from {MENU_FIXTURE.name}."))
