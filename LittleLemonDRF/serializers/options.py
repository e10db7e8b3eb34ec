"""Dish options (groups and their choices), allergen and diet codes, and refunds."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    ALLERGENS,
    DELTA_MAX,
    DELTA_RULE,
    DIETS,
    GROUP_PICKS_MAX,
    GROUP_RULE,
    LINE_NOTE_MAX,
    NOTE_MAX,
    MenuItem,
    OptionChoice,
    OptionGroup,
    Refund,
)
from .common import UserRefSerializer
from .engine import BooleanField, FastReadMixin, ModelSerializer, bounds

PICKS_MAX = 50  # choice ids one line may send


class CodesField(serializers.ListField):
    """A set of codes from a fixed list, shown sorted; an unknown code is a 400."""

    def __init__(self, codes, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", f"A sorted array of: {', '.join(codes)}.")
        super().__init__(child=serializers.ChoiceField(choices=codes), **kwargs)

    def to_internal_value(self, data):
        return sorted(set(super().to_internal_value(data)))


def allergens_field(**kwargs):
    return CodesField(ALLERGENS, **kwargs)


def diets_field(**kwargs):
    return CodesField(DIETS, **kwargs)


def _delta(**kwargs):
    return serializers.DecimalField(
        max_digits=5, decimal_places=2, **bounds(0, DELTA_MAX, DELTA_RULE), **kwargs
    )


class OptionChoiceSerializer(ModelSerializer):
    """One answer to a group's question; `PATCH {"available": false}` switches it off."""

    group_id = serializers.PrimaryKeyRelatedField(
        source="group", queryset=OptionGroup.objects.all(), write_only=True
    )
    price_delta = _delta()
    available = BooleanField(required=False, help_text="false switches the choice off.")
    allergens = allergens_field()

    class Meta:
        model = OptionChoice
        fields = ["id", "group_id", "name", "price_delta", "available", "allergens"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # a choice stays in its group
            fields["group_id"].read_only = True
        return fields


class NewChoiceSerializer(OptionChoiceSerializer):
    """A choice created with its group."""

    class Meta(OptionChoiceSerializer.Meta):
        fields = ["id", "name", "price_delta", "available", "allergens"]


class OptionGroupSerializer(ModelSerializer):
    """A question a dish asks: pick between `min` and `max` of its choices."""

    menuitem_id = serializers.PrimaryKeyRelatedField(
        source="menuitem", queryset=MenuItem.objects.all(), write_only=True
    )
    min = serializers.IntegerField(**bounds(0, GROUP_PICKS_MAX, GROUP_RULE))
    max = serializers.IntegerField(**bounds(1, GROUP_PICKS_MAX, GROUP_RULE))
    position = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    choices = NewChoiceSerializer(
        many=True, required=False, help_text="On creation only: the group's first choices."
    )

    class Meta:
        model = OptionGroup
        fields = ["id", "menuitem_id", "name", "min", "max", "position", "choices"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # a group stays on its dish; choices have their path
            fields["menuitem_id"].read_only = True
            fields["choices"].read_only = True
        return fields

    def validate(self, attrs):
        low = attrs.get("min", getattr(self.instance, "min", 0))
        high = attrs.get("max", getattr(self.instance, "max", 1))
        if low > high:
            raise serializers.ValidationError({"max": [GROUP_RULE]})
        return attrs


class MenuChoiceSerializer(FastReadMixin, ModelSerializer):
    class Meta:
        model = OptionChoice
        fields = ["id", "name", "price_delta", "available", "allergens"]
        read_only_fields = fields

    allergens = serializers.ListField(child=serializers.CharField(), read_only=True)


class MenuGroupSerializer(FastReadMixin, ModelSerializer):
    """A group as the dish shows it, choices by id (read through the menu's prefetch)."""

    choices = MenuChoiceSerializer(many=True, read_only=True)

    class Meta:
        model = OptionGroup
        fields = ["id", "name", "min", "max", "position", "choices"]
        read_only_fields = fields


class CartChoiceSerializer(FastReadMixin, ModelSerializer):
    """A choice a cart line picked, priced as it is now."""

    rows = False

    class Meta:
        model = OptionChoice
        fields = ["id", "name", "price_delta"]
        read_only_fields = fields


class OrderChoiceSerializer(serializers.Serializer):
    """A choice as it was when the order was placed."""

    name = serializers.CharField()
    price_delta = serializers.DecimalField(max_digits=5, decimal_places=2)


def choice_ids_field():
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        max_length=PICKS_MAX,
        default=list,
        help_text="Ids of the dish's choices; each group's picks within its min..max.",
    )


def line_note_field():
    return serializers.CharField(
        max_length=LINE_NOTE_MAX, allow_blank=True, default="", help_text='"no onions"'
    )


class RefundLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="An order line.")
    quantity = serializers.IntegerField(min_value=1, max_value=100)


class RefundCreateSerializer(serializers.Serializer):
    """Some lines of the order, or an amount; a reason either way."""

    reason = serializers.CharField(max_length=NOTE_MAX)
    lines = RefundLineSerializer(many=True, required=False, allow_empty=False, max_length=50)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False
    )

    def validate(self, attrs):
        if ("lines" in attrs) == ("amount" in attrs):
            raise serializers.ValidationError({"detail": ["Send lines or an amount, one of them."]})
        return attrs


@extend_schema_field(RefundLineSerializer(many=True))
class RefundLinesField(serializers.JSONField):
    """The lines a refund gave back, `[]` for an amount refund."""


@extend_schema_field(OrderChoiceSerializer(many=True))
class OrderChoicesField(serializers.JSONField):
    """An order line's choices as they were when it was placed."""


class RefundSerializer(FastReadMixin, ModelSerializer):
    """Money given back on an order."""

    by = UserRefSerializer(read_only=True, allow_null=True)
    lines = RefundLinesField(read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "amount", "lines", "reason", "by", "at"]
        read_only_fields = fields
