"""One throttle class per scope: DRF's sliding window, made atomic across workers, and the
RateLimit headers that report its decisions.

DRF's SimpleRateThrottle reads a client's request history from the cache, decides, and writes
the history back. Requests that overlap on different workers overwrite each other's hits and
slip through: 40 simultaneous requests at a limit of 20 let 22 to 40 through on three
workers sharing Redis. Here the whole step is atomic: one Lua script on Redis, a process lock
with a process-local cache (which is per process anyway; see checks.py). Rates are read per
request so that settings overrides take effect.

Redis being unreachable fails no request: each process then counts in its own memory, by the
same locked path, so limits hold per process, until breaker.py says to try Redis again (a try
may cost a connect timeout) and Redis answers.

Each throttle records its decision on the request: how many requests are left, and when one
is possible again. RateLimitHeadersMiddleware reports the tightest of them as the
`RateLimit-Policy` and `RateLimit` headers of the IETF httpapi draft, on every response that
a throttle decided, the 429 included. The figures come from the deciding step itself: the
headers cost no cache call of their own.
"""

import math
import threading
import time
import uuid
from collections import OrderedDict
from typing import NamedTuple

from django.core.cache import caches
from django_redis import get_redis_connection
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from . import breaker
from .middleware import ResponseMiddleware

# KEYS[1]: the client's key. ARGV: now, window (s), limit, a unique member for this request.
# Returns {allowed (1 or 0), the hits now in the window}, and once the window is full, the time
# of the hit whose expiry lets a request through again (a string: Redis would truncate a Lua
# number to an integer).
_SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count, allowed = redis.call('ZCARD', key), 0
if count < limit then
    redis.call('ZADD', key, now, ARGV[4])
    redis.call('EXPIRE', key, math.ceil(window))
    count, allowed = count + 1, 1
end
if count < limit then
    return {allowed, count}
end
return {allowed, count, redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')[2]}
"""
_script = None
_local_lock = threading.Lock()

# Redis not answering, as redis-py raises it and as django-redis wraps it.
REDIS_UNREACHABLE = (*breaker.REDIS_FAILURES, ConnectionInterrupted)


class _Histories:
    """This process's request histories, one list per client and scope, kept as they are.

    Where there is no Redis (or while it is unreachable) a process counts for itself. Django's
    local-memory cache would do, but it pickles every value: a history is one timestamp per
    request in the window, so each request would copy the whole history out and back, a cost
    that grows with the rate.
    Read and written under _local_lock. Least recently used clients are forgotten first.
    """

    MAX_KEYS = 10_000

    def __init__(self):
        self.entries: OrderedDict[str, tuple[float, list[float]]] = OrderedDict()

    def get(self, key: str, default=None):
        entry = self.entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return default
        return entry[1]

    def set(self, key: str, history: list[float], timeout: float) -> None:
        self.entries[key] = (time.monotonic() + timeout, history)
        self.entries.move_to_end(key)
        while len(self.entries) > self.MAX_KEYS:
            self.entries.popitem(last=False)

    def clear(self) -> None:
        with _local_lock:
            self.entries.clear()


_local = _Histories()


def _redis_hit(backend: RedisCache, key: str, now: float, window: int, limit: int):
    global _script
    key = backend.make_and_validate_key(key)
    client = get_redis_connection("default")
    if _script is None:
        _script = client.register_script(_SLIDING_WINDOW)
    result = _script(keys=[key], args=[repr(now), window, limit, uuid.uuid4().hex], client=client)
    return bool(result[0]), int(result[1]), (float(result[2]) if len(result) > 2 else None)


# --- Decisions and the RateLimit headers ------------------------------------------------------


class Decision(NamedTuple):
    """One throttle's verdict on one request, in the terms of the RateLimit headers."""

    scope: str
    limit: int
    window: int  # seconds
    remaining: int  # requests left in the window, this one spent
    wait: float  # seconds until a request is allowed again; 0 while some remain
    allowed: bool

    def tightness(self) -> tuple:
        # Smallest is tightest: a refusal, then the fewest left, the longest wait, the smallest
        # limit. The longest wait among refusals is also what DRF's Retry-After reports.
        return (self.allowed, self.remaining, -self.wait, self.limit)


def _record(request, decision: Decision) -> None:
    """Keep the tightest decision on the Django request, which the middleware sees."""
    http_request = getattr(request, "_request", request)  # DRF's Request wraps it
    current = getattr(http_request, "rate_limit", None)
    if current is None or decision.tightness() < current.tightness():
        http_request.rate_limit = decision


def rate_limit_headers(decision: Decision) -> dict[str, str]:
    """`RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers) for a decision,
    and the matching `Retry-After` for a refusal: whole seconds, rounded up."""
    reset = math.ceil(decision.wait) if decision.remaining == 0 else 0
    headers = {
        "RateLimit-Policy": f'"{decision.scope}";q={decision.limit};w={decision.window}',
        "RateLimit": f'"{decision.scope}";r={decision.remaining};t={reset}',
    }
    if not decision.allowed:
        headers["Retry-After"] = str(reset)
    return headers


class RateLimitHeadersMiddleware(ResponseMiddleware):
    """Adds the RateLimit headers of the tightest throttle decision to the response.

    A middleware rather than a view hook, so that every view that throttles gets them: the
    project's own, Djoser's, simplejwt's, DRF's token view, and the async order stream.
    """

    def finish(self, request, response):
        return _with_headers(request, response)


def _with_headers(request, response):
    decision = getattr(request, "rate_limit", None)
    if decision is not None:
        for name, value in rate_limit_headers(decision).items():
            response[name] = value
    return response


# --- Throttles --------------------------------------------------------------------------------


class _AtomicWindowMixin:
    decision: Decision | None = None

    def get_rate(self):
        # DRF binds the rate table when the class is defined; reading it per request lets
        # override_settings in tests (and a reloaded configuration) take effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        self.decision = None
        if self.rate is None:
            return True
        shared = isinstance(caches["default"], RedisCache)
        if not (shared and breaker.health.may_ask() and self._decided_on_redis(request, view)):
            self._decide_locally(request, view)
        if self.decision is None:  # no cache key: this throttle does not apply to the request
            return True
        _record(request, self.decision)
        return self.decision.allowed

    def _decided_on_redis(self, request, view) -> bool:
        """Decide in Redis; False when it is unreachable and the decision is still to make."""
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        try:
            allowed, count, freed_at = _redis_hit(
                caches["default"], self.key, self.now, self.duration, self.num_requests
            )
        except REDIS_UNREACHABLE as error:
            breaker.health.failed(error)
            return False
        breaker.health.answered()
        self.decision = self._decision(allowed, count, freed_at)
        return True

    def _decide_locally(self, request, view) -> None:
        self.cache = _local
        self.history = None
        with _local_lock:
            allowed = super().allow_request(request, view)
        if self.history is not None:
            # DRF keeps the history newest first: the limit-th newest hit frees the next slot.
            count, limit = len(self.history), self.num_requests
            freed_at = self.history[limit - 1] if 0 < limit <= count else None
            self.decision = self._decision(allowed, count, freed_at)

    def _decision(self, allowed: bool, count: int, freed_at: float | None) -> Decision:
        remaining = max(self.num_requests - count, 0)
        wait = 0.0
        if remaining == 0:
            wait = self.duration if freed_at is None else self.duration - (self.now - freed_at)
        return Decision(self.scope, self.num_requests, self.duration, remaining, wait, allowed)

    def wait(self):
        # The decision's own figure, so that Retry-After and the RateLimit header agree.
        if self.decision is not None:
            return self.decision.wait
        return super().wait()


class AnonThrottle(_AtomicWindowMixin, AnonRateThrottle):
    """Anonymous requests, per client address (`anon`)."""


class UserThrottle(_AtomicWindowMixin, UserRateThrottle):
    """Authenticated requests, per user (`user`). Anonymous requests are counted once, in
    `anon` (DRF would count them here too, per address, at the looser rate)."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


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
