"""GET /api/orders/stream: Server-Sent Events from a real ASGI server, read as a client would.

Each test talks HTTP to uvicorn started through harness/servers.py on a scratch SQLite database
with nothing else running (the embedded default), reading the stream line by line with a
socket timeout. The test process itself touches no database.
"""

import http.client
import json
import os
import queue
import secrets
import socket
import threading
import time
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from harness import servers

PASSWORD = "Stream-Lemon-2026!"
KEEPALIVE = 1  # seconds, for these servers (15 by default)
SETUP = f"""
import json
from django.contrib.auth.models import Group, User
from LittleLemonDRF import roles, services
from LittleLemonDRF.models import MenuItem

def make(name, group=None):
    user = User.objects.create_user(name, password={PASSWORD!r})
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user

people = {{
    "manager": make("sam-manager", roles.MANAGER),
    "crew": make("cleo-crew", roles.DELIVERY_CREW),
    "other_crew": make("otto-crew", roles.DELIVERY_CREW),
    "ada": make("ada"),
    "bob": make("bob"),
}}
print(json.dumps({{
    "tokens": {{k: services.token_for_login(user=u).key for k, u in people.items()}},
    "ids": {{k: u.pk for k, u in people.items()}},
    "dish": MenuItem.objects.order_by("id").values_list("id", flat=True).first(),
}}))
"""


@dataclass
class World:
    server: servers.Server
    env: dict
    tmp: object
    tokens: dict
    ids: dict
    dish: int

    def api(self, method, path, who=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        headers = {"Accept": "application/json"}
        if who:
            headers["Authorization"] = f"Token {self.tokens[who]}"
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
        finally:
            conn.close()

    def place(self, who):
        """An order placed by `who` through the API; its id."""
        status, _ = self.api("POST", "/api/cart/menu-items", who, {"menuitem_id": self.dish})
        assert status in (200, 201)
        status, order = self.api("POST", "/api/orders", who)
        assert status == 201, order
        return order["id"]

    def patch(self, order_id, who, body):
        status, order = self.api("PATCH", f"/api/orders/{order_id}", who, body)
        assert status == 200, order
        return order


class Stream:
    """An open stream, read line by line on a thread of its own: events and comments as they
    arrive. (A socket read that timed out cannot be resumed, so the test waits on a queue.)"""

    def __init__(self, sock, response):
        self.sock, self.response = sock, response
        sock.settimeout(None)  # the reading thread waits; the tests time out on the queue
        self.lines: queue.Queue = queue.Queue()
        self.comments: list = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        try:
            while line := self.response.readline():
                self.lines.put(line.decode().rstrip("\r\n"))
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # closed by the test
        self.lines.put(None)

    def _line(self, deadline):
        try:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if line is None:
            pytest.fail("the server closed the stream")
        return line

    def next_event(self, timeout=5.0) -> dict:
        """The next event ({"id", "event", "data"}); fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        fields = {}
        while (line := self._line(deadline)) is not None:
            if line.startswith(":"):
                self.comments.append((time.monotonic(), line))
            elif line == "" and fields:
                fields["data"] = json.loads(fields["data"])
                fields["id"] = int(fields["id"])
                return fields
            elif line:
                name, _, value = line.partition(": ")
                fields[name] = value
        pytest.fail(f"no event within {timeout} s")

    def no_event(self, seconds=1.5) -> None:
        """Nothing but comments for `seconds`."""
        deadline = time.monotonic() + seconds
        while (line := self._line(deadline)) is not None:
            if line.startswith(":"):
                self.comments.append((time.monotonic(), line))
            else:
                assert line == "", f"unexpected: {line!r}"


@contextmanager
def stream(world, who=None, *, headers=None, query=""):
    conn = http.client.HTTPConnection("127.0.0.1", world.server.port, timeout=10)
    sent = {"Accept": "text/event-stream", **(headers or {})}
    if who:
        sent["Authorization"] = f"Token {world.tokens[who]}"
    conn.request("GET", f"/api/orders/stream{query}", headers=sent)
    sock = conn.sock  # gone from conn once a server answers "Connection: close" (runserver)
    response = conn.getresponse()
    assert response.status == 200, response.read()
    assert response.getheader("Content-Type").startswith("text/event-stream")
    try:
        yield Stream(sock, response)
    finally:
        # Shut down first: closing alone waits for the reading thread's blocked read, which
        # only returns with the next keep-alive (15 s by default).
        with suppress(OSError):  # closed already
            sock.shutdown(socket.SHUT_RDWR)
        response.close()
        conn.close()


def _start(env, tmp, name="uvicorn"):
    return servers.start(env, log=tmp / f"{name}.log", command=servers.Uvicorn())


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stream")
    env = servers.production_env(
        database_url=f"sqlite:///{tmp}/stream.sqlite3",
        STREAM_KEEPALIVE_SECONDS=str(KEEPALIVE),
    )
    servers.prepare_database(env)
    accounts = json.loads(servers.manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    server = _start(env, tmp)
    try:
        server.wait_healthy(30)
        world = World(server=server, env=env, tmp=tmp, **accounts)
        yield world
    finally:
        servers.stop(world.server if "world" in locals() else server)


# --- Admission --------------------------------------------------------------------------------


def test_anonymous_caller_gets_401_with_the_token_challenge(world):
    conn = http.client.HTTPConnection("127.0.0.1", world.server.port, timeout=10)
    conn.request("GET", "/api/orders/stream")
    response = conn.getresponse()
    assert response.status == 401
    assert response.getheader("WWW-Authenticate") == "Token"
    assert "detail" in json.loads(response.read())


def test_a_bad_token_gets_401(world):
    conn = http.client.HTTPConnection("127.0.0.1", world.server.port, timeout=10)
    conn.request("GET", "/api/orders/stream", headers={"Authorization": "Token nope"})
    response = conn.getresponse()
    assert response.status == 401
    assert json.loads(response.read()) == {"detail": "Invalid token."}


@pytest.mark.parametrize(
    ("headers", "query"),
    [({"Last-Event-ID": "abc"}, ""), ({}, "?last_event_id=1.5"), ({"Last-Event-ID": "-1"}, "")],
)
def test_a_last_event_id_that_is_not_a_whole_number_is_a_400(world, headers, query):
    conn = http.client.HTTPConnection("127.0.0.1", world.server.port, timeout=10)
    sent = {"Authorization": f"Token {world.tokens['ada']}", **headers}
    conn.request("GET", f"/api/orders/stream{query}", headers=sent)
    response = conn.getresponse()
    assert response.status == 400
    assert "Last-Event-ID" in json.loads(response.read())["detail"]


def test_the_header_wins_over_the_query_parameter(world):
    with stream(world, "ada", headers={"Last-Event-ID": "0"}, query="?last_event_id=x") as s:
        s.no_event(0.3)  # admitted: the header's 0 was used, the bad query value ignored


def test_a_comment_arrives_at_once_and_then_at_every_keepalive(world):
    with stream(world, "bob") as s:
        s.no_event(KEEPALIVE * 2.5)
    times = [at for at, _ in s.comments]
    assert len(times) >= 3, s.comments
    assert all(b - a <= KEEPALIVE + 0.5 for a, b in zip(times, times[1:], strict=False))


# --- Live events and their scope ----------------------------------------------------------


def test_manager_gets_a_new_order_within_a_second_as_the_detail_shows_it(world):
    with stream(world, "manager") as s:
        started = time.monotonic()
        order_id = world.place("ada")
        event = s.next_event(timeout=1.0)
        assert time.monotonic() - started < 1.5
    assert event["event"] == "order.created"
    status, detail = world.api("GET", f"/api/orders/{order_id}", "manager")
    assert status == 200
    assert event["data"] == detail
    assert event["data"]["history"][0]["state"] == "placed"


def test_customers_get_their_own_orders_only(world):
    with stream(world, "bob") as s:
        world.place("ada")
        mine = world.place("bob")
        event = s.next_event(timeout=2)
        assert (event["event"], event["data"]["id"]) == ("order.created", mine)
        s.no_event(1.2)


def test_crew_get_the_assignment_then_lose_the_order_with_its_reassignment(world):
    order_id = world.place("ada")
    with stream(world, "crew") as s:
        world.patch(order_id, "manager", {"delivery_crew": world.ids["crew"]})
        given = s.next_event()
        world.patch(order_id, "manager", {"delivery_crew": world.ids["other_crew"]})
        taken = s.next_event()
        world.patch(order_id, "manager", {"state": "accepted"})
        s.no_event(1.2)
    assert (given["event"], given["data"]["delivery_crew"]["id"]) == (
        "order.updated",
        world.ids["crew"],
    )
    assert taken["data"]["delivery_crew"]["id"] == world.ids["other_crew"]
    assert taken["id"] > given["id"]


def test_crew_live_get_nothing_of_the_order_changed_after_the_hand_over(world):
    order_id = world.place("ada")
    world.patch(order_id, "manager", {"delivery_crew": world.ids["crew"]})
    with stream(world, "crew") as s:
        world.patch(order_id, "manager", {"delivery_crew": world.ids["other_crew"]})
        world.patch(order_id, "manager", {"payment_status": "paid"})
        taken = s.next_event()
        s.no_event(1.2)
    # Whenever the reader got to it, the hand-over shows who has the order, nothing more.
    assert taken["data"] == {
        "id": order_id,
        "delivery_crew": {"id": world.ids["other_crew"], "username": "otto-crew"},
    }


def test_crew_replay_gets_the_hand_over_and_nothing_after_it(world):
    order_id = world.place("ada")
    world.patch(order_id, "manager", {"delivery_crew": world.ids["crew"]})
    world.patch(order_id, "manager", {"state": "accepted"})
    world.patch(order_id, "manager", {"delivery_crew": world.ids["other_crew"]})
    world.patch(order_id, "manager", {"payment_status": "paid"})
    world.patch(order_id, "manager", {"state": "preparing"})

    with stream(world, "crew", headers={"Last-Event-ID": "0"}) as s:
        replayed = []
        with suppress(pytest.fail.Exception):
            while True:
                replayed.append(s.next_event(timeout=1.5))
    mine = [e for e in replayed if e["data"]["id"] == order_id]
    # Only the hand-over: the order is no longer theirs, so neither what it was while it was
    # (rendered now, it would show the payment) nor anything after.
    assert len(mine) == 1, mine
    assert mine[0]["event"] == "order.updated"
    assert mine[0]["data"] == {
        "id": order_id,
        "delivery_crew": {"id": world.ids["other_crew"], "username": "otto-crew"},
    }
    status, _ = world.api("GET", f"/api/orders/{order_id}", "crew")
    assert status == 404


def test_each_subscriber_gets_the_moves_of_its_own_caller(world):
    order_id = world.place("ada")
    world.patch(order_id, "manager", {"delivery_crew": world.ids["crew"]})
    for state in ("accepted", "preparing", "ready"):
        world.patch(order_id, "manager", {"state": state})
    callers = ("manager", "crew", "ada")
    with ExitStack() as stack:
        streams = {who: stack.enter_context(stream(world, who)) for who in callers}
        world.patch(order_id, "manager", {"payment_status": "paid"})
        events = {who: s.next_event()["data"] for who, s in streams.items()}
    assert {who: data["moves"] for who, data in events.items()} == {
        "manager": ["out_for_delivery", "cancelled"],
        "crew": ["out_for_delivery"],
        "ada": [],
    }
    for who, data in events.items():  # each as that caller's GET shows the order
        assert world.api("GET", f"/api/orders/{order_id}", who) == (200, data)


def test_every_change_is_an_update_event_in_order(world):
    order_id = world.place("ada")
    with stream(world, "ada") as s:
        for state in ("accepted", "preparing"):
            world.patch(order_id, "manager", {"state": state})
        first, second = s.next_event(), s.next_event()
    assert [first["event"], second["event"]] == ["order.updated", "order.updated"]
    assert first["id"] < second["id"]
    assert second["data"]["state"] == "preparing"


def test_a_subscriber_joining_a_running_stream_gets_nothing_committed_before_it_joined(world):
    # Another subscriber keeps the process's reader running; each order is placed just before
    # Ada connects, so the reader may not have read its event yet when she joins.
    with stream(world, "manager") as other:
        for _ in range(10):
            order_id = world.place("ada")
            with stream(world, "ada") as s:
                world.patch(order_id, "manager", {"state": "accepted"})
                first = s.next_event()
            assert (first["event"], first["data"]["id"]) == ("order.updated", order_id)
        other.next_event()


def test_later_subscribers_still_get_events_after_the_first_one_left(world):
    # The first subscriber's request starts the process's reader; it must outlive it.
    with stream(world, "manager") as s:
        s.no_event(0.3)
    time.sleep(1.5)  # the reader stops with no subscriber left, and starts again on demand
    with stream(world, "manager") as first, stream(world, "bob") as second:
        first.no_event(0.5)
        order_id = world.place("bob")
        assert first.next_event(timeout=2)["data"]["id"] == order_id
        assert second.next_event(timeout=2)["data"]["id"] == order_id


# --- Replay ---------------------------------------------------------------------------------


def test_last_event_id_replays_what_was_missed_then_goes_live(world):
    with stream(world, "ada") as s:
        first = world.place("ada")
        mark = s.next_event()["id"]
    missed = world.place("ada")
    world.place("bob")  # not Ada's: never replayed to her
    world.patch(first, "manager", {"state": "accepted"})

    with stream(world, "ada", headers={"Last-Event-ID": str(mark)}) as s:
        replayed = [s.next_event(), s.next_event()]
        s.no_event(0.5)
        live = world.place("ada")
        after = s.next_event()
    assert [(e["event"], e["data"]["id"]) for e in replayed] == [
        ("order.created", missed),
        ("order.updated", first),
    ]
    assert after["data"]["id"] == live
    assert after["id"] > replayed[-1]["id"]


def test_the_query_parameter_replays_as_the_header_does(world):
    with stream(world, "bob") as s:
        world.place("bob")
        mark = s.next_event()["id"]
    missed = world.place("bob")
    with stream(world, "bob", query=f"?last_event_id={mark}") as s:
        assert s.next_event()["data"]["id"] == missed


def test_nothing_is_missed_across_a_server_restart(world):
    with stream(world, "manager") as s:
        world.place("ada")
        mark = s.next_event()["id"]
    servers.stop(world.server)
    missed_while_down = _place_offline(world, "ada")
    world.server = _start(world.env, world.tmp, name="uvicorn-restarted")
    world.server.wait_healthy(30)
    missed = world.place("ada")
    with stream(world, "manager", headers={"Last-Event-ID": str(mark)}) as s:
        replayed = [s.next_event()["data"]["id"], s.next_event()["data"]["id"]]
    assert replayed == [missed_while_down, missed]


def _place_offline(world, who) -> int:
    """An order placed while no server runs (a management shell): its event waits in the table."""
    script = (
        "from django.contrib.auth.models import User\n"
        "from LittleLemonDRF import services\n"
        "from LittleLemonDRF.models import MenuItem\n"
        f"user = User.objects.get(pk={world.ids[who]})\n"
        f"services.cart_add_item(user=user, menuitem=MenuItem.objects.get(pk={world.dish}), "
        "quantity=1)\n"
        "print(services.order_place(user=user)[0].pk)\n"
    )
    return int(servers.manage(world.env, "shell", "-c", script).strip().splitlines()[-1])


# --- Across processes: PostgreSQL and Redis ----------------------------------------------------


@pytest.fixture
def shared_world(tmp_path):
    """An API server (gunicorn, two sync workers) and a stream server (uvicorn, two workers)
    sharing a PostgreSQL database and a Redis, as production runs them."""
    from django.db import connection

    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and Redis shared by the servers; run `make test-postgres`")
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"littlelemon_stream_{secrets.token_hex(4)}"
    )
    parts = urlsplit(os.environ["REDIS_URL"])
    redis_url = urlunsplit(parts._replace(path=f"/{int(parts.path.strip('/') or 0) + 2}"))
    redis.Redis.from_url(redis_url).flushdb()  # nothing cached by an earlier run's database
    servers.create_database(url)
    env = servers.production_env(database_url=url, redis_url=redis_url)
    try:
        servers.prepare_database(env)
        accounts = json.loads(servers.manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
        api = servers.start(env, log=tmp_path / "gunicorn.log")
        live = servers.start(env, log=tmp_path / "uvicorn.log", command=servers.Uvicorn(workers=2))
        try:
            api.wait_healthy(30)
            live.wait_healthy(30)
            yield World(server=api, env=env, tmp=tmp_path, **accounts), live
        finally:
            servers.stop(api, live)
    finally:
        servers.drop_database(url)


def test_a_change_through_the_api_server_reaches_every_stream_worker_within_a_second(
    shared_world,
):
    world, live = shared_world
    on_stream = World(server=live, env=world.env, tmp=world.tmp, **_accounts(world))
    # Four subscribers on two uvicorn workers: the connections land on both.
    with ExitStack() as stack:
        streams = [stack.enter_context(stream(on_stream, "manager")) for _ in range(4)]
        time.sleep(0.5)
        started = time.monotonic()
        order_id = world.place("ada")  # through gunicorn, another process
        events = [s.next_event(timeout=2.0) for s in streams]
        elapsed = time.monotonic() - started
    assert {(e["event"], e["data"]["id"]) for e in events} == {("order.created", order_id)}
    assert elapsed < 1.0, elapsed


def _accounts(world):
    return {"tokens": world.tokens, "ids": world.ids, "dish": world.dish}
