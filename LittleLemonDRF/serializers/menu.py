"""Categories, menu items and their ratings."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..errors import RatingMoved
from ..models import (
    PRICE_MAX,
    PRICE_MIN,
    PRICE_RULE,
    RATING_MAX,
    RATING_MIN,
    RATING_RULE,
    STOCK_MAX,
    STOCK_RULE,
    Category,
    MenuItem,
    Rating,
)
from .common import UserRefSerializer
from .engine import BooleanField, FastReadMixin, ModelSerializer, bounds
from .options import MenuGroupSerializer, allergens_field, diets_field


class CategorySerializer(ModelSerializer):
    slug = serializers.SlugField(
        max_length=255,
        required=False,
        help_text="Optional on write: derived from the title when left out. Unique.",
    )

    class Meta:
        model = Category
        fields = ["id", "slug", "title"]


class RatingSummarySerializer(serializers.Serializer):
    average = serializers.FloatField(
        allow_null=True, help_text="Mean rating, 2 decimal places; null without ratings."
    )
    count = serializers.IntegerField()


class MenuItemSerializer(ModelSerializer):
    price = serializers.DecimalField(
        max_digits=6, decimal_places=2, **bounds(PRICE_MIN, PRICE_MAX, PRICE_RULE)
    )
    category = CategorySerializer(read_only=True)
    category_id = serializers.PrimaryKeyRelatedField(
        source="category", queryset=Category.objects.all(), write_only=True
    )
    rating = serializers.SerializerMethodField()
    available = BooleanField(
        required=False, help_text="false switches the dish off (default true)."
    )
    stock = serializers.IntegerField(
        required=False,
        allow_null=True,
        **bounds(0, STOCK_MAX, STOCK_RULE),
        help_text="Portions left, or null when not counted (the default).",
    )
    orderable = BooleanField(
        read_only=True, help_text="available, and where stock is counted, stock > 0."
    )
    allergens = allergens_field()
    diets = diets_field()
    option_groups = MenuGroupSerializer(
        many=True,
        read_only=True,
        help_text="By position, then id; written at /api/option-groups and /api/option-choices.",
    )

    class Meta:
        model = MenuItem
        fields = [
            "id",
            "title",
            "price",
            "featured",
            "category",
            "category_id",
            "rating",
            "available",
            "stock",
            "orderable",
            "allergens",
            "diets",
            "option_groups",
        ]

    @extend_schema_field(RatingSummarySerializer)
    def get_rating(self, obj) -> dict:
        # Annotated by selectors.menu_item_list(); no query here.
        average = getattr(obj, "rating_average", None)
        return {
            "average": None if average is None else round(float(average), 2),
            "count": getattr(obj, "rating_count", 0),
        }


class RatingSerializer(ModelSerializer):
    user = UserRefSerializer(read_only=True)
    menuitem_id = serializers.PrimaryKeyRelatedField(
        source="menuitem", queryset=MenuItem.objects.all()
    )
    rating = serializers.IntegerField(**bounds(RATING_MIN, RATING_MAX, RATING_RULE))

    class Meta:
        model = Rating
        fields = ["id", "user", "menuitem_id", "rating"]

    def validate_menuitem_id(self, menuitem):
        if self.instance is not None and menuitem.pk != self.instance.menuitem_id:
            raise RatingMoved()
        return menuitem


class MenuItemRefSerializer(FastReadMixin, ModelSerializer):
    class Meta:
        model = MenuItem
        fields = ["id", "title"]
        read_only_fields = fields
