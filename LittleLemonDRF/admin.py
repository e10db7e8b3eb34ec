"""Django admin for every model of the app; users, groups and tokens come from their own apps.

Every save, delete and action goes through the same functions as the API's writes
(services/; webhooks/ for webhook endpoints), so a rule and its side effects (the shared
caches, order events) are the same whichever door a change comes through.
"""

from django.contrib import admin, messages
from django.db.models import Avg, Count
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

from . import order_policy, refunds_admin, services, webhooks
from .admin_base import ServiceModelAdmin
from .errors import DomainError
from .models import (
    ORDERABLE,
    Cart,
    Category,
    MenuItem,
    Order,
    OrderItem,
    Rating,
    Webhook,
    WebhookDelivery,
)


@admin.register(Category)
class CategoryAdmin(ServiceModelAdmin):
    list_display = ["title", "slug", "item_count"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_item_count=Count("menu_items"))

    def save_model(self, request, obj, form, change):
        services.category_save(category=obj)

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    @admin.display(description="menu items", ordering="_item_count")
    def item_count(self, obj):
        return obj._item_count


class SoldOutFilter(admin.SimpleListFilter):
    """Dishes that cannot be ordered now: switched off, or counted and at 0."""

    title = "sold out"
    parameter_name = "sold_out"

    def lookups(self, request, model_admin):
        return [("yes", "Sold out"), ("no", "Orderable")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(ORDERABLE)
        if self.value() == "no":
            return queryset.filter(ORDERABLE)
        return queryset


@admin.register(MenuItem)
class MenuItemAdmin(ServiceModelAdmin):
    list_display = [
        "title",
        "category",
        "price",
        "featured",
        "available",
        "stock",
        "average_rating",
    ]
    list_editable = ["price", "featured", "available", "stock"]
    list_filter = [SoldOutFilter, "available", "featured", "category"]
    list_select_related = ["category"]
    search_fields = ["title", "category__title"]
    autocomplete_fields = ["category"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_average=Avg("ratings__rating"))

    def save_model(self, request, obj, form, change):
        services.menu_item_save(item=obj, fields=form.changed_data if change else None)

    def delete_model(self, request, obj):
        services.menu_item_delete(item=obj)

    @admin.display(description="average rating", ordering="_average")
    def average_rating(self, obj):
        return None if obj._average is None else round(obj._average, 2)


@admin.register(Rating)
class RatingAdmin(ServiceModelAdmin):
    list_display = ["menuitem", "user", "rating"]
    list_filter = ["rating"]
    list_select_related = ["menuitem", "user"]
    search_fields = ["menuitem__title", "user__username"]
    raw_id_fields = ["menuitem", "user"]

    def get_readonly_fields(self, request, obj=None):
        # A rating belongs to one user and one dish for good, as in the API.
        return ["menuitem", "user"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            services.rating_set(rating=obj, value=obj.rating)
        else:
            obj.pk = services.rating_create(
                user=obj.user, menuitem=obj.menuitem, rating=obj.rating
            ).pk

    def delete_model(self, request, obj):
        services.rating_delete(rating=obj)


@admin.register(Cart)
class CartAdmin(ServiceModelAdmin):
    list_display = ["user", "menuitem", "quantity"]
    list_filter = ["menuitem__category"]
    list_select_related = ["user", "menuitem"]
    search_fields = ["user__username", "menuitem__title"]
    raw_id_fields = ["user", "menuitem"]

    # A cart is its customer's own: staff look, and may clear a line, but do not fill it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.cart_remove_line(line=obj)


class HistoryInline(admin.TabularInline):
    """Rows that are history: shown, never added, edited or deleted."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderItemInline(HistoryInline):
    model = OrderItem
    fields = ["title", "quantity", "unit_price", "price", "menuitem"]


@admin.register(Order)
class OrderAdmin(ServiceModelAdmin):
    """Orders: crew assigned in the form; moves and payment through the actions, which are
    the API's services and rules (order_policy) applied as the signed-in staff member."""

    list_display = [
        "id",
        "user",
        "delivery_crew",
        "status",
        "state",
        "fulfilment",
        "payment_status",
        "total",
        "date",
    ]
    list_filter = [
        "state",
        "fulfilment",
        "payment_status",
        "payment_method",
        "date",
        ("delivery_crew", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["user", "delivery_crew"]
    search_fields = ["user__username", "delivery_crew__username"]
    date_hierarchy = "date"
    fields = [
        "user",
        "delivery_crew",
        "state",
        "status",
        "fulfilment",
        "payment_method",
        "payment_status",
        "eta",
        "note",
        "cancel_reason",
        "total",
        "refunded",
        "refund",
        "date",
        "created_at",
        "history",
    ]
    readonly_fields = [name for name in fields if name != "delivery_crew"]
    inlines = [OrderItemInline, refunds_admin.RefundInline]
    actions = ["mark_delivered", "mark_paid", "mark_refunded"]

    @admin.display(boolean=True, description="delivered")
    def status(self, obj):
        return obj.status

    @admin.display(description="history")
    def history(self, obj):
        """Every state the order has been in, oldest first: read-only, as in the API."""
        rows = format_html_join(
            "",
            "<li>{}: {} by {}{}</li>",
            (
                (
                    localtime(change.at).strftime("%Y-%m-%d %H:%M"),
                    change.get_state_display(),
                    change.by or "a deleted user",
                    f" ({change.reason})" if change.reason else "",
                )
                for change in obj.history_entries
            ),
        )
        return format_html('<ul class="order-history">{}</ul>', rows)

    @admin.display(description="refund")
    def refund(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:LittleLemonDRF_order_refund", args=[obj.pk])
        return format_html('<a class="refund-link" href="{}">Refund lines or an amount</a>', url)

    def get_urls(self):
        # The refund page: a form over services.refund_make (refunds_admin.py).
        refund = self.admin_site.admin_view(
            lambda request, object_id: refunds_admin.refund_view(self, request, object_id)
        )
        mine = [path("<path:object_id>/refund/", refund, name="LittleLemonDRF_order_refund")]
        return mine + super().get_urls()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "delivery_crew":
            kwargs["queryset"] = order_policy.crew_candidates().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.order_update(order=obj, by=request.user, delivery_crew=obj.delivery_crew)

    def delete_model(self, request, obj):
        services.order_delete(order=obj)

    @admin.action(description="Mark selected orders as delivered")
    def mark_delivered(self, request, queryset):
        _apply(self, request, queryset, "marked as delivered", status=True)

    @admin.action(description="Mark selected orders as paid")
    def mark_paid(self, request, queryset):
        _apply(self, request, queryset, "marked as paid", payment_status="paid")

    @admin.action(description="Mark selected orders as refunded")
    def mark_refunded(self, request, queryset):
        _apply(self, request, queryset, "marked as refunded", payment_status="refunded")

    def get_actions(self, request):
        # One action per state a move leads to (from the transition table), and one "assign
        # to" per crew member: a restaurant has a handful of them.
        actions = super().get_actions(request)
        for state in dict.fromkeys(to for _, to in order_policy.MOVES):
            name = f"move_to_{state}"
            label = f"Move selected orders to {Order.State(state).label.lower()}"
            actions[name] = (_mover(state), name, label)
        for crew in order_policy.crew_candidates().order_by("username"):
            name = f"assign_to_{crew.pk}"
            actions[name] = (_assign_to(crew), name, f"Assign selected orders to {crew.username}")
        return actions


def _apply(modeladmin, request, queryset, done: str, **change) -> None:
    """services.order_update on each selected order, as the staff member; say what failed."""
    changed, refused = 0, []
    for order in queryset:
        try:
            services.order_update(order=order, by=request.user, **change)
            changed += 1
        except DomainError as error:
            refused.append(f"#{order.pk}: {error.message}")
    modeladmin.message_user(request, f"{changed} order(s) {done}.")
    if refused:
        modeladmin.message_user(request, "Not changed: " + "; ".join(refused), messages.WARNING)


def _mover(state: str):
    def move(modeladmin, request, queryset):
        _apply(modeladmin, request, queryset, f"moved to {state}", state=state)

    return move


def _assign_to(crew):
    def assign(modeladmin, request, queryset):
        _apply(modeladmin, request, queryset, f"assigned to {crew.username}", delivery_crew=crew)

    return assign


@admin.register(Webhook)
class WebhookAdmin(ServiceModelAdmin):
    """Webhook endpoints, looked at and removed. They are registered through the API, which
    shows the secret once; the admin never shows it."""

    list_display = ["id", "url", "events", "created", "created_by"]
    list_select_related = ["created_by"]
    search_fields = ["url"]
    fields = ["url", "events", "created", "created_by", "after_event_id"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        webhooks.webhook_delete(webhook=obj)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """What each endpoint was sent, and how it went: a record, read-only."""

    list_display = [
        "id",
        "webhook",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status"]
    list_select_related = ["webhook", "event"]
    search_fields = ["webhook__url"]
    fields = ["webhook", "event", *WebhookDelivery.OUTCOME_FIELDS]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Tables and reservations, and the users' no-show counts.
from . import tables_admin  # noqa: E402, F401

# The restaurant's settings, service hours and closures.
from .clock import admin as clock_admin  # noqa: E402, F401
