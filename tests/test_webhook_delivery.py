"""Webhook delivery against a real receiver: signing, the payload, retries with backoff,
redirects and timeouts, and deliverer processes that are killed or run side by side.

The receiver is an HTTP server on 127.0.0.1 in a thread of the test, answering each request
from a script. The first tests run `deliver_webhooks --once` in the test's own process; the
last ones start `manage.py deliver_webhooks` processes on a database of their own (a SQLite
file, or a fresh PostgreSQL database), set up through the services.
"""

import hashlib
import hmac
import io
import json
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from harness import servers
from harness.processes import PROJECT
from LittleLemonDRF import jobs, webhooks
from LittleLemonDRF.models import OrderEvent, Webhook, WebhookDelivery
from tests.factories import add_to_cart, make_menu_item

WEBHOOKS = "/api/webhooks"
BOTH = ["order.created", "order.updated"]


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """True when one of the v1= values of `header` (LittleLemon-Signature) signs `body` with
    `secret`, and its t is recent: written apart from the app's own check, as a receiver would."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamp = next((value for key, value in fields if key == "t"), "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    return any(v1 == hex_hmac(secret, header, body) for key, v1 in fields if key == "v1")


def hex_hmac(secret: str, header: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<t>.<body>" with `secret`, t taken from the header."""
    timestamp = header.split(",")[0].removeprefix("t=")
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


# --- The receiver -----------------------------------------------------------------------------

HANG = "hang"  # a step that holds the request open until the test releases it


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()


class Receiver:
    """Records every request; answers the n-th from script[n] (the last step repeats): a
    status, (status, Location), or HANG."""

    def __init__(self, script, delay=0.0):
        self.script, self.delay = list(script), delay
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return len(self.requests) >= count

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def _step(self, request: Received):
        with self.lock:
            self.requests.append(request)
            return self.script[min(len(self.requests), len(self.script)) - 1]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._answer(body)

            def do_GET(self):
                self._answer(b"")

            def _answer(self, body):
                seen = Received(self.command, self.path, dict(self.headers), body, time.monotonic())
                step = receiver._step(seen)
                time.sleep(receiver.delay)
                if step == HANG:
                    receiver.released.wait(60)
                    step = 200  # too late: the sender is gone
                status, location = step if isinstance(step, tuple) else (step, None)
                try:
                    self.send_response(status)
                    if location:
                        self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver():
    started = []

    def start(*script, delay=0.0):
        started.append(Receiver(script, delay))
        return started[-1]

    yield start
    for one in started:
        one.close()


# --- In this process: deliver_webhooks --once ---------------------------------------------------


@pytest.fixture
def config(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    settings.WEBHOOK_RETRY_BASE = 1
    settings.WEBHOOK_MAX_ATTEMPTS = 8
    return settings


@pytest.fixture
def register(manager_client, config):
    def register(url, events=BOTH):
        response = manager_client.post(WEBHOOKS, {"url": url, "events": events})
        assert response.status_code == 201, response.content
        return response.json()

    return register


@pytest.fixture
def new_order(customer_user, place_order):
    def new_order():
        add_to_cart(customer_user, make_menu_item(price="4.50"), 2)
        return place_order()

    return new_order


@pytest.fixture
def deliveries(manager_client):
    """A webhook's deliveries as the API lists them."""

    def deliveries(hook):
        response = manager_client.get(f"{WEBHOOKS}/{hook['id']}/deliveries")
        assert response.status_code == 200
        return response.json()["results"]

    return deliveries


def deliver():
    out = io.StringIO()
    call_command("deliver_webhooks", "--once", stdout=out)
    return out.getvalue()


def drive(until, timeout: float, on_step=None):
    """Run the deliverer once every 0.1 s until `until()` (True) or the timeout (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliver()
        if on_step:
            on_step()
        if until():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db
def test_a_delivery_is_signed_and_carries_the_order_as_the_api_shows_it(
    receiver, register, new_order, detail, deliveries
):
    rx = receiver(200)
    hook = register(rx.url())
    order_id = new_order()
    deliver()
    assert len(rx.requests) == 1
    request = rx.requests[0]
    event = OrderEvent.objects.get(order_id=order_id)
    assert (request.method, request.path) == ("POST", "/hook")
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["LittleLemon-Event-Id"] == str(event.pk)
    signature = request.headers["LittleLemon-Signature"]
    assert verify(hook["secret"], signature, request.body)
    assert not verify(hook["secret"], signature, request.body + b" ")
    assert not verify("whsec_not-the-secret", signature, request.body)
    assert abs(int(signature.split(",")[0].removeprefix("t=")) - time.time()) < 30
    body = json.loads(request.body)
    assert set(body) == {"id", "type", "created", "data"}
    assert (body["id"], body["type"]) == (event.pk, "order.created")
    # The order as the API shows it; a delivery has no caller, so no move is anyone's.
    assert body["data"] == {**detail(order_id), "moves": []}
    created = datetime.fromisoformat(body["created"].replace("Z", "+00:00"))
    assert abs(created - event.created) < timedelta(seconds=1)
    [row] = deliveries(hook)
    assert row["status"] == "delivered"
    assert (row["attempts"], row["last_status_code"], row["last_error"]) == (1, 200, None)
    assert row["next_attempt_at"] is None
    assert row["delivered_at"] is not None
    deliver()
    assert len(rx.requests) == 1  # delivered once


@pytest.mark.django_db
def test_the_data_is_the_order_when_it_is_sent(receiver, register, new_order, advance, detail):
    rx = receiver(200)
    register(rx.url(), events=["order.updated"])
    order_id = new_order()
    advance(order_id, "accepted", "preparing")
    deliver()
    bodies = [json.loads(r.body) for r in rx.requests]
    assert [b["type"] for b in bodies] == ["order.updated", "order.updated"]
    assert all(b["data"] == {**detail(order_id), "moves": []} for b in bodies)
    assert bodies[0]["id"] < bodies[1]["id"]


@pytest.mark.django_db
def test_a_failed_attempt_is_retried_after_the_base_and_then_delivered(
    receiver, register, new_order, deliveries
):
    rx = receiver(500, 200)
    hook = register(rx.url())
    new_order()
    deliver()
    [row] = deliveries(hook)
    assert row["status"] == "pending"
    assert (row["attempts"], row["last_status_code"]) == (1, 500)
    assert row["last_error"] == "The endpoint answered 500."
    due_in = datetime.fromisoformat(row["next_attempt_at"].replace("Z", "+00:00")) - timezone.now()
    assert timedelta(seconds=0.5) < due_in <= timedelta(seconds=1)
    deliver()
    assert len(rx.requests) == 1  # not due yet
    assert drive(lambda: deliveries(hook)[0]["status"] == "delivered", timeout=5)
    [row] = deliveries(hook)
    assert (row["attempts"], row["last_status_code"], row["last_error"]) == (2, 200, None)
    assert len(rx.requests) == 2
    ids = {r.headers["LittleLemon-Event-Id"] for r in rx.requests}
    assert len(ids) == 1  # the same event again


@pytest.mark.django_db
def test_backoff_doubles_at_each_attempt_until_the_delivery_fails(
    receiver, register, new_order, config
):
    config.WEBHOOK_MAX_ATTEMPTS = 4
    rx = receiver(503)
    register(rx.url())
    new_order()
    waits = {}  # attempt -> next_attempt_at minus when its request arrived

    def note():
        delivery = WebhookDelivery.objects.get()
        if delivery.attempts not in waits and delivery.next_attempt_at:
            sent = rx.requests[delivery.attempts - 1].at
            waits[delivery.attempts] = (
                delivery.next_attempt_at
                - timezone.now()
                + timedelta(seconds=time.monotonic() - sent)
            )

    assert drive(lambda: WebhookDelivery.objects.get().status == "failed", 15, on_step=note)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code) == (4, 503)
    assert delivery.next_attempt_at is None
    assert sorted(waits) == [1, 2, 3]
    for attempt, wait in waits.items():
        expected = 2 ** (attempt - 1)  # WEBHOOK_RETRY_BASE=1, doubled
        assert abs(wait.total_seconds() - expected) < 0.5, waits
    arrivals = [r.at for r in rx.requests]
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert len(gaps) == 3
    for gap, expected in zip(gaps, [1, 2, 4], strict=True):
        assert expected - 0.1 <= gap < expected + 1.0, gaps
    drive(lambda: False, timeout=1.5)
    assert len(rx.requests) == 4  # no attempt after the last


@pytest.mark.django_db
def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    receiver, register, new_order, deliveries
):
    rx = receiver()
    rx.script = [(302, rx.url("/inside")), 200]  # to a private address (this loopback)
    hook = register(rx.url())
    new_order()
    deliver()
    time.sleep(0.3)
    assert [(r.method, r.path) for r in rx.requests] == [("POST", "/hook")]
    [row] = deliveries(hook)
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, 302)
    assert "redirects are not followed" in row["last_error"]


@pytest.mark.django_db
def test_a_receiver_that_does_not_answer_within_5_seconds_fails_the_attempt(
    receiver, register, new_order, deliveries
):
    rx = receiver(HANG)
    hook = register(rx.url())
    new_order()
    started = time.monotonic()
    deliver()
    elapsed = time.monotonic() - started
    rx.released.set()
    assert 4.5 < elapsed < 7
    [row] = deliveries(hook)
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, None)
    assert row["last_error"] == "No answer within 5 seconds."


@pytest.mark.django_db
def test_a_refused_connection_fails_the_attempt(register, new_order, deliveries):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    hook = register(f"http://127.0.0.1:{port}/hook")
    new_order()
    deliver()
    [row] = deliveries(hook)
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, None)
    assert "ConnectionRefused" in row["last_error"]


@pytest.mark.django_db
def test_an_event_of_a_deleted_order_fails_without_a_request(
    receiver, register, new_order, office, deliveries
):
    rx = receiver(200)
    hook = register(rx.url())
    order_id = new_order()
    assert office.delete(f"/api/orders/{order_id}").status_code == 204
    deliver()
    assert rx.requests == []
    [row] = deliveries(hook)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["last_error"] == webhooks.ORDER_GONE


@pytest.mark.django_db
def test_the_address_is_checked_again_before_each_attempt(
    receiver, register, new_order, deliveries, config
):
    rx = receiver(200)
    hook = register(rx.url())  # allowed when registered
    new_order()
    config.WEBHOOK_ALLOW_PRIVATE = False  # as if its name resolved elsewhere since
    deliver()
    assert rx.requests == []
    [row] = deliveries(hook)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "public addresses only" in row["last_error"]
    config.WEBHOOK_ALLOW_PRIVATE = True
    assert drive(lambda: deliveries(hook)[0]["status"] == "delivered", timeout=5)
    assert len(rx.requests) == 1


@pytest.mark.django_db
def test_a_refusal_before_an_attempt_names_the_host_not_the_address_it_resolved_to(
    receiver, register, new_order, deliveries, config
):
    rx = receiver(200)
    hook = register(f"http://localhost:{rx.server.server_port}/hook")
    new_order()
    config.WEBHOOK_ALLOW_PRIVATE = False
    deliver()
    assert rx.requests == []
    [row] = deliveries(hook)
    assert row["last_error"] == (
        "localhost resolves to a loopback address; webhooks go to public addresses only."
    )


# --- Secret rotation on the wire ----------------------------------------------------------------


@pytest.mark.django_db
def test_after_a_rotation_deliveries_carry_the_new_signature_then_the_old(
    receiver, register, new_order, manager_client, deliveries
):
    rx = receiver(200)
    hook = register(rx.url())
    old = hook["secret"]
    new = manager_client.post(f"{WEBHOOKS}/{hook['id']}/secret").json()["secret"]
    new_order()
    deliver()
    [request] = rx.requests
    header, body = request.headers["LittleLemon-Signature"], request.body
    stamp, *signatures = header.split(",")
    assert stamp.startswith("t=")
    assert signatures == [f"v1={hex_hmac(new, header, body)}", f"v1={hex_hmac(old, header, body)}"]
    assert verify(new, header, body)
    assert verify(old, header, body)  # a receiver not yet switched loses nothing
    assert not verify("whsec_neither", header, body)
    assert deliveries(hook)[0]["status"] == "delivered"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overlap_left", "signed_with"),
    [(timedelta(seconds=30), ["new", "old"]), (timedelta(seconds=-1), ["new"])],
)
def test_the_old_secret_stops_signing_when_its_24_hours_are_up(
    receiver, register, new_order, manager_client, overlap_left, signed_with
):
    rx = receiver(200)
    hook = register(rx.url())
    keys = {"old": hook["secret"]}
    keys["new"] = manager_client.post(f"{WEBHOOKS}/{hook['id']}/secret").json()["secret"]
    # The clock moved on: the overlap ends 30 s from now, or ended a second ago.
    Webhook.objects.filter(pk=hook["id"]).update(
        previous_secret_until=timezone.now() + overlap_left
    )
    new_order()
    deliver()
    [request] = rx.requests
    header, body = request.headers["LittleLemon-Signature"], request.body
    expected = [f"v1={hex_hmac(keys[name], header, body)}" for name in signed_with]
    assert header.split(",")[1:] == expected
    assert verify(keys["old"], header, body) == ("old" in signed_with)
    assert verify(keys["new"], header, body)


@pytest.mark.django_db
def test_a_lease_shorter_than_one_send_is_refused():
    with pytest.raises(CommandError, match="--lease must be at least"):
        call_command("deliver_webhooks", "--once", "--lease", "3")


@pytest.mark.django_db
def test_a_deliverer_told_to_stop_gives_back_what_it_has_not_sent(receiver, register, new_order):
    rx = receiver(200)
    register(rx.url())
    new_order()
    new_order()
    webhooks.fan_out()
    jobs.work(once=True, stopping=lambda: len(rx.requests) >= 1)
    assert len(rx.requests) == 1
    states = sorted(WebhookDelivery.objects.values_list("status", "attempts"))
    assert states == [("delivered", 1), ("pending", 0)]  # the other is due now, uncounted
    unsent = WebhookDelivery.objects.get(status="pending")
    assert unsent.next_attempt_at <= timezone.now()


@pytest.mark.django_db
def test_an_outcome_is_recorded_only_while_the_claim_is_current(register, new_order):
    register("http://127.0.0.1:9/hook")
    new_order()
    webhooks.fan_out()
    # Its send job, taken by a worker that then stops answering.
    [job] = DBTaskResult.objects.filter(task_path=webhooks.send.module_path)
    job.claim("a worker thought dead")
    stale = webhooks.begin(job.args_kwargs["args"][0])
    jobs.work(once=True)
    assert WebhookDelivery.objects.get().attempts == 1  # within the lease: nobody else runs it
    assert jobs.reap(lease=timedelta(0)) == 1  # past it, the job is run again
    job.claim("another worker")
    current = webhooks.begin(job.args_kwargs["args"][0])
    assert (stale.attempts, current.attempts) == (1, 2)
    webhooks.record(stale, webhooks.Outcome(200))
    assert WebhookDelivery.objects.get().status == "pending"  # the stale claim counts no more
    webhooks.record(current, webhooks.Outcome(200))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)


# --- Deliverer processes ----------------------------------------------------------------------

SETUP = """
import json, os
from LittleLemonDRF import roles, services, webhooks
from LittleLemonDRF.models import OrderEvent
from tests.factories import add_to_cart, make_menu_item, make_user

spec = json.loads(os.environ["WEBHOOK_TEST_SPEC"])
manager, customer = make_user(groups=[roles.MANAGER]), make_user()
hooks = [webhooks.webhook_register(user=manager, **hook) for hook in spec["hooks"]]
for _ in range(spec["orders"]):
    add_to_cart(customer, make_menu_item(), 1)
    order, _ = services.order_place(user=customer)
    for state in spec["moves"]:
        services.order_update(order=order, by=manager, state=state)
events = list(OrderEvent.objects.order_by("id").values_list("id", "type"))
print(json.dumps({"secrets": [hook.secret for hook in hooks], "events": events}))
"""

STATE = """
import json
from LittleLemonDRF.models import WebhookDelivery
rows = WebhookDelivery.objects.order_by("id").values("event_id", "status", "attempts")
print(json.dumps(list(rows)))
"""


@dataclass
class World:
    env: dict
    logs: Path
    secrets: list[str] = field(default_factory=list)
    events: list[tuple[int, str]] = field(default_factory=list)
    started: list[subprocess.Popen] = field(default_factory=list)

    def setup(self, hooks, orders=1, moves=()):
        spec = {"hooks": hooks, "orders": orders, "moves": list(moves)}
        env = self.env | {"WEBHOOK_TEST_SPEC": json.dumps(spec)}
        out = json.loads(servers.manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
        self.secrets, self.events = out["secrets"], [tuple(e) for e in out["events"]]

    def state(self) -> list[dict]:
        return json.loads(servers.manage(self.env, "shell", "-c", STATE).strip().splitlines()[-1])

    def deliverer(self, *args) -> subprocess.Popen:
        """`manage.py deliver_webhooks *args`, running until the test stops it (or ends)."""
        log = self.logs / f"deliverer-{len(self.started)}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "deliver_webhooks", *args],
                cwd=PROJECT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.started.append(process)
        return process

    def log(self, n: int) -> str:
        return (self.logs / f"deliverer-{n}.log").read_text()

    def attempts_logged(self) -> list[int]:
        """Per deliverer, the attempts it logged (one INFO line each)."""
        return [self.log(n).count('"Webhook ') for n in range(len(self.started))]


@pytest.fixture
def world(tmp_path):
    """Deliverer processes' own database (SQLite file, or PostgreSQL when the tests use it)."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"littlelemon_webhooks_{secrets.token_hex(4)}"
        )
        servers.create_database(url)
    else:
        url = f"sqlite:///{tmp_path}/webhooks.sqlite3"
    env = servers.production_env(
        database_url=url,
        WEBHOOK_ALLOW_PRIVATE="1",
        WEBHOOK_RETRY_BASE="1",
        WEBHOOK_MAX_ATTEMPTS="8",
        log_level="INFO",  # a line per attempt recorded
    )
    try:
        servers.prepare_database(env)
        world = World(env=env, logs=tmp_path)
        try:
            yield world
        finally:
            for process in world.started:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    finally:
        if connection.vendor == "postgresql":
            servers.drop_database(url)


def _wait(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_a_deliverer_killed_mid_attempt_sends_it_again_after_a_restart(world, receiver, tmp_path):
    rx = receiver(HANG, 200)
    world.setup([{"url": rx.url(), "events": ["order.created"]}])
    first = world.deliverer("--lease", "10")
    assert rx.wait_for(1, timeout=30), world.log(0)
    held = rx.requests[0].at
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    rx.released.set()
    second = world.deliverer("--lease", "10")
    assert rx.wait_for(2, timeout=30), world.log(1)
    # Not before the first claim's lease ran out: until then it was the dead one's.
    assert rx.requests[1].at - held > 9
    again = [json.loads(r.body)["id"] for r in rx.requests]
    assert again[0] == again[1] == world.events[0][0]
    assert all(
        verify(world.secrets[0], r.headers["LittleLemon-Signature"], r.body) for r in rx.requests
    )
    assert _wait(lambda: world.state()[0]["status"] == "delivered", timeout=15)
    assert world.state()[0]["attempts"] == 2
    assert world.attempts_logged() == [0, 1]  # the killed one recorded nothing
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="several deliverers need PostgreSQL's row locks; run `make test-postgres`",
)
def test_three_deliverers_send_each_event_once_per_webhook(world, receiver, tmp_path):
    rx = receiver(200, delay=0.02)
    every, created = rx.url("/every"), rx.url("/created")
    world.setup(
        [{"url": every, "events": BOTH}, {"url": created, "events": ["order.created"]}],
        orders=12,
        moves=["accepted", "preparing"],
    )
    events = dict(world.events)
    expected = len(events) + sum(kind == "order.created" for kind in events.values())
    deliverers = [world.deliverer() for _ in range(3)]
    assert rx.wait_for(expected, timeout=60), [world.log(n) for n in range(3)]
    time.sleep(2)  # a second send of anything would have arrived by now
    for process in deliverers:
        process.send_signal(signal.SIGTERM)
    assert [process.wait(timeout=15) for process in deliverers] == [0, 0, 0]
    sent = Counter((r.path, int(r.headers["LittleLemon-Event-Id"])) for r in rx.requests)
    assert set(sent.values()) == {1}
    assert {pk for path, pk in sent if path == "/every"} == set(events)
    assert {pk for path, pk in sent if path == "/created"} == {
        pk for pk, kind in events.items() if kind == "order.created"
    }
    rows = world.state()
    assert len(rows) == expected
    assert {(row["status"], row["attempts"]) for row in rows} == {("delivered", 1)}
    shares = world.attempts_logged()
    assert sum(shares) == expected, shares  # by their own account too: each attempt once
