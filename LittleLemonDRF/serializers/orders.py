"""Orders: the one shape every answer about an order uses, and what a client sends."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework import serializers

from .. import order_policy
from ..models import (
    NOTE_MAX,
    QUANTITY_MAX,
    QUANTITY_RULE,
    MenuItem,
    Order,
    OrderItem,
    OrderStateChange,
)
from .common import UserRefSerializer
from .engine import AliasMixin, BooleanField, FastReadMixin, ModelSerializer, bounds
from .options import OrderChoicesField, RefundSerializer, choice_ids_field, line_note_field
from .restaurant import AwareDateTimeField

User = get_user_model()


class OrderItemSerializer(FastReadMixin, ModelSerializer):
    menuitem_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="null once the dish left the menu."
    )

    choices = OrderChoicesField(read_only=True)

    class Meta:
        model = OrderItem
        fields = [
            "id",
            "menuitem_id",
            "title",
            "quantity",
            "unit_price",
            "price",
            "choices",
            "note",
        ]
        read_only_fields = fields


class OrderStateChangeSerializer(FastReadMixin, ModelSerializer):
    """One state an order has been in: when, who moved it there, and why."""

    by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = OrderStateChange
        fields = ["state", "at", "by", "reason"]
        read_only_fields = fields


class OrderSerializer(FastReadMixin, ModelSerializer):
    """An order, the one shape every answer about an order uses.

    Expects user and delivery_crew joined and `lines` and `changes` read
    (selectors.order_list_for, or the order services.order_place returns). `moves` is the
    caller's: the context's `viewer` (a user or an order_policy.Viewer), else its request's
    user; with neither (a webhook payload) it is empty.
    """

    user = UserRefSerializer(read_only=True)
    delivery_crew = UserRefSerializer(read_only=True, allow_null=True)
    status = BooleanField(
        read_only=True, help_text="true exactly when state is delivered or picked_up."
    )
    items = OrderItemSerializer(many=True, read_only=True, source="lines")
    placed_at = serializers.DateTimeField(read_only=True, source="created_at")
    history = OrderStateChangeSerializer(
        many=True, read_only=True, source="history_entries", help_text="Oldest first."
    )
    refunds = RefundSerializer(
        many=True, read_only=True, source="refund_list", help_text="Oldest first."
    )
    total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        help_text="subtotal + delivery_fee + tip, plus tax when it is added to the prices.",
    )
    tax = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        help_text="At the restaurant's tax_rate on subtotal + delivery_fee; never on the tip.",
    )
    refunded = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="The sum of the refunds."
    )
    moves = serializers.ListField(
        child=serializers.ChoiceField(Order.State.choices),
        read_only=True,
        help_text=(
            "The states the caller may move this order to now, in the transition table's "
            "order (the list a 409's `allowed` gives); [] when none. Always [] in webhook "
            "payloads, which have no caller."
        ),
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "user",
            "delivery_crew",
            "status",
            "total",
            "subtotal",
            "delivery_fee",
            "tip",
            "tax",
            "refunded",
            "date",
            "items",
            "state",
            "fulfilment",
            "payment_method",
            "payment_status",
            "eta",
            "note",
            "cancel_reason",
            "slot",
            "asap",
            "placed_at",
            "refunds",
            "history",
            "moves",
        ]
        read_only_fields = fields

    @property
    def _readable_fields(self):
        # `moves` is the caller's, not the order's: the order's own fields are read fast
        # (FastReadMixin), and to_representation / from_row add the caller's moves.
        return (field for field in super()._readable_fields if field.field_name != "moves")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        viewer = self._viewer()
        data["moves"] = [] if viewer is None else order_policy.allowed_states(viewer, instance)
        return data

    @classmethod
    def from_row(cls, row: dict, viewer=None) -> dict:
        """The order from a values() row, with the moves of `viewer` (None: no caller)."""
        data = super().from_row(row)
        data["moves"] = [] if viewer is None else order_policy.allowed_states(viewer, _Facts(row))
        return data

    def _viewer(self):
        if "viewer" not in self.context:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            self.context["viewer"] = (
                order_policy.Viewer.of(user) if user and user.is_authenticated else None
            )
        return self.context["viewer"]


class _Facts:
    """What order_policy reads of an order, from a values() row of OrderSerializer's paths."""

    __slots__ = ("delivery_crew_id", "fulfilment", "state", "user_id")

    def __init__(self, row: dict):
        self.state, self.fulfilment = row["state"], row["fulfilment"]
        self.user_id, self.delivery_crew_id = row["user__id"], row["delivery_crew__id"]


class OrderSummarySerializer(OrderSerializer):
    """An order as lists show it: the same shape without its history."""

    history = None
    refunds = None

    class Meta(OrderSerializer.Meta):
        fields = [n for n in OrderSerializer.Meta.fields if n not in ("history", "refunds")]
        read_only_fields = fields


ITEMS_MAX = 50


class OrderLineInSerializer(serializers.Serializer):
    """A line of an order placed in one request."""

    menuitem_id = serializers.PrimaryKeyRelatedField(queryset=MenuItem.objects.all())
    quantity = serializers.IntegerField(**bounds(1, QUANTITY_MAX, QUANTITY_RULE), default=1)
    choices = choice_ids_field()
    note = line_note_field()


class OrderCreateSerializer(serializers.Serializer):
    """What a customer chooses when placing an order; an empty body takes the defaults."""

    fulfilment = serializers.ChoiceField(Order.Fulfilment.choices, default="delivery")
    payment_method = serializers.ChoiceField(Order.PaymentMethod.choices, default="cash")
    note = serializers.CharField(
        max_length=NOTE_MAX, allow_blank=True, default="", help_text="For the kitchen."
    )
    scheduled_for = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text=(
            "The start of a slot (GET /api/slots), with its offset; null or absent: as soon as "
            "possible. A 400 while the fulfilment has no service hours."
        ),
    )
    tip = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=Decimal("999.99"),
        required=False,
        help_text="An amount, 0.00..999.99; or send tip_percent. Never taxed.",
    )
    tip_percent = serializers.IntegerField(
        min_value=0, max_value=100, required=False, help_text="A whole percent of the subtotal."
    )
    items = OrderLineInSerializer(
        many=True,
        required=False,
        allow_empty=False,
        max_length=ITEMS_MAX,
        help_text=(
            f"1..{ITEMS_MAX} lines to order instead of the cart, judged by the cart's rules; "
            "the cart is left as it is."
        ),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "tip" in attrs and "tip_percent" in attrs:
            raise serializers.ValidationError({"tip": ["Send tip or tip_percent, not both."]})
        return attrs


class OrderUpdateSerializer(AliasMixin, serializers.Serializer):
    """A change to an order; `fields` keeps only those the caller may change (order_policy).

    PUT needs `delivery_crew` (or `delivery_crew_id`) and `status`, as in the course; a PATCH
    needs one field.
    """

    aliases = {"delivery_crew_id": "delivery_crew"}

    delivery_crew = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        allow_null=True,
        help_text=(
            "Id of a member of the Delivery crew group, or null to unassign (or send it as "
            "`delivery_crew_id`)."
        ),
    )
    delivery_crew_id = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        allow_null=True,
        required=False,
        help_text="Another name for `delivery_crew`; both with different values is a 400.",
    )
    status = BooleanField(
        help_text="true: delivered (picked up); false on a delivered order: back a step."
    )
    state = serializers.ChoiceField(Order.State.choices, required=False)
    eta = serializers.DateTimeField(
        required=False, help_text="With state accepted or preparing only."
    )
    reason = serializers.CharField(
        max_length=NOTE_MAX,
        required=False,
        help_text="With state only; required to cancel an order already accepted.",
    )
    payment_status = serializers.ChoiceField(Order.PaymentStatus.choices, required=False)
    slot = AwareDateTimeField(
        required=False,
        help_text=(
            "Managers: move a scheduled, placed or accepted order to the slot starting then; "
            "checked as a new order's (409 when full)."
        ),
    )

    def __init__(self, *args, fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = set(fields or self.fields)
        allowed |= {alias for alias, name in self.aliases.items() if name in allowed}
        refused = set(self.fields) - allowed
        for name in refused:
            del self.fields[name]
        if refused:
            # Who may not send every field may not replace the order either: the service
            # refuses that (403), so no field is required of them here.
            for field in self.fields.values():
                field.required = False

    def validate(self, attrs):
        # A body naming only fields the caller may not change is the service's to refuse.
        if not attrs and not self.names_sent(self.initial_data):
            raise serializers.ValidationError(
                {name: ["Send at least one field to change."] for name in self.fields}
            )
        if "state" in attrs and "status" in attrs:
            raise serializers.ValidationError({"status": ["Send state or status, not both."]})
        for name in ("eta", "reason"):
            if name in attrs and "state" not in attrs:
                raise serializers.ValidationError({name: [f"{name} goes with a state."]})
        if "eta" in attrs and attrs["state"] not in order_policy.ETA_STATES:
            raise serializers.ValidationError(
                {"eta": [f"An eta goes with {' or '.join(sorted(order_policy.ETA_STATES))}."]}
            )
        return attrs
