"""A shared cache of public menu responses, invalidated when the menu changes.

The menu reads the same for everyone, so a serialized page is kept in the configured cache
(Redis in production, shared by every worker) under a key that carries a menu version. Every
write to a category, a menu item or a rating bumps the version, and bumps it again once its
transaction commits, so the next read, through any worker, builds the page afresh. A read
that raced a write can only store its page under a version that nobody asks for again.
"""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction
from rest_framework import status
from rest_framework.response import Response

VERSION_KEY = "menu:version"
PAGE_TTL = 300  # seconds; a bound on memory, not on staleness (versions handle that)


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # First use, or evicted: start from a value no earlier version can have had.
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY)
    return version


def _key(request) -> str:
    # The full URL: the query string selects the page, and the host goes into next/previous.
    url = request.build_absolute_uri()
    return f"menu:{_version()}:{hashlib.sha256(url.encode()).hexdigest()}"


def cached(request, build) -> Response:
    """The cached data for this request, or build() and keep its data when it is a 200."""
    key = _key(request)
    data = cache.get(key)
    if data is not None:
        return Response(data)
    response = build()
    if response.status_code == status.HTTP_200_OK:
        cache.set(key, response.data, PAGE_TTL)
    return response


def invalidate() -> None:
    """Forget every cached menu page, now and again once the current transaction commits.

    Now, so that reads inside the writing transaction see the change; at commit, because a
    concurrent read may have cached the pre-commit menu under the version bumped first.
    """
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (or evicted): a fresh one is as good
        cache.set(VERSION_KEY, time.time_ns(), None)


class CachedReadMixin:
    """List and retrieve answered from the shared menu cache."""

    def list(self, request, *args, **kwargs):
        return cached(request, lambda: super(CachedReadMixin, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return cached(
            request, lambda: super(CachedReadMixin, self).retrieve(request, *args, **kwargs)
        )
