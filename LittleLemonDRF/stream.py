"""The order stream: Server-Sent Events of order changes, read from the event rows.

One hub per process reads new events (one query however many subscribers), renders each
order once through OrderSerializer, and hands every subscriber the events its caller may see.
A subscriber first replays what it missed (Last-Event-ID, 24 hours at most), then goes live.
An idle subscriber is a coroutine on an ASGI server's loop: it holds no worker.
"""

import asyncio
import contextvars
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from . import live, roles, selectors
from .exceptions import DATABASE_UNAVAILABLE
from .models import OrderEvent
from .serializers import OrderSerializer

logger = logging.getLogger(__name__)

REPLAY_WINDOW = timedelta(hours=24)
# Ids are handed out when a transaction writes its event, not when it commits: on
# PostgreSQL a lower id can commit after a higher one. The hub looks this far back on every
# read and remembers what it sent in that time, so a late commit is still sent, once.
LATE_COMMIT_WINDOW = timedelta(seconds=30)
POLL_SECONDS = 1.0


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


@dataclass(eq=False)
class Subscriber:
    scope: Scope
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)


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


def render(events: list[OrderEvent]) -> list[tuple[OrderEvent, bytes]]:
    """Each event with its message; an event of an order deleted since is left out."""
    ids = {event.order_id for event in events}
    orders = {o.pk: o for o in selectors.order_list().filter(pk__in=ids)}
    return [
        (event, frame(event.pk, event.type, OrderSerializer(orders[event.order_id]).data))
        for event in events
        if event.order_id in orders
    ]


def replay(scope: Scope, after: int) -> list[tuple[OrderEvent, bytes]]:
    since = timezone.now() - REPLAY_WINDOW
    events = OrderEvent.objects.filter(scope.filter(), pk__gt=after, created__gte=since)
    return render(list(events.order_by("id")))


class Hub:
    """This process's reader of new events, started with its first subscriber."""

    def __init__(self):
        self.subscribers: set[Subscriber] = set()
        self.woken = asyncio.Event()
        self.started = asyncio.Event()  # set once the hub knows where new events begin
        self.reading = asyncio.Lock()  # one read at a time; a join waits for it
        self.reads = 0  # reads started so far
        self.last_read = 0  # the number of the last read that succeeded
        self.joining = 0  # subscribers on their way in: the hub runs on for them
        self.task: asyncio.Task | None = None
        self.cursor = 0
        self.sent: dict[int, float] = {}  # event id -> when, for the late-commit window

    async def join(self, subscriber: Subscriber) -> None:
        """Add the subscriber: every event committed from now on reaches it, and none before.

        A running hub may not have read what committed just before: it reads now, for the
        subscribers already there, and only then takes the new one in. A read that started
        after this join did, and succeeded, is as good (many joining at once share one).
        """
        self.joining += 1
        reads_before = self.reads
        try:
            if self.task is None or self.task.done():
                self.started.clear()
                # A context of its own: the hub outlives the request that started it, whose
                # executor for synchronous code goes away with it.
                loop = asyncio.get_running_loop()
                self.task = loop.create_task(self.run(), context=contextvars.Context())
                self.task.add_done_callback(_report_failure)
            await self._started()
            async with self.reading:
                if self.last_read <= reads_before:
                    await self.read()
                self.subscribers.add(subscriber)
        finally:
            self.joining -= 1

    async def _started(self) -> None:
        """Wait for the hub to know where new events begin; raise what stopped it before."""
        started = asyncio.ensure_future(self.started.wait())
        try:
            await asyncio.wait({started, self.task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            started.cancel()
        if not self.started.is_set():
            raise self.task.exception() or RuntimeError("the order stream's hub stopped")

    def leave(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    async def run(self) -> None:
        live.listen(self.woken)
        relay = None
        if settings.REDIS_URL:
            relay = asyncio.get_running_loop().create_task(live.relay_redis(self.woken))
        try:
            self.cursor, self.sent = await database(_start)()
            self.started.set()
            while self.subscribers or self.joining:
                try:
                    await asyncio.wait_for(self.woken.wait(), timeout=POLL_SECONDS)
                except TimeoutError:
                    pass
                self.woken.clear()
                try:
                    async with self.reading:
                        await self.read()
                except DATABASE_UNAVAILABLE:
                    # The cursor stays where it was: the next look, once the database
                    # answers again, sends what committed meanwhile.
                    logger.warning("The order stream could not read events", exc_info=True)
        finally:
            live.stop_listening(self.woken)
            if relay is not None:
                relay.cancel()

    async def read(self) -> None:
        """Hand each subscriber the new events it may see; under self.reading."""
        self.reads += 1
        number = self.reads
        fresh = await database(self._new_events)()
        self.last_read = number
        for event, message in fresh:
            for subscriber in list(self.subscribers):
                if subscriber.scope.allows(event):
                    subscriber.queue.put_nowait((event.pk, message))

    def _new_events(self) -> list[tuple[OrderEvent, bytes]]:
        now = time.monotonic()
        window = LATE_COMMIT_WINDOW.total_seconds()
        self.sent = {pk: at for pk, at in self.sent.items() if now - at < window}
        since = timezone.now() - LATE_COMMIT_WINDOW
        recent = OrderEvent.objects.filter(Q(pk__gt=self.cursor) | Q(created__gte=since))
        events = [e for e in recent.order_by("id") if e.pk not in self.sent]
        rendered = render(events)  # before moving on: if this fails, they are read again
        for event in events:
            self.sent[event.pk] = now
            self.cursor = max(self.cursor, event.pk)
        return rendered


def _report_failure(task: asyncio.Task) -> None:
    """A hub that stopped on an error says so; the next subscriber starts a new one."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("The order stream's hub stopped", exc_info=task.exception())


def _start() -> tuple[int, dict[int, float]]:
    """Where a new hub starts: after the last event, the late-commit window counted as sent."""
    since = timezone.now() - LATE_COMMIT_WINDOW
    recent = OrderEvent.objects.filter(created__gte=since).values_list("id", flat=True)
    last = OrderEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return last, dict.fromkeys(recent, time.monotonic())


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """The hub of the running event loop (one per process under an ASGI server)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]
