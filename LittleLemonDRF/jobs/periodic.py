"""The periodic jobs: releasing scheduled orders, and the clean-ups.

Each is safe to run twice and works in batches, so a worker killed in the middle leaves rows
either cleaned or waiting for the next run, never half of one.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from .. import clock
from ..models import ApiToken, Order, OrderEvent, Webhook, WebhookDelivery
from ..services import IDEMPOTENCY_WINDOW
from ..stream import REPLAY_WINDOW
from . import engine

RELEASE_SECONDS = 15  # a scheduled order is released within this of its time
CLEAN_UP_SECONDS = 3600
BATCH = 1000
JOB_HISTORY = timedelta(days=1)  # how long finished jobs stay in the admin


@engine.every(RELEASE_SECONDS)
@task()
def release_scheduled_orders() -> int:
    """Move the scheduled orders whose time has come to `placed`; how many moved."""
    return clock.release_due_orders()


@engine.every(CLEAN_UP_SECONDS)
@task()
def clean_up() -> dict[str, int]:
    """Forget what has outlived its use; how many rows of each kind went."""
    return {
        "idempotency_keys": forget_idempotency_keys(),
        "events": forget_events(),
        "tokens": forget_tokens(),
        "jobs": forget_jobs(),
    }


def forget_idempotency_keys() -> int:
    """Clear the keys of orders placed more than IDEMPOTENCY_WINDOW ago: they answer no more."""
    old = Order.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW)
    return _in_batches(
        old.exclude(idempotency_key=""), lambda rows: rows.update(idempotency_key="")
    )


def forget_events() -> int:
    """Delete the events past the replay window that every webhook has handled.

    Handled: each webhook that subscribes to it has its delivery, and none is still pending.
    Deleting an event deletes its deliveries, which the deliveries list then no longer shows.
    """
    pending = WebhookDelivery.objects.filter(
        event=OuterRef("pk"), status=WebhookDelivery.Status.PENDING
    )
    done = OrderEvent.objects.filter(created__lt=timezone.now() - REPLAY_WINDOW)
    done = done.exclude(Exists(pending))
    for webhook in Webhook.objects.only("pk", "events", "after_event_id"):
        delivery = WebhookDelivery.objects.filter(webhook=webhook, event=OuterRef("pk"))
        owed = Q(pk__gt=webhook.after_event_id, type__in=webhook.events) & ~Exists(delivery)
        done = done.exclude(owed)
    return _in_batches(done, lambda rows: rows.delete())


def forget_tokens() -> int:
    """Delete API tokens older than TOKEN_TTL, and the JWT list entries that have expired."""
    gone = 0
    if settings.TOKEN_TTL is not None:
        expired = ApiToken.objects.filter(created__lt=timezone.now() - settings.TOKEN_TTL)
        gone += expired.delete()[0]
    gone += OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()[0]
    return gone


def forget_jobs() -> int:
    """Delete the rows of jobs that finished more than a day ago."""
    cutoff = timezone.now() - JOB_HISTORY
    return DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()[0]


def _in_batches(rows, action) -> int:
    """Apply `action` to `rows` BATCH at a time, each batch its own transaction."""
    done = 0
    while ids := list(rows.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            action(rows.model.objects.filter(pk__in=ids))
        done += len(ids)
        if len(ids) < BATCH:
            break
    return done
