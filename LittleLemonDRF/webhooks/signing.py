"""LittleLemon-Signature: how deliveries are signed, and the one function that checks them.

Stdlib only, so a receiver can copy `verify` as it is; the README's receiver mirrors it, and
`manage.py webhook_receiver` uses it.
"""

import hashlib
import hmac
import secrets
import time

HEADER = "LittleLemon-Signature"
TOLERANCE = 300  # seconds: an older (or later) `t` is refused, so a captured request expires


class SignatureRefused(ValueError):
    """A delivery's signature does not hold; the message says why."""


def new_secret() -> str:
    return f"whsec_{secrets.token_hex(32)}"


def sign(keys: list[str], body: bytes, timestamp: int) -> str:
    """`t=<timestamp>,v1=<sig>[,v1=<sig>]`: an HMAC-SHA256 of "<t>.<body>" per secret, in
    the order given (the current secret first), as Stripe signs."""
    signed = f"{timestamp}.".encode() + body
    digests = [hmac.new(key.encode(), signed, hashlib.sha256).hexdigest() for key in keys]
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])


def verify(secret: str, header: str, body: bytes, tolerance: int = TOLERANCE, now=None) -> int:
    """The signed `t` when `header` signs the raw `body` with `secret` (any of its v1= values)
    within `tolerance` seconds of `now`; SignatureRefused saying why otherwise."""
    pairs = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in pairs if key == "t"]
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()):
        raise SignatureRefused("no timestamp (t=) in the signature")
    timestamp = int(stamps[0])
    age = int((time.time() if now is None else now) - timestamp)
    if abs(age) > tolerance:
        raise SignatureRefused(f"t is {age} seconds old; at most {tolerance} are accepted")
    expected = hmac.new(secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256)
    given = [value.encode() for key, value in pairs if key == "v1"]
    # Compared as bytes: compare_digest refuses a str that is not ASCII.
    if not any(hmac.compare_digest(expected.hexdigest().encode(), v1) for v1 in given):
        raise SignatureRefused("no v1= signature matches the secret")
    return timestamp
