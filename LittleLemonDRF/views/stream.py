"""GET /api/orders/stream: the order changes the caller may see, as Server-Sent Events.

An async Django view rather than a DRF one (DRF's views are synchronous): it authenticates
with DRF's authenticators (Token, JWT, session), counts against DRF's user throttle and takes
one of the caller's STREAM_MAX_PER_USER places. Under an ASGI server the stream is an async
iterator fed by the process's hub, and an idle subscriber holds no worker; under a WSGI
server (runserver, gunicorn) it is a plain iterator that reads the event rows itself and
holds its thread. Both send the same messages (stream.events) and end when the caller's
credential or role changes (stream.caller).
"""

import asyncio
import math
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.http import JsonResponse, StreamingHttpResponse
from rest_framework import exceptions

from .. import live, stream
from ..throttles import UserThrottle

_NOTHING = object()  # no message came while waiting


async def order_stream(request):
    if request.method != "GET":
        return JsonResponse({"detail": f'Method "{request.method}" not allowed.'}, status=405)
    try:
        after = _last_event_id(request)
    except ValueError:
        return JsonResponse({"detail": "Last-Event-ID must be a whole number."}, status=400)
    if not isinstance(request, ASGIRequest):
        # A WSGI server called this view through async_to_sync: the rest runs on the
        # request's own thread, which serves the stream from then on.
        return await sync_to_async(_threaded_stream)(request, after)
    # thread_sensitive=False: on the shared pool, whose few threads keep few database
    # connections, not on the request's own thread, which lives as long as the stream.
    answer, caller = await stream.database(_admit, thread_sensitive=False)(request)
    if answer is not None:
        return answer
    # Joined before the answer starts: whatever commits once the client sees it is sent.
    subscriber = stream.Subscriber(caller.scope)
    try:
        await stream.hub().join(subscriber)
    except BaseException:
        await stream.database(caller.lease.release, thread_sensitive=False)()
        raise
    return _response(_events(subscriber, caller, after))


def _threaded_stream(request, after: int | None):
    answer, caller = _admit(request)
    if answer is not None:
        return answer
    try:
        # Made before the answer starts: whatever commits once the client sees it is sent.
        reader = stream.Reader(caller.scope.filter())
    except BaseException:
        caller.lease.release()
        raise
    return _response(_threaded_events(reader, caller, after))


def _response(events) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy must pass each event on at once
    return response


def _last_event_id(request) -> int | None:
    """The header wins over the query parameter; either must be a whole number."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if raw is None or raw == "":
        return None
    value = int(raw.strip())
    if value < 0:
        raise ValueError(raw)
    return value


def _admit(request):
    """(None, the caller) for a signed-in caller within their throttle and their number of
    open streams, else (the answer, None)."""
    drf_request = stream.authenticate(request)
    try:
        user = drf_request.user
    except exceptions.AuthenticationFailed as error:
        return _unauthorized(drf_request, str(error.detail)), None
    if not user.is_authenticated:
        return _unauthorized(drf_request, "Authentication credentials were not provided."), None
    throttle = UserThrottle()
    if not throttle.allow_request(drf_request, None):
        wait = math.ceil(throttle.wait() or 1)  # as the RateLimit header says it
        return _too_many(f"Request was throttled. Expected in {wait} seconds.", wait), None
    lease = stream.Lease(user.pk)
    if not lease.acquire():
        most = settings.STREAM_MAX_PER_USER
        detail = f"Too many open streams: at most {most} per user. Close one first."
        return _too_many(detail, stream.LEASE_SECONDS), None
    return None, stream.Caller(request, stream.Scope.of(user), lease)


def _too_many(detail: str, wait: int) -> JsonResponse:
    answer = JsonResponse({"detail": detail}, status=429)
    answer["Retry-After"] = str(wait)
    return answer


def _unauthorized(drf_request, detail: str):
    answer = JsonResponse({"detail": detail}, status=401)
    authenticator = drf_request.authenticators[0]
    answer["WWW-Authenticate"] = authenticator.authenticate_header(drf_request)
    return answer


class Pace:
    """When a stream's next keep-alive comment and its next check of the caller are due."""

    def __init__(self):
        now = time.monotonic()
        self.comment_at = now + settings.STREAM_KEEPALIVE_SECONDS
        self.check_at = now + settings.STREAM_RECHECK_SECONDS

    def wait(self, most: float | None = None) -> float:
        """Seconds until the next thing is due (at most `most`)."""
        due = min(self.comment_at, self.check_at) - time.monotonic()
        return max(0.0, due if most is None else min(due, most))

    def comment_due(self) -> bool:
        now = time.monotonic()
        if now < self.comment_at:
            return False
        self.comment_at = now + settings.STREAM_KEEPALIVE_SECONDS
        return True

    def check_due(self) -> bool:
        now = time.monotonic()
        if now < self.check_at:
            return False
        self.check_at = now + settings.STREAM_RECHECK_SECONDS
        return True


async def _events(subscriber: stream.Subscriber, caller: stream.Caller, after: int | None):
    """Keep-alive at once, the replay, then live events from the hub, until the caller's
    credential or role changes or the hub drops the subscriber.

    The subscriber joined the hub before the replay's query: an event committed meanwhile is
    both replayed and queued, and sent once."""
    hub = stream.hub()
    in_pool = {"thread_sensitive": False}  # see order_stream
    try:
        yield stream.KEEPALIVE
        replayed = set()  # live events the replay already sent
        if after is not None:
            for event_id, message in await stream.database(stream.replay, **in_pool)(
                caller.scope, after
            ):
                replayed.add(event_id)
                yield message
        pace = Pace()
        while True:
            try:
                item = await asyncio.wait_for(subscriber.queue.get(), pace.wait())
            except TimeoutError:
                item = _NOTHING
            if item is None:
                return  # dropped: it stopped reading
            if item is not _NOTHING and item[0] not in replayed:
                yield item[1]
            if pace.check_due() and not await stream.database(caller.still_admitted, **in_pool)():
                return
            if pace.comment_due():
                yield stream.KEEPALIVE
    finally:
        hub.leave(subscriber)
        await stream.database(caller.lease.release, **in_pool)()


def _threaded_events(reader: stream.Reader, caller: stream.Caller, after: int | None):
    """The same stream as _events, on the request's thread: it reads its own events, on each
    wake-up and at least once a POLL_SECONDS."""
    try:
        yield stream.KEEPALIVE
        replayed = set()
        if after is not None:
            for event_id, message in stream.replay(caller.scope, after):
                replayed.add(event_id)
                yield message
        pace = Pace()
        seen = live.wakeups()
        while True:
            seen = live.wait(seen, pace.wait(most=stream.POLL_SECONDS))
            close_old_connections()  # as stream.database does for the async streams
            for item in reader.new_events():
                message = caller.scope.message_for(item)
                if message is not None and item.event.pk not in replayed:
                    yield message
            if pace.check_due() and not caller.still_admitted():
                return
            if pace.comment_due():
                yield stream.KEEPALIVE
    finally:
        caller.lease.release()
