"""Which slots a day has, and whether each can be taken: the one rule for the list and for
placing, moving and refusing an order.

Wall-clock rules are computed in the restaurant's own zone: a slot starts at a period's
`opens` and every `slot_minutes` after it while it ends by `closes`. A local time that does
not exist (the hour skipped in spring) has no slot; one that occurs twice (the hour repeated
in autumn) has one, at its first occurrence.
"""

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from ..models import SlotTaken
from .config import Config
from .config import config as current_config

CLOSED, PAUSED, TOO_SOON, FULL = "closed", "paused", "too_soon", "full"
REASONS = (CLOSED, PAUSED, TOO_SOON, FULL)


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, in the restaurant's zone
    end: datetime
    capacity: int
    taken: int | None = None  # None: not read (placing asks the database instead)
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.reason is None


def local_time(day: date, minute: int, zone) -> datetime | None:
    """The aware time `minute` minutes after local midnight of `day` by the wall clock, or None
    where the clock skips it. A time that occurs twice is taken at its first occurrence."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    aware = naive.replace(tzinfo=zone)  # fold=0: the first occurrence
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return aware


def _instant(day: date, minute: int, zone) -> datetime:
    """As local_time, but a skipped time becomes the moment the clock jumped past it."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def day_slots(config: Config, fulfilment: str, day: date) -> tuple[Slot, ...]:
    """The day's slots of the fulfilment, oldest first, with no reason judged yet."""
    restaurant = config.restaurant
    periods = config.periods(fulfilment, day.weekday())
    return _wall_slots(restaurant.timezone, restaurant.slot_minutes, periods, day)


@functools.lru_cache(maxsize=1024)
def _wall_slots(zone_name: str, step: int, periods: tuple, day: date) -> tuple[Slot, ...]:
    # A pure function of its arguments, so it is kept: the same day is asked for again and again.
    zone = ZoneInfo(zone_name)
    found = []
    for period in periods:
        for minute in range(period.opens, period.closes - step + 1, step):
            start = local_time(day, minute, zone)
            if start is not None:
                found.append(Slot(start, _instant(day, minute + step, zone), period.capacity))
    return tuple(sorted(found, key=lambda slot: slot.start))


def earliest_start(config: Config, now: datetime) -> datetime:
    """The first moment a slot may start when ordered now: lead time, plus the rush's."""
    restaurant = config.restaurant
    lead = restaurant.lead_minutes
    if restaurant.extra_lead_until is not None and now < restaurant.extra_lead_until:
        lead += restaurant.extra_lead_minutes
    return now + timedelta(minutes=lead)


@dataclass(frozen=True)
class Rules:
    """What decides whether a slot can be taken, as it stands at one moment."""

    closures: tuple[tuple[datetime, datetime], ...]
    paused_until: datetime | None  # None: no pause now
    earliest: datetime

    @classmethod
    def at(cls, config: Config, now: datetime) -> "Rules":
        paused_until = config.restaurant.paused_until
        if paused_until is not None and paused_until <= now:
            paused_until = None  # a pause ends by itself
        return cls(config.closures, paused_until, earliest_start(config, now))

    def reason(self, start: datetime, end: datetime, capacity: int, taken: int | None):
        """Why a slot cannot be taken (the first of REASONS that applies), or None.

        `full` is judged only where `taken` was read; placing takes the place in one
        statement that refuses a full slot by the same rule (places.take).
        """
        if any(starts < end and start < ends for starts, ends in self.closures):
            return CLOSED
        if self.paused_until is not None and start < self.paused_until:
            return PAUSED
        if start < self.earliest:
            return TOO_SOON
        if taken is not None and taken >= capacity:
            return FULL
        return None


def reason(config: Config, slot: Slot, now: datetime) -> str | None:
    """Why the slot cannot be taken now, or None: the one rule for the list and for placing."""
    return Rules.at(config, now).reason(slot.start, slot.end, slot.capacity, slot.taken)


def judged(config: Config, slot: Slot, now: datetime, taken: int | None = None) -> Slot:
    why = Rules.at(config, now).reason(slot.start, slot.end, slot.capacity, taken)
    return Slot(slot.start, slot.end, slot.capacity, taken, why)


def today(config: Config, now: datetime) -> date:
    return now.astimezone(config.zone).date()


def last_day(config: Config, now: datetime) -> date:
    return today(config, now) + timedelta(days=config.restaurant.days_ahead)


def taken_counts(fulfilment: str, slots) -> dict[datetime, int]:
    """The places taken in these slots, by start: one query. (Aware date-times of different
    zones are equal, and hash alike, when they are the same instant.)"""
    if not slots:
        return {}
    rows = SlotTaken.objects.filter(
        fulfilment=fulfilment, start__gte=slots[0].start, start__lte=slots[-1].start
    ).values_list("start", "taken")
    return dict(rows)


def slots(
    fulfilment: str, day: date, now: datetime | None = None, clock: Config | None = None
) -> list[Slot]:
    """The day's slots with their places taken and the reason each cannot be taken (or None).

    The list GET /api/slots gives; placing an order judges a slot by the same reason().
    """
    config = clock or current_config()
    now = now or timezone.now()
    found = day_slots(config, fulfilment, day)
    counts = taken_counts(fulfilment, found)
    rules = Rules.at(config, now)
    judged_slots = []
    for slot in found:
        taken = counts.get(slot.start, 0)
        why = rules.reason(slot.start, slot.end, slot.capacity, taken)
        judged_slots.append(Slot(slot.start, slot.end, slot.capacity, taken, why))
    return judged_slots


def valid_until(config: Config, found: list[Slot], now: datetime) -> datetime:
    """Until when the reasons of these slots stay as they are with nothing written: the next
    moment a slot turns too soon, or a pause or a rush ends (an hour from now at most)."""
    rules = Rules.at(config, now)
    lead = rules.earliest - now
    moments = [now + timedelta(hours=1)]
    moments += [slot.start - lead for slot in found if slot.start >= rules.earliest][:1]
    for end in (config.restaurant.paused_until, config.restaurant.extra_lead_until):
        if end is not None and end > now:
            moments.append(end)
    return min(moments)


def next_available(
    config: Config, fulfilment: str, now: datetime, after: datetime | None = None
) -> datetime | None:
    """The start of the first slot that can be taken now, after `after` (else from now), up
    to the last day orders are taken for; None when there is none."""
    day = today(config, now)
    if after is not None:
        day = max(day, after.astimezone(config.zone).date())
    while day <= last_day(config, now):
        for slot in slots(fulfilment, day, now, config):
            if slot.available and (after is None or slot.start > after):
                return slot.start
        day += timedelta(days=1)
    return None
