"""The bill of an order: subtotal, delivery fee, tip, tax and total, from the restaurant's terms.

Every amount is a Decimal computed from exact values and rounded once, half up, to the cent;
the total is the sum of rounded parts, so the parts always add up to it. The tip is never
taxed, and the tax never depends on it.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def cents(amount: Decimal) -> Decimal:
    """The one rounding rule: half up, to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Terms:
    """What the restaurant charges (its settings when the order is placed)."""

    tax_rate: Decimal = ZERO  # percent
    prices_include_tax: bool = True
    delivery_fee: Decimal = ZERO
    free_delivery_from: Decimal | None = None
    minimum_order: Decimal = ZERO

    @classmethod
    def of(cls, restaurant) -> "Terms":
        return cls(
            tax_rate=restaurant.tax_rate,
            prices_include_tax=restaurant.prices_include_tax,
            delivery_fee=restaurant.delivery_fee,
            free_delivery_from=restaurant.free_delivery_from,
            minimum_order=restaurant.minimum_order,
        )


@dataclass(frozen=True)
class Bill:
    subtotal: Decimal
    delivery_fee: Decimal
    tip: Decimal
    tax: Decimal
    tax_added: bool
    total: Decimal

    def as_fields(self) -> dict:
        """The Order columns this bill fills."""
        return {
            "subtotal": self.subtotal,
            "delivery_fee": self.delivery_fee,
            "tip": self.tip,
            "tax": self.tax,
            "tax_added": self.tax_added,
            "total": self.total,
        }


def below_minimum(terms: Terms, *, subtotal: Decimal, delivery: bool) -> bool:
    """Whether a delivery order's subtotal is below the restaurant's minimum order."""
    return delivery and subtotal < terms.minimum_order


def delivery_fee(terms: Terms, *, subtotal: Decimal, delivery: bool) -> Decimal:
    if not delivery:
        return ZERO
    # Inclusive: a subtotal of exactly free_delivery_from delivers free.
    if terms.free_delivery_from is not None and subtotal >= terms.free_delivery_from:
        return ZERO
    return cents(terms.delivery_fee)


def tip_amount(
    *, subtotal: Decimal, tip: Decimal | None = None, tip_percent: int | None = None
) -> Decimal:
    if tip_percent is not None:
        return cents(subtotal * tip_percent / HUNDRED)
    return cents(tip) if tip is not None else ZERO


def tax_on(base: Decimal, terms: Terms) -> Decimal:
    """The tax in (prices include it) or on (it is added) an amount."""
    rate = terms.tax_rate / HUNDRED
    if terms.prices_include_tax:
        return cents(base - base / (1 + rate))
    return cents(base * rate)


def bill_for(
    terms: Terms,
    *,
    subtotal: Decimal,
    delivery: bool,
    tip: Decimal | None = None,
    tip_percent: int | None = None,
) -> Bill:
    """The bill of lines worth `subtotal` in all (each line's price already exact in cents)."""
    subtotal = cents(subtotal)
    fee = delivery_fee(terms, subtotal=subtotal, delivery=delivery)
    tax = tax_on(subtotal + fee, terms)
    tip_value = tip_amount(subtotal=subtotal, tip=tip, tip_percent=tip_percent)
    added = not terms.prices_include_tax
    total = subtotal + fee + tip_value + (tax if added else ZERO)
    return Bill(subtotal, fee, tip_value, tax, added, total)


def line_refund(*, unit_price: Decimal, quantity: int, tax_rate: Decimal, tax_added: bool):
    """What refunding `quantity` of a line gives back: its price, plus its tax when added."""
    price = unit_price * quantity
    if tax_added:
        price += price * tax_rate / HUNDRED
    return cents(price)
