"""GET /api/orders/stream: the order changes the caller may see, as Server-Sent Events.

An async Django view rather than a DRF one (DRF's views are synchronous): it authenticates
with DRF's authenticators (Token, JWT, session) and counts against DRF's user throttle, then
streams from the process's hub (stream.py). Served by an ASGI server, where an idle
subscriber holds no worker.
"""

import asyncio
import math
import time

from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from .. import stream
from ..throttles import UserThrottle

KEEPALIVE = b": keep-alive\n\n"


async def order_stream(request):
    if request.method != "GET":
        return JsonResponse({"detail": f'Method "{request.method}" not allowed.'}, status=405)
    try:
        after = _last_event_id(request)
    except ValueError:
        return JsonResponse({"detail": "Last-Event-ID must be a whole number."}, status=400)
    # thread_sensitive=False: on the shared pool, whose few threads keep few database
    # connections, not on the request's own thread, which lives as long as the stream.
    answer, scope = await stream.database(_admit, thread_sensitive=False)(request)
    if answer is not None:
        return answer
    # Joined before the answer starts: whatever commits once the client sees it is sent.
    subscriber = stream.Subscriber(scope)
    await stream.hub().join(subscriber)
    events = _events(subscriber, after)
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
    """(None, their scope) for a signed-in caller within their throttle, else (answer, None)."""
    drf_request = Request(
        request, authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    try:
        user = drf_request.user
    except exceptions.AuthenticationFailed as error:
        return _unauthorized(drf_request, str(error.detail)), None
    if not user.is_authenticated:
        return _unauthorized(drf_request, "Authentication credentials were not provided."), None
    throttle = UserThrottle()
    if not throttle.allow_request(drf_request, None):
        wait = math.ceil(throttle.wait() or 1)  # as the RateLimit header says it
        answer = JsonResponse({"detail": f"Request was throttled. Expected in {wait} seconds."})
        answer.status_code = 429
        answer["Retry-After"] = str(wait)
        return answer, None
    return None, stream.Scope.of(user)


def _unauthorized(drf_request, detail: str):
    answer = JsonResponse({"detail": detail}, status=401)
    authenticator = drf_request.authenticators[0]
    answer["WWW-Authenticate"] = authenticator.authenticate_header(drf_request)
    return answer


async def _events(subscriber: stream.Subscriber, after: int | None):
    """Keep-alive at once, the replay, then live events; a keep-alive at least every interval.

    The subscriber joined the hub before the replay's query: an event committed meanwhile is
    both replayed and queued, and sent once."""
    hub, scope = stream.hub(), subscriber.scope
    try:
        yield KEEPALIVE
        replayed = set()  # live events the replay already sent
        if after is not None:
            replay = stream.database(stream.replay, thread_sensitive=False)
            for event, message in await replay(scope, after):
                replayed.add(event.pk)
                yield message
        every = settings.STREAM_KEEPALIVE_SECONDS
        last_comment = time.monotonic()
        while True:
            # A comment at least every `every` seconds, whether or not events flow.
            left = every - (time.monotonic() - last_comment)
            try:
                event_id, message = await asyncio.wait_for(subscriber.queue.get(), max(0, left))
            except TimeoutError:
                yield KEEPALIVE
                last_comment = time.monotonic()
                continue
            if event_id not in replayed:
                yield message
    finally:
        hub.leave(subscriber)
