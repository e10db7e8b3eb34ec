"""Idempotency keys: a retried POST with the same key returns what the first one made.

The mechanism of POST /api/orders, for any model with a `user`, a `created` time and an
`idempotency_key` that a unique constraint per user guards (blank meaning none): the key is
checked, an earlier object made with it within the window is returned instead of a new one,
and a key whose object has aged out may be used again.
"""

from datetime import datetime, timedelta

from ..errors import BadIdempotencyKey
from ..models import IDEMPOTENCY_KEY_MAX

IDEMPOTENCY_WINDOW = timedelta(hours=24)


def check_key(key: str | None) -> None:
    if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
        raise BadIdempotencyKey()


def earlier(objects, key: str | None, *, now: datetime, created: str = "created"):
    """The object made with `key` within the window (of the queryset `objects`, one user's),
    or None. One that has aged out gives its key up, so the key may be used again.

    Call it inside the transaction that makes the new object, after any lock it takes: a
    racing request with the same key then either has committed (and is found) or runs into
    the unique constraint, whose IntegrityError the caller answers with `earlier` again.
    """
    if key is None:
        return None
    previous = objects.filter(idempotency_key=key).first()
    if previous is None:
        return None
    if getattr(previous, created) >= now - IDEMPOTENCY_WINDOW:
        return previous
    previous.idempotency_key = ""
    previous.save(update_fields=["idempotency_key"])
    return None
