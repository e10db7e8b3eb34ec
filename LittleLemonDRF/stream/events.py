"""What a stream sends: the SSE framing, each event's messages, the replay, and the reader that
finds new events. Both kinds of stream (async under ASGI, threaded under WSGI) use these; who
gets which event, and the `moves` in it, is order_policy's to say.
"""

import json
import time
from dataclasses import dataclass, field
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from .. import order_policy, selectors
from ..models import Order, OrderEvent
from ..serializers import OrderSerializer, UserRefSerializer

REPLAY_WINDOW = timedelta(hours=24)
# Ids are handed out when a transaction writes its event, not when it commits: on PostgreSQL a
# lower id can commit after a higher one. A reader looks this far back on every read and
# remembers what it sent in that time, so a late commit is still sent, once.
LATE_COMMIT_WINDOW = timedelta(seconds=30)
POLL_SECONDS = 1.0
KEEPALIVE = b": keep-alive\n\n"


@dataclass(frozen=True)
class Rendered:
    """A new event, its order as it is now (read with order_policy.with_sight), and the
    messages made of it: one per standing a caller has to the order, made when first asked."""

    event: OrderEvent
    order: Order
    data: dict  # the order's JSON; its `moves` are each caller's, added per standing
    handover: bytes | None = None  # what a crew member the event took the order from gets
    frames: dict = field(default_factory=dict, compare=False, repr=False)

    def message(self, standing: frozenset[str]) -> bytes:
        """The event with the order as a caller standing so to it sees it."""
        if standing not in self.frames:
            moves = order_policy.states_for(standing, self.order)
            data = {**self.data, "moves": moves}
            self.frames[standing] = frame(self.event.pk, self.event.type, data)
        return self.frames[standing]


@dataclass(frozen=True)
class Scope:
    """A subscriber's caller as order_policy reads them, taken when the stream opens."""

    viewer: order_policy.Viewer

    @classmethod
    def of(cls, user) -> "Scope":
        return cls(order_policy.Viewer.of(user))

    def filter(self) -> Q:
        """The events worth reading for this caller (order_policy.event_filter)."""
        return order_policy.event_filter(self.viewer)

    def message_for(self, item: Rendered) -> bytes | None:
        """What this caller gets of `item`, as order_policy.event_view decides."""
        seen = order_policy.event_view(self.viewer, item.event, item.order)
        if seen == order_policy.HANDOVER:
            return item.handover
        if seen == order_policy.ORDER:
            return item.message(order_policy.standing(self.viewer, item.order))
        return None


def database(function, *, thread_sensitive: bool = True):
    """`function` as a coroutine in a worker thread, whose connection is checked first.

    Django checks connections at each request's start and end; a stream's work in a thread
    outside that cycle has to ask itself, or a connection the database dropped (a restart)
    would fail every query of that thread from then on.
    """

    def checked(*args, **kwargs):
        close_old_connections()
        return function(*args, **kwargs)

    return sync_to_async(checked, thread_sensitive=thread_sensitive)


def frame(event_id: int, kind: str, data: dict) -> bytes:
    """One SSE message."""
    return f"id: {event_id}\nevent: {kind}\ndata: {json.dumps(data)}\n\n".encode()


def render(events: list[OrderEvent]) -> list[Rendered]:
    """Each event with its order's JSON, read once for every caller; an event of an order
    deleted since is left out."""
    ids = {event.order_id for event in events}
    found = order_policy.with_sight(selectors.order_list()).filter(pk__in=ids)
    orders = {order.pk: order for order in found}
    handed = {e.crew_id for e in events if e.previous_crew_id and e.crew_id}
    crews = get_user_model().objects.in_bulk(handed) if handed else {}
    rendered = []
    for event in events:
        order = orders.get(event.order_id)
        if order is None:
            continue
        handover = None
        if event.previous_crew_id:
            crew = crews.get(event.crew_id)
            crew_data = UserRefSerializer(crew).data if crew is not None else None
            handover = frame(event.pk, event.type, {"id": order.pk, "delivery_crew": crew_data})
        rendered.append(Rendered(event, order, OrderSerializer(order).data, handover))
    return rendered


def replay(scope: Scope, after: int) -> list[tuple[int, bytes]]:
    """(id, message) of each event after `after` the caller may see, in order, 24 hours back."""
    since = timezone.now() - REPLAY_WINDOW
    events = OrderEvent.objects.filter(scope.filter(), pk__gt=after, created__gte=since)
    chosen = ((item.event.pk, scope.message_for(item)) for item in render(list(events)))
    return [(pk, message) for pk, message in chosen if message is not None]


class Reader:
    """Finds the events committed since it last looked, `where` they match, each once.

    Starts after the newest event, so it finds nothing committed before it was made.
    """

    def __init__(self, where: Q | None = None):
        self.where = where or Q()
        since = timezone.now() - LATE_COMMIT_WINDOW
        recent = OrderEvent.objects.filter(self.where, created__gte=since)
        last = OrderEvent.objects.order_by("-id").values_list("id", flat=True).first()
        self.cursor = last or 0
        self.sent = dict.fromkeys(recent.values_list("id", flat=True), time.monotonic())

    def new_events(self) -> list[Rendered]:
        now = time.monotonic()
        window = LATE_COMMIT_WINDOW.total_seconds()
        self.sent = {pk: at for pk, at in self.sent.items() if now - at < window}
        since = timezone.now() - LATE_COMMIT_WINDOW
        recent = OrderEvent.objects.filter(Q(pk__gt=self.cursor) | Q(created__gte=since))
        events = [e for e in recent.filter(self.where) if e.pk not in self.sent]
        rendered = render(events)  # before moving on: if this fails, they are read again
        for event in events:
            self.sent[event.pk] = now
            self.cursor = max(self.cursor, event.pk)
        return rendered
