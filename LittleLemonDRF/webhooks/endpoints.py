"""Webhook endpoints: registering, rotating a secret, removing, and which secrets sign."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ..models import OrderEvent, Webhook
from .addresses import public_addresses
from .signing import new_secret

# How long the replaced secret still signs beside the new one: a day for receivers to switch.
ROTATION_OVERLAP = timedelta(hours=24)


def webhook_register(*, user, url: str, events: list[str]) -> Webhook:
    """Register an endpoint for the events after this moment, with a fresh secret."""
    public_addresses(url)
    newest = OrderEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return Webhook.objects.create(
        url=url,
        events=events,
        secret=new_secret(),
        created_by=user,
        after_event_id=newest or 0,
    )


def webhook_rotate_secret(*, webhook: Webhook, now: datetime | None = None) -> Webhook:
    """Give the endpoint a new secret; the one it replaces signs beside it for a day.

    Only the secret just replaced keeps signing: a second rotation within the day ends the
    first secret's overlap at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Locked: two rotations at once must not both keep the same previous secret.
        webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        webhook.previous_secret = webhook.secret
        webhook.previous_secret_until = now + ROTATION_OVERLAP
        webhook.secret = new_secret()
        webhook.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return webhook


def signing_secrets(webhook: Webhook, now: datetime) -> list[str]:
    """The secrets a delivery sent at `now` is signed with: the current one first, then the
    one a rotation replaced, while its overlap lasts."""
    until = webhook.previous_secret_until
    if webhook.previous_secret and until is not None and now < until:
        return [webhook.secret, webhook.previous_secret]
    return [webhook.secret]


def webhook_delete(*, webhook: Webhook) -> None:
    """Remove an endpoint and its deliveries; a send under way is recorded nowhere."""
    webhook.delete()


def delivery_list(webhook: Webhook):
    """The webhook's deliveries, newest event first."""
    return webhook.deliveries.select_related("event").order_by("-event_id", "-id")
