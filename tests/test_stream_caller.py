"""An open order stream keeps checking its caller, and a caller keeps few streams open.

A stream ends within STREAM_RECHECK_SECONDS (1 s here) of its credential ceasing to work or
its caller's role changing; the changes are made as an operator would, straight in the
database (a management shell), so only the stream's own re-check can notice them. uvicorn
serves the streams on a scratch SQLite database, as in tests/test_stream.py.
"""

import http.client
import json
import queue
import secrets
import time

import pytest

from harness import servers
from tests.test_stream import SETUP, World, stream

RECHECK = 1  # seconds
PEOPLE = """
import json
from django.contrib.auth.models import Group, User
from LittleLemonDRF import services
user = User.objects.create_user({name!r}, password="Stream-Lemon-2026!")
if {group!r}:
    user.groups.add(Group.objects.get(name={group!r}))
print(json.dumps([user.pk, services.token_for_login(user=user).key]))
"""
SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
user = User.objects.get(pk={user_id})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stream-caller")
    env = servers.production_env(
        database_url=f"sqlite:///{tmp}/stream.sqlite3", STREAM_RECHECK_SECONDS=str(RECHECK)
    )
    servers.prepare_database(env)
    accounts = json.loads(servers.manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    server = servers.start(env, log=tmp / "uvicorn.log", command=servers.Uvicorn())
    try:
        server.wait_healthy(30)
        yield World(server=server, env=env, tmp=tmp, **accounts)
    finally:
        servers.stop(server)


def person(world, group: str | None = None) -> str:
    """A new user (in `group`), known to world.api and stream() by the name returned."""
    name = f"user-{secrets.token_hex(3)}"
    script = PEOPLE.format(name=name, group=group)
    user_id, token = json.loads(servers.manage(world.env, "shell", "-c", script).splitlines()[-1])
    world.ids[name], world.tokens[name] = user_id, token
    return name


def shell(world, code: str) -> str:
    prelude = "from django.contrib.auth.models import Group, User\n"
    return servers.manage(world.env, "shell", "-c", prelude + code).strip()


def assert_closed_soon(s, within: float = RECHECK + 2.5) -> None:
    """The server ends the stream within `within` seconds (comments may come first)."""
    deadline = time.monotonic() + within
    while True:
        try:
            line = s.lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"the stream was still open after {within} s")
        if line is None:
            return
        assert line.startswith(":") or line == "", f"unexpected: {line!r}"


def status_of_stream(world, headers: dict) -> tuple[int, dict | None]:
    """The status of a stream opened with `headers`, and its JSON body (with the Retry-After
    header as "retry-after") unless it opened; an open stream is closed at once."""
    conn = http.client.HTTPConnection("127.0.0.1", world.server.port, timeout=10)
    try:
        conn.request("GET", "/api/orders/stream", headers=headers)
        response = conn.getresponse()
        if response.status == 200:
            return 200, None
        body = json.loads(response.read())
        return response.status, body | {"retry-after": response.getheader("Retry-After")}
    finally:
        conn.close()


def token_header(world, who) -> dict:
    return {"Authorization": f"Token {world.tokens[who]}"}


# --- Closed when the credential or the role changes ----------------------------------------


def test_a_manager_removed_from_the_group_is_cut_off_and_reconnects_as_a_customer(world):
    manager = person(world, "Manager")
    with stream(world, manager) as s:
        s.no_event(0.2)
        shell(world, f"User.objects.get(pk={world.ids[manager]}).groups.clear()")
        assert_closed_soon(s)
    with stream(world, manager) as s:  # the new scope: their own orders only
        world.place("ada")
        mine = world.place(manager)
        event = s.next_event(timeout=3)
    assert (event["event"], event["data"]["id"]) == ("order.created", mine)


def test_a_managers_stream_ends_once_their_token_is_deleted(world):
    manager = person(world, "Manager")
    with stream(world, manager) as s:
        s.no_event(0.2)
        shell(
            world,
            f"from rest_framework.authtoken.models import Token\n"
            f"Token.objects.filter(user_id={world.ids[manager]}).delete()",
        )
        assert_closed_soon(s)
    status, body = status_of_stream(world, token_header(world, manager))
    assert status == 401
    assert body["detail"] == "Invalid token."


def test_a_managers_stream_ends_once_they_are_deactivated(world):
    manager = person(world, "Manager")
    with stream(world, manager) as s:
        s.no_event(0.2)
        shell(world, f"User.objects.filter(pk={world.ids[manager]}).update(is_active=False)")
        assert_closed_soon(s)
    status, body = status_of_stream(world, token_header(world, manager))
    assert status == 401
    assert "detail" in body


def test_a_session_stream_ends_once_the_session_is_logged_out_elsewhere(world):
    customer = person(world)
    key = shell(world, SESSION.format(user_id=world.ids[customer])).split()[-1]
    cookie = {"Cookie": f"sessionid={key}"}
    with stream(world, headers=cookie) as s:
        mine = world.place(customer)
        assert s.next_event(timeout=3)["data"]["id"] == mine
        shell(
            world,
            f"from django.contrib.sessions.models import Session\n"
            f"Session.objects.filter(pk={key!r}).delete()",
        )
        assert_closed_soon(s)
    status, body = status_of_stream(world, cookie)
    assert status == 401
    assert "detail" in body


def test_a_session_stream_ends_once_the_password_changes(world):
    customer = person(world)
    key = shell(world, SESSION.format(user_id=world.ids[customer])).split()[-1]
    with stream(world, headers={"Cookie": f"sessionid={key}"}) as s:
        s.no_event(0.2)
        shell(
            world,
            f"user = User.objects.get(pk={world.ids[customer]})\n"
            "user.set_password('Another-Lemon-2026!')\nuser.save()",
        )
        assert_closed_soon(s)


def test_a_stream_whose_caller_keeps_their_credential_and_role_stays_open(world):
    with stream(world, "bob") as s:
        s.no_event(RECHECK * 3)
        mine = world.place("bob")
        assert s.next_event(timeout=3)["data"]["id"] == mine


# --- At most STREAM_MAX_PER_USER open streams per user ------------------------------------


def test_a_sixth_stream_is_a_429_until_one_of_the_five_closes(world):
    customer = person(world)
    streams = [stream(world, customer) for _ in range(5)]
    opened = [cm.__enter__() for cm in streams]
    try:
        status, body = status_of_stream(world, token_header(world, customer))
        assert status == 429
        assert "at most 5" in body["detail"]
        assert int(body["retry-after"]) <= 15
        # Another user is not counted against this one.
        with stream(world, "bob") as other:
            other.no_event(0.2)
        streams.pop().__exit__(None, None, None)
        opened.pop()
        deadline = time.monotonic() + 15
        while (answer := status_of_stream(world, token_header(world, customer)))[0] == 429:
            assert time.monotonic() < deadline, "the closed stream's place was not freed"
            time.sleep(0.5)
        assert answer[0] == 200
    finally:
        for cm in streams:
            cm.__exit__(None, None, None)
