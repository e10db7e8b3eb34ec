"""make soak: a fixed mix of menu reads, cart adds and order placements from many clients.

Starts `scripts/serve-prod.sh` (gunicorn, debug off, PostgreSQL + Redis, HTTPS) on its own
port with throttling lifted, drives it from SOAK_CLIENTS threads for SOAK_SECONDS, prints
throughput, latency, error and 5xx counts, then checks in the database that every order
answered with 201 exists with its lines and total, and that every cart it consumed is empty.
Exits non-zero on any 5xx, transport error or inconsistency.
"""

import http.client
import json
import os
import random
import signal
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = int(os.environ.get("SOAK_PORT", "8543"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "50"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
# The mix, per request: menu page reads, cart adds, order placements.
MIX = [("menu", 0.6), ("cart", 0.25), ("order", 0.15)]
TLS = ssl._create_unverified_context()  # the serve-prod certificate is self-signed

ENV = {
    **os.environ,
    "PORT": str(PORT),
    "DATABASE_URL": os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/littlelemon_soak"
    ),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4"),
    "DJANGO_LOG_LEVEL": "WARNING",
    **{f"THROTTLE_{scope}": "1000000/minute" for scope in ("ANON", "USER", "ORDERS", "LOGIN")},
}


def start_server() -> subprocess.Popen:
    log = open(ROOT / ".soak-server.log", "w")  # noqa: SIM115  (closed with the process)
    server = subprocess.Popen(
        [str(ROOT / "scripts" / "serve-prod.sh")],
        cwd=ROOT,
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"serve-prod exited early; see {log.name}")
        try:
            if request("GET", "/api/health")[0] == 200:
                return server
        except OSError:
            time.sleep(0.5)
    sys.exit("serve-prod did not answer /api/health within 120 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def request(method, path, token=None, body=None):
    conn = http.client.HTTPSConnection("127.0.0.1", PORT, timeout=30, context=TLS)
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


def make_customers(count: int) -> list[str]:
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
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**ENV, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secret_key()},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def secret_key() -> str:
    return os.environ.get("DJANGO_SECRET_KEY") or (ROOT / ".secret_key").read_text().strip()


class Client(threading.Thread):
    def __init__(self, token: str, menu_ids: list[int], deadline: float):
        super().__init__(daemon=True)
        self.token, self.menu_ids, self.deadline = token, menu_ids, deadline
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
            return request("GET", f"/api/menu-items?page_size={size}", self.token)
        if kind == "cart":
            item = self.rng.choice(self.menu_ids)
            status, body = request(
                "POST", "/api/cart/menu-items", self.token, {"menuitem_id": item, "quantity": 1}
            )
            if status in (200, 201):
                self.cart_since_last_order[item] += 1
            return status, body
        status, body = request("POST", "/api/orders", self.token)
        if status == 201:
            self.orders.append((body, dict(self.cart_since_last_order)))
            self.cart_since_last_order.clear()
        return status, body


def verify(clients: list[Client]) -> list[str]:
    """Every 201 order is in the database as answered; every consumed cart is empty."""
    os.environ.update({**ENV, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secret_key()})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "LittleLemon.settings")
    sys.path.insert(0, str(ROOT))
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
    server = start_server()
    try:
        tokens = make_customers(CLIENTS)
        menu_ids = [
            item["id"] for item in request("GET", "/api/menu-items?page_size=100")[1]["results"]
        ]
        deadline = time.monotonic() + SECONDS
        clients = [Client(token, menu_ids, deadline) for token in tokens]
        started = time.monotonic()
        for client in clients:
            client.start()
        for client in clients:
            client.join(SECONDS + 60)
        elapsed = time.monotonic() - started
    finally:
        stop_server(server)

    statuses = sum((c.statuses for c in clients), Counter())
    kinds = sum((c.kinds for c in clients), Counter())
    latencies = sorted(lat for c in clients for lat in c.latencies)
    total = sum(statuses.values())
    errors = sum(n for status, n in statuses.items() if status >= 400)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    transport = sum(c.transport_errors for c in clients)
    placed = sum(len(c.orders) for c in clients)
    where = ENV["DATABASE_URL"]
    print(f"soak: {CLIENTS} clients for {elapsed:.0f} s against make serve-prod ({where})")
    print(f"  requests   {total}  ({total / elapsed:.1f}/s): {dict(kinds)}")
    print(f"  statuses   {dict(sorted(statuses.items()))}")
    print(
        f"  latency    p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms"
    )
    print(f"  orders     {placed} placed ({placed / elapsed:.1f}/s)")
    print(f"  errors     {errors} (4xx/5xx), 5xx {server_errors}, transport {transport}")
    problems = verify(clients)
    print(f"  database   {'consistent' if not problems else f'{len(problems)} problems'}")
    for problem in problems[:20]:
        print(f"    - {problem}")
    sys.exit(1 if server_errors or transport or errors or problems else 0)


if __name__ == "__main__":
    main()
