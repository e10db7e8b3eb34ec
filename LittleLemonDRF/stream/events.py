"""What a stream sends: the SSE framing, who may see which event, the replay, and the reader
that finds new events. Both kinds of stream (async under ASGI, threaded under WSGI) use these.
"""

import json
import time
from dataclasses import dataclass
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from .. import roles, selectors
from ..models import OrderEvent
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
    """A new event, its order as it is now, and what a crew member it took the order from gets."""

    event: OrderEvent
    message: bytes
    customer_id: int  # the order's customer and crew now, not at the event
    crew_id: int | None
    handover: bytes | None = None


@dataclass(frozen=True)
class Scope:
    """Which events a subscriber's caller may see: the order list's scope, at connect time."""

    user_id: int
    everything: bool
    crew: bool

    @classmethod
    def of(cls, user) -> "Scope":
        return cls(user.pk, roles.is_manager(user), roles.is_delivery_crew(user))

    def allows(self, event: OrderEvent) -> bool:
        if self.everything or event.customer_id == self.user_id:
            return True
        # Crew see the orders given to them, and the event that takes one away.
        return self.crew and self.user_id in (event.crew_id, event.previous_crew_id)

    def filter(self) -> Q:
        if self.everything:
            return Q()
        mine = Q(customer_id=self.user_id)
        if self.crew:
            mine |= Q(crew_id=self.user_id) | Q(previous_crew_id=self.user_id)
        return mine

    def message_for(self, item: Rendered) -> bytes | None:
        """What this caller gets of `item`: the order as it is now, if they may see it now.

        A crew member who lost the order gets only the event that took it away, showing no
        more than who has it now: nothing that changed after the hand-over reaches them.
        """
        if not self.allows(item.event):
            return None
        mine = item.customer_id == self.user_id or (self.crew and item.crew_id == self.user_id)
        if self.everything or mine:
            return item.message
        if item.event.previous_crew_id == self.user_id:
            return item.handover
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
    """Each event with its messages; an event of an order deleted since is left out."""
    ids = {event.order_id for event in events}
    orders = {o.pk: o for o in selectors.order_list().filter(pk__in=ids)}
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
        message = frame(event.pk, event.type, OrderSerializer(order).data)
        rendered.append(Rendered(event, message, order.user_id, order.delivery_crew_id, handover))
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
