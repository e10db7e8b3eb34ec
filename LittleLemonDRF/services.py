"""Writes with business rules. Services take the acting user and plain values, never a request."""

import functools
from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from . import roles
from .authentication import token_expired
from .exceptions import AlreadyRated, CartLineTooLarge, DomainError, EmptyCart, NotDeliveryCrew
from .models import QUANTITY_MAX, Cart, MenuItem, Order, OrderItem, Rating

IDEMPOTENCY_WINDOW = timedelta(hours=24)
IDEMPOTENCY_KEY_MAX = 255


class BadIdempotencyKey(DomainError):
    default_detail = f"The Idempotency-Key header must be 1 to {IDEMPOTENCY_KEY_MAX} characters."
    default_code = "bad_idempotency_key"


# --- Tokens -------------------------------------------------------------------------------


def token_for_login(*, user) -> Token:
    """The user's token, replaced by a fresh key when the old one has expired."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


# --- Groups -------------------------------------------------------------------------------


def group_add_user(*, group_name: str, user) -> bool:
    """Put the user in the group; False when they were a member already."""
    group = Group.objects.get_or_create(name=group_name)[0]
    if group.user_set.filter(pk=user.pk).exists():
        return False
    group.user_set.add(user)
    roles.forget_groups(user)
    return True


def group_remove_user(*, group_name: str, user) -> bool:
    """Take the user out of the group; False when they were not a member."""
    group = Group.objects.get_or_create(name=group_name)[0]
    if not group.user_set.filter(pk=user.pk).exists():
        return False
    group.user_set.remove(user)
    roles.forget_groups(user)
    return True


# --- Ratings ------------------------------------------------------------------------------


def rating_create(*, user, menuitem: MenuItem, rating: int) -> Rating:
    try:
        # A savepoint, so the constraint that catches a concurrent duplicate leaves the
        # surrounding transaction usable.
        with transaction.atomic():
            return Rating.objects.create(user=user, menuitem=menuitem, rating=rating)
    except IntegrityError:
        raise AlreadyRated() from None


# --- Cart ---------------------------------------------------------------------------------


def cart_add_item(*, user, menuitem: MenuItem, quantity: int) -> tuple[Cart, bool]:
    """Add to the user's cart, merging with a line for the same dish; True when a line is new.

    One statement, atomic on its own: insert the line, or add to the existing one as long as
    it stays within the bound. Racing adds of the same dish are applied one after the other
    by the database and none is lost; an add that would pass the bound changes nothing.
    """
    with connection.cursor() as cursor:
        cursor.execute(_cart_upsert_sql(), [user.pk, menuitem.pk, quantity, QUANTITY_MAX])
        row = cursor.fetchone()
    if row is None:
        raise CartLineTooLarge()
    line_id, total = row
    # An existing line holds at least 1, so only a new line ends at exactly `quantity`.
    line = Cart(pk=line_id, user=user, menuitem=menuitem, quantity=total)
    return line, total == quantity


@functools.cache
def _cart_upsert_sql() -> str:
    # Django's ORM cannot add to the existing value on conflict; PostgreSQL and SQLite
    # (3.35+) both speak this.
    table = connection.ops.quote_name(Cart._meta.db_table)
    return (
        f"INSERT INTO {table} (user_id, menuitem_id, quantity) VALUES (%s, %s, %s) "
        f"ON CONFLICT (user_id, menuitem_id) DO UPDATE "
        f"SET quantity = {table}.quantity + excluded.quantity "
        f"WHERE {table}.quantity + excluded.quantity <= %s "
        f"RETURNING id, quantity"
    )


def cart_set_quantity(*, line: Cart, quantity: int) -> Cart:
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


def cart_clear(*, user) -> int:
    deleted, _ = Cart.objects.filter(user=user).delete()
    return deleted


# --- Orders -------------------------------------------------------------------------------


def order_place(*, user, idempotency_key: str | None = None) -> tuple[Order, bool]:
    """Turn the user's cart into an order in one transaction; True when a new order was made.

    The cart rows are locked, so a second placement of the same cart waits and then finds it
    empty. With an idempotency key, a retry within 24 hours returns the first order instead.
    """
    if idempotency_key is not None and not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
        raise BadIdempotencyKey()
    try:
        with transaction.atomic():
            return _order_place(user=user, idempotency_key=idempotency_key)
    except IntegrityError:
        # Two requests with the same key raced past the lookup: the unique constraint let
        # one through; answer with its order.
        if idempotency_key is None:
            raise
        return Order.objects.get(user=user, idempotency_key=idempotency_key), False


def _order_place(*, user, idempotency_key: str | None) -> tuple[Order, bool]:
    # of=("self",): lock the cart rows only. Locking the joined dishes as well would make two
    # customers with the same dishes in their carts deadlock each other.
    lines = list(
        Cart.objects.select_for_update(of=("self",))
        .filter(user=user)
        .select_related("menuitem")
        .order_by("id")
    )
    # Looked up after taking the lock: a concurrent request with the same key has committed
    # by now, and its order is visible.
    if idempotency_key is not None:
        previous = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if previous is not None:
            if previous.created_at >= timezone.now() - IDEMPOTENCY_WINDOW:
                return previous, False
            previous.idempotency_key = ""  # expired: the key may be used again
            previous.save(update_fields=["idempotency_key"])
    if not lines:
        raise EmptyCart()
    # Prices come from the menu at this moment, so a client cannot choose what it pays.
    items = [
        OrderItem(
            menuitem=line.menuitem,
            title=line.menuitem.title,
            quantity=line.quantity,
            unit_price=line.menuitem.price,
            price=line.menuitem.price * line.quantity,
        )
        for line in lines
    ]
    order = Order.objects.create(
        user=user,
        total=sum(item.price for item in items),
        date=timezone.localdate(),
        idempotency_key=idempotency_key or "",
    )
    for item in items:
        item.order = order
    OrderItem.objects.bulk_create(items)
    Cart.objects.filter(pk__in=[line.pk for line in lines]).delete()
    _prefetched(order, "items", items)
    return order, True


def _prefetched(instance, relation: str, rows: list) -> None:
    """Let instance.<relation>.all() return `rows` without a query, as prefetch_related does.

    The caller answers with the lines it has just written; reading them back would cost a
    query for nothing. Other uses of the manager (get(), filter()) still query as usual.
    """
    queryset = getattr(instance, relation).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    instance._prefetched_objects_cache = {relation: queryset}


_UNSET = object()


def order_update(*, order: Order, delivery_crew=_UNSET, status=_UNSET) -> Order:
    """Assign (or unassign, with None) a crew member and/or set the delivered flag."""
    fields = []
    if delivery_crew is not _UNSET:
        if delivery_crew is not None and not roles.is_delivery_crew(delivery_crew):
            raise NotDeliveryCrew()
        order.delivery_crew = delivery_crew
        fields.append("delivery_crew")
    if status is not _UNSET:
        order.status = status
        fields.append("status")
    if fields:
        order.save(update_fields=fields)
    return order
