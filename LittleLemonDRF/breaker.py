"""The breaker on every connection to Redis: after a call failed, none is made for a moment.

A Redis that refuses connections fails each call at once. One that hangs (it takes
connections and answers nothing: stopped, swapping, or its host unreachable) makes each call
wait out its socket timeout, and a request makes several. So once a call has failed, every
call of this process fails at once for REDIS_RETRY_SECONDS, as if Redis had refused it; then
one call tries again. Callers handle the failure as they handle Redis being down
(caching.py's pool applies the guard; throttles.py waits as long before asking again).
"""

import functools
import time

import redis

REDIS_RETRY_SECONDS = 1.0
REDIS_FAILURES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class _Breaker:
    def __init__(self):
        self.open_until = 0.0

    def check(self) -> None:
        if time.monotonic() < self.open_until:
            raise redis.exceptions.ConnectionError("Redis failed to answer just now; not asked")

    def trip(self) -> None:
        self.open_until = time.monotonic() + REDIS_RETRY_SECONDS


_breaker = _Breaker()


class _Guarded:
    """A Redis connection that the breaker guards: held shut, it fails before connecting or
    sending; a failure of its own holds every connection of the process shut."""

    def connect_check_health(self, *args, **kwargs):
        _breaker.check()
        return self._tripping(super().connect_check_health, *args, **kwargs)

    def send_packed_command(self, *args, **kwargs):
        _breaker.check()
        return self._tripping(super().send_packed_command, *args, **kwargs)

    def read_response(self, *args, **kwargs):
        return self._tripping(super().read_response, *args, **kwargs)

    @staticmethod
    def _tripping(call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except REDIS_FAILURES:
            _breaker.trip()
            raise


@functools.cache
def guarded(connection_class: type) -> type:
    """`connection_class` (redis-py's Connection, or its SSL one) with the breaker on it."""
    return type(f"Guarded{connection_class.__name__}", (_Guarded, connection_class), {})
