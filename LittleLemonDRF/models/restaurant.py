"""The restaurant's settings, its weekly service hours, its closures, and the places its slots
have given out."""

import functools
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from ..cache_dependencies import ReportingQuerySet
from .bounds import PRICE_MAX

SLOT_MINUTES = (5, 10, 15, 20, 30, 60)
CAPACITY_MAX = 1000
MONEY_RULE = f"An amount is at least 0.00 and at most {PRICE_MAX}."


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(name: str) -> None:
    if name not in _zone_names():
        raise ValidationError(f"{name!r} is not an IANA time zone name (such as Europe/Rome).")


def default_timezone() -> str:
    return settings.TIME_ZONE


def _range(low, high):
    return [MinValueValidator(low), MaxValueValidator(high)]


def _money(**options):
    validators = [
        MinValueValidator(Decimal("0.00"), MONEY_RULE),
        MaxValueValidator(PRICE_MAX, MONEY_RULE),
    ]
    return models.DecimalField(max_digits=8, decimal_places=2, validators=validators, **options)


class Restaurant(models.Model):
    """The one restaurant's settings; every field has a default, so a fresh install works.

    Read through clock.config() (cached until a setting changes), written through
    services.restaurant_update.
    """

    name = models.CharField(max_length=255, default="Little Lemon")
    timezone = models.CharField(
        max_length=64, default=default_timezone, validators=[validate_timezone]
    )
    slot_minutes = models.PositiveSmallIntegerField(
        default=15, choices=[(n, f"{n} minutes") for n in SLOT_MINUTES]
    )
    lead_minutes = models.PositiveSmallIntegerField(default=20, validators=_range(0, 1440))
    days_ahead = models.PositiveSmallIntegerField(default=7, validators=_range(0, 60))
    prep_minutes = models.PositiveSmallIntegerField(default=30, validators=_range(0, 240))
    paused_until = models.DateTimeField(null=True, blank=True)
    extra_lead_minutes = models.PositiveSmallIntegerField(default=0, validators=_range(0, 240))
    extra_lead_until = models.DateTimeField(null=True, blank=True)
    tax_rate = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=_range(Decimal("0.00"), Decimal("50.00")),
        help_text="Percent.",
    )
    prices_include_tax = models.BooleanField(default=True)
    delivery_fee = _money(default=Decimal("0.00"))
    free_delivery_from = _money(null=True, blank=True)
    minimum_order = _money(default=Decimal("0.00"))
    reservation_minutes = models.PositiveSmallIntegerField(default=90, validators=_range(15, 480))
    reservation_lead_minutes = models.PositiveSmallIntegerField(
        default=60, validators=_range(0, 1440)
    )
    reservation_days_ahead = models.PositiveSmallIntegerField(default=30, validators=_range(0, 365))
    no_show_grace_minutes = models.PositiveSmallIntegerField(default=15, validators=_range(0, 240))

    objects = ReportingQuerySet.as_manager()

    class Meta:
        verbose_name = "restaurant settings"
        verbose_name_plural = "restaurant settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="restaurant_one_row"),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def load(cls) -> "Restaurant":
        """The one row, made with the defaults on first use."""
        return cls.objects.get_or_create(pk=1)[0]


TIME_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
OPENS_RULE = "A time is HH:MM, from 00:00 to 23:59."
CLOSES_RULE = "A time is HH:MM, from 00:00 to 24:00."


class ServiceHours(models.Model):
    """A weekly period in which one fulfilment is served, in the restaurant's local time.

    Times are "HH:MM" text, which sorts as time does and lets `closes` be "24:00" (the end of
    the day, which a time of day cannot be).
    """

    class Fulfilment(models.TextChoices):
        DELIVERY = "delivery"
        PICKUP = "pickup"
        TABLE = "table"

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    fulfilment = models.CharField(max_length=8, choices=Fulfilment.choices)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.CharField(max_length=5, validators=[RegexValidator(TIME_RE, OPENS_RULE)])
    closes = models.CharField(
        max_length=5, validators=[RegexValidator(f"{TIME_RE}|^24:00$", CLOSES_RULE)]
    )
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=_range(1, CAPACITY_MAX), help_text="Orders per slot."
    )

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["fulfilment", "weekday", "opens"]
        verbose_name = "service hours"
        verbose_name_plural = "service hours"
        constraints = [
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="hours_opens_first"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=CAPACITY_MAX),
                name="hours_capacity_in_range",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="hours_weekday_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.fulfilment} {self.get_weekday_display()} {self.opens}-{self.closes}"


class Closure(models.Model):
    """A time in which nothing is served: [starts, ends)."""

    starts = models.DateTimeField()
    ends = models.DateTimeField()
    reason = models.CharField(max_length=255, blank=True, default="")

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["starts", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts__lt=F("ends")), name="closure_starts_first"),
        ]

    def __str__(self):
        return f"Closed {self.starts:%Y-%m-%d %H:%M} to {self.ends:%Y-%m-%d %H:%M}"


class SlotTaken(models.Model):
    """How many orders hold a slot: the counter placing, moving and cancelling change.

    A slot's capacity holds because the one statement that takes a place adds to this row
    only while it is below the capacity (clock/places.py), so concurrent placements queue on
    the row instead of each counting orders on their own.
    """

    fulfilment = models.CharField(max_length=8)
    start = models.DateTimeField()
    taken = models.PositiveIntegerField(default=0)

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["start", "fulfilment"]
        verbose_name = "slot places taken"
        verbose_name_plural = "slot places taken"
        constraints = [
            models.UniqueConstraint(fields=["fulfilment", "start"], name="slot_taken_one_row"),
            models.CheckConstraint(condition=Q(taken__gte=0), name="slot_taken_not_negative"),
        ]

    def __str__(self):
        return f"{self.fulfilment} {self.start:%Y-%m-%d %H:%M}: {self.taken}"
