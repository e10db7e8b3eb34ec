"""Refunds: money given back on a paid order, some of its lines or an amount."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import bill
from ..errors import RefundLineUnknown, RefundNotPossible
from ..models import Order, OrderEvent, Refund
from . import idempotency
from .orders import _announce

REFUNDABLE = (Order.PaymentStatus.PAID, Order.PaymentStatus.PARTIALLY_REFUNDED)


def refund_make(
    *,
    order: Order,
    by,
    reason: str,
    lines: list[dict] | None = None,
    amount: Decimal | None = None,
    idempotency_key: str | None = None,
) -> tuple[Refund, bool]:
    """Give back `lines` ([{id, quantity}]) or `amount` of a paid order; True when new.

    The order row is locked first, so refunds of one order are judged one after the other
    against what is left: however many managers refund at once, never more than was paid
    goes back, nor a line beyond its quantity. Nothing is recorded when one is refused.
    """
    idempotency.check_key(idempotency_key)
    try:
        with transaction.atomic():
            return _refund_make(order, by, reason, lines, amount, idempotency_key)
    except IntegrityError:
        if idempotency_key is None:
            raise
        return Refund.objects.get(order=order, idempotency_key=idempotency_key), False


def _refund_make(order, by, reason, lines, amount, key) -> tuple[Refund, bool]:
    order = Order.objects.select_for_update().get(pk=order.pk)
    previous = idempotency.earlier(order.refunds.all(), key, now=timezone.now(), created="at")
    if previous is not None:
        return previous, False
    if order.payment_status not in REFUNDABLE:
        raise RefundNotPossible("Only a paid or partially refunded order can be refunded.")
    if lines is not None:
        lines = _merged(lines)
        amount = _lines_worth(order, lines)
    if order.refunded + amount > order.total:
        left = order.total - order.refunded
        raise RefundNotPossible(f"At most {left:.2f} is left to refund on this order.")
    refund = Refund.objects.create(
        order=order,
        amount=amount,
        lines=lines or [],
        reason=reason,
        by=by,
        idempotency_key=key or "",
    )
    order.refunded += amount
    order.payment_status = (
        Order.PaymentStatus.REFUNDED
        if order.refunded == order.total
        else Order.PaymentStatus.PARTIALLY_REFUNDED
    )
    order.save(update_fields=["refunded", "payment_status"])
    _announce(order, OrderEvent.Type.UPDATED)  # the stream and webhooks show the refund
    return refund, True


def _merged(lines: list[dict]) -> list[dict]:
    """The lines asked for, one entry per order line, in the order first named."""
    quantities: dict[int, int] = {}
    for line in lines:
        quantities[line["id"]] = quantities.get(line["id"], 0) + line["quantity"]
    return [{"id": pk, "quantity": quantity} for pk, quantity in quantities.items()]


def _lines_worth(order: Order, lines: list[dict]) -> Decimal:
    items = {item.pk: item for item in order.items.all()}
    unknown = [line["id"] for line in lines if line["id"] not in items]
    if unknown:
        raise RefundLineUnknown(unknown[0])
    given = {}
    for earlier in order.refunds.all():
        for line in earlier.lines:
            given[line["id"]] = given.get(line["id"], 0) + line["quantity"]
    worth = Decimal("0.00")
    for line in lines:
        item = items[line["id"]]
        left = item.quantity - given.get(item.pk, 0)
        if line["quantity"] > left:
            raise RefundNotPossible(f"Only {left} of line {item.pk} ({item.title}) is left.")
        worth += bill.line_refund(
            unit_price=item.unit_price,
            quantity=line["quantity"],
            tax_rate=order.tax_rate,
            tax_added=order.tax_added,
        )
    return worth
