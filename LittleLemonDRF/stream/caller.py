"""Who holds a stream open: their place among their open streams, and whether they still may.

A stream outlives the check made when it opened. Every STREAM_RECHECK_SECONDS it runs DRF's
authenticators on its request again (a logged-out token or session, a deactivated user, a
changed password fail them) and compares the caller's scope with the one it opened with; it
also renews its lease, so a stream whose process died frees its place within LEASE_SECONDS.
"""

import copy
import secrets
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from .events import Scope

# A lease not renewed for this long is gone: the most a killed process's stream holds a place.
LEASE_SECONDS = 15


def authenticate(request):
    """The DRF request of `request` with the project's authenticators; `.user` runs them."""
    authenticators = [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    return Request(request, authenticators=authenticators)


def current_user(request):
    """The caller of `request` as the database says now, or None if their credential stopped
    working. The session, which Django loads once per request, is loaded afresh."""
    again = copy.copy(request)
    for cached in ("user", "auser", "_cached_user"):
        again.__dict__.pop(cached, None)
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        again.session = import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
        again.user = SimpleLazyObject(lambda: auth.get_user(again))
    try:
        user = authenticate(again).user
    except exceptions.AuthenticationFailed:
        return None
    return user if user.is_authenticated else None


class Lease:
    """One open stream's place among its caller's STREAM_MAX_PER_USER, in the shared cache.

    Each place is a cache key taken with add() (atomic in Redis and in the local cache) and
    renewed while the stream is open; it expires LEASE_SECONDS after its last renewal.
    """

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.token = secrets.token_hex(8)
        self.key: str | None = None

    def acquire(self) -> bool:
        """Take a free place; False when every one is held. Admits if the cache is down."""
        for place in range(settings.STREAM_MAX_PER_USER):
            key = f"stream-lease:{self.user_id}:{place}"
            taken = cache.add(key, self.token, LEASE_SECONDS)
            if taken is None:  # Redis unreachable (IGNORE_EXCEPTIONS): no count to keep
                return True
            if taken:
                self.key = key
                return True
        return False

    def renew(self) -> None:
        if self.key is None:
            return
        if cache.get(self.key) == self.token:
            cache.touch(self.key, LEASE_SECONDS)
        else:  # expired meanwhile (a cache outage): take it again if it is still free
            cache.add(self.key, self.token, LEASE_SECONDS)

    def release(self) -> None:
        if self.key is not None and cache.get(self.key) == self.token:
            cache.delete(self.key)
        self.key = None


class Caller:
    """An open stream's caller: the request it opened with, its scope then, and its lease."""

    def __init__(self, request, scope: Scope, lease: Lease):
        self.request, self.scope, self.lease = request, scope, lease

    def still_admitted(self) -> bool:
        """Renew the lease; True while the credential works and gives the same scope."""
        self.lease.renew()
        user = current_user(self.request)
        return user is not None and Scope.of(user) == self.scope
