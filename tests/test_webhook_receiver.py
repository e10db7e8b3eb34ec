"""The local webhook receiver (`manage.py webhook_receiver`) and the Python receiver of
docs/webhooks.md, each started as a process of its own: real deliveries from the deliverer,
and forged, stale and repeated ones sent by hand, signed here with hmac."""

import hashlib
import hmac
import http.client
import io
import json
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command

from harness.processes import PROJECT, clean_environ
from LittleLemonDRF.models import OrderEvent
from tests.factories import add_to_cart, make_menu_item

WEBHOOKS = "/api/webhooks"
BOTH = ["order.created", "order.updated"]
SECRET = "whsec_" + "ab" * 32
DOCS = PROJECT / "docs" / "webhooks.md"


class Process:
    """A receiver process; every line it prints, as it prints it."""

    def __init__(self, args: list[str], port: int, **env: str):
        self.port = port
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, *args],
            cwd=PROJECT,
            env=clean_environ() | env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 20) -> str:
        """The first line matching `pattern`; fails the test with the output if none comes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.lines if re.search(pattern, line)]
            if found:
                return found[0]
            if self.process.poll() is not None and not found:
                time.sleep(0.2)  # the reader may still be catching up
                if not any(re.search(pattern, line) for line in self.lines):
                    break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in {self.lines}")

    def listening(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"nothing listens on {self.port}: {self.lines}")

    def post(self, body: bytes, signature: str | None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["LittleLemon-Signature"] = signature
        try:
            conn.request("POST", "/", body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed(secret: str, body: bytes, t: int | None = None) -> str:
    """A LittleLemon-Signature for `body`, made here with hmac as the deliverer makes it."""
    t = int(time.time()) if t is None else t
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event(event_id: int, order_id: int = 5, state: str = "placed") -> bytes:
    body = {"id": event_id, "type": "order.created", "created": "2026-05-01T18:30:00Z"}
    return json.dumps(body | {"data": {"id": order_id, "state": state}}).encode()


@pytest.fixture
def processes():
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


@pytest.fixture
def command(processes):
    """`manage.py webhook_receiver` with the given secrets, on `port` or a free one."""

    def command(*secrets: str, port: int | None = None, extra=()):
        args = [arg for secret in secrets for arg in ("--secret", secret)]
        for _ in range(3):  # a free port may be taken between the probe and the start
            chosen = port or free_port()
            process = Process(
                ["manage.py", "webhook_receiver", *args, "--port", str(chosen), *extra], chosen
            )
            processes.append(process)
            try:
                process.wait_for(rf"^Receiving webhooks on http://127\.0\.0\.1:{chosen}/")
                return process
            except AssertionError:
                if port or "Cannot listen" not in "\n".join(process.lines):
                    raise
        raise AssertionError("no free port for the receiver")

    return command


@pytest.fixture
def docs_receiver(processes, tmp_path):
    """The Python receiver of docs/webhooks.md, run as it is written there."""
    [code] = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    script = tmp_path / "receiver.py"
    script.write_text(code)

    def docs_receiver(secret: str, port: int | None = None):
        port = port or free_port()
        process = Process([str(script)], port, WEBHOOK_SECRET=secret, PORT=str(port))
        processes.append(process)
        process.listening()
        return process

    return docs_receiver


@pytest.fixture
def register(manager_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receivers are on loopback

    def register(port: int) -> dict:
        url = f"http://127.0.0.1:{port}/"
        response = manager_client.post(WEBHOOKS, {"url": url, "events": BOTH})
        assert response.status_code == 201, response.content
        return response.json()

    return register


@pytest.fixture
def new_order(customer_user, place_order):
    def new_order() -> tuple[int, int]:
        """Place an order; its id and the id of its order.created event."""
        add_to_cart(customer_user, make_menu_item(), 1)
        order_id = place_order()
        return order_id, OrderEvent.objects.get(order_id=order_id).pk

    return new_order


def deliver() -> None:
    call_command("deliver_webhooks", "--once", stdout=io.StringIO())


def delivery_status(manager_client, hook) -> str:
    response = manager_client.get(f"{WEBHOOKS}/{hook['id']}/deliveries")
    assert response.status_code == 200
    return response.json()["results"][0]["status"]


# --- manage.py webhook_receiver -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_receiver_prints_a_real_delivery_verified(command, register, new_order, manager_client):
    port = free_port()
    hook = register(port)
    receiver = command(hook["secret"], port=port)
    order_id, event_id = new_order()
    deliver()
    line = receiver.wait_for("order.created")
    assert line == f"verified event {event_id} order.created: order {order_id} placed"
    assert delivery_status(manager_client, hook) == "delivered"


@pytest.mark.django_db
@pytest.mark.parametrize("kept", ["new", "old"])
def test_during_a_rotation_a_receiver_with_either_secret_verifies(
    command, register, new_order, manager_client, kept
):
    port = free_port()
    hook = register(port)
    rotated = manager_client.post(f"{WEBHOOKS}/{hook['id']}/secret")
    assert rotated.status_code == 200
    receiver = command(rotated.json()["secret"] if kept == "new" else hook["secret"], port=port)
    order_id, event_id = new_order()
    deliver()
    line = receiver.wait_for("order.created")
    assert line == f"verified event {event_id} order.created: order {order_id} placed"
    assert delivery_status(manager_client, hook) == "delivered"


def test_a_forged_signature_is_refused_and_printed(command):
    receiver = command(SECRET)
    body = event(77)
    status, answer = receiver.post(body, signed("whsec_someone-else", body))
    assert status == 400
    refused = "refused: no v1= signature matches the secret"
    assert json.loads(answer) == {"detail": refused}
    assert receiver.wait_for("^refused") == refused
    tampered = event(77, state="delivered")  # signed for another body
    assert receiver.post(tampered, signed(SECRET, body))[0] == 400
    assert receiver.post(body, None)[0] == 400
    assert receiver.wait_for("no timestamp") == "refused: no timestamp (t=) in the signature"
    assert not any(line.startswith("verified") for line in receiver.lines)


def test_a_t_more_than_five_minutes_old_is_refused(command):
    receiver = command(SECRET)
    body = event(78)
    status, _ = receiver.post(body, signed(SECRET, body, t=int(time.time()) - 301))
    assert status == 400
    assert re.fullmatch(
        r"refused: t is 30[1-3] seconds old; at most 300 are accepted",
        receiver.wait_for("^refused"),
    )
    assert receiver.post(body, signed(SECRET, body, t=int(time.time()) - 290))[0] == 200
    assert receiver.wait_for("^verified") == "verified event 78 order.created: order 5 placed"


def test_the_tolerance_can_be_widened(command):
    receiver = command(SECRET, extra=["--tolerance", "900"])
    body = event(79)
    assert receiver.post(body, signed(SECRET, body, t=int(time.time()) - 600))[0] == 200
    assert receiver.wait_for("^verified").startswith("verified event 79 ")


def test_a_repeated_event_id_is_ignored_and_a_forged_one_does_not_count(command):
    receiver = command(SECRET)
    body = event(80)
    assert receiver.post(body, signed(SECRET, body))[0] == 200
    assert receiver.post(body, signed(SECRET, body))[0] == 200
    assert receiver.wait_for("^duplicate") == (
        "duplicate event 80 order.created: order 5 placed (already handled: ignored)"
    )
    assert [line for line in receiver.lines if "event 80" in line][0].startswith("verified")
    forged = event(81)
    assert receiver.post(forged, signed("whsec_forger", forged))[0] == 400
    assert receiver.post(forged, signed(SECRET, forged))[0] == 200
    assert receiver.wait_for("event 81") == "verified event 81 order.created: order 5 placed"


def test_a_receiver_accepts_either_of_two_secrets(command):
    other = "whsec_" + "cd" * 32
    receiver = command(SECRET, other)
    for event_id, secret in ((82, SECRET), (83, other)):
        body = event(event_id)
        assert receiver.post(body, signed(secret, body))[0] == 200
    assert receiver.wait_for("event 83").startswith("verified")
    assert sum(line.startswith("verified") for line in receiver.lines) == 2


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"not json", "signed, but the body is not JSON"),
        (b"[1]", "signed, but the body has no event id"),
    ],
)
def test_a_signed_body_that_is_not_an_event_is_refused(command, body, why):
    receiver = command(SECRET)
    status, answer = receiver.post(body, signed(SECRET, body))
    assert status == 400
    assert json.loads(answer) == {"detail": f"refused: {why}"}


def test_a_port_out_of_range_stops_the_command():
    result = subprocess.run(
        [sys.executable, "manage.py", "webhook_receiver", "--secret", SECRET, "--port", "70000"],
        cwd=PROJECT,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "--port must be a number from 0 to 65535." in result.stderr


# --- The Python receiver of docs/webhooks.md ----------------------------------------------------


@pytest.mark.django_db
def test_the_docs_receiver_prints_a_real_delivery(
    docs_receiver, register, new_order, manager_client
):
    port = free_port()
    hook = register(port)
    receiver = docs_receiver(hook["secret"], port=port)
    order_id, event_id = new_order()
    deliver()
    assert receiver.wait_for("order.created") == f"{event_id} order.created {order_id} placed"
    assert delivery_status(manager_client, hook) == "delivered"


def test_the_docs_receiver_refuses_forged_and_old_and_ignores_a_repeat(docs_receiver):
    receiver = docs_receiver(SECRET)
    body = event(90)
    assert receiver.post(body, signed("whsec_forger", body))[0] == 400
    assert receiver.post(body, signed(SECRET, body, t=int(time.time()) - 301))[0] == 400
    assert receiver.post(body, None)[0] == 400
    assert receiver.post(body, signed(SECRET, body))[0] == 200
    assert receiver.post(body, signed(SECRET, body))[0] == 200  # again: answered, not handled
    assert receiver.wait_for("^90 ") == "90 order.created 5 placed"
    time.sleep(0.3)
    handled = [line for line in receiver.lines if line.startswith("90 ")]
    assert handled == ["90 order.created 5 placed"]  # once


@pytest.mark.parametrize(
    "signature",
    [
        "t={t},v1={good}",
        "t={t},v1={good},v1={bad}",
        "t={t},v1={bad},v1={good}",
        "t={t}, v1={good}",
        "t={t},v1={bad}",
        "t={t}",
        "v1={good}",
        "t={t},t={t},v1={good}",
        "t=+{t},v1={good}",
        "t=²,v1={good}",
        "t={t},v1=é{good}",
        "",
        "garbage",
    ],
)
def test_the_docs_verify_agrees_with_the_app_check(monkeypatch, signature):
    """The docs' verify and the app's, on the same headers: the README's copy mirrors it."""
    from LittleLemonDRF.webhooks.signing import SignatureRefused, verify

    [code] = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    code = code[: code.index("\nclass Receiver")]  # the check only, not the server
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    docs = {"__name__": "docs"}
    exec(compile(code, str(DOCS), "exec"), docs)
    body, t = event(91), int(time.time())
    good = signed(SECRET, body, t).split("v1=")[1]
    header = signature.format(t=t, good=good, bad="0" * 64)
    try:
        verify(SECRET, header, body)
        app = True
    except SignatureRefused:
        app = False
    assert docs["verify"](header, body) == app
    accepted = ("t={t},v1={good}", "t={t},v1={good},v1={bad}", "t={t},v1={bad},v1={good}")
    assert app == (signature in (*accepted, "t={t}, v1={good}"))
