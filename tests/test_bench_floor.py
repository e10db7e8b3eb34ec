"""The floor of `make bench` (bench/floor): a bare DRF project answering `{"ok": true}`."""

import http.client
import json
import textwrap
from dataclasses import replace

from bench import run
from harness import servers
from harness.processes import clean_environ, project_python

# Its own settings, so its own process: the tests' process runs the app's settings.
IN_PROCESS = textwrap.dedent(
    """
    import json

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = Client(HTTP_HOST="127.0.0.1").get("/floor")
    print(json.dumps([response.status_code, response.json(), len(queries)]))
    """
)


def test_floor_answers_ok_without_a_query():
    done = project_python("-c", IN_PROCESS, DJANGO_SETTINGS_MODULE="bench.floor.settings")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [200, {"ok": True}, 0]


def test_floor_serves_under_the_apps_gunicorn_settings_and_environment(tmp_path):
    # The bench starts it with the app's environment, which names the app's settings: the
    # floor's wsgi.py must override them.
    env = clean_environ() | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = replace(run.FLOOR_SERVER, workers=1)

    with servers.running(
        env, command=command, log=tmp_path / "floor.log", health=run.FLOOR_PATH, timeout=20
    ) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("GET", run.FLOOR_PATH)
        response = conn.getresponse()
        body = response.read()
        conn.close()

    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(body) == {"ok": True}
