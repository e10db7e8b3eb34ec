"""Scheduled orders go to the kitchen when their release time comes."""

from django.db import transaction
from django.utils import timezone

from ..models import Order

BATCH = 200


def release_due_orders(now=None) -> int:
    """Move every `scheduled` order whose release time has passed to `placed`; the number moved.

    Each move is services.order_update by the system (history `by` null, reason "released")
    with its event in the same transaction. Safe to run twice and from several workers at
    once: the due rows are locked with SKIP LOCKED on PostgreSQL, so a worker passes over the
    orders another is releasing, and an order already released is no longer due.
    """
    from .. import services  # services place orders in slots (clock.hold_slot): import late

    now = now or timezone.now()
    released = 0
    while True:
        with transaction.atomic():
            due = list(
                Order.objects.select_for_update(skip_locked=True)
                .filter(state=Order.State.SCHEDULED, release_at__lte=now)
                .order_by("release_at", "id")
                .values_list("pk", flat=True)[:BATCH]
            )
            for pk in due:
                services.order_update(
                    order=Order(pk=pk), by=None, state=Order.State.PLACED, reason="released"
                )
        released += len(due)
        if len(due) < BATCH:
            return released
