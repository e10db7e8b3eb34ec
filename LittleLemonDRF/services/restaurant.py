"""Writes to the restaurant's settings, service hours and closures.

The settings row is locked by every write here, so two changes of hours are judged one after
the other (the overlap rule reads the periods already saved). Saving or deleting any of them
forgets the clock's cached configuration (clock/config.py), whichever way it is written.
"""

from decimal import Decimal

from django.db import transaction

from ..errors import HoursOverlap
from ..models import Closure, Restaurant, ServiceHours


def _lock_restaurant() -> Restaurant:
    Restaurant.load()  # made on first use, outside the lock
    return Restaurant.objects.select_for_update().get(pk=1)


def restaurant_update(*, changes: dict) -> Restaurant:
    """Change the settings; an order or reservation already taken keeps what it had."""
    with transaction.atomic():
        restaurant = _lock_restaurant()
        for name, value in changes.items():
            setattr(restaurant, name, value)
        restaurant.save()
    return restaurant


def service_hours_check(hours: ServiceHours) -> None:
    """Refuse hours that overlap another period of their fulfilment on their weekday (periods
    that only touch, 11:00-14:00 and 14:00-17:00, do not)."""
    other = (
        ServiceHours.objects.filter(
            fulfilment=hours.fulfilment,
            weekday=hours.weekday,
            opens__lt=hours.closes,
            closes__gt=hours.opens,
        )
        .exclude(pk=hours.pk)
        .first()
    )
    if other is not None:
        raise HoursOverlap(f"{other.opens}-{other.closes}")


def service_hours_save(*, hours: ServiceHours) -> ServiceHours:
    with transaction.atomic():
        _lock_restaurant()
        service_hours_check(hours)
        hours.save()
    return hours


def service_hours_delete(*, hours: ServiceHours) -> None:
    with transaction.atomic():
        _lock_restaurant()
        hours.delete()


def closure_save(*, closure: Closure) -> Closure:
    closure.save()
    return closure


def closure_delete(*, closure: Closure) -> None:
    closure.delete()


# The demo restaurant's hours (make serve): delivery and pickup every day and at any hour, so
# "as soon as possible" always finds a slot; evening pickups are two a slot, so a third for
# the same quarter of an hour shows a full slot's 409. Its kitchen starts an order 45 minutes
# before its slot: longer than the lead time and a slot, so an order for as soon as possible
# goes to the kitchen at once, and one for later waits scheduled.
DEMO_PREP_MINUTES = 45
# Its bill: a delivery fee, free delivery from 30.00, and a 10% tax included in the prices.
DEMO_BILL = {
    "delivery_fee": Decimal("3.50"),
    "free_delivery_from": Decimal("30.00"),
    "tax_rate": Decimal("10.00"),
    "prices_include_tax": True,
}
DEMO_HOURS = [
    ("delivery", "00:00", "24:00", 20),
    ("pickup", "00:00", "18:00", 20),
    ("pickup", "18:00", "24:00", 2),
]


def service_hours_demo_load() -> bool:
    """Give the demo restaurant its delivery and pickup hours and its bill, unless it has hours
    already; True when they were added."""
    with transaction.atomic():
        restaurant = _lock_restaurant()
        if ServiceHours.objects.exclude(fulfilment=ServiceHours.Fulfilment.TABLE).exists():
            return False
        restaurant.prep_minutes = DEMO_PREP_MINUTES
        for name, value in DEMO_BILL.items():
            setattr(restaurant, name, value)
        restaurant.save(update_fields=["prep_minutes", *DEMO_BILL])
        ServiceHours.objects.bulk_create(
            ServiceHours(
                fulfilment=fulfilment, weekday=day, opens=opens, closes=closes, capacity=capacity
            )
            for day in range(7)
            for fulfilment, opens, closes, capacity in DEMO_HOURS
        )
    return True
