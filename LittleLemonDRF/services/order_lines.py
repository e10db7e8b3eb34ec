"""The lines an order is placed from (the cart's, or those sent in one request) and the bill.

order_place() reads its lines through here, whichever way they come, so both ways run the
same checks, take stock the same way and are billed by the same rules (bill.py).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from .. import bill
from ..clock.config import config as clock_config
from ..errors import (
    BelowMinimumOrder,
    ChoiceShortage,
    DomainError,
    ItemsRefused,
    ItemsUnavailable,
    Shortage,
)
from ..models import Cart, MenuItem, OptionChoice, Order, OrderItem
from . import options


@dataclass
class Line:
    """A line to order: a dish (locked), how many, the picks (id, name, choice now) and a note."""

    menuitem: MenuItem
    quantity: int
    picked: list = field(default_factory=list)
    note: str = ""

    @property
    def unit_price(self) -> Decimal:
        deltas = (choice.price_delta for _, _, choice in self.picked if choice is not None)
        return self.menuitem.price + sum(deltas, Decimal("0.00"))


def lines_of_cart(carts: list[Cart]) -> list[Line]:
    """The cart's rows (locked, joined to their dishes) as lines, in the cart's order."""
    dishes = _one_per_dish([cart.menuitem for cart in carts])
    ids = {pick["id"] for cart in carts for pick in cart.picks}
    found = OptionChoice.objects.in_bulk(ids) if ids else {}
    return [
        Line(
            menuitem=dishes[cart.menuitem_id],
            quantity=cart.quantity,
            picked=[(p["id"], p["name"], found.get(p["id"])) for p in cart.picks],
            note=cart.note,
        )
        for cart in sorted(carts, key=lambda cart: cart.pk)
    ]


def lines_of_items(items: list[dict]) -> list[Line]:
    """Lines sent in the request ({menuitem_id: dish, quantity, choices, note}), their picks
    judged as the cart judges them (400), every line's refusal named at once. Whether the
    dishes can be served is the order's question (check_available: 409), as from a cart.

    The dishes are locked in id order, as placing from a cart locks them.
    """
    ids = sorted({item["menuitem_id"].pk for item in items})
    dishes = {d.pk: d for d in MenuItem.objects.select_for_update(no_key=True).filter(pk__in=ids)}
    lines, refusals = [], []
    for item in items:
        dish = dishes.get(item["menuitem_id"].pk, item["menuitem_id"])
        try:
            picked = options.check_picks(menuitem=dish, choice_ids=item["choices"])
        except DomainError as refusal:
            refusals.append(refusal)
            continue
        refusals.append(None)
        picks = [(choice.pk, choice.name, choice) for choice in picked]
        lines.append(
            Line(menuitem=dish, quantity=item["quantity"], picked=picks, note=item["note"])
        )
    if any(refusals):
        raise ItemsRefused(refusals)
    return lines


def _one_per_dish(dishes: list[MenuItem]) -> dict[int, MenuItem]:
    # Several lines of one dish share its one instance, so stock taken adds up.
    return {dish.pk: dish for dish in dishes}


def check_available(lines: list[Line]) -> None:
    """Refuse (409) when a dish is off or short for all its lines, or a pick is gone or off."""
    wanted: dict[int, int] = {}
    for line in lines:
        wanted[line.menuitem.pk] = wanted.get(line.menuitem.pk, 0) + line.quantity
    shortages = []
    for line in lines:
        dish = line.menuitem
        left = 0 if not dish.available else dish.stock
        if left is not None and left < wanted[dish.pk]:
            shortages.append(Shortage(dish.pk, dish.title, line.quantity, left))
            continue
        for pk, name, choice in line.picked:
            if choice is None or not choice.available:
                shortages.append(ChoiceShortage(dish.pk, dish.title, line.quantity, 0, pk, name))
    if shortages:
        raise ItemsUnavailable(shortages)


def order_items(lines: list[Line]) -> list[OrderItem]:
    """The order's lines, with the prices and picks of this moment: menu edits later change
    no order, and a client cannot choose what it pays."""
    return [
        OrderItem(
            menuitem=line.menuitem,
            title=line.menuitem.title,
            quantity=line.quantity,
            unit_price=line.unit_price,
            price=line.unit_price * line.quantity,
            counted=line.menuitem.stock is not None,
            choices=[
                {"name": choice.name, "price_delta": f"{choice.price_delta:.2f}"}
                for _, _, choice in line.picked
            ],
            note=line.note,
        )
        for line in lines
    ]


def take_stock(lines: list[Line]) -> list[MenuItem]:
    """Take the lines' quantities off their counted dishes; the dishes to save."""
    counted = {}
    for line in lines:
        if line.menuitem.stock is not None:
            line.menuitem.stock -= line.quantity
            counted[line.menuitem.pk] = line.menuitem
    return list(counted.values())


def order_bill(items: list[OrderItem], *, fulfilment: str, tip=None, tip_percent=None) -> dict:
    """The Order fields of the bill, from the restaurant's settings now; a delivery order
    below the minimum is refused before anything is written."""
    terms = bill.Terms.of(clock_config().restaurant)  # kept in the cache until it changes
    subtotal = sum((item.price for item in items), Decimal("0.00"))
    delivery = fulfilment == Order.Fulfilment.DELIVERY
    if bill.below_minimum(terms, subtotal=subtotal, delivery=delivery):
        raise BelowMinimumOrder(terms.minimum_order)
    amounts = bill.bill_for(
        terms, subtotal=subtotal, delivery=delivery, tip=tip, tip_percent=tip_percent
    )
    return amounts.as_fields() | {"tax_rate": terms.tax_rate}
