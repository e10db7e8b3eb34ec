"""Racing requests: each in its own thread with its own APIClient, database connection and real
`Authorization: Token` header, released together by a barrier. PostgreSQL only.

A race module sets `pytestmark = RACE_MARKS`; its tests then skip on SQLite, run in real
transactions, and get throttle rates too generous to answer 429.
"""

import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

THREAD_TIMEOUT = 60  # seconds; a deadlock shows up as a failure, never as a hung suite

RACE_MARKS = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks and real concurrent transactions; "
        "run `make test-postgres`",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("generous_throttles"),
]


@pytest.fixture
def generous_throttles(settings):
    """Throttling is not under test in a race: a 429 would hide what the race did.

    Registered for every test through `tests/conftest.py`; `RACE_MARKS` applies it.
    """
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            scope: "1000/minute" for scope in ("anon", "user", "ratings", "orders", "login")
        },
    }


@dataclass
class Outcome:
    status: int
    body: object
    error: str = ""  # the server-side traceback of a 5xx

    def __repr__(self):
        return f"{self.status} {self.body!r}{self.error}"


def token_key(user):
    return Token.objects.get_or_create(user=user)[0].key


def send_one(key, send, hook=None):
    """One request in this thread, with its own client and a real token header.

    `hook` (a Django execute wrapper) sees every query of this thread's connection. The
    connection is closed afterwards, so the test database can be dropped at the end.
    """
    try:
        client = APIClient(raise_request_exception=False)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        with connection.execute_wrapper(hook) if hook else nullcontext():
            response = send(client)
        error = ""
        if response.status_code >= 500 and response.exc_info:
            error = "\n" + "".join(traceback.format_exception(*response.exc_info))
        try:
            body = response.json()
        except ValueError:
            body = response.content[:200]
        return Outcome(response.status_code, body, error)
    finally:
        connection.close()


def race(users, send, hook_factory=None):
    """`send(client)` once per user, each from its own thread, all released together; the
    outcomes, in the order of `users` (a user may appear more than once).

    `send` may also be a list with one function per user. `hook_factory()`, when given, makes
    each thread's own query hook.
    """
    sends = send if isinstance(send, list) else [send] * len(users)
    keys = [token_key(user) for user in users]
    barrier = threading.Barrier(len(users))

    def released(send):
        def worker(client):
            barrier.wait(timeout=THREAD_TIMEOUT)
            return send(client)

        return worker

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        futures = [
            pool.submit(send_one, key, released(s), hook_factory() if hook_factory else None)
            for key, s in zip(keys, sends, strict=True)
        ]
        return [future.result(timeout=THREAD_TIMEOUT) for future in futures]


def statuses(outcomes):
    return sorted(outcome.status for outcome in outcomes)
