"""A dining room for the reservation tests: table hours every evening, tables, and days that
are always bookable whatever the hour the suite runs at."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from LittleLemonDRF.models import Reservation, Restaurant, ServiceHours, Table
from LittleLemonDRF.services import reservations as services

ZONE_NAME = "Europe/Rome"
ZONE = ZoneInfo(ZONE_NAME)
RESERVATIONS = "/api/reservations"
AVAILABILITY = "/api/reservations/availability"
TABLES = "/api/tables"


def open_evenings(opens="18:00", closes="22:00", *, slot_minutes=30, **settings):
    """The restaurant in Rome, taking reservations every evening from `opens` to `closes`."""
    restaurant = Restaurant.load()
    restaurant.timezone = ZONE_NAME
    restaurant.slot_minutes = slot_minutes
    for name, value in settings.items():
        setattr(restaurant, name, value)
    restaurant.save()
    for weekday in range(7):
        ServiceHours.objects.create(fulfilment="table", weekday=weekday, opens=opens, closes=closes)
    return restaurant


def make_tables(*seats, prefix="T"):
    return [
        services.table_save(table=Table(name=f"{prefix}{n}", seats=s))
        for n, s in enumerate(seats, start=1)
    ]


def evening(days=3, at="19:00"):
    """An aware local time `days` from today in Rome: far from any lead time."""
    day = timezone.now().astimezone(ZONE).date() + timedelta(days=days)
    hours, minutes = map(int, at.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=ZONE)


def iso(moment):
    return moment.astimezone(ZONE).isoformat()


def book(client, start, party_size=2, **body):
    return client.post(RESERVATIONS, {"start": iso(start), "party_size": party_size, **body})


def hold(user, table, start, *, minutes=90, status=Reservation.Status.CONFIRMED, party=2):
    """A reservation written straight to the table (a past one, for moves that need time)."""
    return Reservation.objects.create(
        user=user,
        name=user.username,
        party_size=party,
        start=start,
        end=start + timedelta(minutes=minutes),
        table=table,
        status=status,
    )
