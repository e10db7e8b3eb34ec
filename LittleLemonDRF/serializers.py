"""JSON in and out, and field validation."""

from django.contrib.auth import get_user_model
from django.utils.text import slugify
from djoser import serializers as djoser_serializers
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from .exceptions import AlreadyRated
from .models import (
    PRICE_MAX,
    PRICE_MIN,
    QUANTITY_MAX,
    RATING_MAX,
    RATING_MIN,
    Cart,
    Category,
    MenuItem,
    Order,
    OrderItem,
    Rating,
)

User = get_user_model()


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}],
        "description": "An email address, or empty when none was given.",
    }
)
class OptionalEmailField(serializers.EmailField):
    """Django's users may have no email: the schema must allow "" as well as an address."""


class UserRefSerializer(serializers.ModelSerializer):
    """How a user appears inside other objects."""

    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class GroupMemberSerializer(serializers.ModelSerializer):
    email = OptionalEmailField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email"]
        read_only_fields = fields


class UsernameSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class CategorySerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(
        max_length=255,
        required=False,
        help_text="Optional on write: derived from the title when left out.",
        validators=[UniqueValidator(queryset=Category.objects.all())],
    )

    class Meta:
        model = Category
        fields = ["id", "slug", "title"]

    def validate(self, attrs):
        if self.instance is None and "slug" not in attrs:
            # The slug is derived on create only: renaming a category keeps its URLs stable.
            slug = slugify(attrs["title"])[:255]
            if not slug:
                raise serializers.ValidationError(
                    {"slug": ["The title has no letters or digits to make a slug from; give one."]}
                )
            if Category.objects.filter(slug=slug).exists():
                raise serializers.ValidationError(
                    {"slug": [f"A category with the slug '{slug}' already exists."]}
                )
            attrs["slug"] = slug
        return attrs


class RatingSummarySerializer(serializers.Serializer):
    average = serializers.FloatField(
        allow_null=True, help_text="Mean rating, 2 decimal places; null without ratings."
    )
    count = serializers.IntegerField()


class MenuItemSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=PRICE_MIN, max_value=PRICE_MAX
    )
    category = CategorySerializer(read_only=True)
    category_id = serializers.PrimaryKeyRelatedField(
        source="category", queryset=Category.objects.all(), write_only=True
    )
    rating = serializers.SerializerMethodField()

    class Meta:
        model = MenuItem
        fields = ["id", "title", "price", "featured", "category", "category_id", "rating"]

    @extend_schema_field(RatingSummarySerializer)
    def get_rating(self, obj) -> dict:
        # Annotated by selectors.menu_item_list(); no query here.
        average = getattr(obj, "rating_average", None)
        return {
            "average": None if average is None else round(float(average), 2),
            "count": getattr(obj, "rating_count", 0),
        }


class RatingSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)
    menuitem_id = serializers.PrimaryKeyRelatedField(
        source="menuitem", queryset=MenuItem.objects.all()
    )
    rating = serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX)

    class Meta:
        model = Rating
        fields = ["id", "user", "menuitem_id", "rating"]

    def validate_menuitem_id(self, menuitem):
        if self.instance is not None:
            if menuitem.pk != self.instance.menuitem_id:
                raise serializers.ValidationError(
                    "A rating cannot be moved to another menu item; delete it and rate again."
                )
            return menuitem
        user = self.context["request"].user
        if Rating.objects.filter(user=user, menuitem=menuitem).exists():
            raise serializers.ValidationError(AlreadyRated.message)
        return menuitem


class MenuItemRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = MenuItem
        fields = ["id", "title"]
        read_only_fields = fields


class CartLineSerializer(serializers.ModelSerializer):
    """A cart line, priced from the menu as it is now."""

    menuitem = MenuItemRefSerializer(read_only=True)
    unit_price = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    price = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True)

    class Meta:
        model = Cart
        fields = ["id", "menuitem", "quantity", "unit_price", "price"]
        read_only_fields = fields

    def to_representation(self, line):
        # The fields above give the shape and the schema; building it directly skips DRF's
        # per-request field construction. Expects menuitem joined (selectors.cart_lines_for).
        menuitem = line.menuitem
        return {
            "id": line.pk,
            "menuitem": {"id": menuitem.pk, "title": menuitem.title},
            "quantity": line.quantity,
            "unit_price": _money(menuitem.price),
            "price": _money(menuitem.price * line.quantity),
        }


class CartAddSerializer(serializers.Serializer):
    menuitem_id = serializers.PrimaryKeyRelatedField(queryset=MenuItem.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=QUANTITY_MAX, default=1)


class CartQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=QUANTITY_MAX)


class OrderItemSerializer(serializers.ModelSerializer):
    menuitem_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="null once the dish left the menu."
    )

    class Meta:
        model = OrderItem
        fields = ["menuitem_id", "title", "quantity", "unit_price", "price"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)
    delivery_crew = UserRefSerializer(read_only=True, allow_null=True)
    items = OrderItemSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "user", "delivery_crew", "status", "total", "date", "items"]
        read_only_fields = fields

    def to_representation(self, order):
        # The fields above describe the shape (and the schema); order_json() builds it
        # directly, several times cheaper than DRF's field-by-field path. Expects user and
        # delivery_crew joined and items prefetched (selectors.order_list_for).
        return order_json(
            {
                "id": order.pk,
                "user_id": order.user_id,
                "user__username": order.user.username,
                "delivery_crew_id": order.delivery_crew_id,
                "delivery_crew__username": getattr(order.delivery_crew, "username", None),
                "status": order.status,
                "total": order.total,
                "date": order.date,
            },
            [
                {
                    "menuitem_id": item.menuitem_id,
                    "title": item.title,
                    "quantity": item.quantity,
                    "unit_price": item.unit_price,
                    "price": item.price,
                }
                for item in order.items.all()
            ],
        )


def order_json(row: dict, lines: list[dict]) -> dict:
    """An order as API.md shows it, from the rows of selectors.order_rows()."""
    crew_id = row["delivery_crew_id"]
    return {
        "id": row["id"],
        "user": {"id": row["user_id"], "username": row["user__username"]},
        "delivery_crew": (
            None if crew_id is None else {"id": crew_id, "username": row["delivery_crew__username"]}
        ),
        "status": row["status"],
        "total": _money(row["total"]),
        "date": row["date"].isoformat(),
        "items": [
            {
                "menuitem_id": line["menuitem_id"],
                "title": line["title"],
                "quantity": line["quantity"],
                "unit_price": _money(line["unit_price"]),
                "price": _money(line["price"]),
            }
            for line in lines
        ],
    }


def _money(value) -> str:
    return format(value, ".2f")


class OrderUpdateSerializer(serializers.Serializer):
    """What a manager may change on an order."""

    delivery_crew = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        allow_null=True,
        help_text="Id of a member of the Delivery crew group, or null to unassign.",
    )
    status = serializers.BooleanField(help_text="true once delivered.")


class OrderStatusSerializer(serializers.Serializer):
    """What the assigned delivery crew member may change on an order."""

    status = serializers.BooleanField(help_text="true once delivered.")


# --- Accounts (configured in settings.DJOSER) ----------------------------------------------


class AccountSerializer(djoser_serializers.UserSerializer):
    email = OptionalEmailField(required=False, allow_blank=True, max_length=254)


class AccountCreateSerializer(djoser_serializers.UserCreateSerializer):
    email = OptionalEmailField(required=False, allow_blank=True, max_length=254)


class _ValidatedUidMixin:
    """Djoser decodes `uid` from the raw input; a JSON number there raised a 500.

    The fields have been validated (and coerced to strings) by the time validate() runs, so
    hand Djoser those instead.
    """

    def validate(self, attrs):
        self.initial_data = {"uid": attrs.get("uid", ""), "token": attrs.get("token", "")}
        return super().validate(attrs)


class ActivationSerializer(_ValidatedUidMixin, djoser_serializers.ActivationSerializer):
    pass


class PasswordResetConfirmSerializer(
    _ValidatedUidMixin, djoser_serializers.PasswordResetConfirmSerializer
):
    pass


class UsernameResetConfirmSerializer(
    _ValidatedUidMixin, djoser_serializers.UsernameResetConfirmSerializer
):
    pass


class EmailResetSerializer(djoser_serializers.SendEmailResetSerializer):
    """Djoser's reset request, safe when several accounts share an email (Django allows it).

    Djoser looked the address up with get(), a 500 on a shared address. The answer stays the
    same whether or not the address is known, so it reveals nothing about who is registered.
    """

    def get_user(self, is_active=True):
        email = self.data.get(self.email_field, "")
        users = User.objects.filter(is_active=is_active, **{self.email_field: email})
        return next((user for user in users.order_by("id") if user.has_usable_password()), None)
