"""When access ends, across processes: changes made by `manage.py` in another process reach
every worker of a running server on its next request.

The embedded default (SQLite, each process's local cache) and the production pair (PostgreSQL
and Redis, two servers of two workers each) are walked the same way: a token rotated with
`drf_create_token -r`, a manager taken out of the group and a user deactivated from
`manage.py shell`, and a password changed there.
"""

import http.client
import json
import os
import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from harness import servers
from tests.test_multiprocess import _database_url

CART = "/api/cart/menu-items"
MANAGER_VIEW = "/api/manager-view"
TRIES = 8  # requests per check, each on a fresh connection: they land on every worker

SET_UP = """
import json
from django.contrib.auth.models import Group, User
from LittleLemonDRF.services import token_for_login
kim = User.objects.create_user("kim", password="Lemon-pass-2026!")
mia = User.objects.create_user("mia", password="Lemon-pass-2026!")
mia.groups.add(Group.objects.get_or_create(name="Manager")[0])
print(json.dumps({u.username: token_for_login(user=u).key for u in (kim, mia)}))
"""


def statuses(ports, path, key) -> set[int]:
    seen = set()
    for index in range(TRIES):
        conn = http.client.HTTPConnection("127.0.0.1", ports[index % len(ports)], timeout=15)
        try:
            conn.request("GET", path, headers={"Authorization": f"Token {key}"})
            response = conn.getresponse()
            response.read()
            seen.add(response.status)
        finally:
            conn.close()
    return seen


def walk(env, ports) -> None:
    keys = json.loads(servers.manage(env, "shell", "-c", SET_UP).strip().splitlines()[-1])
    assert statuses(ports, CART, keys["kim"]) == {200}
    assert statuses(ports, MANAGER_VIEW, keys["mia"]) == {200}

    servers.manage(env, "drf_create_token", "-r", "kim")
    assert statuses(ports, CART, keys["kim"]) == {401}
    rotated = servers.manage(env, "shell", "-c", _print_key("kim")).strip().splitlines()[-1]
    assert statuses(ports, CART, rotated) == {200}

    servers.manage(env, "shell", "-c", _in_shell("mia.groups.clear()"))
    assert statuses(ports, MANAGER_VIEW, keys["mia"]) == {403}
    assert statuses(ports, CART, keys["mia"]) == {200}

    servers.manage(env, "shell", "-c", _in_shell("mia.set_password('Another-2027!'); mia.save()"))
    assert statuses(ports, CART, keys["mia"]) == {401}

    update = "User.objects.filter(username='kim').update(is_active=False)"
    servers.manage(env, "shell", "-c", _in_shell(update))
    assert statuses(ports, CART, rotated) == {401}


def _in_shell(statement: str) -> str:
    return (
        "from django.contrib.auth.models import User; "
        f"mia = User.objects.get(username='mia'); {statement}"
    )


def _print_key(username: str) -> str:
    return (
        "from rest_framework.authtoken.models import Token; "
        f"print(Token.objects.get(user__username={username!r}).key)"
    )


def test_the_embedded_default_ends_access_made_elsewhere_on_every_worker(tmp_path):
    env = servers.production_env(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    servers.prepare_database(env)
    with servers.running(env, log=tmp_path / "server.log") as server:
        walk(env, [server.port])


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
    reason="needs PostgreSQL and Redis shared by several servers; run `make test-postgres`",
)
def test_postgres_and_redis_end_access_made_elsewhere_on_every_server(tmp_path):
    url = _database_url(f"littlelemon_access_{secrets.token_hex(4)}")
    parts = urlsplit(os.environ["REDIS_URL"])
    redis_url = urlunsplit(parts._replace(path=f"/{int(parts.path.strip('/') or 0) + 1}"))
    servers.create_database(url)
    try:
        env = servers.production_env(database_url=url, redis_url=redis_url)
        servers.prepare_database(env)
        started = [servers.start(env, log=tmp_path / f"server{n}.log") for n in range(2)]
        try:
            for server in started:
                server.wait_healthy(timeout=30)
            walk(env, [server.port for server in started])
        finally:
            servers.stop(*started)
    finally:
        servers.drop_database(url)
