"""Ordering in one request: `items` runs the cart's rules and the order's, and leaves the cart
alone."""

import pytest

from LittleLemonDRF.models import Cart, Order
from tests.factories import add_to_cart, make_menu_item
from tests.test_options import burger_with_options

ORDERS = "/api/orders"


@pytest.mark.django_db
def test_items_place_an_order_and_leave_the_cart_alone(
    manager_client, customer_client, customer_user
):
    burger, choices = burger_with_options(manager_client)
    cola = make_menu_item("Cola", "3.00")
    cola.stock = 10
    cola.save()
    add_to_cart(customer_user, cola, 2)

    response = customer_client.post(
        ORDERS,
        {
            "items": [
                {"menuitem_id": burger.pk, "choices": [choices["medium"]], "note": "no onions"},
                {"menuitem_id": cola.pk, "quantity": 3},
            ],
            "tip": "1.00",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert [(i["title"], i["quantity"], i["note"]) for i in body["items"]] == [
        ("Burger", 1, "no onions"),
        ("Cola", 3, ""),
    ]
    assert (body["subtotal"], body["tip"], body["total"]) == ("19.00", "1.00", "20.00")
    assert Cart.objects.get(user=customer_user).quantity == 2
    cola.refresh_from_db()
    assert cola.stock == 7


@pytest.mark.django_db
def test_every_refused_line_is_named_by_position(manager_client, customer_client):
    burger, choices = burger_with_options(manager_client)

    response = customer_client.post(
        ORDERS,
        {
            "items": [
                {"menuitem_id": burger.pk, "choices": [choices["medium"]]},
                {"menuitem_id": burger.pk, "choices": []},
            ]
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["items"][0] == {}
    assert "Cooking" in response.json()["items"][1]["choices"][0]
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("items", [[], [{"quantity": 1}], [{"menuitem_id": 1, "quantity": 0}]])
def test_bad_items_are_a_400(customer_client, items):
    response = customer_client.post(ORDERS, {"items": items}, format="json")

    assert response.status_code == 400
    assert "items" in response.json()
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_items_beyond_stock_are_the_stock_409(customer_client):
    dish = make_menu_item("Pie")
    dish.stock = 2
    dish.save()

    response = customer_client.post(
        ORDERS,
        {"items": [{"menuitem_id": dish.pk, "quantity": 2}, {"menuitem_id": dish.pk, "note": "x"}]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["unavailable"][0]["left"] == 2
    dish.refresh_from_db()
    assert dish.stock == 2
    assert not Order.objects.exists()
