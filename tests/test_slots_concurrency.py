"""Racing for the last places of a slot, and for scheduled orders to release: real threads,
real transactions and row locks, PostgreSQL only."""

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.utils import timezone

from LittleLemonDRF import clock
from LittleLemonDRF.models import Order, OrderStateChange, Restaurant, ServiceHours, SlotTaken
from tests.factories import add_to_cart, make_menu_item, make_user
from tests.races import RACE_MARKS, race, statuses

pytestmark = RACE_MARKS

ORDERS = "/api/orders"


def _hours(capacity):
    Restaurant.objects.update_or_create(pk=1, defaults={"timezone": "UTC", "lead_minutes": 0})
    for weekday in range(7):
        ServiceHours.objects.create(
            fulfilment="delivery", weekday=weekday, opens="00:00", closes="24:00", capacity=capacity
        )


def _tomorrow_at(hour):
    day = timezone.now().date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def test_twenty_customers_racing_for_three_places_get_three_orders():
    _hours(capacity=3)
    dish = make_menu_item("Lemon tart", "6.00")
    customers = [make_user() for _ in range(20)]
    for customer in customers:
        add_to_cart(customer, dish, 1)
    slot = _tomorrow_at(19).isoformat()

    outcomes = race(
        customers, lambda client: client.post(ORDERS, {"scheduled_for": slot}, format="json")
    )

    assert all(outcome.status < 500 for outcome in outcomes), outcomes
    assert statuses(outcomes) == [201] * 3 + [409] * 17, outcomes
    refused = [o.body for o in outcomes if o.status == 409]
    assert {body["next_available"] for body in refused} == {
        (_tomorrow_at(19) + dt.timedelta(minutes=15)).isoformat()
    }
    assert Order.objects.filter(slot=_tomorrow_at(19)).count() == 3
    assert SlotTaken.objects.get(start=_tomorrow_at(19)).taken == 3


def test_as_soon_as_possible_racers_never_overfill_a_slot():
    _hours(capacity=2)
    dish = make_menu_item("Lemon tart", "6.00")
    customers = [make_user() for _ in range(12)]
    for customer in customers:
        add_to_cart(customer, dish, 1)

    outcomes = race(customers, lambda client: client.post(ORDERS))

    assert statuses(outcomes) == [201] * 12, outcomes
    per_slot = {}
    for order in Order.objects.all():
        per_slot[order.slot] = per_slot.get(order.slot, 0) + 1
    assert max(per_slot.values()) == 2
    assert dict(SlotTaken.objects.values_list("start", "taken")) == per_slot


def test_workers_releasing_at_once_release_each_order_once():
    _hours(capacity=100)
    customer = make_user()
    due = timezone.now() - dt.timedelta(minutes=1)
    orders = Order.objects.bulk_create(
        Order(
            user=customer,
            total=0,
            date=timezone.localdate(),
            state=Order.State.SCHEDULED,
            slot=_tomorrow_at(12),
            release_at=due,
        )
        for _ in range(30)
    )

    def work(_):
        try:
            return clock.release_due_orders()
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        released = list(pool.map(work, range(4)))

    assert sum(released) == 30
    assert not Order.objects.filter(state=Order.State.SCHEDULED).exists()
    changes = OrderStateChange.objects.filter(order__in=orders)
    assert changes.count() == 30
    assert set(changes.values_list("state", "by", "reason")) == {("placed", None, "released")}


def test_a_thousand_orders_due_at_one_minute_are_released_within_it():
    customer = make_user()
    due = timezone.now() - dt.timedelta(seconds=1)
    Order.objects.bulk_create(
        Order(
            user=customer,
            total=0,
            date=timezone.localdate(),
            state=Order.State.SCHEDULED,
            slot=_tomorrow_at(12),
            release_at=due,
        )
        for _ in range(1000)
    )

    started = time.monotonic()
    released = clock.release_due_orders()
    took = time.monotonic() - started

    assert released == 1000
    assert took < 60, f"{took:.1f} s"
    assert Order.objects.filter(state=Order.State.PLACED).count() == 1000
    print(f"1,000 scheduled orders released in {took:.1f} s")
