"""Bounds on the values the tables hold, and the one message each bound gives."""

from decimal import Decimal

PRICE_MIN = Decimal("0.01")
PRICE_MAX = Decimal("9999.99")
QUANTITY_MAX = 100
STOCK_MAX = 100_000
IDEMPOTENCY_KEY_MAX = 255
NOTE_MAX = 500
RATING_MIN, RATING_MAX = 0, 5

# Each bound's one message: the database constraint reports it (the admin shows it) and the
# API's serializers give the same words.
PRICE_RULE = f"A price is at least {PRICE_MIN} and at most {PRICE_MAX}."
RATING_RULE = f"A rating is a whole number from {RATING_MIN} to {RATING_MAX}."
QUANTITY_RULE = f"A cart line's quantity is a whole number from 1 to {QUANTITY_MAX}."
STOCK_RULE = f"Stock is a whole number from 0 to {STOCK_MAX}, or null when not counted."
