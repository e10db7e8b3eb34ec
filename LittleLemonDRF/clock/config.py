"""The restaurant's settings, service hours and closures, read once and kept until one changes.

Placing an order and listing slots both need them; read from the shared cache (caching.py,
namespace CLOCK) they cost no query. cache_dependencies.py declares what they are read from,
so any write of those models forgets them.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from .. import caching
from ..models import Closure, Restaurant, ServiceHours

# Closures that ended this long ago no longer touch any slot a client can ask for.
CLOSURES_KEPT = timedelta(days=2)


@dataclass(frozen=True)
class Period:
    weekday: int
    opens: int  # minutes after local midnight
    closes: int  # up to 1440
    capacity: int


@dataclass(frozen=True)
class Config:
    """What the clock needs to know: the settings row and the periods and closures."""

    restaurant: Restaurant
    hours: dict[str, tuple[Period, ...]] = field(default_factory=dict)
    closures: tuple[tuple[datetime, datetime], ...] = ()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.restaurant.timezone)

    def periods(self, fulfilment: str, weekday: int | None = None) -> tuple[Period, ...]:
        periods = self.hours.get(fulfilment, ())
        if weekday is None:
            return periods
        return tuple(period for period in periods if period.weekday == weekday)


def minutes(text: str) -> int:
    """ "HH:MM" as minutes after midnight ("24:00" is 1440)."""
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def config() -> Config:
    """The clock's configuration as it is now: from the cache, else read and kept."""
    kept = caching.get(caching.CLOCK, "config")
    if kept is not None:
        return kept
    built = read_config()
    caching.put(caching.CLOCK, "config", built)
    return built


def read_config() -> Config:
    restaurant = Restaurant.load()
    hours: dict[str, list[Period]] = {}
    for row in ServiceHours.objects.order_by("weekday", "opens"):
        period = Period(row.weekday, minutes(row.opens), minutes(row.closes), row.capacity)
        hours.setdefault(row.fulfilment, []).append(period)
    closures = Closure.objects.filter(ends__gt=timezone.now() - CLOSURES_KEPT).order_by("starts")
    return Config(
        restaurant=restaurant,
        hours={name: tuple(periods) for name, periods in hours.items()},
        closures=tuple(closures.values_list("starts", "ends")),
    )
