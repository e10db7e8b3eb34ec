"""The order stream: Server-Sent Events of order changes, read from the event rows.

events.py says what is sent (framing, scope, replay, the reader of new events), hub.py shares
one reader among the async streams of a process, caller.py keeps each stream's caller honest
(their lease among their open streams, their credential and role re-checked). The view
(views/stream.py) serves a stream as an async iterator under ASGI and a threaded one under
WSGI, from the same parts. A subscriber replays what it missed (Last-Event-ID, 24 hours at
most), then goes live.
"""

from .caller import LEASE_SECONDS, Caller, Lease, authenticate, current_user
from .events import (
    KEEPALIVE,
    LATE_COMMIT_WINDOW,
    POLL_SECONDS,
    REPLAY_WINDOW,
    Reader,
    Rendered,
    Scope,
    database,
    frame,
    render,
    replay,
)
from .hub import Hub, Subscriber, hub

__all__ = [
    "KEEPALIVE",
    "LATE_COMMIT_WINDOW",
    "LEASE_SECONDS",
    "POLL_SECONDS",
    "REPLAY_WINDOW",
    "Caller",
    "Hub",
    "Lease",
    "Reader",
    "Rendered",
    "Scope",
    "Subscriber",
    "authenticate",
    "current_user",
    "database",
    "frame",
    "hub",
    "render",
    "replay",
]
