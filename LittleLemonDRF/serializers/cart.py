"""The caller's cart: its lines and the changes a client sends."""

from rest_framework import serializers

from ..models import QUANTITY_MAX, QUANTITY_RULE, Cart, MenuItem
from .engine import AliasMixin, FastReadMixin, ModelSerializer, bounds
from .menu import MenuItemRefSerializer
from .options import CartChoiceSerializer, choice_ids_field, line_note_field


class CartLineSerializer(FastReadMixin, ModelSerializer):
    """A cart line, priced from the menu as it is now."""

    rows = False  # the prices are Cart's properties

    menuitem = MenuItemRefSerializer(read_only=True)
    unit_price = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    price = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True)
    choices = CartChoiceSerializer(many=True, read_only=True, source="picked_choices")

    class Meta:
        model = Cart
        fields = ["id", "menuitem", "quantity", "unit_price", "price", "choices", "note"]
        read_only_fields = fields


class CartAddSerializer(AliasMixin, serializers.Serializer):
    aliases = {"menuitem": "menuitem_id"}

    menuitem_id = serializers.PrimaryKeyRelatedField(
        queryset=MenuItem.objects.all(), help_text="The dish (or send it as `menuitem`)."
    )
    menuitem = serializers.PrimaryKeyRelatedField(
        queryset=MenuItem.objects.all(),
        required=False,
        help_text="Another name for `menuitem_id`; both with different values is a 400.",
    )
    quantity = serializers.IntegerField(**bounds(1, QUANTITY_MAX, QUANTITY_RULE), default=1)
    choices = choice_ids_field()
    note = line_note_field()


class CartQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(**bounds(1, QUANTITY_MAX, QUANTITY_RULE))
