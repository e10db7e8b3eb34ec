"""The demo restaurant's dining room, for `make serve`: twelve tables and table hours."""

from django.db import transaction

from ..models import ServiceHours, Table
from .reservations import TABLE, table_save

DEMO_TABLES = [(f"Window {n}", 2) for n in (1, 2, 3, 4)] + [
    ("Garden 1", 4),
    ("Garden 2", 4),
    ("Garden 3", 4),
    ("Garden 4", 4),
    ("Terrace 1", 6),
    ("Terrace 2", 6),
    ("Family 1", 8),
    ("Family 2", 8),
]
DEMO_HOURS = ("12:00", "23:00")


def dining_room_load() -> bool:
    """Twelve tables and `table` hours every day, into a restaurant that has neither; True
    when something was added (edits are kept)."""
    added = False
    with transaction.atomic():
        if not Table.objects.exists():
            for name, seats in DEMO_TABLES:
                table_save(table=Table(name=name, seats=seats))
            added = True
        if not ServiceHours.objects.filter(fulfilment=TABLE).exists():
            opens, closes = DEMO_HOURS
            ServiceHours.objects.bulk_create(
                ServiceHours(fulfilment=TABLE, weekday=day, opens=opens, closes=closes)
                for day in range(7)
            )
            added = True
    return added
