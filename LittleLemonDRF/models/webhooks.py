"""Webhook endpoints and their deliveries, one per event and endpoint."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .events import OrderEvent

WEBHOOK_URL_MAX = 2000


class Webhook(models.Model):
    """An endpoint that receives order events by HTTP POST, signed with its secret."""

    url = models.URLField(max_length=WEBHOOK_URL_MAX)
    events = models.JSONField(default=list, help_text="The event types it receives.")
    secret = models.CharField(max_length=100, editable=False)
    # The secret a rotation replaced, still signing beside the new one until
    # previous_secret_until, so a receiver can switch without losing an event.
    previous_secret = models.CharField(max_length=100, blank=True, default="", editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The newest event when it was registered: it receives the events after that one only.
    after_event_id = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one webhook: pending until a 2xx answers it or its attempts run out."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    # How it went: what the API and the admin show of a delivery, beside what was sent where.
    OUTCOME_FIELDS = (
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OrderEvent, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # NULL is "no error yet", which the API shows as null rather than "".
    last_error = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001
    # When a pending delivery is due (a deliverer's claim pushes it on); NULL once settled.
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-event_id", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event"], name="webhookdelivery_once"),
        ]
        indexes = [
            # What deliverers claim: the pending deliveries that are due, soonest first.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="webhookdelivery_due",
            ),
        ]

    def __str__(self):
        return f"event #{self.event_id} to {self.webhook_id}: {self.status}"
