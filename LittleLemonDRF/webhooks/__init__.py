"""Webhooks: registering endpoints, and delivering order events to them, signed, at least once.

signing (the header, and the one check receivers mirror), addresses (public targets only),
transport (one pinned POST), endpoints (register, rotate, remove), deliverer (fan out, claim,
send, record). What the rest of the project uses is re-exported here.
"""

from .addresses import public_addresses
from .deliverer import (
    LEASE,
    ORDER_GONE,
    SEND_BUDGET,
    attempt,
    backoff,
    claim,
    deliver_due,
    fan_out,
    payload,
    record,
    release,
    run,
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
    "LEASE",
    "ORDER_GONE",
    "ROTATION_OVERLAP",
    "SEND_BUDGET",
    "TIMEOUT",
    "Outcome",
    "SignatureRefused",
    "attempt",
    "backoff",
    "claim",
    "deliver_due",
    "delivery_list",
    "fan_out",
    "payload",
    "public_addresses",
    "record",
    "release",
    "run",
    "sign",
    "signing_secrets",
    "verify",
    "webhook_delete",
    "webhook_register",
    "webhook_rotate_secret",
]
