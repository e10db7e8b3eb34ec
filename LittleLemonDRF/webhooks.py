"""Webhooks: registering endpoints, and delivering order events to them, signed, at least once.

Events are rows (models.OrderEvent), written in the change's own transaction. A deliverer
(`manage.py deliver_webhooks`, never a request) turns each new event into a pending delivery
per subscribed webhook (fan-out), claims due deliveries under a lease, sends them outside any
transaction and records the outcome. Several deliverers may run at once: a claim skips rows
another one holds, and pushes the delivery's next attempt past the lease, so an attempt goes
out once; a deliverer killed mid-attempt leaves its claim to run out, and the attempt is made
again then (at least once).
"""

import hashlib
import hmac
import http.client
import ipaddress
import logging
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, InterfaceError, close_old_connections, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from rest_framework.fields import DateTimeField
from rest_framework.renderers import JSONRenderer

from . import selectors
from .errors import WebhookAddressNotPublic, WebhookHostUnknown, WebhookTargetRefused
from .models import OrderEvent, Webhook, WebhookDelivery
from .serializers import OrderSerializer
from .stream import LATE_COMMIT_WINDOW

logger = logging.getLogger(__name__)

TIMEOUT = 5  # seconds a receiver has to answer, connecting included
# The most one send may take: the timeout, and the name lookup and rendering around it.
SEND_BUDGET = timedelta(seconds=TIMEOUT + 5)
LEASE = timedelta(seconds=60)
POLL_SECONDS = 1.0
FAN_OUT_BATCH = 1000  # events turned into deliveries per webhook and loop
# Past a day, waiting longer helps nobody, and a large WEBHOOK_MAX_ATTEMPTS would overflow.
MAX_BACKOFF = timedelta(days=1)
ERROR_MAX = 500
ORDER_GONE = "The order was deleted before the event could be sent; nothing was sent."
PENDING = WebhookDelivery.Status.PENDING


# --- Registration -------------------------------------------------------------------------


def webhook_register(*, user, url: str, events: list[str]) -> Webhook:
    """Register an endpoint for the events after this moment, with a fresh secret."""
    public_addresses(url)
    newest = OrderEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return Webhook.objects.create(
        url=url,
        events=events,
        secret=f"whsec_{secrets.token_hex(32)}",
        created_by=user,
        after_event_id=newest or 0,
    )


def webhook_delete(*, webhook: Webhook) -> None:
    """Remove an endpoint and its deliveries; a send under way is recorded nowhere."""
    webhook.delete()


def delivery_list(webhook: Webhook):
    """The webhook's deliveries, newest event first."""
    return webhook.deliveries.select_related("event").order_by("-event_id", "-id")


def public_addresses(url: str) -> list[str]:
    """The addresses the URL's host resolves to, each of them public unless
    WEBHOOK_ALLOW_PRIVATE; WebhookTargetRefused otherwise.

    Checked when a webhook is registered and again before each attempt: DNS may change.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM) if host else []
    except (OSError, UnicodeError):
        found = []
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise WebhookHostUnknown(host)
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            if not _is_public(address):
                raise WebhookAddressNotPublic(host, address)
    return addresses


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # without an IPv6 zone
    embedded = (ip.ipv4_mapped or ip.sixtofour) if ip.version == 6 else None
    if embedded is not None and not _is_public(str(embedded)):
        return False
    reserved = ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_unspecified
    return ip.is_global and not reserved


# --- What is sent -------------------------------------------------------------------------


def payload(event: OrderEvent) -> bytes | None:
    """The body of the event's deliveries, with the order as it is now; None once deleted.

    The order has the shape GET /api/orders/{id} shows, from the same serializer and renderer.
    """
    order = selectors.order_list().filter(pk=event.order_id).first()
    if order is None:
        return None
    body = {
        "id": event.pk,
        "type": event.type,
        "created": DateTimeField().to_representation(event.created),
        "data": OrderSerializer(order).data,
    }
    return JSONRenderer().render(body)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """LittleLemon-Signature: an HMAC-SHA256 of "<timestamp>.<body>", as Stripe signs."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error: str | None = None
    final: bool = False  # no point trying again

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def attempt(delivery: WebhookDelivery) -> Outcome:
    """Send the delivery once, now, and say how it went."""
    body = payload(delivery.event)
    if body is None:
        return Outcome(error=ORDER_GONE, final=True)
    try:
        address = public_addresses(delivery.webhook.url)[0]
    except WebhookTargetRefused as refused:
        return Outcome(error=refused.message)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "LittleLemon-Webhooks/1.0",
        "LittleLemon-Event-Id": str(delivery.event_id),
        "LittleLemon-Signature": signature(delivery.webhook.secret, body, int(time.time())),
    }
    return _post(delivery.webhook.url, address, headers, body)


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


def _post(url: str, address: str, headers: dict[str, str], body: bytes) -> Outcome:
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


# --- Delivering ---------------------------------------------------------------------------


def fan_out() -> int:
    """A pending delivery for each new event a webhook subscribes to; how many were made.

    Safe to run in several deliverers at once (a delivery is unique per webhook and event).
    Event ids are handed out when a change writes its event, not when it commits: the
    recent events are looked at again, so one whose transaction committed late is not skipped.
    """
    since = timezone.now() - LATE_COMMIT_WINDOW
    newest = WebhookDelivery.objects.filter(webhook=OuterRef("pk")).order_by("-event_id")
    made = 0
    for webhook in Webhook.objects.annotate(newest=Subquery(newest.values("event_id")[:1])):
        floor = max(webhook.after_event_id, webhook.newest or 0)
        delivered = WebhookDelivery.objects.filter(webhook=webhook, event=OuterRef("pk"))
        events = (
            OrderEvent.objects.filter(pk__gt=webhook.after_event_id, type__in=webhook.events)
            .filter(Q(pk__gt=floor) | Q(created__gte=since))
            .filter(~Exists(delivered))
            .order_by("id")
            .values_list("id", flat=True)[:FAN_OUT_BATCH]
        )
        rows = [WebhookDelivery(webhook=webhook, event_id=pk) for pk in events]
        try:
            with transaction.atomic():
                WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        except DatabaseError:  # the webhook was deleted meanwhile
            continue
        made += len(rows)
    return made


def claim(*, lease: timedelta, limit: int) -> list[WebhookDelivery]:
    """Take up to `limit` due deliveries for this deliverer, each attempt counted.

    Rows another deliverer is claiming are skipped, not waited for; a claimed delivery is due
    again only after the lease, so nobody else sends it meanwhile, and if this deliverer dies,
    it is sent again once the lease has run out.
    """
    now = timezone.now()
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook", "event")
            .filter(status=PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in due]).update(
            attempts=F("attempts") + 1, next_attempt_at=now + lease
        )
    for delivery in due:
        delivery.attempts += 1
    return due


def record(delivery: WebhookDelivery, outcome: Outcome) -> None:
    """Settle the attempt: delivered, failed for good, or due again after the backoff."""
    now = timezone.now()
    error = outcome.error[:ERROR_MAX] if outcome.error else None
    change = {"last_status_code": outcome.status_code, "last_error": error}
    if outcome.delivered:
        change |= {"status": WebhookDelivery.Status.DELIVERED, "delivered_at": now}
        change["next_attempt_at"] = None
    elif outcome.final or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        change |= {"status": WebhookDelivery.Status.FAILED, "next_attempt_at": None}
    else:
        change["next_attempt_at"] = now + backoff(delivery.attempts)
    # Only while the claim is still this one: the attempt count is its fencing token.
    _ours(delivery).update(**change)
    logger.info(
        "Webhook %s, event %s, attempt %s: %s",
        delivery.webhook_id,
        delivery.event_id,
        delivery.attempts,
        "delivered" if outcome.delivered else error,
    )


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: the base, doubled at each attempt."""
    seconds = settings.WEBHOOK_RETRY_BASE * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, MAX_BACKOFF.total_seconds()))


def release(deliveries: list[WebhookDelivery]) -> None:
    """Give back claimed deliveries that were not sent: due now, their attempt not counted."""
    for delivery in deliveries:
        _ours(delivery).update(attempts=F("attempts") - 1, next_attempt_at=timezone.now())


def _ours(delivery: WebhookDelivery):
    return WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, status=PENDING
    )


def _never() -> bool:
    return False


def deliver_due(*, lease: timedelta = LEASE, stopping: Callable[[], bool] = _never) -> int:
    """Claim and send what is due, batch by batch, until nothing is; how many were sent."""
    if lease < SEND_BUDGET:
        raise ValueError(f"A lease must be at least {SEND_BUDGET}: one send may take that long.")
    # A batch is sent one by one within its lease.
    limit = max(1, int(lease / SEND_BUDGET))
    sent = 0
    while not stopping():
        batch = claim(lease=lease, limit=limit)
        if not batch:
            break
        sent += _send(batch, lease, stopping)
    return sent


def _send(batch: list[WebhookDelivery], lease: timedelta, stopping: Callable[[], bool]) -> int:
    claimed = time.monotonic()
    for done, delivery in enumerate(batch):
        # A send that could outlast the lease might meet another deliverer's claim of it. The
        # first always fits: it was claimed a moment ago, for at least SEND_BUDGET.
        elapsed = timedelta(seconds=time.monotonic() - claimed)
        if stopping() or (done and elapsed + SEND_BUDGET > lease):
            release(batch[done:])
            return done
        record(delivery, attempt(delivery))
    return len(batch)


def run(*, lease: timedelta = LEASE, stopping: Callable[[], bool]) -> None:
    """Fan out and deliver about once a second until `stopping()`; outlives database outages."""
    while not stopping():
        try:
            close_old_connections()  # CONN_MAX_AGE and health checks, as between requests
            fan_out()
            deliver_due(lease=lease, stopping=stopping)
        except (DatabaseError, InterfaceError):
            logger.exception("Webhook deliveries paused: the database did not answer")
            connection.close()  # a fresh connection next time round
        _nap(POLL_SECONDS, stopping)


def _nap(seconds: float, stopping: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while not stopping() and time.monotonic() < end:
        time.sleep(0.05)
