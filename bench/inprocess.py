"""make bench-inprocess: microseconds per request of the bench's endpoints, in one process.

No server and no load generator: Django's test client sends each request through the whole
middleware and view stack against a SQLite database seeded by `seed_bench` (kept in
bench/inprocess.sqlite3 between runs; delete it to seed again). Each figure is the fastest
of BENCH_REPEATS runs of BENCH_REQUESTS requests, so a busy machine inflates it least: for
comparing two versions of the code on the same machine, next to the baseline route.
"""

import json
import os
import sys
import time
from pathlib import Path

from tests import servers

DATABASE = Path(__file__).resolve().parent / "inprocess.sqlite3"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


def configure() -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-inprocess-" + "k" * 40,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{DATABASE}",
        LOG_FORMAT="json",
        # Throttling stays on, at the rates every check lifts it to.
        **servers.lifted_throttles("bench.settings", servers.UNTHROTTLED),
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    import logging

    # Request logging only writes lines: off, so the figures are the requests'.
    logging.disable(logging.CRITICAL)


def fastest(send, requests: int, repeats: int) -> float:
    """Microseconds per call of `send`, the fastest of `repeats` runs of `requests` calls."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(requests):
            send()
        best = min(best, (time.perf_counter() - started) / requests)
    return best * 1e6


def main() -> None:
    configure()
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from bench.management.commands import seed_bench
    from LittleLemonDRF.models import Category, MenuItem

    if not DATABASE.exists():
        call_command("migrate", verbosity=0)
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
    figures = {}
    for name, (path, token) in reads.items():
        client = Client(headers={"Authorization": f"Token {token}"} if token else {})
        answer = client.get(path)
        if answer.status_code != 200:
            sys.exit(f"GET {path} answered {answer.status_code}: {answer.content[:300]!r}")
        figures[name] = fastest(lambda c=client, p=path: c.get(p), REQUESTS, REPEATS)
    writer = sorted(k for n, k in tokens.items() if n.startswith("bench-customer-"))[-1]
    dishes = list(MenuItem.objects.filter(stock__isnull=True).values_list("id", flat=True)[:30])
    figures["write_cycle"] = fastest(_write_cycle(Client(), writer, dishes), 10, REPEATS)
    width = max(map(len, figures))
    for name, micros in figures.items():
        print(f"{name:<{width}}  {micros:9.0f} us  {micros / figures['baseline']:6.2f} x baseline")
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


if __name__ == "__main__":
    main()
