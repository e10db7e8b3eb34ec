"""make bench-inprocess: microseconds per request of the bench's endpoints, in one process,
and where each request's time goes.

No server and no load generator: Django's test client sends each request through the whole
middleware and view stack. By default against a SQLite database seeded by `seed_bench`
(kept in bench/inprocess.sqlite3 between runs; delete it to seed again) and the local-memory
cache. With DATABASE_URL (PostgreSQL, a database whose name contains "bench": dropped,
created and seeded again) and REDIS_URL, against those, as production runs.

Each figure is the fastest of BENCH_REPEATS runs of BENCH_REQUESTS requests, so a busy
machine inflates it least: for comparing two versions of the code on the same machine, next
to the baseline route. One more run of each measures where the time goes: in the database
(every query, through Django's execute_wrapper), in Redis (every reply waited for, timed
around redis-py's connection), and the rest, which is Python: Django, DRF and the app.
"""

import collections
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from harness import servers

DATABASE = Path(__file__).resolve().parent / "inprocess.sqlite3"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


def configure() -> str:
    """Settings for this process; "sqlite" or "postgres", what it runs on."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        from bench.run import replace_bench_database

        replace_bench_database(url, "make bench-inprocess runs on SQLite or PostgreSQL.")
    else:
        os.environ.pop("REDIS_URL", None)  # the embedded default: the local-memory cache
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-inprocess-" + "k" * 40,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=url or f"sqlite:///{DATABASE}",
        LOG_FORMAT="json",
        # Throttling stays on, at the rates every check lifts it to.
        **servers.lifted_throttles("bench.settings", servers.UNTHROTTLED),
    )
    import django

    django.setup()
    import logging

    # Request logging only writes lines: off, so the figures are the requests'.
    logging.disable(logging.CRITICAL)
    return "postgres" if url else "sqlite"


def fastest(send, requests: int, repeats: int) -> float:
    """Microseconds per call of `send`, the fastest of `repeats` runs of `requests` calls."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(requests):
            send()
        best = min(best, (time.perf_counter() - started) / requests)
    return best * 1e6


class Split:
    """Seconds spent waiting on the database and on Redis, and how many times, while on."""

    def __init__(self):
        self.seconds = collections.Counter()
        self.calls = collections.Counter()
        self.on = False

    def add(self, where: str, started: float) -> None:
        if self.on:
            self.seconds[where] += time.perf_counter() - started
            self.calls[where] += 1

    def query(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.add("db", started)

    def install_on_redis(self) -> None:
        """Time every command sent and its reply read: one call is one round trip (the app
        sends no pipelines). redis-py has no hook for it, so its connection is wrapped."""
        from redis.connection import AbstractConnection

        send, read = AbstractConnection.send_packed_command, AbstractConnection.read_response
        split = self

        def timed_send(connection, *args, **kwargs):
            started = time.perf_counter()
            try:
                return send(connection, *args, **kwargs)
            finally:
                if split.on:  # the wait for the reply is the round trip's, counted there
                    split.seconds["redis"] += time.perf_counter() - started

        def timed_read(connection, *args, **kwargs):
            started = time.perf_counter()
            try:
                return read(connection, *args, **kwargs)
            finally:
                split.add("redis", started)

        AbstractConnection.send_packed_command = timed_send
        AbstractConnection.read_response = timed_read

    def install_on_commits(self) -> None:
        """Time every commit as well: Django sends it outside execute_wrapper's reach."""
        from django.db.backends.base.base import BaseDatabaseWrapper

        commit, split = BaseDatabaseWrapper._commit, self

        def timed_commit(connection):
            started = time.perf_counter()
            try:
                return commit(connection)
            finally:
                split.add("db", started)

        BaseDatabaseWrapper._commit = timed_commit

    @contextmanager
    def measuring(self):
        from django.db import connection

        self.seconds.clear()
        self.calls.clear()
        self.on = True
        try:
            with connection.execute_wrapper(self.query):
                yield
        finally:
            self.on = False


def split_of(send, requests: int, split: Split) -> dict:
    """Per request: microseconds in all, in the database and in Redis, and the calls of each."""
    with split.measuring():
        started = time.perf_counter()
        for _ in range(requests):
            send()
        total = time.perf_counter() - started
    return {
        "total_us": total / requests * 1e6,
        "db_us": split.seconds["db"] / requests * 1e6,
        "db_calls": split.calls["db"] / requests,
        "redis_us": split.seconds["redis"] / requests * 1e6,
        "redis_trips": split.calls["redis"] / requests,
    }


def main() -> None:
    db = configure()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from bench.management.commands import seed_bench
    from LittleLemonDRF.models import Category, MenuItem, Order

    split = Split()
    split.install_on_commits()
    if settings.REDIS_URL:
        split.install_on_redis()
    if db == "postgres" or not DATABASE.exists():
        call_command("migrate", verbosity=0)
    if not Order.objects.exists():
        call_command("seed_bench", "--scale=0.2", stdout=open(os.devnull, "w"))  # noqa: SIM115
    tokens = dict(Token.objects.values_list("user__username", "key"))
    manager, customer = tokens[seed_bench.MANAGER_USERNAME], tokens[seed_bench.CUSTOMER_USERNAME]
    slug = Category.objects.order_by("id").values_list("slug", flat=True)[0]
    reads = {
        "baseline": ("/api/bench/baseline", None),
        "menu_anon": ("/api/menu-items", None),
        "menu_token": ("/api/menu-items", customer),
        "menu_filtered": (f"/api/menu-items?category={slug}&ordering=-price&page_size=50", None),
        "orders_manager": ("/api/orders", manager),
        "orders_customer": ("/api/orders", customer),
        "cart": ("/api/cart/menu-items", customer),
    }
    sends = {}
    for name, (path, token) in reads.items():
        client = Client(headers={"Authorization": f"Token {token}"} if token else {})
        answer = client.get(path)
        if answer.status_code != 200:
            sys.exit(f"GET {path} answered {answer.status_code}: {answer.content[:300]!r}")
        sends[name] = (lambda c=client, p=path: c.get(p)), REQUESTS
    writer = sorted(k for n, k in tokens.items() if n.startswith("bench-customer-"))[-1]
    dishes = list(MenuItem.objects.filter(stock__isnull=True).values_list("id", flat=True)[:30])
    sends["write_cycle"] = _write_cycle(Client(), writer, dishes), 10
    sends["one_request_order"] = _one_request_order(Client(), writer), 10
    figures, splits = {}, {}
    for name, (send, requests) in sends.items():
        figures[name] = fastest(send, requests, REPEATS)
        splits[name] = split_of(send, requests, split)
    cache = "Redis" if settings.REDIS_URL else "local-memory cache"
    print(
        f"{db}, {cache}; fastest of {REPEATS} x {REQUESTS} requests "
        "(write cycle and one-request order: 10 of them)"
    )
    print(
        "and, right of |, one more run: its microseconds per request, the database's calls\n"
        "(queries and commits) and time, Redis's round trips and time, and the rest (Python)\n"
    )
    width = max(map(len, figures))
    print(
        f"{'':<{width}}  {'us':>7}  {'x base':>6}  |  {'run us':>7}  {'db':>5}  {'db us':>6}  "
        f"{'redis':>5}  {'redis us':>8}  {'python us':>9}"
    )
    for name, micros in figures.items():
        one = splits[name]
        python = one["total_us"] - one["db_us"] - one["redis_us"]
        print(
            f"{name:<{width}}  {micros:7.0f}  {micros / figures['baseline']:6.2f}  |  "
            f"{one['total_us']:7.0f}  {one['db_calls']:5.1f}  {one['db_us']:6.0f}  "
            f"{one['redis_trips']:5.1f}  "
            f"{one['redis_us']:8.0f}  {python:9.0f}"
        )
    print(json.dumps({name: round(micros) for name, micros in figures.items()}))


def _write_cycle(client, token: str, dishes: list[int]):
    """Three cart adds and an order, as the write mix: one call is one cycle."""
    headers = {"Authorization": f"Token {token}"}
    turn = iter(range(10**9))

    def cycle():
        start = next(turn) % 10 * 3
        for dish in dishes[start : start + 3]:
            body = {"menuitem_id": dish, "quantity": 1}
            client.post(
                "/api/cart/menu-items", body, content_type="application/json", headers=headers
            )
        answer = client.post("/api/orders", headers=headers)
        if answer.status_code != 201:
            sys.exit(f"POST /api/orders answered {answer.status_code}: {answer.content[:300]!r}")

    return cycle


def _one_request_order(client, token: str):
    """One POST /api/orders with three lines in `items`, as make bench's one-request order:
    the dish with options and its choice, and two more counted dishes."""
    from bench.run import one_request_body, option_dish
    from LittleLemonDRF.models import MenuItem

    counted = MenuItem.objects.filter(stock__isnull=False).order_by("id")
    fx = {"option": option_dish(), "counted_items": list(counted.values_list("id", flat=True))}
    headers = {"Authorization": f"Token {token}"}
    turn = iter(range(10**9))

    def order():
        body = one_request_body(fx, next(turn) % 10)
        answer = client.post("/api/orders", body, content_type="application/json", headers=headers)
        if answer.status_code != 201:
            sys.exit(f"POST /api/orders answered {answer.status_code}: {answer.content[:300]!r}")

    return order


if __name__ == "__main__":
    main()
