"""One throttle class per scope: DRF's sliding window, made atomic across workers.

DRF's SimpleRateThrottle reads a client's request history from the cache, decides, and writes
the history back. Requests that overlap on different workers overwrite each other's hits and
slip through: 40 simultaneous requests at a limit of 20 let 22 to 40 through on three
workers sharing Redis. Here the whole step is atomic: one Lua script on Redis, a process lock
with a process-local cache (which is per process anyway; see checks.py). Rates are read per
request so that settings overrides take effect.
"""

import threading
import uuid

from django.core.cache import caches
from django_redis import get_redis_connection
from django_redis.cache import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

# KEYS[1]: the client's key. ARGV: now, window (s), limit, a unique member for this request.
# Returns {1} when the request is allowed (and recorded), else {0, oldest recorded time}.
_SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
    redis.call('ZADD', key, now, ARGV[4])
    redis.call('EXPIRE', key, math.ceil(window))
    return {1}
end
return {0, redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]}
"""
_script = None
_local_lock = threading.Lock()


def _redis_hit(backend: RedisCache, key: str, now: float, window: int, limit: int):
    global _script
    key = backend.make_and_validate_key(key)
    client = get_redis_connection("default")
    if _script is None:
        _script = client.register_script(_SLIDING_WINDOW)
    result = _script(keys=[key], args=[repr(now), window, limit, uuid.uuid4().hex], client=client)
    return bool(result[0]), (float(result[1]) if len(result) > 1 else None)


class _AtomicWindowMixin:
    def get_rate(self):
        # DRF binds the rate table when the class is defined; reading it per request lets
        # override_settings in tests (and a reloaded configuration) take effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        self.oldest = None
        backend = caches["default"]
        if self.rate is None or not isinstance(backend, RedisCache):
            with _local_lock:
                return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        allowed, self.oldest = _redis_hit(
            backend, self.key, self.now, self.duration, self.num_requests
        )
        return allowed

    def wait(self):
        if self.oldest is not None:
            return max(self.duration - (self.now - self.oldest), 0)
        return super().wait()


class AnonThrottle(_AtomicWindowMixin, AnonRateThrottle):
    """Anonymous requests, per client address (`anon`)."""


class UserThrottle(_AtomicWindowMixin, UserRateThrottle):
    """Authenticated requests, per user (`user`)."""


class RatingCreateThrottle(_AtomicWindowMixin, UserRateThrottle):
    """Posting ratings, per user (`ratings`)."""

    scope = "ratings"


class OrderCreateThrottle(_AtomicWindowMixin, UserRateThrottle):
    """Placing orders, per user (`orders`)."""

    scope = "orders"


class LoginThrottle(_AtomicWindowMixin, SimpleRateThrottle):
    """Every token login route shares one budget per client address, failed attempts too."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TenCallsPerMinute(_AtomicWindowMixin, UserRateThrottle):
    """The course's custom throttle: a fixed ten calls a minute per user."""

    scope = "ten_per_minute"
    rate = "10/minute"
