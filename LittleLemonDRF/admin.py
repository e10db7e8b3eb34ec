"""Django admin for every model of the app; users, groups and tokens come from their own apps."""

from django.contrib import admin
from django.db.models import Avg, Count

from . import caching, roles
from .models import Cart, Category, MenuItem, Order, OrderItem, Rating


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "item_count"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_item_count=Count("menu_items"))

    @admin.display(description="menu items", ordering="_item_count")
    def item_count(self, obj):
        return obj._item_count


@admin.register(MenuItem)
class MenuItemAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "price", "featured", "average_rating"]
    list_editable = ["price", "featured"]
    list_filter = ["featured", "category"]
    list_select_related = ["category"]
    search_fields = ["title", "category__title"]
    autocomplete_fields = ["category"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_average=Avg("ratings__rating"))

    @admin.display(description="average rating", ordering="_average")
    def average_rating(self, obj):
        return None if obj._average is None else round(obj._average, 2)


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["menuitem", "user", "rating"]
    list_filter = ["rating"]
    list_select_related = ["menuitem", "user"]
    search_fields = ["menuitem__title", "user__username"]
    raw_id_fields = ["menuitem", "user"]


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["user", "menuitem", "quantity"]
    list_filter = ["menuitem__category"]
    list_select_related = ["user", "menuitem"]
    search_fields = ["user__username", "menuitem__title"]
    raw_id_fields = ["user", "menuitem"]


class OrderItemInline(admin.TabularInline):
    """Order lines are history: shown, never edited."""

    model = OrderItem
    fields = ["title", "quantity", "unit_price", "price", "menuitem"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "delivery_crew", "status", "total", "date"]
    list_filter = ["status", "date", ("delivery_crew", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "delivery_crew"]
    search_fields = ["user__username", "delivery_crew__username"]
    date_hierarchy = "date"
    readonly_fields = ["user", "total", "date", "created_at"]
    fields = ["user", "delivery_crew", "status", "total", "date", "created_at"]
    inlines = [OrderItemInline]
    actions = ["mark_delivered"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "delivery_crew":
            # Only members of the Delivery crew group can be given an order to deliver.
            kwargs["queryset"] = roles.members_of(roles.DELIVERY_CREW).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description="Mark selected orders as delivered")
    def mark_delivered(self, request, queryset):
        count = queryset.update(status=True)
        caching.invalidate(caching.ORDERS)  # update() sends no signals
        self.message_user(request, f"{count} order(s) marked as delivered.")

    def get_actions(self, request):
        # One "assign to" action per crew member: a restaurant has a handful of them.
        actions = super().get_actions(request)
        for crew in roles.members_of(roles.DELIVERY_CREW).order_by("username"):
            name = f"assign_to_{crew.pk}"
            actions[name] = (_assign_to(crew), name, f"Assign selected orders to {crew.username}")
        return actions


def _assign_to(crew):
    def assign(modeladmin, request, queryset):
        count = queryset.update(delivery_crew=crew)
        caching.invalidate(caching.ORDERS)  # update() sends no signals
        modeladmin.message_user(request, f"{count} order(s) assigned to {crew.username}.")

    return assign
