"""Django admin for every model of the app; users, groups and tokens come from their own apps.

Every save, delete and action goes through services.py, as the API's writes do, so a rule
and its side effects (the shared caches) are the same whichever door a change comes through.
"""

from django.contrib import admin
from django.db.models import Avg, Count

from . import order_policy, services
from .models import Cart, Category, MenuItem, Order, OrderItem, Rating


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "item_count"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_item_count=Count("menu_items"))

    def save_model(self, request, obj, form, change):
        services.category_save(category=obj)

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            services.category_delete(category=category)

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

    def save_model(self, request, obj, form, change):
        services.menu_item_save(item=obj)

    def delete_model(self, request, obj):
        services.menu_item_delete(item=obj)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            services.menu_item_delete(item=item)

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

    def delete_queryset(self, request, queryset):
        for rating in queryset:
            services.rating_delete(rating=rating)


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
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

    def delete_queryset(self, request, queryset):
        for line in queryset:
            services.cart_remove_line(line=line)


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
            kwargs["queryset"] = order_policy.crew_candidates().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.order_update(order=obj, delivery_crew=obj.delivery_crew, status=obj.status)

    def delete_model(self, request, obj):
        services.order_delete(order=obj)

    def delete_queryset(self, request, queryset):
        for order in queryset:
            services.order_delete(order=order)

    @admin.action(description="Mark selected orders as delivered")
    def mark_delivered(self, request, queryset):
        for order in queryset:
            services.order_update(order=order, status=True)
        self.message_user(request, f"{len(queryset)} order(s) marked as delivered.")

    def get_actions(self, request):
        # One "assign to" action per crew member: a restaurant has a handful of them.
        actions = super().get_actions(request)
        for crew in order_policy.crew_candidates().order_by("username"):
            name = f"assign_to_{crew.pk}"
            actions[name] = (_assign_to(crew), name, f"Assign selected orders to {crew.username}")
        return actions


def _assign_to(crew):
    def assign(modeladmin, request, queryset):
        for order in queryset:
            services.order_update(order=order, delivery_crew=crew)
        modeladmin.message_user(request, f"{len(queryset)} order(s) assigned to {crew.username}.")

    return assign
