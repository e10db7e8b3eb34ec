"""Create the demo accounts and the demo kitchen (debug only); print passwords and tokens."""

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from LittleLemonDRF import roles, services
from LittleLemonDRF.models import MenuItem

# A dinner service to play: a few dishes counted, one the kitchen has run out of.
DEMO_KITCHEN = settings.BASE_DIR / "fixtures" / "demo_kitchen.json"

# username, password, group, is_superuser
DEMO_ACCOUNTS = [
    ("admin", "lemon-admin-2026", None, True),
    ("manager", "lemon-manager-2026", roles.MANAGER, False),
    ("crew", "lemon-crew-2026", roles.DELIVERY_CREW, False),
    ("customer", "lemon-customer-2026", None, False),
]


class Command(BaseCommand):
    help = (
        "Create an admin, a manager, a delivery crew member and a customer, and count a few "
        "dishes (debug only)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            # Their passwords are printed in the README: never on a production database.
            self.stdout.write("Debug is off: no demo accounts created.")
            return
        self._set_up_kitchen()
        if services.service_hours_demo_load():
            self.stdout.write(
                "Demo hours: delivery and pickup around the clock, every day; pickups from "
                "18:00 two a slot. Delivery 3.50, free from 30.00; prices include 10% tax."
            )
        User = get_user_model()
        self.stdout.write("\nDemo accounts (username / password / token):")
        for username, password, group, superuser in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@littlelemon.example",
                    "is_staff": superuser,
                    "is_superuser": superuser,
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            if group:
                user.groups.add(Group.objects.get_or_create(name=group)[0])
            token = services.token_for_login(user=user)
            role = group or ("admin" if superuser else "customer")
            self.stdout.write(f"  {role:<14} {username:<9} {password:<20} {token.key}")
        self.stdout.write("Use them as:  Authorization: Token <token>\n")

    def _set_up_kitchen(self):
        """Count the demo dishes once: a later run keeps what the service sold since."""
        if MenuItem.objects.filter(stock__isnull=False).exists():
            return
        kitchen = json.loads(DEMO_KITCHEN.read_text())
        for dish in MenuItem.objects.filter(title__in=kitchen["counted"]):
            dish.stock = kitchen["counted"][dish.title]
            services.menu_item_save(item=dish)
        for dish in MenuItem.objects.filter(title__in=kitchen["switched_off"]):
            dish.available = False
            services.menu_item_save(item=dish)
        counted = ", ".join(f"{title} ({n})" for title, n in kitchen["counted"].items())
        off = ", ".join(kitchen["switched_off"])
        self.stdout.write(f"Demo kitchen: counted {counted}; switched off: {off}.")
