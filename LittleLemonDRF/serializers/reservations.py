"""Tables and reservations: the one shape of each, what clients send, and the capstone's."""

import re

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from .. import clock
from ..models import NOTE_MAX, Reservation, Table
from ..models.tables import PHONE_MAX, SEATS_MAX, SEATS_MIN, TABLE_NAME_MAX
from .common import UserRefSerializer
from .engine import ModelSerializer

User = get_user_model()

PHONE_RE = re.compile(r"^[0-9+()\- ]*$")
OFFSET_RE = re.compile(r"(Z|[+-]\d\d(:?\d\d)?)$", re.IGNORECASE)
PARTY_MAX = SEATS_MAX


class LocalDateTimeField(serializers.DateTimeField):
    """A date-time shown in the restaurant's zone, with its offset; one sent must carry an
    offset (or Z): a naive time is refused, never guessed."""

    def default_timezone(self):
        return clock.config().zone

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)  # a malformed time: DRF's format message
        # DRF would read a naive time in the server's zone; the offset must be given.
        naive = isinstance(value, str) and not OFFSET_RE.search(value.strip())
        if naive or timezone.is_naive(moment):
            raise serializers.ValidationError(
                "Give the time with its offset, such as 2026-05-01T19:30:00+02:00."
            )
        return moment


class TableSerializer(ModelSerializer):
    name = serializers.CharField(max_length=TABLE_NAME_MAX)
    seats = serializers.IntegerField(min_value=SEATS_MIN, max_value=SEATS_MAX)

    class Meta:
        model = Table
        fields = ["id", "name", "seats", "active"]
        read_only_fields = ["id"]

    def validate_name(self, name: str) -> str:
        taken = Table.objects.filter(name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A table with this name already exists.")
        return name


class TableRefSerializer(ModelSerializer):
    class Meta:
        model = Table
        fields = ["id", "name"]
        read_only_fields = fields


class ReservationSerializer(ModelSerializer):
    """A reservation, the one shape every answer (and every webhook) about one uses.

    Expects user and table joined (selectors.reservation_list_for).
    """

    user = UserRefSerializer(read_only=True)
    table = TableRefSerializer(read_only=True, allow_null=True)
    start = LocalDateTimeField(read_only=True)
    end = LocalDateTimeField(read_only=True, help_text="start + reservation_minutes.")

    class Meta:
        model = Reservation
        fields = [
            "id",
            "user",
            "name",
            "phone",
            "party_size",
            "start",
            "end",
            "table",
            "status",
            "note",
            "created",
        ]
        read_only_fields = fields


def _phone(value: str) -> str:
    if not PHONE_RE.match(value):
        raise serializers.ValidationError("A phone number has only digits, spaces and + ( ) -.")
    return value


class ReservationCreateSerializer(serializers.Serializer):
    start = LocalDateTimeField(help_text="A start of the table hours' grid, with its offset.")
    party_size = serializers.IntegerField(min_value=1, max_value=PARTY_MAX)
    name = serializers.CharField(
        max_length=255, required=False, allow_blank=True, help_text="Defaults to your username."
    )
    phone = serializers.CharField(
        max_length=PHONE_MAX, required=False, allow_blank=True, validators=[_phone]
    )
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)


class ReservationUpdateSerializer(serializers.Serializer):
    """A change to a reservation; `fields` keeps those the caller may change."""

    status = serializers.ChoiceField(Reservation.Status.choices, required=False)
    table = serializers.PrimaryKeyRelatedField(
        queryset=Table.objects.all(), required=False, help_text="A table's id (managers)."
    )
    party_size = serializers.IntegerField(min_value=1, max_value=PARTY_MAX, required=False)
    start = LocalDateTimeField(required=False)
    name = serializers.CharField(max_length=255, required=False)
    phone = serializers.CharField(
        max_length=PHONE_MAX, required=False, allow_blank=True, validators=[_phone]
    )
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"detail": ["Send at least one field to change."]})
        return attrs


class AvailabilityQuerySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A local day, YYYY-MM-DD.")
    party_size = serializers.IntegerField(min_value=1, max_value=PARTY_MAX)


class AvailableStartSerializer(serializers.Serializer):
    start = LocalDateTimeField(read_only=True)


class ReservationListQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="A local day, YYYY-MM-DD.")
    status = serializers.ChoiceField(Reservation.Status.choices, required=False)


# --- The capstone's booking API --------------------------------------------------------------

# The capstone's names for a reservation's fields.
BOOKING_NAMES = {"name": "name", "no_of_guests": "party_size", "booking_date": "start"}


class BookingSerializer(serializers.Serializer):
    """A reservation as the Little Lemon capstone's Booking: `booking_date` is its start."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=255)
    no_of_guests = serializers.IntegerField(min_value=1, max_value=PARTY_MAX, source="party_size")
    booking_date = LocalDateTimeField(source="start")


class CapstoneMenuItemSerializer(serializers.Serializer):
    """A dish as the capstone's menu shows it; `inventory` is its counted stock, or null."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    price = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    inventory = serializers.IntegerField(read_only=True, allow_null=True, source="stock")
