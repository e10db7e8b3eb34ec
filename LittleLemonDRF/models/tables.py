"""The dining room: tables, and the reservations that hold them for a while."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .bounds import IDEMPOTENCY_KEY_MAX, NOTE_MAX

SEATS_MIN, SEATS_MAX = 1, 30
TABLE_NAME_MAX = 50
PHONE_MAX = 30
SEATS_RULE = f"A table has from {SEATS_MIN} to {SEATS_MAX} seats."
# PostgreSQL's exclusion constraint (migration 0010): no two holding reservations of one
# table overlap in time. Named here so the services recognise its violation.
NO_OVERLAP = "reservation_no_overlap"


class Table(models.Model):
    """A table of the dining room; only active ones are offered to new reservations."""

    name = models.CharField(max_length=TABLE_NAME_MAX, unique=True)
    seats = models.PositiveSmallIntegerField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats__gte=SEATS_MIN, seats__lte=SEATS_MAX),
                name="table_seats_in_range",
                violation_error_message=SEATS_RULE,
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.seats})"


class Reservation(models.Model):
    """A party's hold on one table for [start, end); only confirmed and seated ones hold it."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed"
        SEATED = "seated"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        NO_SHOW = "no_show"

    # The statuses in which a reservation holds its table.
    HOLDING = frozenset({Status.CONFIRMED, Status.SEATED})

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reservations"
    )
    name = models.CharField(max_length=255)
    phone = models.CharField(max_length=PHONE_MAX, blank=True, default="")
    party_size = models.PositiveSmallIntegerField()
    start = models.DateTimeField(db_index=True)
    # Fixed when taken: a later change of reservation_minutes does not move it.
    end = models.DateTimeField()
    # A table may go once nothing ahead holds it; past reservations then keep no table.
    table = models.ForeignKey(
        Table, on_delete=models.SET_NULL, null=True, blank=True, related_name="reservations"
    )
    status = models.CharField(
        max_length=9, choices=Status.choices, default=Status.CONFIRMED, db_index=True
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True, default="")
    created = models.DateTimeField(default=timezone.now, editable=False)
    idempotency_key = models.CharField(
        max_length=IDEMPOTENCY_KEY_MAX, blank=True, default="", editable=False
    )

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="reservation_ends_later"),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="reservation_has_guests"),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="reservation_idempotency_key_per_user",
            ),
        ]
        indexes = [models.Index(fields=["table", "start"], name="reservation_table_start")]

    def __str__(self):
        return (
            f"Reservation #{self.pk}: {self.name}, {self.party_size} at {self.start:%Y-%m-%d %H:%M}"
        )

    @property
    def holds_table(self) -> bool:
        return self.status in self.HOLDING
