"""JSON in and out, and field validation."""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Manager
from django.http import QueryDict
from djoser import serializers as djoser_serializers
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings

from . import order_policy
from .errors import RatingMoved
from .models import (
    NOTE_MAX,
    PRICE_MAX,
    PRICE_MIN,
    PRICE_RULE,
    QUANTITY_MAX,
    QUANTITY_RULE,
    RATING_MAX,
    RATING_MIN,
    RATING_RULE,
    STOCK_MAX,
    STOCK_RULE,
    WEBHOOK_URL_MAX,
    Cart,
    Category,
    MenuItem,
    Order,
    OrderEvent,
    OrderItem,
    OrderStateChange,
    Rating,
    Webhook,
    WebhookDelivery,
)

User = get_user_model()


class BooleanField(serializers.BooleanField):
    """A boolean that a form body leaves out takes its default, as in a JSON body.

    DRF reads an absent HTML checkbox as False, so a form that did not mention `available`
    switched the dish off. Every serializer here takes booleans from this class: declared
    ones by name, model ones through ModelSerializer's mapping.
    """

    default_empty_html = empty


class ModelSerializer(serializers.ModelSerializer):
    """The project's ModelSerializer: model booleans become the BooleanField above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: BooleanField,
    }


class AliasMixin:
    """Fields that also answer to a second name, as other course clients send them.

    `aliases` maps the second name to the field's. The second is read as the first before
    any field runs, so it gets the same validation and messages; it is declared as a field
    too, optional, so that the schema shows it. Both sent with different values is a 400.
    """

    aliases: dict[str, str] = {}

    @classmethod
    def names_sent(cls, data) -> set[str]:
        """The field names a body sends, aliases read as the names they stand for."""
        return {cls.aliases.get(n, n) for n in data} if isinstance(data, Mapping) else set()

    def to_internal_value(self, data):
        sent = [(a, n) for a, n in self.aliases.items() if isinstance(data, Mapping) and a in data]
        if sent:
            form = isinstance(data, QueryDict)
            data = data.copy() if form else dict(data)  # a QueryDict's copy keeps its lists
            get = data.getlist if form else data.__getitem__
            put = data.setlist if form else data.__setitem__
            for alias, name in sent:
                if name in data and str(get(name)) != str(get(alias)):
                    raise serializers.ValidationError(
                        {name: [f"{alias} is another name for {name}; they differ. Send one."]}
                    )
                put(name, get(alias))
                del data[alias]
        return super().to_internal_value(data)


class FastReadMixin:
    """Output built from the declared fields, from model instances or from values() rows.

    The declared fields stay the one definition of the shape (and of the schema). From them,
    once per class, each field gets a reader, which skips DRF's per-request field construction
    and its generic per-value steps (attribute lookup by source, None checks) and leaves a
    value as it is where the model's value already is its JSON value; other values still
    convert through the field's own to_representation. Such a serializer's shape is its
    class's: it takes no per-instance `fields`.

    from_row() gives the same shape from a row of `QuerySet.values(*cls.value_paths())`, so a
    page of many objects can be read without building model instances; a list field reads
    the rows the caller put under its source name.
    """

    def to_representation(self, instance):
        return {name: read(instance) for name, read in _plan(type(self)).readers}

    @classmethod
    def from_row(cls, row: dict) -> dict:
        return {name: read(row) for name, read in _plan(cls).row_readers("")}

    @classmethod
    def value_paths(cls, prefix: str = "") -> list[str]:
        """The values() lookups from_row() reads, list fields aside."""
        paths = []
        for field in _plan(cls).fields:
            if isinstance(field, serializers.ListSerializer):
                continue
            lookup = prefix + field.source.replace(".", "__")
            if isinstance(field, FastReadMixin):
                paths += type(field).value_paths(lookup + "__")
            else:
                paths.append(lookup)
        return paths


@dataclass
class _Plan:
    """A FastReadMixin class's readable fields and their readers, built once."""

    fields: list
    readers: list
    by_prefix: dict

    def row_readers(self, prefix: str) -> list:
        if prefix not in self.by_prefix:
            self.by_prefix[prefix] = [(f.field_name, _row_reader(f, prefix)) for f in self.fields]
        return self.by_prefix[prefix]


@functools.cache
def _plan(cls) -> _Plan:
    fields = list(cls()._readable_fields)
    return _Plan(fields, [(f.field_name, _reader(f)) for f in fields], {})


# Fields whose model value is its own JSON value.
_AS_IS = (
    serializers.IntegerField,
    serializers.BooleanField,
    BooleanField,
    serializers.CharField,
    serializers.ReadOnlyField,
)


def _converter(field):
    """None when the value is its JSON value, else its conversion."""
    if type(field) in _AS_IS:
        return None
    if isinstance(field, serializers.DecimalField) and _plain_decimal(field):
        # What DRF's DecimalField gives for a value the model stored with these places.
        return f"{{:.{field.decimal_places}f}}".format
    return field.to_representation


def _plain_decimal(field) -> bool:
    as_string = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    return as_string and not (field.localize or field.normalize_output or field.rounding)


def _reader(field):
    if field.source == "*":
        return field.to_representation  # computed from the whole object
    get = attrgetter(field.source)
    if isinstance(field, serializers.ListSerializer):
        child = field.child.to_representation

        def read_many(obj):
            rows = get(obj)
            return [child(row) for row in (rows.all() if isinstance(rows, Manager) else rows)]

        return read_many
    return _converted(get, _converter(field))


def _row_reader(field, prefix: str):
    lookup = prefix + field.source.replace(".", "__")
    if isinstance(field, serializers.ListSerializer):
        child = type(field.child).from_row
        return lambda row: [child(line) for line in row[field.source]]
    if isinstance(field, FastReadMixin):
        # A related object: absent when its primary key is (a NULL foreign key).
        pk = f"{lookup}__{field.Meta.model._meta.pk.name}"
        nested = _plan(type(field)).row_readers(lookup + "__")
        return lambda row: None if row[pk] is None else {n: read(row) for n, read in nested}
    return _converted(itemgetter(lookup), _converter(field))


def _converted(get, convert):
    if convert is None:
        return get

    def read(obj):
        value = get(obj)
        return None if value is None else convert(value)

    return read


def _bounds(low, high, message: str) -> dict:
    """min_value and max_value for a field, both refused with the rule's one message."""
    return {
        "min_value": low,
        "max_value": high,
        "error_messages": {"min_value": message, "max_value": message},
    }


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}],
        "description": "An email address, or empty when none was given.",
    }
)
class OptionalEmailField(serializers.EmailField):
    """Django's users may have no email: the schema must allow "" as well as an address."""


class UserRefSerializer(FastReadMixin, ModelSerializer):
    """How a user appears inside other objects."""

    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class GroupMemberSerializer(ModelSerializer):
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
        max_digits=6, decimal_places=2, **_bounds(PRICE_MIN, PRICE_MAX, PRICE_RULE)
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
        **_bounds(0, STOCK_MAX, STOCK_RULE),
        help_text="Portions left, or null when not counted (the default).",
    )
    orderable = BooleanField(
        read_only=True, help_text="available, and where stock is counted, stock > 0."
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
    rating = serializers.IntegerField(**_bounds(RATING_MIN, RATING_MAX, RATING_RULE))

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


class CartLineSerializer(FastReadMixin, ModelSerializer):
    """A cart line, priced from the menu as it is now."""

    menuitem = MenuItemRefSerializer(read_only=True)
    unit_price = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    price = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True)

    class Meta:
        model = Cart
        fields = ["id", "menuitem", "quantity", "unit_price", "price"]
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
    quantity = serializers.IntegerField(**_bounds(1, QUANTITY_MAX, QUANTITY_RULE), default=1)


class CartQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(**_bounds(1, QUANTITY_MAX, QUANTITY_RULE))


class OrderItemSerializer(FastReadMixin, ModelSerializer):
    menuitem_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="null once the dish left the menu."
    )

    class Meta:
        model = OrderItem
        fields = ["menuitem_id", "title", "quantity", "unit_price", "price"]
        read_only_fields = fields


class OrderStateChangeSerializer(ModelSerializer):
    by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = OrderStateChange
        fields = ["state", "at", "by", "reason"]
        read_only_fields = fields


class OrderSerializer(FastReadMixin, ModelSerializer):
    """An order, the one shape every answer about an order uses.

    Expects user and delivery_crew joined and `lines` and `changes` read
    (selectors.order_list_for, or the order services.order_place returns).
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

    class Meta:
        model = Order
        fields = [
            "id",
            "user",
            "delivery_crew",
            "status",
            "total",
            "date",
            "items",
            "state",
            "fulfilment",
            "payment_method",
            "payment_status",
            "eta",
            "note",
            "cancel_reason",
            "placed_at",
            "history",
        ]
        read_only_fields = fields


class OrderSummarySerializer(OrderSerializer):
    """An order as lists show it: the same shape without its history."""

    history = None

    class Meta(OrderSerializer.Meta):
        fields = [name for name in OrderSerializer.Meta.fields if name != "history"]
        read_only_fields = fields


class OrderCreateSerializer(serializers.Serializer):
    """What a customer chooses when placing an order; an empty body takes the defaults."""

    fulfilment = serializers.ChoiceField(Order.Fulfilment.choices, default="delivery")
    payment_method = serializers.ChoiceField(Order.PaymentMethod.choices, default="cash")
    note = serializers.CharField(
        max_length=NOTE_MAX, allow_blank=True, default="", help_text="For the kitchen."
    )


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

    def __init__(self, *args, fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = set(fields or self.fields)
        allowed |= {alias for alias, name in self.aliases.items() if name in allowed}
        for name in set(self.fields) - allowed:
            del self.fields[name]

    def validate(self, attrs):
        if not attrs:
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


# --- Webhooks -------------------------------------------------------------------------------


class WebhookSerializer(ModelSerializer):
    """A registered endpoint, as lists and reads show it: never with its secret."""

    url = serializers.CharField(
        max_length=WEBHOOK_URL_MAX,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=(
            "http or https. A host that is or resolves to a loopback, private, link-local or "
            "otherwise reserved address is refused (unless the server allows it)."
        ),
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(OrderEvent.Type.choices),
        allow_empty=False,
        help_text="The event types to receive, each at most once.",
    )
    created_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "created", "created_by"]
        read_only_fields = ["id", "created", "created_by"]

    def validate_url(self, url: str) -> str:
        try:
            port = urlsplit(url).port
        except ValueError:  # out of range: urlsplit refuses it
            port = 0
        if port == 0:
            raise serializers.ValidationError("The port must be a number from 1 to 65535.")
        return url

    def validate_events(self, events: list[str]) -> list[str]:
        if len(set(events)) != len(events):
            raise serializers.ValidationError("Name each event type at most once.")
        return events


class WebhookCreatedSerializer(WebhookSerializer):
    """A webhook just registered: the one answer that shows its secret."""

    secret = serializers.CharField(
        read_only=True,
        help_text=(
            "Signs every delivery (LittleLemon-Signature). Shown in this response only: keep it."
        ),
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookDeliverySerializer(ModelSerializer):
    event_id = serializers.IntegerField(read_only=True, help_text="The event's id (its order).")
    event = serializers.ChoiceField(OrderEvent.Type.choices, source="event.type", read_only=True)
    next_attempt_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it is tried next; null once settled."
    )

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event_id", "event", *WebhookDelivery.OUTCOME_FIELDS]
        read_only_fields = fields
