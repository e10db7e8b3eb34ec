"""The restaurant's settings, service hours, closures and slots: JSON in and out."""

from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive
from rest_framework import serializers

from ..models import Closure, Restaurant, ServiceHours
from .engine import ModelSerializer

SLOT_FULFILMENTS = [ServiceHours.Fulfilment.DELIVERY, ServiceHours.Fulfilment.PICKUP]


class AwareDateTimeField(serializers.DateTimeField):
    """A date-time that carries its offset: a naive one is a 400, never a guess at a zone."""

    default_error_messages = {
        "naive": "Give the time with its offset, such as 2026-05-02T19:15:00+02:00.",
    }

    def to_internal_value(self, value):
        if isinstance(value, datetime):
            naive = is_naive(value)
        else:
            try:
                parsed = parse_datetime(str(value))
            except ValueError:
                parsed = None
            naive = parsed is not None and is_naive(parsed)
        if naive:
            self.fail("naive")
        return super().to_internal_value(value)


class RestaurantSerializer(ModelSerializer):
    """The restaurant's settings; every field has a default."""

    paused_until = AwareDateTimeField(
        allow_null=True,
        required=False,
        help_text="Until then no order is taken for a slot starting before it; null: no pause.",
    )
    extra_lead_until = AwareDateTimeField(
        allow_null=True,
        required=False,
        help_text="extra_lead_minutes are added to lead_minutes until then (a rush).",
    )

    class Meta:
        model = Restaurant
        fields = [
            "name",
            "timezone",
            "slot_minutes",
            "lead_minutes",
            "days_ahead",
            "prep_minutes",
            "paused_until",
            "extra_lead_minutes",
            "extra_lead_until",
            "tax_rate",
            "prices_include_tax",
            "delivery_fee",
            "free_delivery_from",
            "minimum_order",
            "reservation_minutes",
            "reservation_lead_minutes",
            "reservation_days_ahead",
            "no_show_grace_minutes",
        ]
        extra_kwargs = {
            "timezone": {"help_text": "An IANA time zone name, such as Europe/Rome."},
            "lead_minutes": {"help_text": "The earliest slot starts at least this long after now."},
            "days_ahead": {"help_text": "The latest day, from today, a slot may be taken for."},
            "prep_minutes": {
                "help_text": "A scheduled order goes to the kitchen this long before its slot."
            },
        }


class ServiceHoursSerializer(ModelSerializer):
    """A weekly period in which one fulfilment is served, in the restaurant's local time."""

    class Meta:
        model = ServiceHours
        fields = ["id", "fulfilment", "weekday", "opens", "closes", "capacity"]
        extra_kwargs = {
            "weekday": {"help_text": "0 = Monday ... 6 = Sunday."},
            "opens": {"help_text": '"HH:MM", local time.'},
            "closes": {"help_text": '"HH:MM" after opens; "24:00" is the end of the day.'},
            "capacity": {
                "required": False,
                "help_text": "Orders per slot, 1..1000; required except for table.",
            },
        }

    def validate(self, attrs):
        current = {name: getattr(self.instance, name, None) for name in self.fields}
        merged = current | attrs
        if merged["opens"] and merged["closes"] and merged["opens"] >= merged["closes"]:
            raise serializers.ValidationError({"closes": ["closes comes after opens."]})
        table = merged["fulfilment"] == ServiceHours.Fulfilment.TABLE
        if self.instance is None and not table and "capacity" not in attrs:
            raise serializers.ValidationError({"capacity": ["This field is required."]})
        return attrs


class ClosureSerializer(ModelSerializer):
    """A time in which nothing is served: [starts, ends)."""

    starts = AwareDateTimeField()
    ends = AwareDateTimeField(help_text="After starts; nothing is served until then.")

    class Meta:
        model = Closure
        fields = ["id", "starts", "ends", "reason"]

    def validate(self, attrs):
        starts = attrs.get("starts", getattr(self.instance, "starts", None))
        ends = attrs.get("ends", getattr(self.instance, "ends", None))
        if starts is not None and ends is not None and starts >= ends:
            raise serializers.ValidationError({"ends": ["ends comes after starts."]})
        return attrs


class SlotQuerySerializer(serializers.Serializer):
    fulfilment = serializers.ChoiceField(SLOT_FULFILMENTS)
    date = serializers.DateField(required=False, help_text="Default: today, local.")


class SlotSerializer(serializers.Serializer):
    """A slot of a day (the schema's shape; the view builds the same keys)."""

    start = serializers.DateTimeField(help_text="With the restaurant's local offset.")
    end = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    taken = serializers.IntegerField(help_text="Orders holding it, every state but cancelled.")
    available = serializers.BooleanField()
    reason = serializers.ChoiceField(
        ["closed", "paused", "too_soon", "full"],
        allow_null=True,
        help_text="null when available, else the first that applies.",
    )

    @staticmethod
    def of(slot) -> dict:
        return {
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "capacity": slot.capacity,
            "taken": slot.taken,
            "available": slot.available,
            "reason": slot.reason,
        }
