"""Webhooks: registering endpoints, and delivering order events to them, signed, at least once.

signing (the header, and the one check receivers mirror), addresses (public targets only),
transport (one pinned POST), endpoints (register, rotate, remove), deliverer (the jobs that
fan out, send and record). What the rest of the project uses is re-exported here.
"""

from .addresses import public_addresses
from .deliverer import (
    ORDER_GONE,
    SEND_BUDGET,
    attempt,
    backoff,
    begin,
    fan_out,
    fan_out_event,
    payload,
    record,
    send,
    sweep,
)
from .endpoints import (
    ROTATION_OVERLAP,
    delivery_list,
    signing_secrets,
    webhook_delete,
    webhook_register,
    webhook_rotate_secret,
)
from .signing import SignatureRefused, sign, verify
from .transport import TIMEOUT, Outcome

__all__ = [
    "ORDER_GONE",
    "ROTATION_OVERLAP",
    "SEND_BUDGET",
    "TIMEOUT",
    "Outcome",
    "SignatureRefused",
    "attempt",
    "backoff",
    "begin",
    "delivery_list",
    "fan_out",
    "fan_out_event",
    "payload",
    "public_addresses",
    "record",
    "send",
    "sign",
    "signing_secrets",
    "sweep",
    "verify",
    "webhook_delete",
    "webhook_register",
    "webhook_rotate_secret",
]
