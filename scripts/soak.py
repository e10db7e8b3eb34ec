"""make soak: a fixed mix of menu reads, cart adds and order placements from many clients.

Starts the production configuration through harness/servers.py (gunicorn with its production
settings, WEB_CONCURRENCY workers, debug off, PostgreSQL + Redis, HTTPS with a self-signed
certificate, `check --deploy` clean) on a free port with throttling lifted, drives it from
SOAK_CLIENTS threads for SOAK_SECONDS, prints throughput, latency, error and 5xx counts, then
checks in the database that every order answered with 201 exists with its lines and total,
and that every cart it consumed is empty. Exits non-zero on any 5xx, transport error or
inconsistency. Run it with `make soak` (`python -m scripts.soak` from the project folder).
"""

import http.client
import json
import os
import random
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import dj_database_url

from harness import servers

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "50"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/littlelemon_soak")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")
# What `make serve-prod` runs: the production gunicorn settings and number of workers.
SERVER = servers.Gunicorn(
    workers=int(os.environ.get("WEB_CONCURRENCY", "3")), config="python:LittleLemon.gunicorn"
)
# The mix, per request: menu page reads, cart adds, order placements.
MIX = [("menu", 0.6), ("cart", 0.25), ("order", 0.15)]


class Target:
    """The server under load, over HTTPS, trusting its certificate and no other."""

    def __init__(self, port: int, tls: servers.TLS):
        self.port = port
        self.context = ssl.create_default_context(cafile=str(tls.certfile))

    def request(self, method, path, token=None, body=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30, context=self.context)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        try:
            conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, json.loads(data) if data else None
        finally:
            conn.close()


def prepare(env: dict[str, str]) -> None:
    """The database, created on first use as serve-prod does, migrated, with the menu."""
    if dj_database_url.parse(DATABASE_URL)["ENGINE"].endswith("postgresql"):
        servers.create_database(DATABASE_URL)
    servers.prepare_database(env)
    servers.manage(env, "check", "--deploy", "--fail-level", "WARNING")


def make_customers(env: dict[str, str], count: int) -> list[str]:
    """Users and tokens straight through the ORM: the login throttle guards the real routes."""
    code = f"""
import json
from django.contrib.auth.models import User
from LittleLemonDRF.services import token_for_login
User.objects.filter(username__startswith="soak-").delete()
tokens = []
for n in range({count}):
    user = User.objects.create_user(f"soak-{{n}}", password="soak-Pass-2026!")
    tokens.append(token_for_login(user=user).key)
print(json.dumps(tokens))
"""
    return json.loads(servers.manage(env, "shell", "-c", code).strip().splitlines()[-1])


class Client(threading.Thread):
    def __init__(self, target: Target, token: str, menu_ids: list[int], deadline: float):
        super().__init__(daemon=True)
        self.target, self.token, self.menu_ids, self.deadline = target, token, menu_ids, deadline
        self.latencies, self.statuses, self.kinds = [], Counter(), Counter()
        self.orders = []  # bodies of 201 answers to POST /api/orders
        self.cart_since_last_order = Counter()  # menu item id -> quantity
        self.transport_errors = 0
        self.rng = random.Random(token)

    def run(self):
        while time.monotonic() < self.deadline:
            kind = self.rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
            if kind == "order" and not self.cart_since_last_order:
                kind = "cart"
            started = time.perf_counter()
            try:
                status, body = self.send(kind)
            except OSError:
                self.transport_errors += 1
                continue
            self.latencies.append(time.perf_counter() - started)
            self.statuses[status] += 1
            self.kinds[kind] += 1

    def send(self, kind):
        if kind == "menu":
            size = self.rng.choice([5, 10, 20])
            return self.target.request("GET", f"/api/menu-items?page_size={size}", self.token)
        if kind == "cart":
            item = self.rng.choice(self.menu_ids)
            status, body = self.target.request(
                "POST", "/api/cart/menu-items", self.token, {"menuitem_id": item, "quantity": 1}
            )
            if status in (200, 201):
                self.cart_since_last_order[item] += 1
            return status, body
        status, body = self.target.request("POST", "/api/orders", self.token)
        if status == 201:
            self.orders.append((body, dict(self.cart_since_last_order)))
            self.cart_since_last_order.clear()
        return status, body


def verify(env: dict[str, str], clients: list[Client]) -> list[str]:
    """Every 201 order is in the database as answered; every consumed cart is empty."""
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from LittleLemonDRF.models import Cart, Order

    problems = []
    for client in clients:
        user_id = Token.objects.get(key=client.token).user_id
        for body, cart in client.orders:
            order = Order.objects.filter(pk=body["id"], user_id=user_id).first()
            if order is None:
                problems.append(f"order {body['id']} answered 201 but is not in the database")
                continue
            lines = {item.menuitem_id: item.quantity for item in order.items.all()}
            if lines != cart:
                problems.append(f"order {order.pk} has lines {lines}, the cart held {cart}")
            if order.total != Decimal(body["total"]) or order.total != sum(
                item.price for item in order.items.all()
            ):
                problems.append(f"order {order.pk} total {order.total} != {body['total']}")
        left = dict(Cart.objects.filter(user_id=user_id).values_list("menuitem_id", "quantity"))
        if left != dict(client.cart_since_last_order):
            problems.append(
                f"user {user_id}: cart holds {left}, expected {dict(client.cart_since_last_order)}"
            )
        orders_in_db = Order.objects.filter(user_id=user_id).count()
        if orders_in_db != len(client.orders):
            problems.append(
                f"user {user_id}: {orders_in_db} orders stored, {len(client.orders)} placed"
            )
    return problems


def main():
    with tempfile.TemporaryDirectory(prefix="littlelemon-soak-") as workdir:
        tls = servers.self_signed_tls(Path(workdir))
        env = servers.production_env(database_url=DATABASE_URL, redis_url=REDIS_URL, tls=tls)
        try:
            prepare(env)
            with servers.running(env, command=SERVER, log=ROOT / ".soak-server.log") as server:
                clients, elapsed = soak(Target(server.port, tls), make_customers(env, CLIENTS))
        except servers.ServerFailed as error:
            sys.exit(str(error))
    failed = report(clients, elapsed)
    problems = verify(env, clients)
    print(f"  database   {'consistent' if not problems else f'{len(problems)} problems'}")
    for problem in problems[:20]:
        print(f"    - {problem}")
    sys.exit(1 if failed or problems else 0)


def soak(target: Target, tokens: list[str]) -> tuple[list[Client], float]:
    """The clients, once they have run for SECONDS, and how long that took."""
    menu = target.request("GET", "/api/menu-items?page_size=100")[1]["results"]
    deadline = time.monotonic() + SECONDS
    clients = [Client(target, token, [item["id"] for item in menu], deadline) for token in tokens]
    started = time.monotonic()
    for client in clients:
        client.start()
    for client in clients:
        client.join(SECONDS + 60)
    return clients, time.monotonic() - started


def report(clients: list[Client], elapsed: float) -> bool:
    """Print the figures; whether any request failed."""
    statuses = sum((c.statuses for c in clients), Counter())
    kinds = sum((c.kinds for c in clients), Counter())
    latencies = sorted(lat for c in clients for lat in c.latencies)
    total = sum(statuses.values())
    errors = sum(n for status, n in statuses.items() if status >= 400)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    transport = sum(c.transport_errors for c in clients)
    placed = sum(len(c.orders) for c in clients)
    print(
        f"soak: {CLIENTS} clients for {elapsed:.0f} s against serve-prod's set-up ({DATABASE_URL})"
    )
    print(f"  requests   {total}  ({total / elapsed:.1f}/s): {dict(kinds)}")
    print(f"  statuses   {dict(sorted(statuses.items()))}")
    print(
        f"  latency    p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms"
    )
    print(f"  orders     {placed} placed ({placed / elapsed:.1f}/s)")
    print(f"  errors     {errors} (4xx/5xx), 5xx {server_errors}, transport {transport}")
    return bool(server_errors or transport or errors)


if __name__ == "__main__":
    main()
