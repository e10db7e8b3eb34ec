"""The async streams' hub: one reader of new events per event loop (per ASGI process).

It reads new events once however many subscribers there are, renders each order once, and
hands every subscriber what its caller may see. A subscriber's queue holds at most
STREAM_BACKLOG messages: one that stops reading is dropped, never kept growing.
"""

import asyncio
import contextvars
import logging

from django.conf import settings

from .. import live
from ..exceptions import DATABASE_UNAVAILABLE
from .events import POLL_SECONDS, Reader, Rendered, Scope, database

logger = logging.getLogger(__name__)


class Subscriber:
    """One async stream's place in the hub: its scope and the messages waiting for it.

    `None` in the queue ends the stream: the hub dropped it (see Hub.publish).
    """

    def __init__(self, scope: Scope, backlog: int | None = None):
        self.scope = scope
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=backlog or settings.STREAM_BACKLOG)
        self.dropped = False


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
        self.reader: Reader | None = None

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
            self.reader = await database(Reader)()
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
        # On the shared pool: a join reads from its request's thread, which lives as long as
        # the stream and would keep a database connection of its own all that time.
        fresh = await database(self.reader.new_events, thread_sensitive=False)()
        self.last_read = number
        self.publish(fresh)

    def publish(self, fresh: list[Rendered]) -> None:
        """Queue each event for the subscribers whose callers may see it.

        A subscriber whose queue is full has stopped reading: it is dropped, its queue
        emptied, and its stream ends (the client reconnects with Last-Event-ID).
        """
        for item in fresh:
            for subscriber in list(self.subscribers):
                message = subscriber.scope.message_for(item)
                if message is None:
                    continue
                try:
                    subscriber.queue.put_nowait((item.event.pk, message))
                except asyncio.QueueFull:
                    self.drop(subscriber)

    def drop(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        subscriber.dropped = True
        while not subscriber.queue.empty():
            subscriber.queue.get_nowait()
        subscriber.queue.put_nowait(None)
        logger.warning("Dropped an order stream that stopped reading")


def _report_failure(task: asyncio.Task) -> None:
    """A hub that stopped on an error says so; the next subscriber starts a new one."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("The order stream's hub stopped", exc_info=task.exception())


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """The hub of the running event loop (one per process under an ASGI server)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]
