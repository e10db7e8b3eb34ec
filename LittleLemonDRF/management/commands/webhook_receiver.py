"""A webhook receiver for local development: verifies and prints each delivery it is sent."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand, CommandError

from LittleLemonDRF.webhooks.signing import HEADER, TOLERANCE, SignatureRefused, verify

BODY_MAX = 10 * 1024 * 1024  # bytes; an order with many lines fits many times over


class Command(BaseCommand):
    help = (
        "Receive webhook deliveries on 127.0.0.1 and print each one: verified (any v1= "
        "signature made with --secret), refused (400) when the signature does not hold or t "
        "is too old, or a duplicate (200, ignored) when its event id was handled already."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--secret",
            action="append",
            required=True,
            help="The webhook's secret (whsec_...); twice to accept either while rotating.",
        )
        parser.add_argument("--port", type=int, default=9000, help="0 picks a free port.")
        parser.add_argument(
            "--tolerance",
            type=int,
            default=TOLERANCE,
            help="Seconds a signature's t may be from now (default %(default)s).",
        )

    def handle(self, *args, secret: list[str], port: int, tolerance: int, **options):
        if not 0 <= port <= 65535:
            raise CommandError("--port must be a number from 0 to 65535.")
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self, secret, tolerance))
        except OSError as error:
            raise CommandError(f"Cannot listen on 127.0.0.1:{port}: {error.strerror}.") from None
        server.daemon_threads = True
        self.say(f"Receiving webhooks on http://127.0.0.1:{server.server_port}/ ; Ctrl-C stops.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.say("Stopped.")
        finally:
            server.server_close()

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # a line per delivery as it comes, also into a pipe


def _handler(command: Command, keys: list[str], tolerance: int):
    seen: set[int] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= BODY_MAX:
                return self._answer(400, "refused: no usable Content-Length")
            body = self.rfile.read(length)
            try:
                event = _check(keys, self.headers.get(HEADER) or "", body, tolerance)
            except SignatureRefused as why:
                return self._answer(400, f"refused: {why}")
            # Only a verified event counts as handled: a forged one must not shadow it.
            with lock:
                again = event["id"] in seen
                seen.add(event["id"])
            order = event.get("data") if isinstance(event.get("data"), dict) else {}
            what = f"event {event['id']} {event.get('type')}: order {order.get('id')}"
            what += f" {order.get('state')}"
            if again:
                return self._answer(200, f"duplicate {what} (already handled: ignored)")
            return self._answer(200, f"verified {what}")

        def _answer(self, status: int, line: str):
            command.say(line)
            payload = json.dumps({"detail": line}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass  # one line per delivery, printed by _answer

    return Handler


def _check(keys: list[str], header: str, body: bytes, tolerance: int) -> dict:
    """The delivery's event once its signature holds for one of `keys`; SignatureRefused."""
    refusals = []
    for key in keys:
        try:
            verify(key, header, body, tolerance)
            break
        except SignatureRefused as why:
            refusals.append(str(why))
    else:
        raise SignatureRefused(refusals[0])
    try:
        event = json.loads(body)
    except ValueError:
        raise SignatureRefused("signed, but the body is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), int):
        raise SignatureRefused("signed, but the body has no event id")
    return event
