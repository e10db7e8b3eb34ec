"""Slots by property: right in any IANA zone, on the days the clocks change, and the list
never offering a slot that placement refuses."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from LittleLemonDRF import clock, roles, services
from LittleLemonDRF.clock.config import Config, Period
from LittleLemonDRF.clock.slots import day_slots, local_time
from LittleLemonDRF.errors import DomainError, SlotUnavailable, TimeNotOffered
from LittleLemonDRF.models import Order, Restaurant, ServiceHours, SlotTaken
from LittleLemonDRF.models.restaurant import SLOT_MINUTES
from tests.factories import add_to_cart, make_menu_item, make_user

ZONES = ["UTC", "Asia/Kolkata", "Australia/Adelaide", "Europe/Rome", "America/New_York"]
# Europe/Rome: 2026-03-29 skips 02:00-03:00; 2026-10-25 repeats 02:00-03:00.
SPRING, AUTUMN = dt.date(2026, 3, 29), dt.date(2026, 10, 25)
days = st.one_of(
    st.sampled_from([SPRING, AUTUMN, dt.date(2026, 4, 5), dt.date(2026, 10, 4)]),
    st.dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31)),
)


@st.composite
def periods(draw):
    opens = draw(st.integers(0, 1439))
    closes = draw(st.integers(opens + 1, 1440))
    return opens, closes


def _config(zone, step, day, opens, closes, capacity=3, **fields):
    restaurant = Restaurant(timezone=zone, slot_minutes=step, **fields)
    period = Period(day.weekday(), opens, closes, capacity)
    return Config(restaurant=restaurant, hours={"delivery": (period,)})


@given(
    zone=st.sampled_from(ZONES),
    step=st.sampled_from(SLOT_MINUTES),
    day=days,
    period=periods(),
)
def test_slots_are_the_existing_wall_times_of_the_period_each_once(zone, step, day, period):
    opens, closes = period
    config = _config(zone, step, day, opens, closes)
    tz = ZoneInfo(zone)

    found = day_slots(config, "delivery", day)

    wall = [opens + k * step for k in range((closes - opens) // step)]
    existing = [m for m in wall if local_time(day, m, tz) is not None]
    assert len(found) == len(existing)
    instants = [slot.start.astimezone(dt.UTC) for slot in found]
    assert instants == sorted(set(instants))  # increasing, none twice
    for slot, minute in zip(found, existing, strict=True):
        local = slot.start.astimezone(tz)
        assert local.date() == day
        assert local.hour * 60 + local.minute == minute
        assert slot.start.utcoffset() == tz.utcoffset(slot.start.replace(tzinfo=None))
        assert slot.end > slot.start


@pytest.mark.parametrize(("day", "count"), [(SPRING, 92), (AUTUMN, 96)])
def test_rome_skips_the_spring_hour_and_offers_the_autumn_one_once(day, count):
    config = _config("Europe/Rome", 15, day, 0, 1440)

    found = day_slots(config, "delivery", day)

    assert len(found) == count
    starts = [slot.start.isoformat() for slot in found]
    if day == SPRING:
        assert f"{day}T01:45:00+01:00" in starts
        assert not any("T02:" in start for start in starts)
        assert f"{day}T03:00:00+02:00" in starts
    else:
        assert f"{day}T02:30:00+02:00" in starts
        assert f"{day}T02:30:00+01:00" not in starts


@pytest.mark.parametrize(
    ("zone", "first"),
    [("Asia/Kolkata", "T11:30:00+05:30"), ("Australia/Adelaide", "T11:30:00+10:30")],
)
def test_half_hour_zones_carry_their_offset(zone, first):
    day = dt.date(2026, 1, 10)
    config = _config(zone, 15, day, 690, 900)

    found = day_slots(config, "delivery", day)

    assert found[0].start.isoformat() == f"{day}{first}"
    assert found[0].start.astimezone(dt.UTC).minute in (0, 30)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    capacity=st.integers(1, 3),
    taken=st.integers(0, 4),
    lead=st.integers(0, 600),
    pause=st.one_of(st.none(), st.integers(0, 24 * 60)),
    pick=st.integers(0, 10_000),
    ahead=st.integers(0, 1),
)
def test_placement_takes_exactly_the_slots_the_list_offers(
    zone, capacity, taken, lead, pause, pick, ahead
):
    now = dt.datetime(2026, 10, 24, 22, 10, tzinfo=dt.UTC)  # Rome's autumn night is next
    with transaction.atomic():
        paused = None if pause is None else now + dt.timedelta(minutes=pause)
        Restaurant.objects.update_or_create(
            pk=1,
            defaults={
                "timezone": zone,
                "lead_minutes": lead,
                "paused_until": paused,
                "prep_minutes": 0,
            },
        )
        for weekday in range(7):
            ServiceHours.objects.create(
                fulfilment="delivery",
                weekday=weekday,
                opens="00:00",
                closes="24:00",
                capacity=capacity,
            )
        day = clock.today(clock.config(), now) + dt.timedelta(days=ahead)
        listed = clock.slots("delivery", day, now)
        slot = listed[pick % len(listed)]
        if taken:
            SlotTaken.objects.create(fulfilment="delivery", start=slot.start, taken=taken)
        slot = next(s for s in clock.slots("delivery", day, now) if s.start == slot.start)

        if slot.start <= now:  # never offered; asking for a past time is a 400
            assert slot.reason in ("closed", "paused", "too_soon")
            with pytest.raises(TimeNotOffered):
                clock.hold_slot(fulfilment="delivery", scheduled_for=slot.start, now=now)
            placed = False
        elif slot.available:
            clock.hold_slot(fulfilment="delivery", scheduled_for=slot.start, now=now)
            placed = True
        else:
            with pytest.raises(SlotUnavailable) as refused:
                clock.hold_slot(fulfilment="delivery", scheduled_for=slot.start, now=now)
            assert refused.value.reason == slot.reason
            placed = False

        assert placed == slot.available
        after = SlotTaken.objects.get(start=slot.start).taken if placed or taken else 0
        assert after == (taken + 1 if placed else taken)
        assert after <= max(capacity, taken)
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    capacity=st.integers(1, 3),
    steps=st.lists(
        st.tuples(st.sampled_from(["place", "cancel", "move"]), st.integers(0, 2)),
        min_size=1,
        max_size=12,
    ),
)
def test_places_taken_always_match_the_orders_holding_them(capacity, steps):
    """Whatever is placed, cancelled and moved, each slot's counter is the number of orders
    that hold it and never more than its capacity."""
    with transaction.atomic():
        Restaurant.objects.update_or_create(
            pk=1, defaults={"timezone": "UTC", "lead_minutes": 0, "prep_minutes": 0}
        )
        for weekday in range(7):
            ServiceHours.objects.create(
                fulfilment="pickup",
                weekday=weekday,
                opens="00:00",
                closes="24:00",
                capacity=capacity,
            )
        day = timezone.now().date() + dt.timedelta(days=1)
        starts = [dt.datetime.combine(day, dt.time(12, 15 * i), tzinfo=dt.UTC) for i in range(3)]
        manager = make_user(groups=[roles.MANAGER])
        dish = make_menu_item()
        orders = []
        for action, which in steps:
            try:
                if action == "place":
                    customer = make_user()
                    add_to_cart(customer, dish, 1)
                    order, _ = services.order_place(
                        user=customer, fulfilment="pickup", scheduled_for=starts[which]
                    )
                    orders.append(order)
                elif orders:
                    order = orders[which % len(orders)]
                    change = (
                        {"state": "cancelled", "reason": "changed plans"}
                        if action == "cancel"
                        else {"slot": starts[which]}
                    )
                    services.order_update(order=order, by=manager, **change)
            except DomainError:
                pass  # a full slot, or a move the order cannot make: nothing changed

        held = Counter(Order.objects.exclude(state="cancelled").values_list("slot", flat=True))
        taken = dict(SlotTaken.objects.values_list("start", "taken"))
        assert {start: taken.get(start, 0) for start in starts} == {
            start: held.get(start, 0) for start in starts
        }
        assert all(count <= capacity for count in taken.values())
        transaction.set_rollback(True)
