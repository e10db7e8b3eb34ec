"""The one decision about asking Redis after a failure: may I ask now, it failed, it answered.

A Redis that refuses connections fails each call at once; one that hangs (it takes connections
and answers nothing: stopped, swapping, or its host unreachable) makes each call wait out its
socket timeout, and a request makes several. So once a call has failed, this process asks
Redis nothing for REDIS_RETRY_SECONDS; then one caller tries again, the others keeping away
until it has its answer or the interval passes once more, and the first answer opens the way
for everyone. Each change is logged once.

Who asks `health`:
- every connection of django-redis's pool (GuardedPool, settings.CACHES): while it may not
  ask, a call fails at once as if Redis had refused it, so a cache read misses and a write is
  skipped (IGNORE_EXCEPTIONS);
- the throttles, which then count in this process's memory (throttles.py);
- the order stream's relays, which wait before subscribing again (live.py).
The pool also counts the connections it makes: caching.py catches up on the version bumps an
outage lost when that count moves.
"""

import functools
import logging
import threading
import time

import redis

logger = logging.getLogger(__name__)

REDIS_RETRY_SECONDS = 1.0
REDIS_FAILURES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class Breaker:
    """Whether Redis answered the last time this process asked it, and when to ask again."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.down = False
        self.retry_at = 0.0
        self.lock = threading.Lock()
        self.trying = threading.local()  # whether this thread makes the current try

    def may_ask(self) -> bool:
        """True while Redis answers; after a failure, for one caller an interval (the thread
        that makes the try may go on asking until it has its answer)."""
        if not self.down or getattr(self.trying, "now", False):
            return True
        now = self.clock()
        if now < self.retry_at:
            return False
        with self.lock:
            if now < self.retry_at:
                return False
            self.retry_at = now + REDIS_RETRY_SECONDS
        self.trying.now = True
        return True

    def failed(self, error: Exception) -> None:
        self.trying.now = False
        with self.lock:
            self.retry_at = self.clock() + REDIS_RETRY_SECONDS
            was_down, self.down = self.down, True
        if not was_down:
            logger.warning(
                "Redis is unreachable (%s): caches miss and throttles count in this process "
                "until it answers; asked again every %s s",
                error,
                REDIS_RETRY_SECONDS,
            )

    def answered(self) -> None:
        if self.down:
            self.trying.now = False
            with self.lock:
                was_down, self.down = self.down, False
            if was_down:
                logger.info("Redis answers again")


health = Breaker()


class _Connections:
    """How many connections to Redis the cache's pool has made, first ones and reconnects."""

    def __init__(self):
        self.count = 0

    def connected(self, connection) -> None:  # redis-py keeps a weak reference to a method
        self.count += 1


_connections = _Connections()


def connections() -> int:
    return _connections.count


class _Guarded:
    """A Redis connection that asks `health` before connecting or sending, and tells it how
    each call went."""

    def connect_check_health(self, *args, **kwargs):
        self._ask()
        return self._tripping(super().connect_check_health, *args, **kwargs)

    def send_packed_command(self, *args, **kwargs):
        self._ask()
        return self._tripping(super().send_packed_command, *args, **kwargs)

    def read_response(self, *args, **kwargs):
        response = self._tripping(super().read_response, *args, **kwargs)
        health.answered()
        return response

    @staticmethod
    def _ask() -> None:
        if not health.may_ask():
            raise redis.exceptions.ConnectionError("Redis failed to answer just now; not asked")

    @staticmethod
    def _tripping(call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except REDIS_FAILURES as error:
            health.failed(error)
            raise


@functools.cache
def guarded(connection_class: type) -> type:
    """`connection_class` (redis-py's Connection, or its SSL one) asking `health` first."""
    return type(f"Guarded{connection_class.__name__}", (_Guarded, connection_class), {})


class GuardedPool(redis.ConnectionPool):
    """django-redis's pool (settings.CACHES): its connections ask `health`, and are counted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection_class = guarded(self.connection_class)

    def make_connection(self):
        connection = super().make_connection()
        connection.register_connect_callback(_connections.connected)
        return connection
