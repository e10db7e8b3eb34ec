"""Degraded operation against real servers: no static build, Redis gone, the database restarted.

The app promises three things when what it stands on fails, and each is only worth something
if it holds in the processes production runs, so every test here starts gunicorn (or uvicorn)
through harness/servers.py and talks to it over HTTP, against a private Redis or PostgreSQL
from harness/backing.py that it stops and starts again by pid:

- Without a static-files build, with debug off, the servers refuse to start and say to run
  `collectstatic`, instead of answering 500 on every page that links a static file.
- With Redis down, the API answers from the database: correct and fresh, nothing 5xx, health
  200 with the cache reported unavailable. When Redis comes back, still holding the menu pages
  it cached before the outage, reads show the change made during the outage, not those pages.
  A Redis that hangs rather than refusing costs a worker one timeout a second, not one per
  cache call.
- With the database down, every API request gets a 503 JSON answer with Retry-After (never a
  500, never an HTML page), and the service comes back on its own within five seconds of the
  database, in the same worker processes. An order stream opened meanwhile gets the same 503
  rather than waiting on a database that does not answer.
"""

import json
import pickle
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import redis
import requests

from harness import backing, servers

TIMEOUT = 5  # seconds, per HTTP request
RECOVERY = 5  # seconds the service may take to come back after Redis or the database
POLL = 0.1  # seconds between the polls that measure a recovery
READS = 10  # reads in a row at least, and until every gunicorn worker has answered some
MOST_READS = 200  # ... but no more: a worker that never answers fails the test
CACHE_PREFIX = "littlelemon:1:"  # KEY_PREFIX and django-redis's default key version
MENU_VERSION_KEY = CACHE_PREFIX + "version:menu"
CART = "/api/cart/menu-items"
RATINGS = "/api/ratings"  # no cache answers it

PEOPLE = """
import json
from django.contrib.auth.models import Group, User
from LittleLemonDRF import roles
from LittleLemonDRF.services import token_for_login
customer = User.objects.create_user("degraded-customer", password="Lemon-pass-2026!")
manager = User.objects.create_user("degraded-manager", password="Lemon-pass-2026!")
manager.groups.add(Group.objects.get(name=roles.MANAGER))
print(json.dumps({
    "customer": token_for_login(user=customer).key,
    "manager": token_for_login(user=manager).key,
}))
"""


# --- Helpers ----------------------------------------------------------------------------------


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


def _people(env: dict[str, str]) -> dict[str, str]:
    """Tokens of a customer and a manager, made through the ORM (logins are throttled)."""
    return json.loads(servers.manage(env, "shell", "-c", PEOPLE).strip().splitlines()[-1])


class Api:
    """HTTP to one started server, remembering every answer's status for the 5xx check."""

    def __init__(self, server: servers.Server):
        self.server = server
        self.session = requests.Session()
        self.session.trust_env = False  # a proxy from the environment must not answer for us
        self.answers: list[tuple[str, str, int]] = []

    def __call__(self, method: str, path: str, token: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Token {token}"
        response = self.session.request(
            method, self.server.url + path, headers=headers, timeout=TIMEOUT, **kwargs
        )
        self.answers.append((method, path, response.status_code))
        return response

    def server_errors(self) -> list[tuple[str, str, int]]:
        return [answer for answer in self.answers if answer[2] >= 500]

    def close(self) -> None:
        self.session.close()


@contextmanager
def _api(server: servers.Server) -> Iterator[Api]:
    api = Api(server)
    try:
        yield api
    finally:
        api.close()


def _show(response: requests.Response, server: servers.Server) -> str:
    """What a failed assertion prints: the answer, and the end of the server's log."""
    return (
        f"{response.request.method} {response.url} -> {response.status_code} "
        f"{response.headers.get('Content-Type')}\n{response.text[:500]}\n"
        f"--- server log ---\n{server.log_tail(2000)}"
    )


def _worker_pids(master: int) -> set[int]:
    """The pids of the processes whose parent is `master` (gunicorn's workers), from /proc."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == master:
            children.add(int(stat.parent.name))
    return children


def _answered_by(access_log: Path, path: str, status: str, since: int = 0) -> set[int]:
    """The pids of the workers that answered GET `path` with `status`, in gunicorn's access
    log from its line `since` on."""
    return {
        int(pid.strip("<>"))  # gunicorn writes the pid as <pid>
        for pid, method, served, answered in servers.access_lines(access_log)[since:]
        if method == "GET" and served == path and answered == status
    }


def _through_every_worker(
    access_log: Path, workers: set[int], path: str, status: str, ask, least: int = READS
) -> None:
    """Call ask(n), which sends GET `path` and checks the answer, `least` times and until every
    worker has answered `path` with `status` (each worker's first answer is checked too)."""
    since = len(servers.access_lines(access_log))
    # As many at once as there are workers: one after the other, the worker that has just
    # answered is back at accept() first and may take them all.
    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        for n in range(0, MOST_READS, len(workers)):
            list(pool.map(ask, range(n, n + len(workers))))  # raises what ask() raised
            done = n + len(workers)
            if done >= least and _answered_by(access_log, path, status, since) == workers:
                return
    answered = _answered_by(access_log, path, status, since)
    raise AssertionError(f"{MOST_READS} times {path}: only {answered} of {workers} answered")


# --- No static build --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [servers.Gunicorn(workers=1), servers.Uvicorn()],
    ids=["gunicorn", "uvicorn"],
)
def test_server_refuses_to_start_without_a_static_build(tmp_path, command):
    static_root = tmp_path / "static"
    static_root.mkdir()
    env = servers.production_env(
        database_url=_sqlite(tmp_path), DJANGO_STATIC_ROOT=str(static_root)
    )
    server = servers.start(env, command=command, log=tmp_path / "server.log")
    try:
        with pytest.raises(servers.ServerFailed) as failure:
            server.wait_healthy(timeout=30)
        exited = server.process.poll()
    finally:
        servers.stop(server)

    # It stopped by itself (not our timeout), failing, and says what to do about it.
    assert exited is not None, f"the server was still running:\n{failure.value}"
    assert exited != 0
    assert "collectstatic" in server.log_tail(), server.log_tail()
    assert str(static_root) in server.log_tail()
    assert not any(static_root.iterdir())


# --- Redis outage -----------------------------------------------------------------------------

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs redis-server installed"
)


@contextmanager
def _private_redis(tmp_path: Path) -> Iterator[tuple[backing.Redis, dict[str, str]]]:
    """A private Redis the test may stop or freeze, and the production environment on it and
    on a migrated SQLite database."""
    with backing.redis() as cache_server:
        env = servers.production_env(database_url=_sqlite(tmp_path), redis_url=cache_server.url)
        servers.prepare_database(env)
        yield cache_server, env


def _cached_menu_pages(client: redis.Redis, version: int) -> list:
    """The menu data Redis holds under `version` of the menu (django-redis pickles it): kept as
    (data, ETag), or for JSON answers as (ETag, content type, the rendered bytes)."""
    pages = []
    for key in sorted(client.scan_iter(match=f"{CACHE_PREFIX}menu:{version}:*")):
        value = pickle.loads(client.get(key))
        if isinstance(value, tuple) and len(value) == 3:
            pages.append(json.loads(value[2]))
        else:
            pages.append(value[0] if isinstance(value, tuple) else value)
    return pages


def _price(response: requests.Response) -> Decimal:
    return Decimal(response.json()["price"])


def _listed_price(response: requests.Response, item_id: int) -> Decimal:
    (item,) = (item for item in response.json()["results"] if item["id"] == item_id)
    return Decimal(item["price"])


@needs_redis_server
def test_redis_outage_keeps_answers_correct_and_fresh(tmp_path):
    with _private_redis(tmp_path) as (cache_server, env):
        people = _people(env)
        customer, manager = people["customer"], people["manager"]
        command = servers.Gunicorn(workers=2, access_log=tmp_path / "access.log")
        with (
            servers.running(env, command=command, log=tmp_path / "server.log") as server,
            _api(server) as api,
            redis.Redis.from_url(cache_server.url) as store,
        ):
            workers = _worker_pids(server.process.pid)
            assert len(workers) == 2, workers
            menu = api("GET", "/api/menu-items?page_size=100")
            assert menu.status_code == 200, _show(menu, server)
            dish = next(item for item in menu.json()["results"] if item["orderable"])
            item_path = f"/api/menu-items/{dish['id']}"
            list_path = f"/api/menu-items?page_size=100&category_id={dish['category']['id']}"
            old_price = Decimal(dish["price"])
            during, after = old_price + Decimal("1.25"), old_price + Decimal("2.50")

            def reads_show(price: Decimal) -> None:
                def read(n: int) -> None:
                    answer = api("GET", item_path, customer if n % 2 else None)
                    assert answer.status_code == 200, _show(answer, server)
                    assert _price(answer) == price, f"read {n + 1}: {_show(answer, server)}"

                _through_every_worker(command.access_log, workers, item_path, "200", read)
                for token in (None, customer):
                    answer = api("GET", list_path, token)
                    assert answer.status_code == 200, _show(answer, server)
                    assert _listed_price(answer, dish["id"]) == price, _show(answer, server)

            # Warm the cache, as anonymous and as a customer, through both workers.
            for _ in range(3):
                reads_show(old_price)
            before = int(store.get(MENU_VERSION_KEY))
            cached = _cached_menu_pages(store, before)
            assert any(
                page.get("id") == dish["id"] and Decimal(page["price"]) == old_price
                for page in cached
            ), f"the dish's page is not cached under menu version {before}: {cached}"

            # Redis goes away: health says so, and writes and reads go on from the database.
            cache_server.stop()
            for _ in range(4):
                health = api("GET", "/api/health")
                assert health.status_code == 200, _show(health, server)
                assert health.json() == {"database": "ok", "cache": "unavailable"}
            change = api("PATCH", item_path, manager, json={"price": str(during)})
            assert change.status_code == 200, _show(change, server)
            assert _price(change) == during
            reads_show(during)

            line = api("POST", "/api/cart/menu-items", customer, json={"menuitem_id": dish["id"]})
            assert line.status_code == 201, _show(line, server)
            order = api("POST", "/api/orders", customer, json={})
            assert order.status_code == 201, _show(order, server)
            (ordered,) = order.json()["items"]
            assert Decimal(ordered["unit_price"]) == during, _show(order, server)

            # Redis comes back with everything it held, the old pages included ...
            cache_server.start()
            assert int(store.get(MENU_VERSION_KEY)) == before
            assert _cached_menu_pages(store, before) == cached
            # ... and every read shows the change made while it was away, the very first one
            # of each worker included: that one is what reconnects the worker to Redis.
            reads_show(during)
            deadline = time.monotonic() + RECOVERY
            while (health := api("GET", "/api/health")).json()["cache"] != "ok":
                assert time.monotonic() < deadline, _show(health, server)
                time.sleep(POLL)
            assert health.status_code == 200, _show(health, server)
            assert health.json() == {"database": "ok", "cache": "ok"}
            reads_show(during)
            assert int(store.get(MENU_VERSION_KEY)) > before

            # Once Redis is back, a change shows in the very next read again.
            change = api("PATCH", item_path, manager, json={"price": str(after)})
            assert change.status_code == 200, _show(change, server)
            reads_show(after)

            assert not api.server_errors(), f"{api.server_errors()}\n{server.log_tail()}"


@needs_redis_server
def test_a_hung_redis_costs_one_timeout_a_second_not_one_per_cache_call(tmp_path):
    # A Redis that takes connections and answers nothing (hung, or its host gone) fails no
    # fast refusal: each call waits out SOCKET_TIMEOUT (0.5 s). Reads must not pay that for
    # each of their cache calls: the worker stops asking Redis for a second after it failed.
    with _private_redis(tmp_path) as (cache_server, env):
        people = _people(env)
        customer, manager = people["customer"], people["manager"]
        command = servers.Gunicorn(workers=1)  # one worker: every request meets its breaker
        with (
            servers.running(env, command=command, log=tmp_path / "server.log") as server,
            _api(server) as api,
        ):
            menu = api("GET", "/api/menu-items?page_size=100")
            dish = next(item for item in menu.json()["results"] if item["orderable"])
            item_path = f"/api/menu-items/{dish['id']}"
            new_price = Decimal(dish["price"]) + Decimal("1.25")
            reads = [
                ("/api/menu-items", None),
                ("/api/menu-items", customer),
                (item_path, customer),
                ("/api/cart/menu-items", customer),
            ]
            for path, token in reads * 2:  # cached, tokens included
                assert api("GET", path, token).status_code == 200

            timings = []

            def timed(method, path, token=None, **kwargs):
                started = time.monotonic()
                answer = api(method, path, token, **kwargs)
                timings.append(time.monotonic() - started)
                assert answer.status_code < 300, _show(answer, server)
                return answer

            with cache_server.frozen():
                frozen_at = time.monotonic()
                while time.monotonic() - frozen_at < 3:
                    for path, token in reads:
                        timed("GET", path, token)
                change = timed("PATCH", item_path, manager, json={"price": str(new_price)})
                assert _price(change) == new_price
                assert _price(timed("GET", item_path, customer)) == new_price
                health = timed("GET", "/api/health")
                assert health.json() == {"database": "ok", "cache": "unavailable"}
                frozen_for = time.monotonic() - frozen_at

            # One call a second finds Redis still silent and waits its timeout; the rest answer
            # from the database at once.
            slow = [t for t in timings if t > 0.4]
            assert len(timings) > 20, timings
            assert len(slow) <= frozen_for + 1, (len(slow), frozen_for, timings)
            assert sorted(timings)[len(timings) // 2] < 0.25, timings

            deadline = time.monotonic() + RECOVERY
            while (health := api("GET", "/api/health")).json()["cache"] != "ok":
                assert time.monotonic() < deadline, _show(health, server)
                time.sleep(POLL)
            for token in (None, customer):
                assert _price(api("GET", item_path, token)) == new_price
            assert not api.server_errors(), f"{api.server_errors()}\n{server.log_tail()}"


# --- Database restart -------------------------------------------------------------------------

needs_postgres_binaries = pytest.mark.skipif(
    not (backing.POSTGRES_BIN / "initdb").exists(),
    reason=f"needs the PostgreSQL server binaries in {backing.POSTGRES_BIN}",
)


@contextmanager
def _private_postgres() -> Iterator[tuple[backing.Postgres, dict[str, str]]]:
    """A private PostgreSQL the test may stop, and the production environment migrated on it."""
    with backing.postgres() as database:
        url = database.url("littlelemon")
        servers.create_database(url)
        env = servers.production_env(database_url=url)
        servers.prepare_database(env)
        yield database, env


def _assert_unavailable_json(response: requests.Response, server: servers.Server) -> None:
    shown = _show(response, server)
    assert response.status_code == 503, shown
    assert response.headers["Content-Type"].startswith("application/json"), shown
    assert response.headers.get("Retry-After", "").isdigit(), shown
    assert int(response.headers["Retry-After"]) > 0, shown
    assert response.json()["detail"], shown


@needs_postgres_binaries
def test_database_restart_answers_503_then_recovers_by_itself(tmp_path):
    with _private_postgres() as (database, env):
        customer = _people(env)["customer"]
        command = servers.Gunicorn(workers=2, access_log=tmp_path / "access.log")
        with (
            servers.running(env, command=command, log=tmp_path / "server.log") as server,
            _api(server) as api,
        ):
            workers = _worker_pids(server.process.pid)
            assert len(workers) == 2, workers

            def connected(n: int) -> None:  # every worker holds a database connection
                answer = api("GET", RATINGS, customer)
                assert answer.status_code == 200, _show(answer, server)

            _through_every_worker(command.access_log, workers, RATINGS, "200", connected)
            dish_id = api("GET", "/api/menu-items").json()["results"][0]["id"]

            database.stop()  # a fast shutdown: the workers' connections are cut

            # Ratings: a read that always needs the database (a cached answer, such as a menu
            # page or a cart, is rightly served while it is down).
            def unavailable(n: int) -> None:
                lines = api("GET", RATINGS, customer)
                _assert_unavailable_json(lines, server)
                browsable = api("GET", RATINGS, customer, headers={"Accept": "text/html"})
                _assert_unavailable_json(browsable, server)
                cart = api("POST", CART, customer, json={"menuitem_id": dish_id})
                _assert_unavailable_json(cart, server)
                health = api("GET", "/api/health")
                assert health.status_code == 503, _show(health, server)
                assert health.headers["Content-Type"].startswith("application/json")
                assert health.json()["database"] == "unavailable", _show(health, server)
                # Outside DRF too: a session cookie makes the admin read the database.
                admin = api("GET", "/admin/login/", cookies={"sessionid": "x" * 32})
                assert admin.status_code == 503, _show(admin, server)
                assert admin.headers.get("Retry-After", "").isdigit(), _show(admin, server)

            _through_every_worker(command.access_log, workers, RATINGS, "503", unavailable, least=3)

            database.start()
            started = time.monotonic()
            while (lines := api("GET", RATINGS, customer)).status_code != 200:
                _assert_unavailable_json(lines, server)
                assert time.monotonic() - started < RECOVERY, _show(lines, server)
                time.sleep(POLL)

            def back(n: int) -> None:  # every worker is back, not only the one that answered
                lines = api("GET", RATINGS, customer)
                assert lines.status_code == 200, _show(lines, server)

            _through_every_worker(command.access_log, workers, RATINGS, "200", back)
            health = api("GET", "/api/health")
            assert health.status_code == 200, _show(health, server)
            assert health.json()["database"] == "ok"
            assert _worker_pids(server.process.pid) == workers, "a worker was restarted"


@needs_postgres_binaries
def test_a_stream_opened_while_the_database_is_down_answers_503(tmp_path):
    # The caller's token is cached, so the stream admits them without the database; where
    # new events begin still needs it, and the answer says so rather than hanging.
    with _private_postgres() as (database, env):
        customer = _people(env)["customer"]
        command = servers.Uvicorn()
        with (
            servers.running(env, command=command, log=tmp_path / "server.log") as server,
            _api(server) as api,
        ):
            first = api("GET", "/api/orders/stream", customer, stream=True)
            assert first.status_code == 200, _show(first, server)
            first.close()
            time.sleep(2.5)  # the process's reader stops once no subscriber is left

            database.stop()
            started = time.monotonic()
            answer = api("GET", "/api/orders/stream", customer)
            _assert_unavailable_json(answer, server)
            assert time.monotonic() - started < TIMEOUT

            database.start()
            started = time.monotonic()
            while (
                again := api("GET", "/api/orders/stream", customer, stream=True)
            ).status_code != 200:
                _assert_unavailable_json(again, server)
                assert time.monotonic() - started < RECOVERY, _show(again, server)
                time.sleep(POLL)
            assert again.headers["Content-Type"].startswith("text/event-stream")
            again.close()
