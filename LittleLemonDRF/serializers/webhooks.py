"""Webhook registrations and their deliveries."""

from urllib.parse import urlsplit

from django.core.validators import URLValidator
from rest_framework import serializers

from ..models import WEBHOOK_URL_MAX, OrderEvent, Webhook, WebhookDelivery
from .common import UserRefSerializer
from .engine import ModelSerializer


class WebhookSerializer(ModelSerializer):
    """A registered endpoint, as lists and reads show it: never with its secret."""

    url = serializers.CharField(
        max_length=WEBHOOK_URL_MAX,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=(
            "http or https. A host that is or resolves to a loopback, private, link-local or "
            "otherwise reserved address is refused (unless the server allows it)."
        ),
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(OrderEvent.Type.choices),
        allow_empty=False,
        help_text="The event types to receive, each at most once.",
    )
    created_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "created", "created_by"]
        read_only_fields = ["id", "created", "created_by"]

    def validate_url(self, url: str) -> str:
        try:
            port = urlsplit(url).port
        except ValueError:  # out of range: urlsplit refuses it
            port = 0
        if port == 0:
            raise serializers.ValidationError("The port must be a number from 1 to 65535.")
        return url

    def validate_events(self, events: list[str]) -> list[str]:
        if len(set(events)) != len(events):
            raise serializers.ValidationError("Name each event type at most once.")
        return events


class WebhookCreatedSerializer(WebhookSerializer):
    """A webhook just registered: the one answer that shows its secret."""

    secret = serializers.CharField(
        read_only=True,
        help_text=(
            "Signs every delivery (LittleLemon-Signature). Shown in this response only: keep it."
        ),
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookDeliverySerializer(ModelSerializer):
    event_id = serializers.IntegerField(read_only=True, help_text="The event's id (its order).")
    event = serializers.ChoiceField(OrderEvent.Type.choices, source="event.type", read_only=True)
    next_attempt_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it is tried next; null once settled."
    )

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event_id", "event", *WebhookDelivery.OUTCOME_FIELDS]
        read_only_fields = fields
