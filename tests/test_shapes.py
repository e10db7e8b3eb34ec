"""Shapes read fast: a FastReadMixin serializer refuses, when it is defined, a field its readers
cannot read, and the list (built from rows) shows an order as the detail (built from instances)
does."""

import pytest
from rest_framework import serializers

from LittleLemonDRF.models import Cart, Category, MenuItem, Order
from LittleLemonDRF.serializers import (
    CartLineSerializer,
    CategorySerializer,
    FastReadMixin,
    ModelSerializer,
    OrderSummarySerializer,
    UserRefSerializer,
)
from tests.factories import make_menu_item, make_order

ORDERS = "/api/orders"


def test_a_method_field_is_refused_when_the_class_is_defined():
    with pytest.raises(TypeError, match=r"^BadOrderSerializer\.label: SerializerMethodField"):

        class BadOrderSerializer(FastReadMixin, ModelSerializer):
            label = serializers.SerializerMethodField()

            class Meta:
                model = Order
                fields = ["id", "label"]

            def get_label(self, obj):
                return f"#{obj.pk}"


def test_a_nested_serializer_without_the_mixin_is_refused():
    with pytest.raises(TypeError, match=r"^BadDishSerializer\.category: .*CategorySerializer"):

        class BadDishSerializer(FastReadMixin, ModelSerializer):
            category = CategorySerializer(read_only=True)

            class Meta:
                model = MenuItem
                fields = ["id", "category"]


def test_a_list_of_plain_serializers_is_refused():
    class PlainDishSerializer(ModelSerializer):
        class Meta:
            model = MenuItem
            fields = ["id"]

    with pytest.raises(TypeError, match=r"^BadCategorySerializer\.dishes: .*PlainDishSerializer"):

        class BadCategorySerializer(FastReadMixin, ModelSerializer):
            dishes = PlainDishSerializer(many=True, read_only=True, source="menu_items")

            class Meta:
                model = Category
                fields = ["id", "dishes"]


@pytest.mark.parametrize(
    ("model", "name"),
    [(MenuItem, "orderable"), (Order, "is_open"), (Order, "history_entries")],
)
def test_a_property_source_is_refused(model, name):
    meta = type("Meta", (), {"model": model, "fields": ["id", name]})

    with pytest.raises(TypeError, match=rf"^Bad\.{name}: its source '{name}' is a method or prop"):
        type("Bad", (FastReadMixin, ModelSerializer), {"Meta": meta})


def test_an_instance_only_shape_may_read_properties_but_has_no_rows():
    class LineSerializer(FastReadMixin, ModelSerializer):
        rows = False

        class Meta:
            model = Cart
            fields = ["id", "unit_price", "price"]

    with pytest.raises(TypeError, match="LineSerializer has rows = False"):
        LineSerializer.from_row({"id": 1})
    with pytest.raises(TypeError, match=r"^Bad\.lines: its items' LineSerializer has no rows"):
        type(
            "Bad",
            (FastReadMixin, ModelSerializer),
            {
                "lines": LineSerializer(many=True, read_only=True),
                "Meta": type("Meta", (), {"model": Order, "fields": ["id", "lines"]}),
            },
        )
    assert CartLineSerializer.rows is False


def test_the_project_shapes_read_from_rows():
    # status is a property of Order, but a column of every Order query (its manager adds it).
    assert "status" in OrderSummarySerializer.value_paths()
    assert UserRefSerializer.value_paths("user__") == ["user__id", "user__username"]


def test_the_list_shows_an_order_as_the_detail_does(customer_client, customer_user, crew_user):
    dish = make_menu_item("Lemon Tart", "6.25")
    order = make_order(customer_user, [(dish, 3)], delivery_crew=crew_user)

    listed = customer_client.get(ORDERS)
    detail = customer_client.get(f"{ORDERS}/{order.pk}")

    assert listed.status_code == 200
    assert detail.status_code == 200
    [row] = listed.json()["results"]
    detail_only = ("refunds", "history")
    expected = {name: value for name, value in detail.json().items() if name not in detail_only}
    assert row == expected
    assert row["items"][0]["price"] == "18.75"
