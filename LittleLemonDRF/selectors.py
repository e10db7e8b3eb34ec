"""Role-scoped reads, already joined, prefetched and annotated for their serializers."""

from django.db.models import Avg, Count, Prefetch, Q, QuerySet

from . import roles
from .models import Cart, MenuItem, Order, OrderItem, Rating


def menu_item_list() -> QuerySet[MenuItem]:
    # Explicit order: Django drops Meta.ordering from aggregating (GROUP BY) queries.
    return (
        MenuItem.objects.select_related("category")
        .annotate(rating_average=Avg("ratings__rating"), rating_count=Count("ratings"))
        .order_by("id")
    )


def rating_list() -> QuerySet[Rating]:
    return Rating.objects.select_related("user")


def cart_lines_for(user) -> QuerySet[Cart]:
    if not user.is_authenticated:
        return Cart.objects.none()
    return Cart.objects.filter(user=user).select_related("menuitem")


def order_list_for(user) -> QuerySet[Order]:
    """Managers and admins see every order, crew the ones assigned to them, everyone their own."""
    orders = Order.objects.select_related("user", "delivery_crew").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.order_by("id"))
    )
    if not user.is_authenticated:
        return orders.none()
    if roles.is_manager(user):
        return orders
    if roles.is_delivery_crew(user):
        # Crew members may order food too: their own orders stay visible to them.
        return orders.filter(Q(delivery_crew=user) | Q(user=user))
    return orders.filter(user=user)


ORDER_ROW = (
    "id",
    "user_id",
    "user__username",
    "delivery_crew_id",
    "delivery_crew__username",
    "status",
    "total",
    "date",
)
ORDER_LINE = ("order_id", "menuitem_id", "title", "quantity", "unit_price", "price")


def order_rows(order_ids: list[int]) -> list[tuple[dict, list[dict]]]:
    """Orders and their lines as plain rows, in the order of `order_ids`: two queries.

    For pages of orders, where building model instances would cost more than the queries.
    """
    rows = {row["id"]: row for row in Order.objects.filter(pk__in=order_ids).values(*ORDER_ROW)}
    lines = {order_id: [] for order_id in rows}
    # Ordered as the order_id index is (SQLite appends the rowid), so no sort is needed.
    lines_by_order = OrderItem.objects.filter(order_id__in=order_ids).order_by("order_id", "id")
    for line in lines_by_order.values(*ORDER_LINE):
        lines[line["order_id"]].append(line)
    return [(rows[pk], lines[pk]) for pk in order_ids if pk in rows]
