"""One POST to a receiver, made to the address just checked, and how it went."""

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT = 5  # seconds a receiver has to answer, connecting included


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error: str | None = None
    final: bool = False  # no point trying again

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


# Sent with http.client rather than urllib or requests: the connection goes to the address
# that was just checked, so a name that resolves elsewhere a moment later (DNS rebinding)
# cannot steer it inside the network; no proxy from the environment and no redirect is
# followed, by construction.
class _PinnedHTTP(http.client.HTTPConnection):
    """A connection to `host` (Host header, TLS name) made to the address checked for it."""

    def __init__(self, host: str, port: int, *, address: str):
        super().__init__(host, port, timeout=TIMEOUT)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    default_port = 443
    tls = ssl.create_default_context()

    def connect(self):
        super().connect()
        self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, address: str, headers: dict[str, str], body: bytes) -> Outcome:
    """POST `body` to `url`, connecting to `address`; never raises."""
    parts = urlsplit(url)
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    # An explicit port: http.client would read one off the end of a bare IPv6 address.
    conn = kind(parts.hostname, parts.port or kind.default_port, address=address)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # The socket timeout bounds each read; a receiver dripping bytes would never trip it.
    # This cuts the connection at the deadline, whatever it is doing.
    cut = threading.Event()
    deadline = threading.Timer(TIMEOUT, _cut, [conn, cut])
    deadline.start()
    try:
        conn.request("POST", path, body=body, headers=headers)
        code = conn.getresponse().status
    except Exception as error:  # whatever the receiver does, it is this attempt's failure
        timed_out = cut.is_set() or isinstance(error, TimeoutError)
        why = f"No answer within {TIMEOUT} seconds." if timed_out else _describe(error)
        return Outcome(error=why)
    finally:
        deadline.cancel()
        conn.close()
    if 300 <= code < 400:
        return Outcome(code, f"The endpoint answered {code}: redirects are not followed.")
    if not 200 <= code < 300:
        return Outcome(code, f"The endpoint answered {code}.")
    return Outcome(code)


def _cut(conn: http.client.HTTPConnection, cut: threading.Event) -> None:
    cut.set()
    sock = conn.sock
    if sock is not None:
        try:
            # The plain socket's shutdown: it wakes a blocked read, TLS or not.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
