"""make chaos: the production set-up under a steady load while its parts fail, one at a time.

Starts PostgreSQL and Redis servers of its own (harness/backing.py: free ports, stopped by the
process ids it started; the machine's own servers are never touched), then what `make
serve-prod` runs on them: gunicorn with the production settings and WEB_CONCURRENCY workers
(plain HTTP here), uvicorn for the order stream and two background workers. Customers browse the
menu, fill carts and place orders the whole time; a manager follows the stream and a local
receiver takes the webhooks. Then:

1. Redis is stopped for CHAOS_REDIS_SECONDS (20) and started again, with its data (it saves
   on shutdown): no 5xx; a price changed during the outage shows in the next read, during it
   and after it; throttling goes on in each process's memory; /api/health says the cache is
   unavailable, then ok; the stream and the webhooks miss nothing.
2. PostgreSQL is stopped for CHAOS_DATABASE_SECONDS (5) and started again: every API answer
   meanwhile is a 503 JSON with Retry-After (or a correct 200 from the cache), never HTML or a
   500; requests succeed again within five seconds, from the same workers.
3. A gunicorn worker is SIGKILLed CHAOS_KILLS (3) times while orders are being placed: every
   order answered 201 is whole in the database, no order is partial, no cart line is lost or
   invented, no stock is taken without its order.
4. A background worker (`manage.py worker`) is SIGKILLed CHAOS_KILLS times, and another started,
   while webhooks are being delivered and scheduled orders released: every scheduled order
   is released, and (checked with the stream at the end) every event reaches the receiver.

Prints a table of checks and figures and exits non-zero if any check fails. CHAOS_FAST=1 runs
the short version CI runs (a 5 s Redis outage, 3 s database outage, one kill).
Run it with `make chaos` (`python -m scripts.chaos` from the project folder).
"""

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from harness import backing, servers
from scripts.soak import make_customers

ROOT = Path(__file__).resolve().parent.parent
FAST = os.environ.get("CHAOS_FAST") == "1"
REDIS_SECONDS = float(os.environ.get("CHAOS_REDIS_SECONDS", "5" if FAST else "20"))
DATABASE_SECONDS = float(os.environ.get("CHAOS_DATABASE_SECONDS", "3" if FAST else "5"))
KILLS = int(os.environ.get("CHAOS_KILLS", "1" if FAST else "3"))
CUSTOMERS = int(os.environ.get("CHAOS_CUSTOMERS", "6"))
WORKERS = int(os.environ.get("WEB_CONCURRENCY", "3"))
RECOVERY_LIMIT = 5.0  # seconds after the database is back
UNCACHED = "/api/ratings"  # a read that always needs the database
COUNTED_STOCK = 100_000  # portions of each counted dish: enough for the whole run
# Seconds the stream and the webhooks get to catch up after the load: longer than a
# worker's lease, since a job the database outage or a kill cut short is run again once it
# lapses.
CATCH_UP = 90
JOB_WORKERS = 2
LEASE = 15  # seconds: the job of a killed worker is run again by another after this
LOGS = ROOT / ".chaos"


# --- HTTP ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def is_json(self) -> bool:
        return self.headers.get("content-type", "").startswith("application/json")


def call(port: int, method: str, path: str, token=None, body=None, timeout=10) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        conn.request(
            method, path, body=json.dumps(body) if body is not None else None, headers=headers
        )
        response = conn.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()


# --- The load ------------------------------------------------------------------------------


@dataclass
class Record:
    at: float
    kind: str
    status: int | None  # None: no answer (the connection broke)
    is_json: bool = True
    retry_after: str | None = None


class Customer(threading.Thread):
    """Reads the menu, adds to the cart and places orders until told to stop."""

    def __init__(self, port: int, token: str, user_id: int, dishes: list[int]):
        super().__init__(daemon=True)
        self.port, self.token, self.user_id, self.dishes = port, token, user_id, dishes
        self.records: list[Record] = []
        self.orders: list[dict] = []  # bodies of 201 answers
        self.confirmed = Counter()  # dish -> quantity added with a 2xx answer
        self.unsure = Counter()  # dish -> quantity of adds that got no answer
        self.unanswered_orders = 0
        self.stopping = threading.Event()
        self.rng = random.Random(token)

    def run(self):
        while not self.stopping.is_set():
            kind = self.rng.choices(["menu", "cart", "order"], [5, 3, 1])[0]
            started = time.monotonic()
            try:
                answer = self.send(kind)
            except (OSError, http.client.HTTPException):
                self.records.append(Record(started, kind, None))
                time.sleep(0.05)
                continue
            self.records.append(
                Record(
                    started, kind, answer.status, answer.is_json, answer.headers.get("retry-after")
                )
            )
            if answer.status >= 500:
                time.sleep(0.05)

    def send(self, kind: str) -> Answer:
        if kind == "menu":
            token = self.token if self.rng.random() < 0.5 else None
            return call(self.port, "GET", "/api/menu-items?page_size=10", token)
        if kind == "cart":
            dish = self.rng.choice(self.dishes)
            try:
                answer = call(
                    self.port,
                    "POST",
                    "/api/cart/menu-items",
                    self.token,
                    {"menuitem_id": dish, "quantity": 1},
                )
            except (OSError, http.client.HTTPException):
                self.unsure[dish] += 1
                raise
            if answer.status in (200, 201):
                self.confirmed[dish] += 1
            return answer
        try:
            answer = call(self.port, "POST", "/api/orders", self.token)
        except (OSError, http.client.HTTPException):
            self.unanswered_orders += 1
            raise
        if answer.status == 201:
            self.orders.append(answer.json)
        return answer


def between(customers, start: float, end: float) -> list[Record]:
    return [r for c in customers for r in c.records if start <= r.at < end]


# --- Stream and webhooks -------------------------------------------------------------------


class StreamFollower(threading.Thread):
    """The manager's view of /api/orders/stream, reconnecting with Last-Event-ID."""

    def __init__(self, port: int, token: str):
        super().__init__(daemon=True)
        self.port, self.token = port, token
        self.ids: set[int] = set()
        self.last: int | None = None
        self.reconnects = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            # Longer than the stream's keep-alive interval: a quiet stream is not a dead one.
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            headers = {"Authorization": f"Token {self.token}"}
            if self.last is not None:
                headers["Last-Event-ID"] = str(self.last)
            try:
                conn.request("GET", "/api/orders/stream", headers=headers)
                response = conn.getresponse()
                if response.status != 200:
                    raise OSError(f"stream answered {response.status}")
                while not self.stopping.is_set():
                    line = response.fp.readline()
                    if not line:
                        break
                    if line.startswith(b"id: "):
                        self.last = int(line[4:])
                        self.ids.add(self.last)
            except (OSError, http.client.HTTPException, ValueError):
                time.sleep(0.5)
            finally:
                conn.close()
            self.reconnects += 1


class Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint that notes every event id it is sent."""

    received: set[int] = set()
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (the http.server name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            self.received.add(int(self.headers["LittleLemon-Event-Id"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


# --- The run -------------------------------------------------------------------------------


@dataclass
class Report:
    lines: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, figures: str) -> None:
        self.lines.append((name, bool(ok), figures))

    def print(self) -> bool:
        width = max(len(name) for name, _, _ in self.lines)
        print(f"\n{'check':<{width}}  result  figures")
        for name, ok, figures in self.lines:
            print(f"{name:<{width}}  {'ok' if ok else 'FAILED':<6}  {figures}")
        return all(ok for _, ok, _ in self.lines)


def statuses(records: list[Record]) -> str:
    counts = Counter("none" if r.status is None else r.status for r in records)
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str))


def manage_json(env, code: str):
    return json.loads(servers.manage(env, "shell", "-c", code).strip().splitlines()[-1])


def accounts(env) -> dict:
    code = """
import json
from django.contrib.auth.models import Group, User
from LittleLemonDRF.services import token_for_login
manager = User.objects.create_user("chaos-manager", password="chaos-Pass-2026!")
manager.groups.add(Group.objects.get_or_create(name="Manager")[0])
probe = User.objects.create_user("chaos-probe", password="chaos-Pass-2026!")
print(json.dumps({"manager": token_for_login(user=manager).key,
                  "probe": token_for_login(user=probe).key}))
"""
    return manage_json(env, code)


def user_ids(env, tokens: list[str]) -> list[int]:
    code = f"""
import json
from rest_framework.authtoken.models import Token
keys = {tokens!r}
ids = dict(Token.objects.filter(key__in=keys).values_list("key", "user_id"))
print(json.dumps([ids[k] for k in keys]))
"""
    return manage_json(env, code)


def worker_pids(master: int) -> set[int]:
    done = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    )
    return {int(pid) for pid in done.stdout.split()}


def wait_for(predicate, timeout: float, step: float = 0.1) -> float | None:
    """Seconds until predicate() is true, or None after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with suppress(OSError, http.client.HTTPException):
            if predicate():
                return time.monotonic() - started
        time.sleep(step)
    return None


def health(port: int) -> tuple[int, dict | None]:
    answer = call(port, "GET", "/api/health", timeout=3)
    return answer.status, answer.json if answer.is_json else None


def main() -> None:
    LOGS.mkdir(exist_ok=True)
    report = Report()
    with ExitStack() as stack:
        redis = stack.enter_context(backing.redis())
        database = stack.enter_context(backing.postgres())
        url = database.url("littlelemon_chaos")
        servers.create_database(url)
        env = servers.production_env(
            database_url=url,
            redis_url=redis.url,
            WEBHOOK_ALLOW_PRIVATE="1",
            WEBHOOK_RETRY_BASE="1",
            WEB_CONCURRENCY=str(WORKERS),
        )
        servers.prepare_database(env)
        keys = accounts(env)
        tokens = make_customers(env, CUSTOMERS)
        ids = user_ids(env, tokens)

        api = servers.start(
            env,
            command=servers.Gunicorn(workers=WORKERS, config="python:LittleLemon.gunicorn"),
            log=LOGS / "gunicorn.log",
        )
        stack.callback(servers.stop, api)
        streams = servers.start(env, command=servers.Uvicorn(), log=LOGS / "uvicorn.log")
        stack.callback(servers.stop, streams)
        api.wait_healthy()
        streams.wait_healthy()
        jobs = JobWorkers(env)
        for _ in range(JOB_WORKERS):
            jobs.start()
        stack.callback(jobs.stop)

        receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        stack.callback(receiver.shutdown)
        port, manager = api.port, keys["manager"]
        hook = call(
            port,
            "POST",
            "/api/webhooks",
            manager,
            {
                "url": f"http://127.0.0.1:{receiver.server_port}/hook",
                "events": ["order.created", "order.updated"],
            },
        )
        assert hook.status == 201, hook.body

        menu = call(port, "GET", "/api/menu-items?page_size=100").json["results"]
        dishes = [item["id"] for item in menu]
        counted = dishes[::3]
        for dish in counted:
            answer = call(
                port, "PATCH", f"/api/menu-items/{dish}", manager, {"stock": COUNTED_STOCK}
            )
            assert answer.status == 200, answer.body
        follower = StreamFollower(streams.port, manager)
        follower.start()
        customers = [Customer(port, t, i, dishes) for t, i in zip(tokens, ids, strict=True)]
        for customer in customers:
            customer.start()
        started = time.monotonic()
        time.sleep(3)

        redis_outage(report, redis, port, manager, keys["probe"], customers, dishes[0])
        database_outage(report, database, api, customers, tokens[0])
        worker_kills(report, api, customers)
        job_worker_kills(report, env, jobs)

        for customer in customers:
            customer.stopping.set()
        for customer in customers:
            customer.join(15)
        elapsed = time.monotonic() - started
        everything = between(customers, started, time.monotonic())
        errors_5xx = Counter(r.status for r in everything if r.status and r.status >= 500)
        print(
            f"chaos: {len(customers)} customers for {elapsed:.0f} s, {len(everything)} requests "
            f"({len(everything) / elapsed:.0f}/s); statuses {statuses(everything)}"
        )
        print(f"  5xx by status: {dict(errors_5xx) or 'none'} (503s belong to the database outage)")

        events_and_deliveries(report, env, follower, Receiver.received)
        follower.stopping.set()
        consistency(report, env, customers, counted)
    sys.exit(0 if report.print() else 1)


def _terminate(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def redis_outage(report, redis, port, manager, probe, customers, dish) -> None:
    path = f"/api/menu-items/{dish}"

    def price() -> str:
        return call(port, "GET", path).json["price"]

    for _ in range(5):  # cached in Redis, by every worker
        before = price()
    redis.stop()
    down = time.monotonic()
    new_price = str(Decimal(before) + Decimal("1.00"))
    edit = call(port, "PATCH", path, manager, {"price": new_price})
    during = [price() for _ in range(10)]
    healths = [health(port)]
    throttle = [
        call(port, "GET", "/api/throttle-check-auth", probe) for _ in range(3 * WORKERS * 10 + 1)
    ]
    while time.monotonic() - down < REDIS_SECONDS:
        healths.append(health(port))
        time.sleep(1)
    redis.start()
    up = time.monotonic()
    recovered = wait_for(lambda: health(port) == (200, {"database": "ok", "cache": "ok"}), 10)
    after = [price() for _ in range(10)]
    edit_after = call(port, "PATCH", path, manager, {"price": before})
    after_second = [price() for _ in range(10)]
    time.sleep(2)
    records = between(customers, down, time.monotonic())
    outage = between(customers, down, up)
    server_errors = [r for r in records if r.status is None or r.status >= 500]

    report.check(
        "redis: no 5xx",
        not server_errors and records,
        f"{len(records)} requests ({len(outage)} while down {REDIS_SECONDS:g} s): "
        f"{statuses(records)}",
    )
    report.check(
        "redis: an edit while down shows at once",
        edit.status == 200 and set(during) == {new_price},
        f"PATCH {edit.status}; next 10 reads {Counter(during)}",
    )
    report.check(
        "redis: ...and after it is back",
        set(after) == {new_price} and edit_after.status == 200 and set(after_second) == {before},
        f"10 reads after {Counter(after)}; edited back: {Counter(after_second)}",
    )
    throttled = Counter(a.status for a in throttle)
    limited = all("ratelimit" in a.headers for a in throttle)
    report.check(
        "redis: throttling in each worker's memory",
        set(throttled) <= {200, 429} and throttled[429] > 0 and limited,
        f"{len(throttle)} calls at 10/minute over {WORKERS} workers: {dict(throttled)}; "
        f"RateLimit headers on {'all' if limited else 'not all'}",
    )
    report.check(
        "redis: /api/health",
        healths
        and all(h == (200, {"database": "ok", "cache": "unavailable"}) for h in healths)
        and recovered is not None,
        f"{len(healths)} polls while down all cache unavailable; ok again "
        f"{recovered if recovered is None else round(recovered, 1)} s after the start",
    )


def database_outage(report, database, api, customers, token) -> None:
    port = api.port
    workers = worker_pids(api.process.pid)
    database.stop()
    down = time.monotonic()
    # Not a page of orders or a cart: those may rightly be answered from the cache.
    during_read = call(port, "GET", UNCACHED, token)
    during_health = call(port, "GET", "/api/health")
    time.sleep(DATABASE_SECONDS)
    records = between(customers, down, time.monotonic())
    database.start()
    back = time.monotonic()
    recovered = wait_for(lambda: call(port, "GET", UNCACHED, token).status == 200, 30, 0.05)
    time.sleep(1)
    unexpected = [
        r
        for r in records
        if r.status is None
        or not r.is_json
        or (r.status >= 500 and not (r.status == 503 and (r.retry_after or "").isdigit()))
    ]
    report.check(
        "database: 503 JSON with Retry-After",
        not unexpected and records,
        f"{len(records)} requests while down {DATABASE_SECONDS:g} s: {statuses(records)}; "
        f"GET {UNCACHED} {during_read.status} Retry-After "
        f"{during_read.headers.get('retry-after')}; health {during_health.status} "
        f"{during_health.json}",
    )
    same_workers = worker_pids(api.process.pid) == workers
    report.check(
        "database: back within 5 s, same workers",
        recovered is not None and recovered <= RECOVERY_LIMIT and same_workers,
        f"first 200 {recovered if recovered is None else round(recovered, 2)} s after the "
        f"database started ({back - down:.1f} s down); workers {sorted(workers)} unchanged: "
        f"{same_workers}",
    )


def worker_kills(report, api, customers) -> None:
    started = time.monotonic()
    killed = []
    for _ in range(KILLS):
        time.sleep(2)
        victim = random.choice(sorted(worker_pids(api.process.pid)))
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
    time.sleep(3)
    records = between(customers, started, time.monotonic())
    placed = sum(1 for r in records if r.kind == "order" and r.status == 201)
    report.check(
        "kill -9: requests go on",
        len(worker_pids(api.process.pid)) == WORKERS and placed > 0,
        f"{len(killed)} workers killed; {len(records)} requests meanwhile: {statuses(records)}; "
        f"{placed} orders placed",
    )


class JobWorkers:
    """The `manage.py worker` processes; a killed one is replaced by a new one."""

    def __init__(self, env):
        self.env, self.processes = env, []

    def start(self) -> None:
        with (LOGS / f"worker-{len(self.processes)}.log").open("wb") as log:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "worker", "--lease", str(LEASE)],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def kill_one(self) -> None:
        victim = random.choice([p for p in self.processes if p.poll() is None])
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        self.start()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                _terminate(process)


SCHEDULE = """
import json
from datetime import timedelta
from django.utils import timezone
from LittleLemonDRF.models import Order
ids = list(Order.objects.filter(state="placed").order_by("-id").values_list("id", flat=True)[:30])
soon = timezone.now() + timedelta(seconds=2)
Order.objects.filter(pk__in=ids).update(state="scheduled", release_at=soon)
print(json.dumps(ids))
"""


def job_worker_kills(report, env, jobs) -> None:
    """kill -9 background workers while they deliver webhooks and release scheduled orders."""
    held = manage_json(env, SCHEDULE)
    for _ in range(KILLS):
        time.sleep(1.5)
        jobs.kill_one()
    waiting = f"""
import json
from LittleLemonDRF.models import Order
print(json.dumps(Order.objects.filter(pk__in={held!r}, state="scheduled").count()))
"""
    released = wait_for(lambda: manage_json(env, waiting) == 0, LEASE + 45, 1)
    report.check(
        "kill -9 worker: orders released",
        bool(held) and released is not None,
        f"{KILLS} workers killed; {len(held)} scheduled orders released "
        f"{'never' if released is None else f'{released:.0f} s after'}",
    )


def events_and_deliveries(report, env, follower, received) -> None:
    code = """
import json
from LittleLemonDRF.models import OrderEvent, WebhookDelivery
print(json.dumps({"events": list(OrderEvent.objects.values_list("id", flat=True)),
                  "failed": WebhookDelivery.objects.exclude(status="delivered").count()}))
"""
    expected = set()

    def caught_up() -> bool:
        nonlocal expected
        expected = set(manage_json(env, code)["events"])
        return expected <= follower.ids and expected <= received

    waited = wait_for(caught_up, CATCH_UP, 1)
    missing_stream = expected - follower.ids
    missing_hooks = expected - received
    report.check(
        "stream: every event",
        not missing_stream,
        f"{len(expected)} events, {len(missing_stream)} missing, {follower.reconnects} reconnects",
    )
    report.check(
        "webhooks: every event",
        not missing_hooks,
        f"{len(received & expected)} of {len(expected)} delivered "
        f"(caught up {waited if waited is None else round(waited)} s after the load)",
    )


def consistency(report, env, customers, counted: list[int]) -> None:
    """Orders whole, no cart line lost or invented, stock taken only with its order."""
    code = f"""
import json
from django.db.models import Sum
from LittleLemonDRF.models import Cart, MenuItem, Order, OrderItem
orders = {{}}
for order in Order.objects.prefetch_related("items"):
    orders[order.pk] = {{"user": order.user_id, "total": str(order.total),
        "lines": {{str(i.menuitem_id): i.quantity for i in order.items.all()}},
        "sum": str(sum(i.price for i in order.items.all()))}}
carts = [[c.user_id, c.menuitem_id, c.quantity] for c in Cart.objects.all()]
stock = dict(MenuItem.objects.filter(pk__in={counted!r}).values_list("id", "stock"))
taken = dict(OrderItem.objects.filter(counted=True).exclude(order__state="cancelled")
    .values_list("menuitem_id").annotate(n=Sum("quantity")).values_list("menuitem_id", "n"))
print(json.dumps({{"orders": orders, "carts": carts,
    "stock": {{str(k): v for k, v in stock.items()}},
    "taken": {{str(k): v for k, v in taken.items()}}}}))
"""
    state = manage_json(env, code)
    orders = state["orders"]
    problems = []
    for customer in customers:
        for body in customer.orders:
            stored = orders.get(str(body["id"]))
            if stored is None or stored["total"] != body["total"]:
                problems.append(f"order {body['id']} answered 201 but is {stored}")
    partial = [pk for pk, o in orders.items() if not o["lines"] or o["total"] != o["sum"]]
    in_db = defaultdict(Counter)
    for order in orders.values():
        for dish, quantity in order["lines"].items():
            in_db[order["user"]][int(dish)] += quantity
    for user, dish, quantity in state["carts"]:
        in_db[user][dish] += quantity
    lost = []
    for customer in customers:
        held = in_db[customer.user_id]
        for dish in set(held) | set(customer.confirmed) | set(customer.unsure):
            low, high = customer.confirmed[dish], customer.confirmed[dish] + customer.unsure[dish]
            if not low <= held[dish] <= high:
                lost.append(
                    f"user {customer.user_id} dish {dish}: {held[dish]} not in {low}..{high}"
                )
    stock_off = [
        dish
        for dish in counted
        if COUNTED_STOCK - state["stock"][str(dish)] != state["taken"].get(str(dish), 0)
    ]
    answered = sum(len(c.orders) for c in customers)
    report.check(
        "kill -9: orders whole",
        not problems and not partial,
        f"{len(orders)} orders in the database, {answered} answered 201; "
        f"{len(problems)} answered but not stored as answered, {len(partial)} partial",
    )
    unsure = sum(sum(c.unsure.values()) for c in customers)
    report.check(
        "kill -9: no cart line lost",
        not lost,
        f"{sum(sum(c.confirmed.values()) for c in customers)} lines added ({unsure} unanswered); "
        f"{len(lost)} users off" + (f": {lost[:3]}" if lost else ""),
    )
    report.check(
        "kill -9: stock only with its order",
        not stock_off,
        f"{len(counted)} counted dishes, taken = ordered for "
        f"{len(counted) - len(stock_off)}" + (f"; off: {stock_off}" if stock_off else ""),
    )


if __name__ == "__main__":
    main()
