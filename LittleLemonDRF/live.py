"""Waking the order streams when an order changes, in this process and every other.

The events themselves are rows (models.OrderEvent), written in the change's transaction;
this module only tells readers to look. With REDIS_URL, one PUBLISH reaches every process
and host that shares the Redis; without it, the readers of this process (`make serve` runs
one). Readers also look once a second by themselves, so a lost wake-up (Redis down for a
while, a publish between two subscriptions) delays an event by at most that, never loses it.

Readers are asyncio events on a loop (the hub of an ASGI process) or threads (the streams of
a WSGI server), which wait() for the wake-up count to move.
"""

import asyncio
import logging
import threading
import time

from django.conf import settings

from . import breaker

logger = logging.getLogger(__name__)

CHANNEL = "littlelemon:order-events"

# The asyncio events of this process's stream hubs, with their loops: wake() may be called
# from a request thread, and only the loop's own thread may set an asyncio.Event.
_listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
_lock = threading.Lock()
# The threads' side: a count of wake-ups, and the condition they wait on for it to move.
_changed = threading.Condition()
_wakeups = 0
_thread_relay: threading.Thread | None = None


def wake() -> None:
    """Tell every reader, here and (with Redis) elsewhere, that new events have committed."""
    _count_wakeup()
    for loop, event in _snapshot():
        loop.call_soon_threadsafe(event.set)
    if settings.REDIS_URL:
        try:
            from django_redis import get_redis_connection

            get_redis_connection("default").publish(CHANNEL, b"1")
        except breaker.REDIS_FAILURES:  # logged by breaker.py; the readers look by themselves
            pass
        except Exception:  # the readers' own once-a-second look catches up
            logger.warning("Could not publish an order event wake-up", exc_info=True)


def listen(event: asyncio.Event) -> None:
    """Have wake() set `event` (on the running loop) from now on."""
    with _lock:
        _listeners.add((asyncio.get_running_loop(), event))


def stop_listening(event: asyncio.Event) -> None:
    with _lock:
        _listeners.difference_update({pair for pair in _listeners if pair[1] is event})


def _snapshot():
    with _lock:
        return list(_listeners)


async def relay_redis(event: asyncio.Event) -> None:
    """Set `event` on every wake-up published by any process, until cancelled.

    Subscribes again after a lost connection once breaker.py allows; meanwhile readers look
    by themselves.
    """
    import redis.asyncio as aioredis

    while True:
        if not breaker.health.may_ask():
            await asyncio.sleep(breaker.REDIS_RETRY_SECONDS)
            continue
        client = aioredis.Redis.from_url(settings.REDIS_URL)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(CHANNEL)
                event.set()  # anything published before the subscription: look now
                async for message in pubsub.listen():
                    breaker.health.answered()
                    if message["type"] == "message":
                        event.set()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            _lost(error)
            await asyncio.sleep(breaker.REDIS_RETRY_SECONDS)
        finally:
            await client.aclose()


def wakeups() -> int:
    """The wake-ups so far in this process: pass it to wait() to wait for the next one."""
    with _changed:
        return _wakeups


def wait(seen: int, timeout: float) -> int:
    """Block the thread until a wake-up after `seen`, or `timeout` seconds; the count then.

    With Redis, a thread of this process relays every process's wake-ups (started here)."""
    if settings.REDIS_URL:
        _start_thread_relay()
    with _changed:
        _changed.wait_for(lambda: _wakeups != seen, timeout)
        return _wakeups


def _count_wakeup() -> None:
    global _wakeups
    with _changed:
        _wakeups += 1
        _changed.notify_all()


def _start_thread_relay() -> None:
    global _thread_relay
    with _lock:
        if _thread_relay is None or not _thread_relay.is_alive():
            _thread_relay = threading.Thread(
                target=_relay_to_threads, name="order-events-relay", daemon=True
            )
            _thread_relay.start()


def _relay_to_threads() -> None:
    """Count every wake-up published by any process, for as long as the process lives."""
    import redis

    while True:
        if not breaker.health.may_ask():
            time.sleep(breaker.REDIS_RETRY_SECONDS)
            continue
        client = redis.Redis.from_url(settings.REDIS_URL)
        try:
            with client.pubsub() as pubsub:
                pubsub.subscribe(CHANNEL)
                _count_wakeup()  # anything published before the subscription: look now
                for message in pubsub.listen():
                    breaker.health.answered()
                    if message["type"] == "message":
                        _count_wakeup()
        except Exception as error:
            _lost(error)
            time.sleep(breaker.REDIS_RETRY_SECONDS)
        finally:
            client.close()


def _lost(error: Exception) -> None:
    """A relay lost its subscription: Redis failing is breaker.py's to know; anything else
    is logged here. Either way the relay subscribes again when breaker.py allows."""
    if isinstance(error, breaker.REDIS_FAILURES):
        breaker.health.failed(error)
    else:
        logger.warning("Lost the order event channel; subscribing again", exc_info=error)
