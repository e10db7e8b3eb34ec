"""Shared caches, each keyed by the versions of what it was computed from: menu pages, pages of
orders (kept apart for each way of seeing orders, order_policy.visibility_key), carts, the
totals of order lists, and the restaurant's clock settings.

Each cached value lives in the configured cache (Redis in production, shared by every
worker) under a key that carries the versions of its namespaces: "menu", "orders", "clock",
and "cart:<user id>" for one user's cart (a cart's answer carries the menu's version too).
Credentials are never cached here: see authentication.py. What each namespace is computed
from is declared once, in cache_dependencies.py, and every write of those models, by any
path, bumps its versions at once and again when the transaction commits, so the next read,
through any worker, computes afresh. A read that raced a write can only store its value under
a version that nobody asks for again.

While Redis is unreachable every read misses and answers from the database, and the version
bumps are lost. So every connection to Redis, the first one of a process and each one made
again after a failure, bumps every version before this process reads from the cache again:
whatever was cached before the outage (a Redis that keeps its data across a restart still has
it) is never served after it. A worker that saw no failure itself still reconnects, because
a Redis that went away dropped its connections too. When Redis is asked after a failure is
breaker.py's decision alone.
"""

import hashlib
import time

import redis
from django.core.cache import cache, caches
from django.core.exceptions import EmptyResultSet
from django.db import transaction
from django_redis import get_redis_connection
from django_redis.cache import RedisCache
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from . import breaker

MENU, ORDERS = "menu", "orders"
CLOCK = "clock"  # the restaurant's settings, hours and closures (clock/config.py)
SLOTS = "slots"  # the places taken in slots (views/restaurant.py's lists of slots)
NAMESPACES = (MENU, ORDERS, CLOCK, SLOTS)
CART = "cart"  # one namespace per user: cart(user_id)
TTL = 300  # seconds; bounds memory, and how long a write no hook sees goes unseen
# A cart's version is kept a week from when it was first needed: a cart left alone then stops
# taking room. Its next version starts afresh from the clock, later than any it had before,
# so nothing kept under an earlier one can come back. The shared namespaces' are kept for good.
CART_VERSION_TTL = 7 * 24 * 3600


# breaker.connections() when this process last bumped every version for them.
_caught_up = [0]


def _reconnected() -> bool:
    return breaker.connections() != _caught_up[0]


def _version(namespace: str) -> int:
    key = f"version:{namespace}"
    version = cache.get(key)
    if _reconnected():  # since the last read, this process (re)connected: maybe this read
        _caught_up[0] = breaker.connections()
        for each in NAMESPACES:
            _bump(each)
        version = cache.get(key)
    if version is None:
        # First use, expired or evicted: start from a value no earlier version can have had.
        cache.add(key, time.time_ns(), _version_ttl(namespace))
        version = cache.get(key)
    return version


def _version_ttl(namespace: str) -> int | None:
    return None if namespace in NAMESPACES else CART_VERSION_TTL


def cart(user_id: int) -> str:
    """The namespace of one user's cart.

    Not one of NAMESPACES, which a reconnect bumps: nobody could list every user's. A cart's
    answers are kept under the menu's namespace as well (their lines show the dishes as they
    are now), and that one a reconnect does bump. Its version is kept for CART_VERSION_TTL.
    """
    return f"{CART}:{user_id}"


def invalidate(*namespaces: str) -> None:
    """Forget every value of the namespaces, now and again once the transaction commits.

    Now, so that reads inside the writing transaction see the change; at commit, because a
    concurrent read may have stored the pre-commit state under the version bumped first.
    Outside a transaction the write has committed already, and once is enough. Writers do
    not call it: cache_dependencies does, for every write of what a namespace reads.
    """
    for namespace in namespaces:
        _bump(namespace)
    connection = transaction.get_connection()
    if namespaces and connection.in_atomic_block:
        _at_commit(connection).update(namespaces)


class _AtCommit(set):
    """The namespaces to bump again when the transaction commits, each once."""

    def __call__(self) -> None:
        for namespace in self:
            _bump(namespace)


def _at_commit(connection) -> _AtCommit:
    # One callback a transaction, however many writes it makes. A callback that a rolled
    # back savepoint took off the list no longer counts, and a new one is registered.
    pending = getattr(connection, "_cache_at_commit", None)
    if pending is None or not any(entry[1] is pending for entry in connection.run_on_commit):
        pending = connection._cache_at_commit = _AtCommit()
        transaction.on_commit(pending)
    return pending


def _bump(namespace: str) -> None:
    key = f"version:{namespace}"
    try:
        cache.incr(key)
    except ValueError:  # no version yet (expired or evicted): a fresh one is as good
        cache.set(key, time.time_ns(), _version_ttl(namespace))


def _key(namespaces: tuple[str, ...], text: str) -> str:
    versions = ":".join(str(_version(namespace)) for namespace in namespaces)
    return f"{'+'.join(namespaces)}:{versions}:{_digest(text)}"


def _names(namespaces: str | tuple[str, ...]) -> tuple[str, ...]:
    return (namespaces,) if isinstance(namespaces, str) else namespaces


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# On Redis, a versioned read in one round trip instead of two: the namespaces' versions, then
# the value kept under them. KEYS: the versions' keys; ARGV[1] and ARGV[2]: the value's key
# before and after the versions. Returns {versions, value}, false for what is missing.
_VERSIONED_GET = """
local versions = {}
for i, key in ipairs(KEYS) do
  versions[i] = redis.call('GET', key)
  if not versions[i] then return {false, false} end
end
return {versions, redis.call('GET', ARGV[1] .. table.concat(versions, ':') .. ARGV[2])}
"""
_versioned_get = None


def _lookup(namespaces: str | tuple[str, ...], text: str):
    """(the key of `text` under the namespaces' current versions, the value kept there or
    None). A value computed from several kinds of data lives in all their namespaces at once,
    and any one of them changing forgets it.

    Every cached read goes through here. On Redis it is one round trip, where reading the
    versions first took two; anywhere else, and whenever that trip cannot say (Redis
    unreachable, or just reconnected and owing its catch-up), the versions are read first.
    """
    global _versioned_get
    namespaces = _names(namespaces)
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        digest = _digest(text)
        name = "+".join(namespaces)
        try:
            if _versioned_get is None:
                _versioned_get = get_redis_connection("default").register_script(_VERSIONED_GET)
            versions, raw = _versioned_get(
                keys=[backend.make_key(f"version:{namespace}") for namespace in namespaces],
                args=[backend.make_key(f"{name}:"), f":{digest}"],
                client=get_redis_connection("default"),
            )
        except redis.exceptions.RedisError:
            versions = None
        if versions is not None and not _reconnected():
            value = None if raw is None else backend.client.decode(raw)
            return f"{name}:{b':'.join(versions).decode()}:{digest}", value
    key = _key(namespaces, text)
    return key, cache.get(key)


def get(namespaces: str | tuple[str, ...], text: str):
    """The value kept for `text` under the namespaces' current versions, or None."""
    return _lookup(namespaces, text)[1]


def put(namespaces: str | tuple[str, ...], text: str, value) -> None:
    cache.set(_key(_names(namespaces), text), value, TTL)


def cached_response(
    request, build, namespaces: str | tuple[str, ...] = MENU, *, scope="", tagged=True
) -> Response:
    """The cached answer for this request, or build() and keep it when it is a 200.

    `scope` names whose answer it is where the answer depends on the caller (order_policy's
    visibility keys); an empty scope is an answer the same for everyone. A `tagged` answer
    gets the data's ETag, computed once when the data is built and kept beside it. A plain
    JSON answer is kept as the bytes it was rendered to, so a hit neither renders nor unpickles
    the data.
    Other formats (the browsable API) are kept as data and rendered each time.
    """
    # The full URL: the query string selects the page, and the host goes into next/previous.
    # The two forms are kept apart: "page:json:" entries are (etag, content type, bytes),
    # "page:" entries (data, etag).
    as_bytes = _plain_json(request)
    form = "page:json:" if as_bytes else "page:"
    key, entry = _lookup(namespaces, f"{form}{scope}:{request.build_absolute_uri()}")
    if entry is not None:
        return _kept(entry, as_bytes)
    response = build()
    if response.status_code != status.HTTP_200_OK:
        return response
    # Imported here: conditional reads the shapes, which sit above the cache.
    from .conditional import etag_for

    etag = etag_for(response.data) if tagged else None
    if etag:
        response["ETag"] = etag
    if as_bytes:

        def keep(rendered) -> None:  # None: a callback's value would replace the response
            cache.set(key, (etag, rendered["Content-Type"], rendered.content), TTL)

        response.add_post_render_callback(keep)
    else:
        cache.set(key, (response.data, etag), TTL)
    return response


def _plain_json(request) -> bool:
    renderer = request.accepted_renderer
    return isinstance(renderer, JSONRenderer) and request.accepted_media_type == renderer.media_type


def _kept(entry, as_bytes: bool) -> Response:
    """The response a kept entry gives back."""
    if as_bytes:
        etag, content_type, content = entry
        response = Response(headers={"Content-Type": content_type})
        response.content = content  # rendered: DRF and Django leave it as it is
    else:
        data, etag = entry
        response = Response(data)
    if etag:
        response["ETag"] = etag
    return response


def cached_count(queryset, namespace: str) -> int:
    """queryset.count(), remembered until the namespace changes."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return 0
    key, count = _lookup(namespace, repr((sql, params)))
    if count is None:
        count = queryset.count()
        cache.set(key, count, TTL)
    return count


class CachedReadMixin:
    """List and retrieve answered from the shared menu cache."""

    def list(self, request, *args, **kwargs):
        return cached_response(
            request, lambda: super(CachedReadMixin, self).list(request, *args, **kwargs)
        )

    def retrieve(self, request, *args, **kwargs):
        return cached_response(
            request, lambda: super(CachedReadMixin, self).retrieve(request, *args, **kwargs)
        )
