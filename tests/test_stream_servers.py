"""The order stream under every server the app runs on: runserver and gunicorn (WSGI), where
each open stream holds a thread, as under uvicorn (ASGI, tests/test_stream.py).

Each server serves the whole API on one scratch SQLite database; the tests talk HTTP to it.
"""

import http.client
import json
import time
from contextlib import ExitStack

import pytest

from harness import servers
from tests.test_stream import (  # noqa: F401  (shared_world: a fixture used here)
    KEEPALIVE,
    SETUP,
    World,
    _accounts,
    shared_world,
    stream,
)

SERVERS = {
    "runserver": servers.Runserver(),
    # Sync workers: a stream takes a whole worker; the other one serves the API meanwhile.
    "gunicorn-sync": servers.Gunicorn(workers=2),
    "gunicorn-threads": servers.Gunicorn(workers=1, options=("--threads=8",)),
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stream-servers")
    env = servers.production_env(
        database_url=f"sqlite:///{tmp}/stream.sqlite3",
        STREAM_KEEPALIVE_SECONDS=str(KEEPALIVE),
    )
    servers.prepare_database(env)
    accounts = json.loads(servers.manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    return tmp, env, accounts


@pytest.fixture(scope="module", params=list(SERVERS))
def world(request, prepared):
    tmp, env, accounts = prepared
    if request.param == "runserver":
        env = env | {"DJANGO_DEBUG": "1"}
    server = servers.start(env, log=tmp / f"{request.param}.log", command=SERVERS[request.param])
    try:
        server.wait_healthy(30)
        yield World(server=server, env=env, tmp=tmp, **accounts)
    finally:
        servers.stop(server)


def test_the_headers_and_a_comment_come_within_a_second(world):
    conn = http.client.HTTPConnection("127.0.0.1", world.server.port, timeout=5)
    started = time.monotonic()
    conn.request(
        "GET", "/api/orders/stream", headers={"Authorization": f"Token {world.tokens['bob']}"}
    )
    response = conn.getresponse()
    headed = time.monotonic() - started
    first = response.readline()
    commented = time.monotonic() - started
    conn.close()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    assert first == b": keep-alive\n"
    assert headed < 1.0, headed
    assert commented < 1.0, commented


def test_an_order_placed_through_the_api_arrives_as_an_event(world):
    with stream(world, "manager") as s:
        order_id = world.place("ada")
        committed = time.monotonic()  # the 201 came after the commit
        event = s.next_event(timeout=2.0)
        elapsed = time.monotonic() - committed
    assert (event["event"], event["data"]["id"]) == ("order.created", order_id)
    assert event["data"]["user"]["id"] == world.ids["ada"]
    # Within a second of the commit, whichever process made it (a sync worker's stream
    # looks once a second when the change came through the other worker).
    assert elapsed < 1.2, elapsed


def test_keep_alive_comments_come_at_every_interval(world):
    with stream(world, "bob") as s:
        s.no_event(KEEPALIVE * 2.5)
    times = [at for at, _ in s.comments]
    assert len(times) >= 3, s.comments
    assert all(b - a <= KEEPALIVE + 0.5 for a, b in zip(times, times[1:], strict=False))


def test_last_event_id_replays_only_the_callers_orders_then_goes_live(world):
    with stream(world, "ada") as s:
        world.place("ada")
        mark = s.next_event()["id"]
    missed = world.place("ada")
    world.place("bob")  # not Ada's
    with stream(world, "ada", headers={"Last-Event-ID": str(mark)}) as s:
        replayed = s.next_event()
        s.no_event(0.5)
        live = world.place("ada")
        after = s.next_event()
    assert (replayed["event"], replayed["data"]["id"]) == ("order.created", missed)
    assert after["data"]["id"] == live


# --- Across processes: PostgreSQL and Redis ----------------------------------------------------


@pytest.fixture
def threaded_streams(request):
    """Beside shared_world's servers, gunicorn with two threaded workers serving streams."""
    world, _ = request.getfixturevalue("shared_world")
    command = servers.Gunicorn(workers=2, options=("--threads=8",))
    server = servers.start(world.env, log=world.tmp / "gunicorn-streams.log", command=command)
    try:
        server.wait_healthy(30)
        yield world, World(server=server, env=world.env, tmp=world.tmp, **_accounts(world))
    finally:
        servers.stop(server)


def test_a_change_through_another_server_reaches_threaded_streams_within_a_second(
    threaded_streams,
):
    world, on_stream = threaded_streams
    with ExitStack() as stack:  # four streams: both workers hold some
        streams = [stack.enter_context(stream(on_stream, "manager")) for _ in range(4)]
        time.sleep(0.5)
        order_id = world.place("ada")  # through the API server: Redis wakes the streams
        committed = time.monotonic()
        events = [s.next_event(timeout=2.0) for s in streams]
        elapsed = time.monotonic() - committed
    assert {(e["event"], e["data"]["id"]) for e in events} == {("order.created", order_id)}
    assert elapsed < 1.0, elapsed


def test_the_limit_of_open_streams_holds_across_worker_processes(threaded_streams):
    _, on_stream = threaded_streams
    with ExitStack() as stack:
        for _ in range(5):
            stack.enter_context(stream(on_stream, "bob"))
        conn = http.client.HTTPConnection("127.0.0.1", on_stream.server.port, timeout=10)
        conn.request("GET", "/api/orders/stream", headers=_token(on_stream, "bob"))
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
    assert response.status == 429
    assert "at most 5" in body["detail"]
    assert response.getheader("Retry-After") == "15"


def _token(world, who) -> dict:
    return {"Authorization": f"Token {world.tokens[who]}"}
