"""Writes with business rules. Services take the acting user and plain values, never a request.

Every write of the app goes through here, the admin's included, so each rule and its message
exist once, and so do the side effects of a write: the shared caches are invalidated here and
nowhere else (caching.py explains the versions).
"""

import functools
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from . import caching, order_policy, roles
from .errors import (
    AlreadyRated,
    BadIdempotencyKey,
    CartLineTooLarge,
    EmptyCart,
    NoSlugInTitle,
    NotDeliveryCrew,
    SlugTaken,
)
from .models import (
    IDEMPOTENCY_KEY_MAX,
    QUANTITY_MAX,
    ApiToken,
    Cart,
    Category,
    MenuItem,
    Order,
    OrderItem,
    Rating,
)

IDEMPOTENCY_WINDOW = timedelta(hours=24)


# --- Tokens -------------------------------------------------------------------------------


def token_for_login(*, user) -> ApiToken:
    """The user's token, replaced by a fresh key when the old one has expired."""
    token, created = ApiToken.objects.get_or_create(user=user)
    if not created and token.expired:
        token.delete()
        token = ApiToken.objects.create(user=user)
    return token


# --- Users and groups -----------------------------------------------------------------------


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


def user_deleted(**kwargs) -> None:
    """A user's deletion (Django's own admin, a shell) takes their ratings and orders with it.

    Users belong to django.contrib.auth, whose writes pass no service of ours: the app
    connects this to the user model's post_delete, the one signal it listens to.
    """
    caching.invalidate(caching.MENU, caching.ORDERS)


# --- Menu ---------------------------------------------------------------------------------


def menu_load(*, fixture: Path) -> bool:
    """Load a menu fixture into a database that has no menu yet; False when it has one."""
    if Category.objects.exists():
        return False
    call_command("loaddata", str(fixture), verbosity=0)
    caching.invalidate(caching.MENU)
    return True


def category_save(*, category: Category) -> Category:
    """Create or update a category; a new one without a slug gets one from its title.

    The slug is derived on create only: renaming a category keeps its URLs stable.
    """
    if category._state.adding and not category.slug:
        category.slug = slugify(category.title)[:255]
        if not category.slug:
            raise NoSlugInTitle()
    if Category.objects.filter(slug=category.slug).exclude(pk=category.pk).exists():
        raise SlugTaken(category.slug)
    try:
        # A savepoint: the unique index settles a concurrent twin that passed the check.
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise SlugTaken(category.slug) from None
    caching.invalidate(caching.MENU)
    return category


def category_delete(*, category: Category) -> None:
    """Delete a category; one that still lists dishes raises ProtectedError (PROTECT)."""
    category.delete()
    caching.invalidate(caching.MENU)


def menu_item_save(*, item: MenuItem) -> MenuItem:
    item.save()
    caching.invalidate(caching.MENU)
    return item


def menu_item_delete(*, item: MenuItem) -> None:
    """Delete a dish; orders keep their lines, which no longer point at it."""
    item.delete()
    caching.invalidate(caching.MENU)


def rating_create(*, user, menuitem: MenuItem, rating: int) -> Rating:
    """Rate a dish; each user rates a dish once."""
    if Rating.objects.filter(user=user, menuitem=menuitem).exists():
        raise AlreadyRated()
    try:
        # A savepoint, so the constraint that catches a concurrent duplicate leaves the
        # surrounding transaction usable.
        with transaction.atomic():
            created = Rating.objects.create(user=user, menuitem=menuitem, rating=rating)
    except IntegrityError:
        raise AlreadyRated() from None
    caching.invalidate(caching.MENU)
    return created


def rating_set(*, rating: Rating, value: int) -> Rating:
    rating.rating = value
    rating.save(update_fields=["rating"])
    caching.invalidate(caching.MENU)
    return rating


def rating_delete(*, rating: Rating) -> None:
    rating.delete()
    caching.invalidate(caching.MENU)


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


def cart_remove_line(*, line: Cart) -> None:
    line.delete()


def cart_clear(*, user) -> int:
    deleted, _ = Cart.objects.filter(user=user).delete()
    return deleted


# --- Orders -------------------------------------------------------------------------------


def order_place(*, user, idempotency_key: str | None = None) -> tuple[Order, bool]:
    """Turn the user's cart into an order in one transaction; True when a new order was made.

    The cart rows are locked, so a second placement of the same cart waits and then finds it
    empty. With an idempotency key, a retry within 24 hours returns the first order instead.
    A new order comes back with `lines`, the lines just written, as selectors give them.
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
    order.lines = items
    caching.invalidate(caching.ORDERS)
    return order, True


_UNSET = object()


def order_update(*, order: Order, delivery_crew=_UNSET, status=_UNSET) -> Order:
    """Assign (or unassign, with None) a crew member and/or set the delivered flag."""
    fields = []
    if delivery_crew is not _UNSET:
        if delivery_crew is not None and not order_policy.can_deliver(delivery_crew):
            raise NotDeliveryCrew()
        order.delivery_crew = delivery_crew
        fields.append("delivery_crew")
    if status is not _UNSET:
        order.status = status
        fields.append("status")
    if fields:
        order.save(update_fields=fields)
        caching.invalidate(caching.ORDERS)
    return order


def order_delete(*, order: Order) -> None:
    order.delete()
    caching.invalidate(caching.ORDERS)
