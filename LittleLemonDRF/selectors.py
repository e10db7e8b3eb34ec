"""Role-scoped reads, already joined, prefetched and annotated for their serializers."""

from django.db.models import Avg, Count, Prefetch, QuerySet

from . import order_policy
from .models import (
    Cart,
    MenuItem,
    OptionChoice,
    OptionGroup,
    Order,
    OrderItem,
    OrderStateChange,
    Rating,
    Refund,
)


def menu_item_list() -> QuerySet[MenuItem]:
    # Explicit order: Django drops Meta.ordering from aggregating (GROUP BY) queries.
    return (
        MenuItem.objects.select_related("category")
        .annotate(rating_average=Avg("ratings__rating"), rating_count=Count("ratings"))
        .prefetch_related(option_groups())
        .order_by("id")
    )


def option_groups() -> Prefetch:
    """Dishes' option groups with their choices: two queries for a page, one without groups."""
    return Prefetch(
        "option_groups",
        queryset=OptionGroup.objects.order_by("position", "id").prefetch_related(
            Prefetch("choices", queryset=OptionChoice.objects.order_by("id"))
        ),
    )


def rating_list() -> QuerySet[Rating]:
    return Rating.objects.select_related("user")


def cart_lines_for(user) -> QuerySet[Cart]:
    if not user.is_authenticated:
        return Cart.objects.none()
    return Cart.objects.filter(user=user).select_related("menuitem")


def order_list_for(user) -> QuerySet[Order]:
    """The orders the user may see (order_policy), read as order_list() reads them."""
    return orders_visible_to(user, order_list())


def orders_visible_to(user, orders: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """`orders` (plain rows unless given) narrowed to those the user may see (order_policy)."""
    orders = Order.objects.all() if orders is None else orders
    if not user.is_authenticated:
        return orders.none()
    scope = order_policy.visible(user)
    return orders if scope is None else orders.filter(scope)


def order_list() -> QuerySet[Order]:
    """Every order, each with its `lines` and its `changes` of state (with who made them)."""
    return Order.objects.select_related("user", "delivery_crew").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.order_by("id"), to_attr="lines"),
        Prefetch(
            "history",
            queryset=OrderStateChange.objects.select_related("by").order_by("id"),
            to_attr="changes",
        ),
        Prefetch(
            "refunds",
            queryset=Refund.objects.select_related("by").order_by("id"),
            to_attr="refund_rows",
        ),
    )


def order_rows(ids: list[int], *, paths: list[str], line_paths: list[str]) -> list[dict]:
    """Orders as values() rows of `paths`, in the order of `ids`, each with its `lines` as
    rows of `line_paths`: two queries, no model instance.

    For pages of orders (OrderSerializer.from_row), where building instances would cost more
    than the queries. Pages are cut from a list of ids: counting and slicing ids stays cheap
    however wide the rows.
    """
    orders = Order.objects.filter(pk__in=ids)
    rows = {row["id"]: row for row in orders.values("id", *paths)}
    for row in rows.values():
        row["lines"] = []
    # Ordered as the order_id index is (SQLite appends the rowid), so no sort is needed.
    lines = OrderItem.objects.filter(order_id__in=ids).order_by("order_id", "id")
    for line in lines.values("order_id", *line_paths):
        rows[line["order_id"]]["lines"].append(line)
    return [rows[pk] for pk in ids if pk in rows]
