"""The caller's own cart: /api/cart/menu-items and /api/cart/menu-items/{id}."""

from decimal import Decimal

import pytest

from LittleLemonDRF import services
from LittleLemonDRF.models import Cart
from tests.factories import add_to_cart, make_menu_item, make_menu_items

CART = "/api/cart/menu-items"


def _quantity(user, menuitem):
    return Cart.objects.get(user=user, menuitem=menuitem).quantity


# --- GET ------------------------------------------------------------------------------------


def test_customer_sees_cart_line_with_decimal_string_prices(customer_client, customer_user):
    dish = make_menu_item("Lemon Dessert", "12.50")
    line = add_to_cart(customer_user, dish, 2)

    response = customer_client.get(CART)

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": line.pk,
            "menuitem": {"id": dish.pk, "title": "Lemon Dessert"},
            "quantity": 2,
            "unit_price": "12.50",
            "price": "25.00",
            "choices": [],
            "note": "",
        }
    ]


def test_customer_sees_only_own_cart_lines(customer_client, customer_user, other_customer_user):
    mine = make_menu_item("Mine")
    theirs = make_menu_item("Theirs")
    add_to_cart(customer_user, mine)
    add_to_cart(other_customer_user, theirs)

    response = customer_client.get(CART)

    assert response.status_code == 200
    assert [row["menuitem"]["title"] for row in response.json()] == ["Mine"]


def test_empty_cart_is_an_empty_list(crew_client):
    response = crew_client.get(CART)

    assert response.status_code == 200
    assert response.json() == []


def test_cart_shows_current_menu_price(customer_client, customer_user):
    dish = make_menu_item(price="5.00")
    add_to_cart(customer_user, dish, 3)
    assert customer_client.get(CART).json()[0]["price"] == "15.00"

    dish.price = Decimal("7.25")
    services.menu_item_save(item=dish)  # as the API and the admin save a dish
    response = customer_client.get(CART)

    assert response.status_code == 200
    assert response.json()[0]["unit_price"] == "7.25"
    assert response.json()[0]["price"] == "21.75"


def test_anonymous_cannot_see_a_cart(api_client, db):
    response = api_client.get(CART)

    assert response.status_code == 401
    assert response.has_header("WWW-Authenticate")


@pytest.mark.parametrize("lines", [1, 30])
def test_cart_list_query_count_is_flat(
    customer_client, customer_user, django_assert_num_queries, lines
):
    for dish in make_menu_items(lines, price="2.00"):
        add_to_cart(customer_user, dish)

    # 1: the caller's cart lines joined to their menu items (force_authenticate: no auth query)
    with django_assert_num_queries(1):
        response = customer_client.get(CART)

    assert response.status_code == 200
    assert len(response.json()) == lines


# --- POST -----------------------------------------------------------------------------------


def test_customer_adds_item_to_cart(customer_client, customer_user):
    dish = make_menu_item("Bruschetta", "4.50")

    response = customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 2})

    assert response.status_code == 201
    body = response.json()
    assert body["menuitem"] == {"id": dish.pk, "title": "Bruschetta"}
    assert body["quantity"] == 2
    assert body["unit_price"] == "4.50"
    assert body["price"] == "9.00"
    assert body["id"] == Cart.objects.get(user=customer_user).pk


def test_customer_adds_item_with_form_encoded_body(customer_client, customer_user):
    dish = make_menu_item()

    response = customer_client.post(
        CART,
        f"menuitem_id={dish.pk}&quantity=3",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 201
    assert _quantity(customer_user, dish) == 3


def test_adding_same_item_again_adds_to_quantity(customer_client, customer_user):
    dish = make_menu_item(price="3.00")
    assert customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 2}).status_code == 201

    response = customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 3})

    assert response.status_code == 200
    assert response.json()["quantity"] == 5
    assert response.json()["price"] == "15.00"
    assert Cart.objects.filter(user=customer_user).count() == 1
    assert _quantity(customer_user, dish) == 5


def test_price_in_body_is_ignored(customer_client, customer_user):
    dish = make_menu_item(price="8.00")

    response = customer_client.post(
        CART, {"menuitem_id": dish.pk, "quantity": 2, "price": "0.01", "unit_price": "0.01"}
    )

    assert response.status_code == 201
    assert response.json()["unit_price"] == "8.00"
    assert response.json()["price"] == "16.00"


@pytest.mark.parametrize("quantity", [0, 101, -1, "abc"])
def test_out_of_range_or_bad_quantity_is_400(customer_client, customer_user, quantity):
    dish = make_menu_item()

    response = customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": quantity})

    assert response.status_code == 400
    assert "quantity" in response.json()
    assert not Cart.objects.filter(user=customer_user).exists()


def test_add_reaching_exactly_100_is_allowed(customer_client, customer_user):
    dish = make_menu_item()
    add_to_cart(customer_user, dish, 60)

    response = customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 40})

    assert response.status_code == 200
    assert _quantity(customer_user, dish) == 100


def test_add_taking_line_past_100_is_400_and_line_unchanged(customer_client, customer_user):
    dish = make_menu_item()
    add_to_cart(customer_user, dish, 60)

    response = customer_client.post(CART, {"menuitem_id": dish.pk, "quantity": 41})

    assert response.status_code == 400
    assert "quantity" in response.json()
    assert _quantity(customer_user, dish) == 60


def test_unknown_menuitem_id_is_400_on_menuitem_id(customer_client, customer_user):
    dish = make_menu_item()
    missing_id = dish.pk
    dish.delete()

    response = customer_client.post(CART, {"menuitem_id": missing_id, "quantity": 1})

    assert response.status_code == 400
    assert "menuitem_id" in response.json()
    assert not Cart.objects.filter(user=customer_user).exists()


def test_missing_menuitem_id_is_400(customer_client, customer_user):
    response = customer_client.post(CART, {"quantity": 1})

    assert response.status_code == 400
    assert "menuitem_id" in response.json()


def test_anonymous_cannot_add_to_cart(api_client, db):
    dish = make_menu_item()

    response = api_client.post(CART, {"menuitem_id": dish.pk, "quantity": 1})

    assert response.status_code == 401
    assert not Cart.objects.exists()


# --- DELETE (whole cart) --------------------------------------------------------------------


def test_customer_empties_own_cart_only(customer_client, customer_user, other_customer_user):
    first, second = make_menu_items(2)
    add_to_cart(customer_user, first)
    add_to_cart(customer_user, second)
    add_to_cart(other_customer_user, first, 4)

    response = customer_client.delete(CART)

    assert response.status_code == 204
    assert not Cart.objects.filter(user=customer_user).exists()
    assert _quantity(other_customer_user, first) == 4


def test_customer_empties_cart_with_trailing_slash(customer_client, customer_user):
    add_to_cart(customer_user, make_menu_item())

    response = customer_client.delete(f"{CART}/")

    assert response.status_code == 204
    assert not Cart.objects.filter(user=customer_user).exists()


def test_anonymous_cannot_empty_a_cart(api_client, customer_user):
    add_to_cart(customer_user, make_menu_item())

    response = api_client.delete(CART)

    assert response.status_code == 401
    assert Cart.objects.filter(user=customer_user).count() == 1


# --- One line: PATCH / DELETE ----------------------------------------------------------------


def test_customer_changes_quantity_of_own_line(customer_client, customer_user):
    dish = make_menu_item(price="2.50")
    line = add_to_cart(customer_user, dish, 1)

    response = customer_client.patch(f"{CART}/{line.pk}", {"quantity": 4})

    assert response.status_code == 200
    assert response.json()["quantity"] == 4
    assert response.json()["price"] == "10.00"
    line.refresh_from_db()
    assert line.quantity == 4


@pytest.mark.parametrize("quantity", [0, 101, "abc"])
def test_patch_with_bad_quantity_is_400_and_line_unchanged(
    customer_client, customer_user, quantity
):
    line = add_to_cart(customer_user, make_menu_item(), 5)

    response = customer_client.patch(f"{CART}/{line.pk}", {"quantity": quantity})

    assert response.status_code == 400
    assert "quantity" in response.json()
    line.refresh_from_db()
    assert line.quantity == 5


def test_customer_removes_own_line(customer_client, customer_user):
    keep, drop = make_menu_items(2)
    add_to_cart(customer_user, keep)
    line = add_to_cart(customer_user, drop)

    response = customer_client.delete(f"{CART}/{line.pk}")

    assert response.status_code == 204
    assert list(Cart.objects.filter(user=customer_user).values_list("menuitem_id", flat=True)) == [
        keep.pk
    ]


def test_customer_cannot_patch_another_users_line(customer_client, other_customer_user):
    line = add_to_cart(other_customer_user, make_menu_item(), 2)

    response = customer_client.patch(f"{CART}/{line.pk}", {"quantity": 9})

    assert response.status_code == 404
    line.refresh_from_db()
    assert line.quantity == 2


def test_customer_cannot_delete_another_users_line(customer_client, other_customer_user):
    line = add_to_cart(other_customer_user, make_menu_item(), 2)

    response = customer_client.delete(f"{CART}/{line.pk}")

    assert response.status_code == 404
    assert Cart.objects.filter(pk=line.pk).exists()


def test_anonymous_cannot_change_a_line(api_client, customer_user):
    line = add_to_cart(customer_user, make_menu_item(), 2)

    patch = api_client.patch(f"{CART}/{line.pk}", {"quantity": 9})
    delete = api_client.delete(f"{CART}/{line.pk}")

    assert patch.status_code == 401
    assert delete.status_code == 401
    line.refresh_from_db()
    assert line.quantity == 2


# --- `menuitem`, as other course clients send it -------------------------------------------


@pytest.mark.django_db
def test_menuitem_is_read_as_menuitem_id(customer_client, customer_user):
    item = make_menu_item()

    response = customer_client.post("/api/cart/menu-items", {"menuitem": item.pk, "quantity": 2})

    assert response.status_code == 201, response.content
    assert response.json()["menuitem"]["id"] == item.pk
    assert Cart.objects.get(user=customer_user, menuitem=item).quantity == 2


@pytest.mark.django_db
def test_menuitem_and_menuitem_id_agreeing_is_accepted(customer_client, customer_user):
    item = make_menu_item()
    body = {"menuitem": item.pk, "menuitem_id": str(item.pk)}

    response = customer_client.post("/api/cart/menu-items", body)

    assert response.status_code == 201, response.content
    assert Cart.objects.get(user=customer_user, menuitem=item).quantity == 1


@pytest.mark.django_db
def test_menuitem_and_menuitem_id_differing_is_400(customer_client, customer_user):
    first, second = make_menu_item(), make_menu_item()
    body = {"menuitem": first.pk, "menuitem_id": second.pk}

    response = customer_client.post("/api/cart/menu-items", body)

    assert response.status_code == 400
    assert response.json() == {
        "menuitem_id": ["menuitem is another name for menuitem_id; they differ. Send one."]
    }
    assert not Cart.objects.filter(user=customer_user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, 101])
def test_quantity_message_names_both_ends_of_the_rule(customer_client, customer_user, quantity):
    item = make_menu_item()

    response = customer_client.post(
        "/api/cart/menu-items", {"menuitem": item.pk, "quantity": quantity}
    )

    assert response.status_code == 400
    assert response.json() == {
        "quantity": ["A cart line's quantity is a whole number from 1 to 100."]
    }


@pytest.mark.django_db
def test_unknown_menuitem_is_refused_like_an_unknown_menuitem_id(customer_client, customer_user):
    gone = make_menu_item()
    gone_pk = gone.pk
    gone.delete()

    by_alias = customer_client.post("/api/cart/menu-items", {"menuitem": gone_pk})
    by_name = customer_client.post("/api/cart/menu-items", {"menuitem_id": gone_pk})

    assert by_alias.status_code == by_name.status_code == 400
    assert by_alias.json() == by_name.json()
    assert list(by_alias.json()) == ["menuitem_id"]
