"""The shared cache of carts: each customer's own, and every change to the cart or to its
dishes shows in the very next read."""

import os
import time

import pytest
from django.core.cache import cache
from django.test import Client

from LittleLemonDRF import caching
from LittleLemonDRF.models import Cart
from tests.factories import make_menu_item

CART = "/api/cart/menu-items"
ON_REDIS = bool(os.environ.get("REDIS_URL"))


@pytest.fixture
def dish(db):
    return make_menu_item("Greek Salad", "12.50")


def _lines(response):
    assert response.status_code == 200, response.content
    return [(ln["menuitem"]["title"], ln["quantity"], ln["price"]) for ln in response.json()]


def test_a_second_read_of_the_cart_costs_only_the_credentials_query(
    token_client, customer_user, dish, django_assert_num_queries
):
    client = token_client(customer_user)
    client.post(CART, {"menuitem_id": dish.pk, "quantity": 2})
    first = client.get(CART)
    with django_assert_num_queries(1):  # the token, its user and roles: never cached
        second = client.get(CART)
    assert second.json() == first.json()
    assert _lines(second) == [("Greek Salad", 2, "25.00")]


def test_every_change_to_the_cart_shows_in_the_next_read(customer_client, dish):
    other = make_menu_item("Moussaka", "16.00")
    assert _lines(customer_client.get(CART)) == []
    customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 1})
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 1, "12.50")]
    customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 2})
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 3, "37.50")]
    line = customer_client.post(CART, {"menuitem_id": other.pk}).json()["id"]
    assert len(_lines(customer_client.get(CART))) == 2
    customer_client.patch(f"{CART}/{line}", {"quantity": 4})
    assert ("Moussaka", 4, "64.00") in _lines(customer_client.get(CART))
    customer_client.delete(f"{CART}/{line}")
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 3, "37.50")]
    customer_client.delete(CART)
    assert _lines(customer_client.get(CART)) == []


def test_placing_an_order_empties_the_cart_at_once(customer_client, dish):
    customer_client.post(CART, {"menuitem_id": dish.pk})
    assert len(_lines(customer_client.get(CART))) == 1
    assert customer_client.post("/api/orders").status_code == 201
    assert _lines(customer_client.get(CART)) == []


def test_a_refused_order_leaves_the_cart_as_it_was(customer_client, manager_client, dish):
    customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 2})
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 2, "25.00")]
    manager_client.patch(f"/api/menu-items/{dish.pk}", {"stock": 1}, format="json")
    assert customer_client.post("/api/orders").status_code == 409
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 2, "25.00")]


def test_a_new_price_or_title_shows_in_the_cart_at_once(customer_client, manager_client, dish):
    customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 2})
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 2, "25.00")]
    manager_client.patch(
        f"/api/menu-items/{dish.pk}", {"price": "10.00", "title": "Horiatiki"}, format="json"
    )
    assert _lines(customer_client.get(CART)) == [("Horiatiki", 2, "20.00")]


def test_a_deleted_dish_leaves_the_cart_at_once(customer_client, manager_client, dish):
    customer_client.post(CART, {"menuitem_id": dish.pk})
    assert len(_lines(customer_client.get(CART))) == 1
    assert manager_client.delete(f"/api/menu-items/{dish.pk}").status_code == 204
    assert _lines(customer_client.get(CART)) == []


def test_carts_are_kept_apart(customer_client, other_customer_client, dish):
    customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 2})
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 2, "25.00")]
    assert _lines(other_customer_client.get(CART)) == []
    other_customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 5})
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 2, "25.00")]
    assert _lines(other_customer_client.get(CART)) == [("Greek Salad", 5, "62.50")]


def test_a_line_cleared_in_the_admin_leaves_the_cart_at_once(
    customer_client, customer_user, admin_user, dish
):
    customer_client.post(CART, {"menuitem_id": dish.pk})
    assert len(_lines(customer_client.get(CART))) == 1
    admin = Client()
    admin.force_login(admin_user)
    line = Cart.objects.get(user=customer_user)
    answer = admin.post(f"/admin/LittleLemonDRF/cart/{line.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302
    assert _lines(customer_client.get(CART)) == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_add_shows_in_the_next_read(token_client, customer_user):
    dish = make_menu_item("Greek Salad", "12.50")
    client = token_client(customer_user)
    assert _lines(client.get(CART)) == []
    client.post(CART, {"menuitem_id": dish.pk, "quantity": 3})
    assert _lines(client.get(CART)) == [("Greek Salad", 3, "37.50")]


# --- A cart's version is not kept for good ---------------------------------------------------


def _cart_version_key(user) -> str:
    return f"version:{caching.cart(user.pk)}"


@pytest.mark.skipif(ON_REDIS, reason="moves the local-memory cache's clock")
def test_a_cart_left_alone_for_a_week_leaves_nothing_behind_and_reads_right_after(
    customer_client, customer_user, dish, monkeypatch
):
    customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 1})
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 1, "12.50")]
    assert cache.get(_cart_version_key(customer_user)) is not None

    week_later = time.time() + caching.CART_VERSION_TTL + 1
    monkeypatch.setattr(time, "time", lambda: week_later)
    assert cache.get(_cart_version_key(customer_user)) is None

    customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 2})
    assert _lines(customer_client.get(CART)) == [("Greek Salad", 3, "37.50")]
    assert cache.get(_cart_version_key(customer_user)) is not None


@pytest.mark.skipif(not ON_REDIS, reason="needs Redis: set REDIS_URL")
def test_on_redis_a_cart_version_expires_within_a_week_and_the_menus_never(
    customer_client, customer_user, dish
):
    customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 1})
    customer_client.get(CART)

    assert 0 < cache.ttl(_cart_version_key(customer_user)) <= caching.CART_VERSION_TTL
    assert cache.ttl(f"version:{caching.MENU}") is None  # no expiry
