"""The deliverer: each event fanned out to deliveries, each delivery attempt a job, recorded.

Events are rows (models.OrderEvent), written in the change's own transaction together with the
job that fans them out (`fan_out_event`), so a change that commits is announced and one that
rolls back enqueues nothing. Fanning out makes a pending delivery per subscribed webhook and
one `send` job for each; a send that fails enqueues the next attempt, WEBHOOK_RETRY_BASE
seconds doubled at each attempt later, until WEBHOOK_MAX_ATTEMPTS. The job engine
(LittleLemonDRF.jobs) runs each job once across all workers, and again if its worker dies
mid-attempt (at least once): the attempt count is the fencing token that keeps a stale run
from recording over a current one.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks_db.utils import exclusive_transaction
from rest_framework.fields import DateTimeField
from rest_framework.renderers import JSONRenderer

from ..errors import WebhookTargetRefused
from ..jobs import engine
from ..models import OrderEvent, Webhook, WebhookDelivery
from ..stream import LATE_COMMIT_WINDOW
from .addresses import public_addresses
from .endpoints import signing_secrets
from .signing import HEADER, sign
from .subjects import event_data
from .transport import TIMEOUT, Outcome, post

logger = logging.getLogger(__name__)

# The most one send may take: the timeout, and the name lookup and rendering around it. A
# worker's lease must be longer, or a send still under way would be made again.
SEND_BUDGET = timedelta(seconds=TIMEOUT + 5)
FAN_OUT_BATCH = 1000  # events turned into deliveries per webhook and sweep
FAN_OUT_LOCK = 0x4C4C_5748  # the advisory lock key of `fan_out` ("LLWH")
SWEEP_SECONDS = 60
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
    data = event_data(event)
    if data is None:
        return None
    body = {
        "id": event.pk,
        "type": event.type,
        "created": DateTimeField().to_representation(event.created),
        "data": data,
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


# --- Fanning out ------------------------------------------------------------------------


@task()
def fan_out_event(event_id: int) -> int:
    """The job enqueued with each event: its deliveries, and a send job for each."""
    return fan_out(event_id=event_id)


@engine.every(SWEEP_SECONDS)
@task()
def sweep() -> int:
    """Fan out any event whose own job has not (events written before jobs carried them)."""
    return fan_out()


def fan_out(*, event_id: int | None = None) -> int:
    """A pending delivery and its send job for each new event a webhook subscribes to.

    One event, or (without `event_id`) every recent one. Fan-outs take turns, so each
    delivery is made, and its first send enqueued, once. Event ids are handed out when a
    change writes its event, not when it commits: the sweep looks at the recent events again,
    so one whose transaction committed late is not skipped.
    """
    made = 0
    with exclusive_transaction():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FAN_OUT_LOCK])
        newest = WebhookDelivery.objects.filter(webhook=OuterRef("pk")).order_by("-event_id")
        hooks = Webhook.objects.select_for_update(of=("self",)).annotate(
            newest=Subquery(newest.values("event_id")[:1])
        )  # locked: a webhook deleted meanwhile waits, then takes its deliveries with it
        for webhook in hooks:
            events = _new_events(webhook, event_id)
            WebhookDelivery.objects.bulk_create(
                [WebhookDelivery(webhook=webhook, event_id=pk) for pk in events]
            )
            made_now = WebhookDelivery.objects.filter(webhook=webhook, event_id__in=events)
            for pk in made_now.order_by("event_id").values_list("pk", flat=True):
                send.enqueue(pk)
            made += len(events)
    return made


def _new_events(webhook: Webhook, event_id: int | None) -> list[int]:
    delivered = WebhookDelivery.objects.filter(webhook=webhook, event=OuterRef("pk"))
    events = OrderEvent.objects.filter(pk__gt=webhook.after_event_id, type__in=webhook.events)
    if event_id is not None:
        events = events.filter(pk=event_id)
    else:
        since = timezone.now() - LATE_COMMIT_WINDOW
        floor = max(webhook.after_event_id, webhook.newest or 0)
        events = events.filter(Q(pk__gt=floor) | Q(created__gte=since))
    events = events.filter(~Exists(delivered)).order_by("id").values_list("id", flat=True)
    return list(events[:FAN_OUT_BATCH])


# --- Sending ------------------------------------------------------------------------------


@task(takes_context=True)
def send(context: TaskContext, delivery_id: int) -> None:
    """One attempt of one delivery, as a job; a failure enqueues the next after the backoff."""
    delivery = begin(delivery_id)
    if delivery is not None:
        record(delivery, attempt(delivery), context=context)


def begin(delivery_id: int) -> WebhookDelivery | None:
    """Count the attempt about to be made; None when the delivery is settled or gone.

    Committed before the attempt is made, so an attempt whose worker dies still counts, and
    a stale run can no longer record its outcome.
    """
    with exclusive_transaction():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("webhook", "event")
            .filter(pk=delivery_id, status=PENDING)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    return delivery


def record(
    delivery: WebhookDelivery, outcome: Outcome, *, context: TaskContext | None = None
) -> None:
    """Settle the attempt: delivered, failed for good, or the next attempt enqueued.

    The outcome, the next attempt's job and the end of this one commit together.
    """
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
    with exclusive_transaction():
        # Only while this attempt is still the latest: the attempt count is its fencing token.
        if not _ours(delivery).update(**change):
            return
        if change["next_attempt_at"] is not None:
            send.using(run_after=change["next_attempt_at"]).enqueue(delivery.pk)
        if context is not None:
            engine.finish(context)
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


def _ours(delivery: WebhookDelivery):
    return WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, status=PENDING
    )
