"""Where a webhook may be sent: public addresses only, unless WEBHOOK_ALLOW_PRIVATE."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from ..errors import WebhookAddressNotPublic, WebhookHostUnknown


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
            kind = not_public(address)
            if kind:
                raise WebhookAddressNotPublic(host, kind, resolved=not _is_literal(host))
    return addresses


def not_public(address: str) -> str | None:
    """What kind of non-public address this is ("loopback", "private", ...); None if public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # without an IPv6 zone
    embedded = (ip.ipv4_mapped or ip.sixtofour) if ip.version == 6 else None
    if embedded is not None and not_public(str(embedded)):
        return not_public(str(embedded))
    for kind in ("loopback", "link_local", "multicast", "unspecified", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "reserved"


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True
