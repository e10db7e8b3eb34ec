"""Writes to a customer's cart: adding, changing and removing lines."""

import functools
import json

from django.db import connection
from django.db.models.signals import post_save

from ..errors import (
    CartLineTooLarge,
    DomainError,
    StockShort,
)
from ..models import (
    QUANTITY_MAX,
    Cart,
    MenuItem,
)
from . import options


def cart_add_item(
    *, user, menuitem: MenuItem, quantity: int, choices: list[int] = (), note: str = ""
) -> tuple[Cart, bool]:
    """Add to the user's cart, merging with its line of the same dish, picks and note; True
    when a line is new.

    One statement, atomic on its own: insert the line, or add to the existing one as long as
    it stays within the bound. Racing adds of the same line are applied one after the other
    by the database and none is lost; an add that would pass the bound changes nothing.
    """
    picked = options.check_line(menuitem=menuitem, quantity=quantity, choice_ids=list(choices))
    # A cart holds no stock, but never asks for more than is left when it is filled.
    bound = QUANTITY_MAX if menuitem.stock is None else min(QUANTITY_MAX, menuitem.stock)
    picks = [{"id": choice.pk, "name": choice.name} for choice in picked]
    identity = options.signature([choice.pk for choice in picked], note)
    with connection.cursor() as cursor:
        cursor.execute(
            _cart_upsert_sql(),
            [user.pk, menuitem.pk, quantity, note, identity, json.dumps(picks), bound],
        )
        row = cursor.fetchone()
    if row is None:
        raise _too_many(menuitem)
    line_id, total = row
    # An existing line holds at least 1, so only a new line ends at exactly `quantity`.
    line = Cart(pk=line_id, user=user, menuitem=menuitem, quantity=total, note=note, picks=picks)
    line.signature = identity
    line._picked = [(choice.pk, choice.name, choice) for choice in picked]
    # Raw SQL passes no signal: send the one the ORM would have sent, so that whatever
    # listens (the caches, cache_dependencies.py) sees this write as any other.
    post_save.send(Cart, instance=line, created=total == quantity, using=connection.alias)
    return line, total == quantity


@functools.cache
def _cart_upsert_sql() -> str:
    # Django's ORM cannot add to the existing value on conflict; PostgreSQL and SQLite
    # (3.35+) both speak this.
    table = connection.ops.quote_name(Cart._meta.db_table)
    picks = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    return (
        f"INSERT INTO {table} (user_id, menuitem_id, quantity, note, signature, picks) "
        f"VALUES (%s, %s, %s, %s, %s, {picks}) "
        f"ON CONFLICT (user_id, menuitem_id, signature) DO UPDATE "
        f"SET quantity = {table}.quantity + excluded.quantity "
        f"WHERE {table}.quantity + excluded.quantity <= %s "
        f"RETURNING id, quantity"
    )


def _too_many(menuitem: MenuItem) -> DomainError:
    if menuitem.stock is not None and menuitem.stock < QUANTITY_MAX:
        return StockShort(menuitem.title, menuitem.stock)
    return CartLineTooLarge()


def cart_set_quantity(*, line: Cart, quantity: int) -> Cart:
    if line.menuitem.stock is not None and quantity > line.menuitem.stock:
        raise _too_many(line.menuitem)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


def cart_remove_line(*, line: Cart) -> None:
    line.delete()


def cart_clear(*, user) -> int:
    deleted, _ = Cart.objects.filter(user=user).delete()
    return deleted
