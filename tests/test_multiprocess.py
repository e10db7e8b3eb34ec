"""Real server processes: gunicorn workers and two app instances sharing PostgreSQL and Redis.

Each test starts gunicorn (`LittleLemon.wsgi`) as production would, with debug off, through
harness/servers.py, and talks to it over HTTP only. The servers use a database of their own,
created, migrated and seeded for this module and dropped at the end, and a Redis database of
their own, flushed before each test: the one after the test Redis URL's (REDIS_TEST_URL
redis://127.0.0.1:6379/1 gives the servers database 2), so runs on different Redis databases
never flush each other's. Which worker served a request is read from gunicorn's access log,
which starts each line with the worker's pid.
"""

import http.client
import itertools
import json
import os
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from harness import servers

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="needs PostgreSQL and Redis shared by several server processes; "
        "run `make test-postgres`",
    ),
]

STARTUP_TIMEOUT = 20  # seconds until /api/health must answer 200
REQUEST_TIMEOUT = 15
PASSWORD = "Lemon-pass-2026!"
LIMIT = 20  # THROTTLE_ANON of the three-worker servers
ATTEMPTS = 40
CONCURRENCY = 10

_names = itertools.count(1)


# --- Database and Redis of the servers ----------------------------------------------------


def _database_url(name):
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture(scope="module")
def server_database():
    """A fresh database, migrated and seeded with the menu once; dropped afterwards."""
    url = _database_url(f"littlelemon_mp_{secrets.token_hex(4)}")
    servers.create_database(url)
    try:
        servers.prepare_database(servers.production_env(database_url=url, throttle_rate=None))
        yield url
    finally:
        servers.drop_database(url)


@pytest.fixture
def server_redis():
    """The URL of a Redis database of the servers' own, empty at the start of the test."""
    parts = urlsplit(os.environ["REDIS_URL"])
    tests_db = int(parts.path.strip("/") or 0)
    url = urlunsplit(parts._replace(path=f"/{tests_db + 1}"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def _sql(database_url, query, params=()):
    with psycopg.connect(database_url) as conn:
        return conn.execute(query, params).fetchall()


# --- Servers ------------------------------------------------------------------------------


class Instance:
    """A server of these tests, with its access log: which worker pid served what."""

    def __init__(self, name, workers, env, log_dir):
        self.access_log = log_dir / f"{name}-access.log"
        command = servers.Gunicorn(
            workers=workers, access_log=self.access_log, options=("--graceful-timeout=5",)
        )
        self.server = servers.start(env, command=command, log=log_dir / f"{name}-output.log")
        self.port = self.server.port

    def log_tail(self, chars=3000):
        return self.server.log_tail(chars)

    def served_by(self, path, expected):
        """Requests to `path` per worker pid, once the access log holds `expected` of them."""
        deadline = time.monotonic() + 5
        while True:
            pids = Counter(pid for pid, _, logged, _ in self._access() if logged == path)
            if sum(pids.values()) >= expected or time.monotonic() > deadline:
                return pids
            time.sleep(0.05)

    def server_errors(self):
        return [entry for entry in self._access() if entry[3].startswith("5")]

    def _access(self):
        return servers.access_lines(self.access_log)


@pytest.fixture
def start_servers(tmp_path):
    """`start_servers(count, workers, **env)`: that many healthy servers, stopped at the end.

    `env` names DATABASE_URL, REDIS_URL if any, and the throttle rates the test measures; the
    other rates stay the settings' own.
    """
    started = []

    def start(count, workers, **env):
        env = servers.production_env(
            database_url=env.pop("DATABASE_URL"),
            redis_url=env.pop("REDIS_URL", None),
            throttle_rate=None,
            **env,
        )
        for _ in range(count):
            started.append(Instance(f"server{len(started)}", workers, env, tmp_path))
        instances = started[-count:]
        deadline = time.monotonic() + STARTUP_TIMEOUT
        for instance in instances:
            instance.server.wait_healthy(timeout=deadline - time.monotonic())
        return instances

    yield start
    servers.stop(*(instance.server for instance in started))  # all at once: each takes a moment


# --- HTTP ---------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: object
    headers: dict

    def __repr__(self):
        return f"{self.status} {self.body!r}"


def _send(conn, method, path, body=None, token=None, headers=None):
    sent = {"Accept": "application/json", "Connection": "close", **(headers or {})}
    if token:
        sent["Authorization"] = f"Token {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=sent)
    response = conn.getresponse()
    raw = response.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw[:300]
    return Reply(response.status, parsed, {k.lower(): v for k, v in response.getheaders()})


def request(port, method, path, body=None, token=None, headers=None, timeout=REQUEST_TIMEOUT):
    """One request on a fresh connection, so each may land on any worker."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        return _send(conn, method, path, body, token, headers)
    finally:
        conn.close()


def requests_in_waves(port, path, count, width, token=None):
    """`count` GETs one after the other, each on a fresh connection opened `width` at a time.

    A sync gunicorn worker that has accepted a connection is busy reading it, so the other
    open connections of a wave are accepted by other workers: the requests stay sequential
    (one in flight at a time) but are spread over the workers instead of mostly reaching
    whichever worker happens to win every accept().
    """
    replies = []
    while len(replies) < count:
        wave = [
            http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            for _ in range(min(width, count - len(replies)))
        ]
        try:
            for conn in wave:
                conn.connect()
            time.sleep(0.03)  # let the idle workers accept their connection
            replies.extend(_send(conn, "GET", path, token=token) for conn in wave)
        finally:
            for conn in wave:
                conn.close()
    return replies


def burst(port, path, count, concurrency):
    """`count` GETs from `concurrency` threads, released together `concurrency` at a time.

    Each thread connects first and waits at a barrier, so every idle worker already holds
    one of the connections when the barrier opens: the requests really are in flight on
    several workers at the same moment.
    """
    assert count % concurrency == 0, "burst() releases whole groups: use a multiple"
    barrier = threading.Barrier(concurrency)

    def one():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        try:
            conn.connect()
            time.sleep(0.03)
            barrier.wait(timeout=REQUEST_TIMEOUT)
            return _send(conn, "GET", path)
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(one) for _ in range(count)]
        return [future.result(timeout=2 * REQUEST_TIMEOUT) for future in futures]


def at_once(*calls):
    """Run the calls in parallel threads released together by a barrier; their replies."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=REQUEST_TIMEOUT)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=2 * REQUEST_TIMEOUT) for future in futures]


def _assert_throttled(reply):
    assert reply.status == 429, reply
    assert reply.headers["retry-after"].isdigit(), reply.headers


# --- 1. Throttle counters across the workers of one server --------------------------------

THROTTLED = "/api/throttle-check"


@pytest.fixture
def three_workers_on_redis(server_database, server_redis, start_servers):
    (server,) = start_servers(
        1, 3, DATABASE_URL=server_database, REDIS_URL=server_redis, THROTTLE_ANON="20/minute"
    )
    return server


def test_anonymous_limit_is_exact_across_three_workers_sharing_redis(three_workers_on_redis):
    server = three_workers_on_redis

    replies = requests_in_waves(server.port, THROTTLED, ATTEMPTS, width=3)

    workers = server.served_by(THROTTLED, ATTEMPTS)
    print(f"\n[redis, sequential] {LIMIT}/{ATTEMPTS} expected; per worker {dict(workers)}")
    assert len(workers) >= 2, f"the requests did not reach several workers: {workers}"
    assert [reply.status for reply in replies[:LIMIT]] == [200] * LIMIT, replies
    assert replies[0].body == {"message": "successful"}
    for reply in replies[LIMIT:]:
        _assert_throttled(reply)

    # Once the shared budget is spent nobody writes to it, so every worker refuses a burst.
    replies = burst(server.port, THROTTLED, ATTEMPTS, CONCURRENCY)

    burst_workers = server.served_by(THROTTLED, 2 * ATTEMPTS) - workers
    assert len(burst_workers) >= 2, f"the burst did not reach several workers: {burst_workers}"
    for reply in replies:
        _assert_throttled(reply)


def test_local_memory_cache_counts_per_worker_so_the_limit_does_not_hold(
    server_database, start_servers
):
    # The contrast that documents why production needs REDIS_URL: without it every worker
    # keeps its own counter, so each one lets `LIMIT` requests through. How the requests
    # spread over the workers varies, but the outcome follows from the spread exactly.
    (server,) = start_servers(1, 3, DATABASE_URL=server_database, THROTTLE_ANON="20/minute")

    replies = requests_in_waves(server.port, THROTTLED, ATTEMPTS, width=3)

    accepted = sum(reply.status == 200 for reply in replies)
    workers = server.served_by(THROTTLED, ATTEMPTS)
    print(f"\n[locmem, sequential] {accepted}/{ATTEMPTS} accepted; per worker {dict(workers)}")
    assert sum(workers.values()) == ATTEMPTS, workers
    assert len(workers) >= 2, f"the requests did not reach several workers: {workers}"
    assert accepted == sum(min(LIMIT, served) for served in workers.values())
    assert accepted > LIMIT
    for reply in replies:
        if reply.status != 200:
            _assert_throttled(reply)


def test_concurrent_burst_across_workers_sharing_redis_accepts_exactly_the_limit(
    three_workers_on_redis,
):
    # Sequential traffic is exact (above); this is the same limit under a burst. A refusal
    # needs LIMIT recorded successes, so at least LIMIT succeed whatever the interleaving;
    # more than LIMIT means writes to the shared history were lost. An atomic counter in
    # Redis (INCR, or a script) would make this exact.
    server = three_workers_on_redis
    # Every worker has served a request before the burst, so none is slowed by lazy set-up.
    requests_in_waves(server.port, "/api/health", 9, width=3)

    replies = burst(server.port, THROTTLED, ATTEMPTS, CONCURRENCY)

    accepted = sum(reply.status == 200 for reply in replies)
    workers = server.served_by(THROTTLED, ATTEMPTS)
    print(f"\n[redis, {CONCURRENCY} threads] {accepted}/{ATTEMPTS} accepted; {dict(workers)}")
    if len(workers) < 2:
        pytest.fail(f"the burst did not reach several workers: {workers}")
    statuses = Counter(reply.status for reply in replies)
    if set(statuses) - {200, 429} or accepted < LIMIT:
        pytest.fail(f"not a throttle race: {statuses}")
    assert accepted == LIMIT, f"{accepted} of {ATTEMPTS} accepted; the limit is {LIMIT}"


# --- 2. Two instances behind a (simulated) load balancer ----------------------------------


@pytest.fixture
def two_instances(server_database, server_redis, start_servers):
    """Two servers of two workers each, one PostgreSQL database, one Redis database."""
    return start_servers(
        2,
        2,
        DATABASE_URL=server_database,
        REDIS_URL=server_redis,
        THROTTLE_RATINGS="3/minute",
        # Every customer registers and logs in from 127.0.0.1: not what is measured here.
        THROTTLE_ANON="1000/minute",
        THROTTLE_LOGIN="1000/minute",
    )


class Customer:
    """A customer of the two instances: `home` and `away`, alternately unless told."""

    def __init__(self, home, away):
        self.home, self.away = home, away
        self.ports = itertools.cycle((home, away))
        self.username = f"mp_customer_{next(_names)}_{secrets.token_hex(3)}"
        self.token = None
        self.id = None

    def call(self, method, path, body=None, port=None, **headers):
        return request(port or next(self.ports), method, path, body, self.token, headers)

    def sign_up(self):
        reply = self.call(
            "POST",
            "/api/users",
            {
                "username": self.username,
                "email": f"{self.username}@example.com",
                "password": PASSWORD,
            },
        )
        assert reply.status == 201, reply
        self.id = reply.body["id"]
        reply = self.call(
            "POST", "/auth/token/login/", {"username": self.username, "password": PASSWORD}
        )
        assert reply.status == 200, reply
        self.token = reply.body["auth_token"]
        return self


def _menu(port):
    reply = request(port, "GET", "/api/menu-items?page_size=100")
    assert reply.status == 200, reply
    return {item["id"]: Decimal(item["price"]) for item in reply.body["results"]}


def _expected_lines(cart, prices):
    return sorted(
        (item, quantity, prices[item], prices[item] * quantity) for item, quantity in cart.items()
    )


def _lines_of(order_body):
    return sorted(
        (
            line["menuitem_id"],
            line["quantity"],
            Decimal(line["unit_price"]),
            Decimal(line["price"]),
        )
        for line in order_body["items"]
    )


def _add_to_cart(customer, port, menuitem_id, quantity):
    body = {"menuitem_id": menuitem_id, "quantity": quantity}
    return customer.call("POST", "/api/cart/menu-items", body, port=port)


def _shop(customer, dishes, prices):
    """One customer's visit, spread over both instances; the orders placed, with their lines."""
    a, b = customer.home, customer.away
    x, y, z = dishes
    placed = {}  # order id -> expected lines

    # Cart: a second add of the same dish, on the other instance, merges into one line.
    assert _add_to_cart(customer, a, x, 2).status == 201
    merged = _add_to_cart(customer, b, x, 1)
    assert merged.status == 200, merged
    assert merged.body["quantity"] == 3, merged
    assert _add_to_cart(customer, a, y, 1).status == 201
    cart = {x: 3, y: 1}

    # An order with an Idempotency-Key; the retry goes to the OTHER instance.
    key = f"checkout-{customer.username}"
    first = customer.call("POST", "/api/orders", port=a, **{"Idempotency-Key": key})
    assert first.status == 201, first
    assert _lines_of(first.body) == _expected_lines(cart, prices)
    assert Decimal(first.body["total"]) == sum(line[3] for line in _expected_lines(cart, prices))
    retry = customer.call("POST", "/api/orders", port=b, **{"Idempotency-Key": key})
    assert retry.status == 200, retry
    assert retry.body["id"] == first.body["id"]
    assert retry.body["total"] == first.body["total"]
    placed[first.body["id"]] = _expected_lines(cart, prices)
    for port in (a, b):
        assert customer.call("GET", "/api/cart/menu-items", port=port).body == []

    # The same cart placed on both instances at the same moment: one order, one refusal.
    assert _add_to_cart(customer, b, z, 4).status == 201
    pair = at_once(
        lambda: customer.call("POST", "/api/orders", port=a),
        lambda: customer.call("POST", "/api/orders", port=b),
    )
    assert sorted(reply.status for reply in pair) == [201, 400], pair
    second = next(reply for reply in pair if reply.status == 201)
    assert second.body["id"] != first.body["id"]
    refused = next(reply for reply in pair if reply.status == 400)
    assert refused.body == {"detail": "Your cart is empty."}
    assert _lines_of(second.body) == _expected_lines({z: 4}, prices)
    placed[second.body["id"]] = _expected_lines({z: 4}, prices)
    empty = customer.call("POST", "/api/orders")
    assert empty.status == 400, empty
    assert empty.body == {"detail": "Your cart is empty."}

    # Rating the same dish on both instances at once, then again: one rating, the rest 400.
    rate = {"menuitem_id": x, "rating": 4}
    ratings = at_once(
        lambda: customer.call("POST", "/api/ratings", rate, port=a),
        lambda: customer.call("POST", "/api/ratings", rate, port=b),
    )
    assert sorted(reply.status for reply in ratings) == [201, 400], ratings
    accepted_on = a if ratings[0].status == 201 else b
    again = customer.call("POST", "/api/ratings", rate, port=accepted_on)
    for duplicate in [*(r for r in ratings if r.status == 400), again]:
        assert duplicate.status == 400, duplicate
        assert "menuitem_id" in duplicate.body, duplicate

    # Each instance lists exactly the orders placed, whichever instance placed them.
    for port in (a, b):
        listed = customer.call("GET", "/api/orders", port=port)
        assert listed.status == 200, listed
        assert {order["id"]: _lines_of(order) for order in listed.body["results"]} == placed
    return placed


def test_two_instances_sharing_postgres_and_redis_keep_orders_and_ratings_whole(
    two_instances, server_database
):
    a, b = (server.port for server in two_instances)
    prices = _menu(a)
    dishes = sorted(prices)
    customers = [Customer(a, b) if i % 2 else Customer(b, a) for i in range(6)]

    def visit(i, customer):
        customer.sign_up()
        return _shop(customer, [dishes[(i + k) % len(dishes)] for k in range(3)], prices)

    with ThreadPoolExecutor(max_workers=len(customers)) as pool:
        futures = [pool.submit(visit, i, customer) for i, customer in enumerate(customers)]
        placed = [future.result(timeout=45) for future in futures]

    ids = [customer.id for customer in customers]
    # Every 201 order exists exactly once, with all its lines and the right total.
    for customer, orders in zip(customers, placed, strict=True):
        rows = _sql(
            server_database,
            'SELECT id, total FROM "LittleLemonDRF_order" WHERE user_id = %s',
            (customer.id,),
        )
        assert sorted(order_id for order_id, _ in rows) == sorted(orders)
        for order_id, total in rows:
            lines = _sql(
                server_database,
                'SELECT menuitem_id, quantity, unit_price, price FROM "LittleLemonDRF_orderitem"'
                " WHERE order_id = %s",
                (order_id,),
            )
            assert sorted(lines) == orders[order_id]
            assert total == sum(line[3] for line in lines)
    keys = _sql(
        server_database,
        'SELECT count(*) FROM "LittleLemonDRF_order" WHERE user_id = ANY(%s) '
        "AND idempotency_key <> ''",
        (ids,),
    )
    assert keys == [(len(customers),)]
    # No consumed cart kept a line.
    assert _sql(
        server_database,
        'SELECT count(*) FROM "LittleLemonDRF_cart" WHERE user_id = ANY(%s)',
        (ids,),
    ) == [(0,)]
    # One rating per customer (all rated their first dish once), never two for a pair.
    ratings = _sql(
        server_database,
        'SELECT user_id, menuitem_id, count(*) FROM "LittleLemonDRF_rating" '
        "WHERE user_id = ANY(%s) GROUP BY user_id, menuitem_id",
        (ids,),
    )
    assert sorted(ratings) == sorted(
        (customer.id, dishes[i % len(dishes)], 1) for i, customer in enumerate(customers)
    )
    for server in two_instances:
        assert server.server_errors() == [], server.log_tail()


def test_two_instances_share_one_rating_throttle_budget(two_instances, server_database):
    a, b = (server.port for server in two_instances)
    dishes = sorted(_menu(a))[:6]
    customer = Customer(a, b).sign_up()

    # Alternating a, b, a, b...: each instance alone has seen at most two of the first
    # four posts, so a per-instance counter would let a fourth one through.
    replies = [
        customer.call("POST", "/api/ratings", {"menuitem_id": dish, "rating": 5}) for dish in dishes
    ]

    print(f"\n[two instances] ratings: {[reply.status for reply in replies]}")
    assert [reply.status for reply in replies[:3]] == [201, 201, 201], replies
    for reply in replies[3:]:
        _assert_throttled(reply)
    rated = _sql(
        server_database,
        'SELECT menuitem_id FROM "LittleLemonDRF_rating" WHERE user_id = %s',
        (customer.id,),
    )
    assert sorted(item for (item,) in rated) == dishes[:3]
    for server in two_instances:
        assert server.server_errors() == [], server.log_tail()


def test_a_managers_patch_shows_in_the_next_read_through_every_worker(
    server_database, server_redis, start_servers
):
    (server,) = start_servers(
        1, 3, DATABASE_URL=server_database, REDIS_URL=server_redis, THROTTLE_ANON="100000/minute"
    )
    manager = _sign_up_manager(server.port, server_database)
    dish_id, price = next(iter(_menu(server.port).items()))
    detail, page = f"/api/menu-items/{dish_id}", "/api/menu-items?page_size=100"
    # Every worker reads (and so caches) both pages first.
    for path in (detail, page):
        requests_in_waves(server.port, path, 9, width=3)
    assert len(server.served_by(detail, 9)) >= 2

    new_price = price + Decimal("1.25")
    reply = manager.call("PATCH", detail, {"price": str(new_price)})
    assert reply.status == 200, reply

    details = requests_in_waves(server.port, detail, 9, width=3)
    pages = requests_in_waves(server.port, page, 9, width=3)
    assert len(server.served_by(detail, 18)) >= 2
    assert {reply.body["price"] for reply in details} == {str(new_price)}
    assert {_menu_price(reply, dish_id) for reply in pages} == {str(new_price)}


def _sign_up_manager(port, database):
    """A new user, put in the Manager group directly in the servers' database."""
    manager = Customer(port, port).sign_up()
    _sql(
        database,
        "INSERT INTO auth_user_groups (user_id, group_id) "
        "SELECT %s, id FROM auth_group WHERE name = 'Manager' RETURNING id",
        (manager.id,),
    )
    return manager


def _menu_price(reply, dish_id):
    assert reply.status == 200, reply
    return next(item["price"] for item in reply.body["results"] if item["id"] == dish_id)


def test_carts_and_pages_of_orders_show_a_change_in_the_next_read_through_every_worker(
    server_database, server_redis, start_servers
):
    (server,) = start_servers(1, 3, DATABASE_URL=server_database, REDIS_URL=server_redis)
    manager = _sign_up_manager(server.port, server_database)
    customer = Customer(server.port, server.port).sign_up()
    first, second = list(_menu(server.port))[:2]
    cart, orders = "/api/cart/menu-items", "/api/orders?page_size=100"

    def dishes_in_cart():
        replies = requests_in_waves(server.port, cart, 9, width=3, token=customer.token)
        assert {reply.status for reply in replies} == {200}, replies
        return {tuple(sorted(line["menuitem"]["id"] for line in r.body)) for r in replies}

    def order_ids_seen_by_the_manager():
        replies = requests_in_waves(server.port, orders, 9, width=3, token=manager.token)
        assert {reply.status for reply in replies} == {200}, replies
        return {frozenset(order["id"] for order in r.body["results"]) for r in replies}

    assert _add_to_cart(customer, server.port, first, 1).status == 201
    # Every worker reads (and so caches) the cart and the manager's page first.
    assert dishes_in_cart() == {(first,)}
    (before,) = order_ids_seen_by_the_manager()

    assert _add_to_cart(customer, server.port, second, 2).status == 201
    assert dishes_in_cart() == {tuple(sorted((first, second)))}
    placed = customer.call("POST", "/api/orders")
    assert placed.status == 201, placed
    assert dishes_in_cart() == {()}
    assert order_ids_seen_by_the_manager() == {before | {placed.body["id"]}}
    # The access log has paths without their query: the GETs and POSTs to each are counted.
    assert len(server.served_by(cart, 29)) >= 2
    assert len(server.served_by("/api/orders", 19)) >= 2
