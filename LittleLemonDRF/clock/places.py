"""Taking, giving back and moving an order's place in a slot, with the capacity held by the
database.

A place is taken by one statement that adds to the slot's counter row only while it is below
the capacity (an upsert whose update has a WHERE): concurrent placements queue on that row,
and the one that would pass the capacity changes nothing and is refused. Every transaction
that takes dishes' stock locks the dishes first and the slot's row after, and a move takes
and gives back its two slots' rows in order of their start, so none waits on another in a
circle.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import F
from django.db.models.signals import post_save
from django.utils import timezone

from ..errors import SlotMoveNotPossible, SlotNotOffered, SlotUnavailable, TimeNotOffered
from ..models import Order, SlotTaken
from . import slots as slot_rules
from .config import Config, config

MOVABLE = frozenset({Order.State.SCHEDULED, Order.State.PLACED, Order.State.ACCEPTED})


@dataclass(frozen=True)
class Hold:
    """The slot an order is placed in, and what follows from it for the new order."""

    slot: datetime | None
    asap: bool
    state: str = Order.State.PLACED
    release_at: datetime | None = None

    def fields(self) -> dict:
        return {
            "slot": self.slot,
            "asap": self.asap,
            "state": self.state,
            "release_at": self.release_at,
        }


def take(fulfilment: str, start: datetime, capacity: int) -> bool:
    """Take one place in the slot if one is left: one statement, True when taken."""
    table = connection.ops.quote_name(SlotTaken._meta.db_table)
    sql = (
        f"INSERT INTO {table} (fulfilment, start, taken) VALUES (%s, %s, 1) "
        f"ON CONFLICT (fulfilment, start) DO UPDATE SET taken = {table}.taken + 1 "
        f"WHERE {table}.taken < %s RETURNING taken"
    )
    value = connection.ops.adapt_datetimefield_value(start.astimezone(UTC))
    with connection.cursor() as cursor:
        cursor.execute(sql, [fulfilment, value, capacity])
        taken = cursor.fetchone() is not None
    if taken:  # the signal the ORM would have sent: lists of slots show the place taken
        row = SlotTaken(fulfilment=fulfilment, start=start)
        post_save.send(SlotTaken, instance=row, created=False, using=connection.alias)
    return taken


def give_back(fulfilment: str, start: datetime) -> None:
    SlotTaken.objects.filter(fulfilment=fulfilment, start=start, taken__gt=0).update(
        taken=F("taken") - 1
    )


def hold_slot(
    *, fulfilment: str, scheduled_for: datetime | None, now: datetime | None = None
) -> Hold:
    """Take a place for a new order: in the slot starting at `scheduled_for`, or in the first
    one available (as soon as possible). Without service hours for the fulfilment, no slot.

    Raises TimeNotOffered (a time that is no slot's start) or SlotUnavailable (closed,
    paused, too soon or full, with the next available start); the caller's transaction then
    rolls back whatever it did.
    """
    now = now or timezone.now()
    clock = config()
    if not clock.periods(fulfilment):
        if scheduled_for is not None:
            raise TimeNotOffered(f"There are no service hours for {fulfilment}; leave it out.")
        return Hold(slot=None, asap=True)
    if scheduled_for is None:
        slot = _first_free(clock, fulfilment, now)
    else:
        slot = _offered(clock, fulfilment, scheduled_for, now, TimeNotOffered)
        _take_or_refuse(clock, fulfilment, slot, now)
    release_at = slot.start - timedelta(minutes=clock.restaurant.prep_minutes)
    if release_at > now:
        return Hold(slot.start, scheduled_for is None, Order.State.SCHEDULED, release_at)
    return Hold(slot.start, scheduled_for is None)


def free_slot(order: Order) -> None:
    """Give back the place an order holds (cancelled, or deleted before it was)."""
    if order.slot is not None:
        give_back(order.fulfilment, order.slot)


def move_slot(order: Order, start: datetime, now: datetime | None = None) -> set[str]:
    """Move a locked order to the slot starting at `start`, checked as a new order's slot;
    the old place is given back. Returns the fields changed."""
    now = now or timezone.now()
    if order.state not in MOVABLE:
        raise SlotMoveNotPossible(order.state)
    clock = config()
    if not clock.periods(order.fulfilment):
        raise SlotNotOffered(f"There are no service hours for {order.fulfilment}.")
    slot = _offered(clock, order.fulfilment, start, now, SlotNotOffered)
    if order.slot is not None and order.slot == slot.start:
        return set()
    # Both rows in order of their start, as every move does.
    if order.slot is not None and order.slot < slot.start:
        free_slot(order)
        _take_or_refuse(clock, order.fulfilment, slot, now)
    else:
        _take_or_refuse(clock, order.fulfilment, slot, now)
        free_slot(order)
    order.slot, order.asap = slot.start, False
    fields = {"slot", "asap"}
    if order.state == Order.State.SCHEDULED:
        order.release_at = slot.start - timedelta(minutes=clock.restaurant.prep_minutes)
        fields.add("release_at")
    return fields


def _offered(
    clock: Config, fulfilment: str, start: datetime, now: datetime, error
) -> slot_rules.Slot:
    """The slot that starts exactly at `start`, on a day orders are taken for, else `error`."""
    if start <= now:
        raise error("That time has passed; choose a slot to come.")
    days = clock.restaurant.days_ahead
    # Compared in UTC first: a local date of the year 9999 may not exist.
    too_far = start > now + timedelta(days=days + 2)
    if too_far or start.astimezone(clock.zone).date() > slot_rules.last_day(clock, now):
        raise error(f"Orders are taken up to {days} days ahead; choose an earlier slot.")
    for slot in slot_rules.day_slots(clock, fulfilment, start.astimezone(clock.zone).date()):
        if slot.start == start:
            return slot
    raise error(f"No {fulfilment} slot starts then; GET /api/slots lists them.")


def _take_or_refuse(clock: Config, fulfilment: str, slot: slot_rules.Slot, now: datetime) -> None:
    why = slot_rules.reason(clock, slot, now)
    if why is None and not take(fulfilment, slot.start, slot.capacity):
        why = slot_rules.FULL
    if why is not None:
        after = slot_rules.next_available(clock, fulfilment, now, after=slot.start)
        raise SlotUnavailable(why, after and after.astimezone(clock.zone))


def _first_free(clock: Config, fulfilment: str, now: datetime) -> slot_rules.Slot:
    """Take the first slot with a place left, from now to the last day orders are taken for.

    The first candidate is tried straight away: one statement when it has room. Past a full
    one, each day's places are read first, so full slots cost nothing more.
    """
    day, tried = slot_rules.today(clock, now), False
    while day <= slot_rules.last_day(clock, now):
        if tried:
            candidates = slot_rules.slots(fulfilment, day, now, clock)
        else:
            candidates = [
                slot_rules.judged(clock, s, now)
                for s in slot_rules.day_slots(clock, fulfilment, day)
            ]
        for slot in candidates:
            if not slot.available:
                continue
            if take(fulfilment, slot.start, slot.capacity):
                return slot
            if not tried:
                tried = True
                break  # read the day's places, then go on from here
        else:
            day += timedelta(days=1)
    raise SlotUnavailable(None, None)
