"""The deliverer: events fanned out to deliveries, claimed under a lease, sent, recorded.

Events are rows (models.OrderEvent), written in the change's own transaction. A deliverer
(`manage.py deliver_webhooks`, never a request) turns each new event into a pending delivery
per subscribed webhook (fan-out), claims due deliveries under a lease, sends them outside any
transaction and records the outcome. Several deliverers may run at once: a claim skips rows
another one holds, and pushes the delivery's next attempt past the lease, so an attempt goes
out once; a deliverer killed mid-attempt leaves its claim to run out, and the attempt is made
again then (at least once).
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, close_old_connections, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from rest_framework.fields import DateTimeField
from rest_framework.renderers import JSONRenderer

from .. import selectors
from ..errors import WebhookTargetRefused
from ..models import OrderEvent, Webhook, WebhookDelivery
from ..serializers import OrderSerializer
from ..stream import LATE_COMMIT_WINDOW
from .addresses import public_addresses
from .endpoints import signing_secrets
from .signing import HEADER, sign
from .transport import TIMEOUT, Outcome, post

logger = logging.getLogger(__name__)

# The most one send may take: the timeout, and the name lookup and rendering around it.
SEND_BUDGET = timedelta(seconds=TIMEOUT + 5)
LEASE = timedelta(seconds=60)
POLL_SECONDS = 1.0
FAN_OUT_BATCH = 1000  # events turned into deliveries per webhook and loop
# Past a day, waiting longer helps nobody, and a large WEBHOOK_MAX_ATTEMPTS would overflow.
MAX_BACKOFF = timedelta(days=1)
ERROR_MAX = 500
ORDER_GONE = "The order was deleted before the event could be sent; nothing was sent."
PENDING = WebhookDelivery.Status.PENDING


# --- What is sent -------------------------------------------------------------------------


def payload(event: OrderEvent) -> bytes | None:
    """The body of the event's deliveries, with the order as it is now; None once deleted.

    The order has the shape GET /api/orders/{id} shows, from the same serializer and renderer.
    """
    order = selectors.order_list().filter(pk=event.order_id).first()
    if order is None:
        return None
    body = {
        "id": event.pk,
        "type": event.type,
        "created": DateTimeField().to_representation(event.created),
        "data": OrderSerializer(order).data,
    }
    return JSONRenderer().render(body)


def attempt(delivery: WebhookDelivery, *, now: datetime | None = None) -> Outcome:
    """Send the delivery once, now (`now` stands in for the clock), and say how it went."""
    now = now or timezone.now()
    body = payload(delivery.event)
    if body is None:
        return Outcome(error=ORDER_GONE, final=True)
    try:
        address = public_addresses(delivery.webhook.url)[0]
    except WebhookTargetRefused as refused:
        return Outcome(error=refused.message)
    keys = signing_secrets(delivery.webhook, now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "LittleLemon-Webhooks/1.0",
        "LittleLemon-Event-Id": str(delivery.event_id),
        HEADER: sign(keys, body, int(now.timestamp())),
    }
    return post(delivery.webhook.url, address, headers, body)


# --- Delivering ---------------------------------------------------------------------------


def fan_out() -> int:
    """A pending delivery for each new event a webhook subscribes to; how many were made.

    Safe to run in several deliverers at once (a delivery is unique per webhook and event).
    Event ids are handed out when a change writes its event, not when it commits: the
    recent events are looked at again, so one whose transaction committed late is not skipped.
    """
    since = timezone.now() - LATE_COMMIT_WINDOW
    newest = WebhookDelivery.objects.filter(webhook=OuterRef("pk")).order_by("-event_id")
    made = 0
    for webhook in Webhook.objects.annotate(newest=Subquery(newest.values("event_id")[:1])):
        floor = max(webhook.after_event_id, webhook.newest or 0)
        delivered = WebhookDelivery.objects.filter(webhook=webhook, event=OuterRef("pk"))
        events = (
            OrderEvent.objects.filter(pk__gt=webhook.after_event_id, type__in=webhook.events)
            .filter(Q(pk__gt=floor) | Q(created__gte=since))
            .filter(~Exists(delivered))
            .order_by("id")
            .values_list("id", flat=True)[:FAN_OUT_BATCH]
        )
        rows = [WebhookDelivery(webhook=webhook, event_id=pk) for pk in events]
        try:
            with transaction.atomic():
                WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        except DatabaseError:  # the webhook was deleted meanwhile
            continue
        made += len(rows)
    return made


def claim(*, lease: timedelta, limit: int) -> list[WebhookDelivery]:
    """Take up to `limit` due deliveries for this deliverer, each attempt counted.

    Rows another deliverer is claiming are skipped, not waited for; a claimed delivery is due
    again only after the lease, so nobody else sends it meanwhile, and if this deliverer dies,
    it is sent again once the lease has run out.
    """
    now = timezone.now()
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook", "event")
            .filter(status=PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in due]).update(
            attempts=F("attempts") + 1, next_attempt_at=now + lease
        )
    for delivery in due:
        delivery.attempts += 1
    return due


def record(delivery: WebhookDelivery, outcome: Outcome) -> None:
    """Settle the attempt: delivered, failed for good, or due again after the backoff."""
    now = timezone.now()
    error = outcome.error[:ERROR_MAX] if outcome.error else None
    change = {"last_status_code": outcome.status_code, "last_error": error}
    if outcome.delivered:
        change |= {"status": WebhookDelivery.Status.DELIVERED, "delivered_at": now}
        change["next_attempt_at"] = None
    elif outcome.final or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        change |= {"status": WebhookDelivery.Status.FAILED, "next_attempt_at": None}
    else:
        change["next_attempt_at"] = now + backoff(delivery.attempts)
    # Only while the claim is still this one: the attempt count is its fencing token.
    _ours(delivery).update(**change)
    logger.info(
        "Webhook %s, event %s, attempt %s: %s",
        delivery.webhook_id,
        delivery.event_id,
        delivery.attempts,
        "delivered" if outcome.delivered else error,
    )


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: the base, doubled at each attempt."""
    seconds = settings.WEBHOOK_RETRY_BASE * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, MAX_BACKOFF.total_seconds()))


def release(deliveries: list[WebhookDelivery]) -> None:
    """Give back claimed deliveries that were not sent: due now, their attempt not counted."""
    for delivery in deliveries:
        _ours(delivery).update(attempts=F("attempts") - 1, next_attempt_at=timezone.now())


def _ours(delivery: WebhookDelivery):
    return WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, status=PENDING
    )


def _never() -> bool:
    return False


def deliver_due(*, lease: timedelta = LEASE, stopping: Callable[[], bool] = _never) -> int:
    """Claim and send what is due, batch by batch, until nothing is; how many were sent."""
    if lease < SEND_BUDGET:
        raise ValueError(f"A lease must be at least {SEND_BUDGET}: one send may take that long.")
    # A batch is sent one by one within its lease.
    limit = max(1, int(lease / SEND_BUDGET))
    sent = 0
    while not stopping():
        batch = claim(lease=lease, limit=limit)
        if not batch:
            break
        sent += _send(batch, lease, stopping)
    return sent


def _send(batch: list[WebhookDelivery], lease: timedelta, stopping: Callable[[], bool]) -> int:
    claimed = time.monotonic()
    for done, delivery in enumerate(batch):
        # A send that could outlast the lease might meet another deliverer's claim of it. The
        # first always fits: it was claimed a moment ago, for at least SEND_BUDGET.
        elapsed = timedelta(seconds=time.monotonic() - claimed)
        if stopping() or (done and elapsed + SEND_BUDGET > lease):
            release(batch[done:])
            return done
        record(delivery, attempt(delivery))
    return len(batch)


def run(*, lease: timedelta = LEASE, stopping: Callable[[], bool]) -> None:
    """Fan out and deliver about once a second until `stopping()`; outlives database outages."""
    while not stopping():
        try:
            close_old_connections()  # CONN_MAX_AGE and health checks, as between requests
            fan_out()
            deliver_due(lease=lease, stopping=stopping)
        except (DatabaseError, InterfaceError):
            logger.exception("Webhook deliveries paused: the database did not answer")
            connection.close()  # a fresh connection next time round
        _nap(POLL_SECONDS, stopping)


def _nap(seconds: float, stopping: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while not stopping() and time.monotonic() < end:
        time.sleep(0.05)
