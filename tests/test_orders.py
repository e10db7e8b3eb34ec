"""Orders: placing them from the cart, who sees and changes which, filters, history, queries."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from LittleLemonDRF import clock, roles
from LittleLemonDRF.models import Cart, MenuItem, Order, OrderItem
from tests.factories import add_to_cart, make_menu_item, make_menu_items, make_order, make_user

User = get_user_model()

ORDERS = "/api/orders"


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


def _fresh_client(user):
    """A client for a user loaded again from the database (group names are cached on users)."""
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    return client


def _fill_cart(user, *lines):
    """Put [(price, quantity)] lines in the user's cart; returns the menu items."""
    items = []
    for price, quantity in lines:
        item = make_menu_item(price=price)
        add_to_cart(user, item, quantity)
        items.append(item)
    return items


@pytest.fixture
def assigned_order(customer_user, crew_user):
    return make_order(customer_user, delivery_crew=crew_user)


# --- Who sees which orders -------------------------------------------------------------------


def test_customer_lists_only_own_orders(customer_client, customer_user, other_customer_user):
    mine = make_order(customer_user)
    make_order(other_customer_user)

    response = customer_client.get(ORDERS)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert _ids(response) == [mine.pk]


def test_crew_lists_only_orders_assigned_to_them(
    crew_client, crew_user, other_crew_user, customer_user
):
    assigned = make_order(customer_user, delivery_crew=crew_user)
    make_order(customer_user, delivery_crew=other_crew_user)
    make_order(customer_user)

    response = crew_client.get(ORDERS)

    assert response.status_code == 200
    assert _ids(response) == [assigned.pk]


@pytest.mark.parametrize("role_client", ["manager", "admin"], indirect=True)
def test_manager_and_admin_list_all_orders(
    role_client, customer_user, other_customer_user, crew_user
):
    orders = [
        make_order(customer_user),
        make_order(other_customer_user),
        make_order(customer_user, delivery_crew=crew_user),
    ]

    response = role_client.get(ORDERS)

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert set(_ids(response)) == {order.pk for order in orders}


def test_anonymous_cannot_list_orders(api_client, customer_user):
    make_order(customer_user)

    response = api_client.get(ORDERS)

    assert response.status_code == 401
    assert response.has_header("WWW-Authenticate")


def test_order_shape(customer_client, customer_user, crew_user):
    dish = make_menu_item("Greek Salad", "12.50")
    order = make_order(customer_user, [(dish, 2)], delivery_crew=crew_user)

    response = customer_client.get(f"{ORDERS}/{order.pk}")

    assert response.status_code == 200
    body = response.json()
    placed_at = body["placed_at"]
    assert datetime.datetime.fromisoformat(placed_at) == order.created_at
    customer = {"id": customer_user.pk, "username": customer_user.username}
    assert body == {
        "id": order.pk,
        "user": customer,
        "delivery_crew": {"id": crew_user.pk, "username": crew_user.username},
        "status": False,
        "total": "25.00",
        "subtotal": "25.00",
        "delivery_fee": "0.00",
        "tip": "0.00",
        "tax": "0.00",
        "refunded": "0.00",
        "date": timezone.localdate().isoformat(),
        "items": [
            {
                "id": order.items.get().pk,
                "menuitem_id": dish.pk,
                "title": "Greek Salad",
                "quantity": 2,
                "unit_price": "12.50",
                "price": "25.00",
                "choices": [],
                "note": "",
            }
        ],
        "state": "placed",
        "fulfilment": "delivery",
        "payment_method": "cash",
        "payment_status": "unpaid",
        "eta": None,
        "note": "",
        "cancel_reason": None,
        "slot": None,
        "asap": True,
        "placed_at": placed_at,
        "refunds": [],
        "history": [{"state": "placed", "at": placed_at, "by": customer, "reason": None}],
        "moves": ["cancelled"],  # the owner may cancel a placed order
    }


def test_unassigned_order_shows_null_delivery_crew(customer_client, customer_user):
    order = make_order(customer_user)

    response = customer_client.get(f"{ORDERS}/{order.pk}")

    assert response.status_code == 200
    assert response.json()["delivery_crew"] is None


def test_customer_cannot_see_another_customers_order(customer_client, other_customer_user):
    order = make_order(other_customer_user)

    response = customer_client.get(f"{ORDERS}/{order.pk}")

    assert response.status_code == 404
    assert "detail" in response.json()


def test_unassigned_crew_cannot_see_order(crew_client, customer_user, other_crew_user):
    order = make_order(customer_user, delivery_crew=other_crew_user)

    response = crew_client.get(f"{ORDERS}/{order.pk}")

    assert response.status_code == 404
    assert "detail" in response.json()


def test_assigned_crew_sees_order(crew_client, assigned_order):
    response = crew_client.get(f"{ORDERS}/{assigned_order.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == assigned_order.pk


def test_manager_sees_any_order(manager_client, customer_user):
    order = make_order(customer_user)

    response = manager_client.get(f"{ORDERS}/{order.pk}")

    assert response.status_code == 200
    assert response.json()["user"]["id"] == customer_user.pk


# --- Placing an order ---------------------------------------------------------------------------


def test_customer_places_order_from_cart(customer_client, customer_user):
    soup, bread = _fill_cart(customer_user, ("6.50", 2), ("3.25", 3))
    soup.title = "Soup"
    soup.save()

    response = customer_client.post(ORDERS)

    assert response.status_code == 201
    body = response.json()
    assert body["total"] == "22.75"
    assert body["status"] is False
    assert body["delivery_crew"] is None
    assert body["user"] == {"id": customer_user.pk, "username": customer_user.username}
    line_ids = list(OrderItem.objects.filter(order_id=body["id"]).values_list("id", flat=True))
    assert body["items"] == [
        {
            "id": line_ids[0],
            "menuitem_id": soup.pk,
            "title": "Soup",
            "quantity": 2,
            "unit_price": "6.50",
            "price": "13.00",
            "choices": [],
            "note": "",
        },
        {
            "id": line_ids[1],
            "menuitem_id": bread.pk,
            "title": bread.title,
            "quantity": 3,
            "unit_price": "3.25",
            "price": "9.75",
            "choices": [],
            "note": "",
        },
    ]
    order = Order.objects.get(pk=body["id"])
    assert order.total == Decimal("22.75")
    assert order.items.count() == 2
    assert not Cart.objects.filter(user=customer_user).exists()


def test_placing_order_leaves_other_users_cart_alone(
    customer_client, customer_user, other_customer_user
):
    _fill_cart(customer_user, ("5.00", 1))
    dish = make_menu_item()
    add_to_cart(other_customer_user, dish, 2)

    response = customer_client.post(ORDERS)

    assert response.status_code == 201
    assert Cart.objects.get(user=other_customer_user).quantity == 2


def test_customer_places_order_with_trailing_slash(customer_client, customer_user):
    _fill_cart(customer_user, ("5.00", 2))

    response = customer_client.post(f"{ORDERS}/")

    assert response.status_code == 201
    assert Order.objects.get(pk=response.json()["id"]).total == Decimal("10.00")


def test_placing_order_with_empty_cart_is_400(customer_client, customer_user):
    response = customer_client.post(ORDERS)

    assert response.status_code == 400
    assert response.json() == {"detail": "Your cart is empty."}
    assert not Order.objects.filter(user=customer_user).exists()


def test_order_body_fields_are_ignored(customer_client, customer_user, other_customer_user):
    crew = make_user("bribed_crew", groups=[roles.DELIVERY_CREW])
    _fill_cart(customer_user, ("10.00", 2))

    response = customer_client.post(
        ORDERS,
        {
            "user": other_customer_user.pk,
            "total": "0.01",
            "status": True,
            "delivery_crew": crew.pk,
            "price": "0.01",
        },
    )

    assert response.status_code == 201
    order = Order.objects.get(pk=response.json()["id"])
    assert order.user_id == customer_user.pk
    assert order.status is False
    assert order.delivery_crew_id is None
    assert order.total == Decimal("20.00")
    assert not Order.objects.filter(user=other_customer_user).exists()


def test_anonymous_cannot_place_an_order(api_client, db):
    response = api_client.post(ORDERS)

    assert response.status_code == 401
    assert not Order.objects.exists()


# --- Idempotency-Key ------------------------------------------------------------------------


def test_retry_with_same_idempotency_key_returns_first_order(customer_client, customer_user):
    _fill_cart(customer_user, ("4.00", 1))
    first = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201
    _fill_cart(customer_user, ("9.00", 1))  # the retry must not consume a refilled cart

    retry = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="key-1")

    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["total"] == "4.00"
    assert Order.objects.filter(user=customer_user).count() == 1
    assert Cart.objects.filter(user=customer_user).count() == 1


def test_retry_with_same_key_on_emptied_cart_still_returns_first_order(
    customer_client, customer_user
):
    _fill_cart(customer_user, ("4.00", 1))
    first = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="key-1")

    retry = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="key-1")

    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert Order.objects.filter(user=customer_user).count() == 1


def test_different_idempotency_key_places_new_order(customer_client, customer_user):
    _fill_cart(customer_user, ("4.00", 1))
    first = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="key-1")
    _fill_cart(customer_user, ("9.00", 1))

    second = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="key-2")

    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["total"] == "9.00"
    assert Order.objects.filter(user=customer_user).count() == 2


def test_idempotency_key_of_256_characters_is_400(customer_client, customer_user):
    _fill_cart(customer_user, ("4.00", 1))

    response = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Order.objects.filter(user=customer_user).exists()
    assert Cart.objects.filter(user=customer_user).count() == 1


def test_idempotency_key_of_255_characters_is_accepted(customer_client, customer_user):
    _fill_cart(customer_user, ("4.00", 1))

    response = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="k" * 255)

    assert response.status_code == 201
    assert Order.objects.filter(user=customer_user).count() == 1


def test_same_idempotency_key_by_another_user_is_independent(
    customer_client, customer_user, other_customer_client, other_customer_user
):
    _fill_cart(customer_user, ("4.00", 1))
    _fill_cart(other_customer_user, ("7.00", 1))
    mine = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="shared-key")

    theirs = other_customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="shared-key")

    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["user"]["id"] == other_customer_user.pk
    assert Order.objects.get(pk=theirs.json()["id"]).total == Decimal("7.00")


def test_idempotency_key_older_than_24_hours_places_new_order(customer_client, customer_user):
    _fill_cart(customer_user, ("4.00", 1))
    first = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="old-key")
    Order.objects.filter(pk=first.json()["id"]).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    _fill_cart(customer_user, ("9.00", 1))

    second = customer_client.post(ORDERS, HTTP_IDEMPOTENCY_KEY="old-key")

    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]
    assert Order.objects.filter(user=customer_user).count() == 2


# --- Delivery crew changes ----------------------------------------------------------------------


def test_assigned_crew_marks_order_delivered(crew_client, assigned_order):
    response = crew_client.patch(f"{ORDERS}/{assigned_order.pk}", {"status": True})

    assert response.status_code == 200
    assert response.json()["status"] is True
    assigned_order.refresh_from_db()
    assert assigned_order.status is True


def test_assigned_crew_marks_order_delivered_with_form_encoded_body(crew_client, assigned_order):
    response = crew_client.patch(
        f"{ORDERS}/{assigned_order.pk}/",
        "status=true",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assigned_order.refresh_from_db()
    assert assigned_order.status is True


def test_crew_cannot_reassign_order(crew_client, crew_user, other_crew_user, assigned_order):
    response = crew_client.patch(
        f"{ORDERS}/{assigned_order.pk}", {"delivery_crew": other_crew_user.pk, "status": True}
    )

    assert response.status_code == 403
    assert "status" in response.json()["detail"]
    assigned_order.refresh_from_db()
    assert assigned_order.delivery_crew_id == crew_user.pk
    assert assigned_order.status is False


@pytest.mark.parametrize("field", [{"total": "0.01"}, {"user": 1}, {"date": "2020-01-01"}])
def test_crew_cannot_patch_any_field_but_status(crew_client, assigned_order, field):
    before = Order.objects.values().get(pk=assigned_order.pk)

    response = crew_client.patch(f"{ORDERS}/{assigned_order.pk}", field)

    assert response.status_code == 403
    assert "status" in response.json()["detail"]
    assert Order.objects.values().get(pk=assigned_order.pk) == before


@pytest.mark.parametrize("with_crew", [True, False], ids=["both-fields", "status-only"])
def test_crew_cannot_put_order(crew_client, crew_user, assigned_order, with_crew):
    body = {"delivery_crew": crew_user.pk, "status": True} if with_crew else {"status": True}

    response = crew_client.put(f"{ORDERS}/{assigned_order.pk}", body)

    assert response.status_code == 403
    assert "detail" in response.json()
    assigned_order.refresh_from_db()
    assert assigned_order.status is False


def test_crew_cannot_patch_order_not_assigned_to_them(crew_client, customer_user, other_crew_user):
    order = make_order(customer_user, delivery_crew=other_crew_user)

    response = crew_client.patch(f"{ORDERS}/{order.pk}", {"status": True})

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status is False


def test_crew_cannot_delete_assigned_order(crew_client, assigned_order):
    response = crew_client.delete(f"{ORDERS}/{assigned_order.pk}")

    assert response.status_code == 403
    assert Order.objects.filter(pk=assigned_order.pk).exists()


def test_crew_cannot_delete_unassigned_order(crew_client, customer_user):
    order = make_order(customer_user)

    response = crew_client.delete(f"{ORDERS}/{order.pk}")

    assert response.status_code == 404
    assert Order.objects.filter(pk=order.pk).exists()


# --- Manager / admin changes ----------------------------------------------------------------


@pytest.mark.parametrize("role_client", ["manager", "admin"], indirect=True)
def test_manager_and_admin_put_delivery_crew_and_status(role_client, customer_user, crew_user):
    order = make_order(customer_user)

    response = role_client.put(
        f"{ORDERS}/{order.pk}", {"delivery_crew": crew_user.pk, "status": True}
    )

    assert response.status_code == 200
    assert response.json()["delivery_crew"] == {"id": crew_user.pk, "username": crew_user.username}
    order.refresh_from_db()
    assert order.delivery_crew_id == crew_user.pk
    assert order.status is True


@pytest.mark.parametrize("role_client", ["manager", "admin"], indirect=True)
def test_manager_and_admin_patch_delivery_crew(role_client, customer_user, crew_user):
    order = make_order(customer_user)

    response = role_client.patch(f"{ORDERS}/{order.pk}", {"delivery_crew": crew_user.pk})

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.delivery_crew_id == crew_user.pk
    assert order.status is False


def test_manager_patches_status_only(manager_client, customer_user, crew_user):
    order = make_order(customer_user, delivery_crew=crew_user)

    response = manager_client.patch(f"{ORDERS}/{order.pk}", {"status": True})

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status is True
    assert order.delivery_crew_id == crew_user.pk


def test_manager_unassigns_delivery_crew_with_null(manager_client, customer_user, crew_user):
    order = make_order(customer_user, delivery_crew=crew_user)

    response = manager_client.patch(f"{ORDERS}/{order.pk}", {"delivery_crew": None})

    assert response.status_code == 200
    assert response.json()["delivery_crew"] is None
    order.refresh_from_db()
    assert order.delivery_crew_id is None


def test_manager_cannot_assign_user_outside_delivery_crew(
    manager_client, customer_user, other_customer_user
):
    order = make_order(customer_user)

    response = manager_client.patch(
        f"{ORDERS}/{order.pk}", {"delivery_crew": other_customer_user.pk}
    )

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.delivery_crew_id is None


def test_manager_put_with_non_crew_user_changes_nothing(
    manager_client, customer_user, other_customer_user
):
    order = make_order(customer_user)

    response = manager_client.put(
        f"{ORDERS}/{order.pk}", {"delivery_crew": other_customer_user.pk, "status": True}
    )

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.delivery_crew_id is None
    assert order.status is False


def test_manager_assigning_unknown_user_is_400_on_delivery_crew(manager_client, customer_user):
    order = make_order(customer_user)
    ghost = make_user("ghost", groups=[roles.DELIVERY_CREW])
    ghost_id = ghost.pk
    ghost.delete()

    response = manager_client.patch(f"{ORDERS}/{order.pk}", {"delivery_crew": ghost_id})

    assert response.status_code == 400
    assert "delivery_crew" in response.json()
    order.refresh_from_db()
    assert order.delivery_crew_id is None


def test_manager_patching_unknown_order_is_404(manager_client, customer_user):
    order = make_order(customer_user)
    missing_id = order.pk
    order.delete()

    response = manager_client.patch(f"{ORDERS}/{missing_id}", {"status": True})

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("role_client", ["manager", "admin"], indirect=True)
def test_manager_and_admin_delete_order(role_client, customer_user):
    order = make_order(customer_user)

    response = role_client.delete(f"{ORDERS}/{order.pk}")

    assert response.status_code == 204
    assert not Order.objects.filter(pk=order.pk).exists()
    assert not OrderItem.objects.filter(order_id=order.pk).exists()


# --- The customer cannot change their own order ------------------------------------------------


def test_customer_cannot_patch_own_order(customer_client, customer_user):
    order = make_order(customer_user)

    response = customer_client.patch(f"{ORDERS}/{order.pk}", {"status": True})

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status is False


def test_customer_cannot_put_own_order(customer_client, customer_user, crew_user):
    order = make_order(customer_user)

    response = customer_client.put(
        f"{ORDERS}/{order.pk}", {"delivery_crew": crew_user.pk, "status": True}
    )

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status is False
    assert order.delivery_crew_id is None


def test_customer_cannot_delete_own_order(customer_client, customer_user):
    order = make_order(customer_user)

    response = customer_client.delete(f"{ORDERS}/{order.pk}")

    assert response.status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


def test_customer_cannot_patch_another_customers_order(customer_client, other_customer_user):
    order = make_order(other_customer_user)

    response = customer_client.patch(f"{ORDERS}/{order.pk}", {"status": True})

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status is False


# --- Filters, ordering, pagination -----------------------------------------------------------


def _order_on(user, day, *, total="10.00", delivery_crew=None, status=False):
    """An order straight in the database, with its date and total chosen."""
    return Order.objects.create(
        user=user, date=day, total=Decimal(total), delivery_crew=delivery_crew, status=status
    )


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False)])
def test_manager_filters_orders_by_status(manager_client, customer_user, value, expected):
    today = timezone.localdate()
    delivered = _order_on(customer_user, today, status=True)
    pending = _order_on(customer_user, today, status=False)

    response = manager_client.get(f"{ORDERS}?status={value}")

    assert response.status_code == 200
    assert _ids(response) == [delivered.pk if expected else pending.pk]


def test_manager_filters_orders_by_delivery_crew(
    manager_client, customer_user, crew_user, other_crew_user
):
    today = timezone.localdate()
    mine = _order_on(customer_user, today, delivery_crew=crew_user)
    _order_on(customer_user, today, delivery_crew=other_crew_user)
    _order_on(customer_user, today)

    response = manager_client.get(f"{ORDERS}?delivery_crew={crew_user.pk}")

    assert response.status_code == 200
    assert _ids(response) == [mine.pk]


def test_manager_filters_orders_by_user(manager_client, customer_user, other_customer_user):
    today = timezone.localdate()
    theirs = _order_on(other_customer_user, today)
    _order_on(customer_user, today)

    response = manager_client.get(f"{ORDERS}?user={other_customer_user.pk}")

    assert response.status_code == 200
    assert _ids(response) == [theirs.pk]


def test_user_filter_is_ignored_for_customer(customer_client, customer_user, other_customer_user):
    today = timezone.localdate()
    mine = _order_on(customer_user, today)
    _order_on(other_customer_user, today)

    response = customer_client.get(f"{ORDERS}?user={other_customer_user.pk}")

    assert response.status_code == 200
    assert _ids(response) == [mine.pk]


def test_manager_filters_orders_by_inclusive_date_range(manager_client, customer_user):
    base = datetime.date(2025, 3, 10)
    orders = {
        offset: _order_on(customer_user, base + datetime.timedelta(days=offset))
        for offset in range(5)
    }

    response = manager_client.get(
        f"{ORDERS}?date_after=2025-03-11&date_before=2025-03-13&ordering=date"
    )

    assert response.status_code == 200
    assert _ids(response) == [orders[1].pk, orders[2].pk, orders[3].pk]


def test_manager_filters_orders_on_a_single_day(manager_client, customer_user):
    day = datetime.date(2025, 3, 10)
    that_day = _order_on(customer_user, day)
    _order_on(customer_user, day + datetime.timedelta(days=1))
    _order_on(customer_user, day - datetime.timedelta(days=1))

    response = manager_client.get(f"{ORDERS}?date_after=2025-03-10&date_before=2025-03-10")

    assert response.status_code == 200
    assert _ids(response) == [that_day.pk]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("date", ["old", "mid", "new"]),
        ("-date", ["new", "mid", "old"]),
        ("total", ["mid", "new", "old"]),
        ("-total", ["old", "new", "mid"]),
    ],
)
def test_manager_orders_the_list(manager_client, customer_user, ordering, expected):
    day = datetime.date(2025, 1, 1)
    orders = {
        "old": _order_on(customer_user, day, total="30.00"),
        "mid": _order_on(customer_user, day + datetime.timedelta(days=1), total="10.00"),
        "new": _order_on(customer_user, day + datetime.timedelta(days=2), total="20.00"),
    }

    response = manager_client.get(f"{ORDERS}?ordering={ordering}")

    assert response.status_code == 200
    assert _ids(response) == [orders[name].pk for name in expected]


def test_manager_paginates_orders(manager_client, customer_user):
    day = timezone.localdate()
    orders = [_order_on(customer_user, day) for _ in range(5)]
    newest_first = [order.pk for order in reversed(orders)]

    first = manager_client.get(f"{ORDERS}?page_size=2")
    third = manager_client.get(f"{ORDERS}?page_size=2&page=3")

    assert first.status_code == 200
    assert first.json()["count"] == 5
    assert first.json()["previous"] is None
    assert first.json()["next"] is not None
    assert _ids(first) == newest_first[:2]
    assert third.status_code == 200
    assert _ids(third) == newest_first[4:]
    assert third.json()["next"] is None


def test_page_size_is_capped_at_100(manager_client, customer_user):
    day = timezone.localdate()
    Order.objects.bulk_create(
        Order(user=customer_user, date=day, total=Decimal("1.00")) for _ in range(101)
    )

    response = manager_client.get(f"{ORDERS}?page_size=500")

    assert response.status_code == 200
    assert response.json()["count"] == 101
    assert len(response.json()["results"]) == 100


def test_default_page_size_is_20(manager_client, customer_user):
    day = timezone.localdate()
    Order.objects.bulk_create(
        Order(user=customer_user, date=day, total=Decimal("1.00")) for _ in range(21)
    )

    response = manager_client.get(ORDERS)

    assert response.status_code == 200
    assert len(response.json()["results"]) == 20


def test_page_past_the_end_is_404(manager_client, customer_user):
    _order_on(customer_user, timezone.localdate())

    response = manager_client.get(f"{ORDERS}?page=99")

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "query",
    [
        "status=maybe",
        "delivery_crew=abc",
        "delivery_crew=0",
        "delivery_crew=99999999999999999999999",
        "user=abc",
        "date_after=not-a-date",
        "date_before=2025-13-45",
        "ordering=bogus",
    ],
)
def test_bad_filter_values_are_400(manager_client, customer_user, query):
    _order_on(customer_user, timezone.localdate())

    response = manager_client.get(f"{ORDERS}?{query}")

    assert response.status_code == 400
    assert response.json()  # a JSON error body naming the problem


@pytest.mark.parametrize("query", ["page=abc", "page=0", "page=-1", "page_size=abc", "page_size=0"])
def test_bad_pagination_values_are_never_5xx(manager_client, customer_user, query):
    order = _order_on(customer_user, timezone.localdate())

    response = manager_client.get(f"{ORDERS}?{query}")

    assert response.status_code in (200, 400, 404)
    if response.status_code == 200:
        assert _ids(response) == [order.pk]
    else:
        assert "detail" in response.json()


# --- Order history does not follow the menu -----------------------------------------------------


def test_order_history_survives_menu_edits_and_deletion(customer_client, customer_user):
    dish = make_menu_item("Original Title", "8.00")
    add_to_cart(customer_user, dish, 2)
    placed = customer_client.post(ORDERS)
    assert placed.status_code == 201
    order_id = placed.json()["id"]

    line_id = OrderItem.objects.get(order_id=order_id).pk
    dish.title = "Renamed"
    dish.price = Decimal("99.00")
    dish.save()
    edited = customer_client.get(f"{ORDERS}/{order_id}")

    assert edited.status_code == 200
    assert edited.json()["total"] == "16.00"
    assert edited.json()["items"] == [
        {
            "id": line_id,
            "menuitem_id": dish.pk,
            "title": "Original Title",
            "quantity": 2,
            "unit_price": "8.00",
            "price": "16.00",
            "choices": [],
            "note": "",
        }
    ]

    dish.delete()
    deleted = customer_client.get(f"{ORDERS}/{order_id}")

    assert deleted.status_code == 200
    assert deleted.json()["total"] == "16.00"
    assert deleted.json()["items"] == [
        {
            "id": line_id,
            "menuitem_id": None,
            "title": "Original Title",
            "quantity": 2,
            "unit_price": "8.00",
            "price": "16.00",
            "choices": [],
            "note": "",
        }
    ]


# --- Query counts -------------------------------------------------------------------------------


def _bulk_orders(user, count, lines_per_order):
    """`count` orders of `lines_per_order` lines each, in a handful of queries."""
    dishes = make_menu_items(lines_per_order, price="3.00")
    day = timezone.localdate()
    orders = Order.objects.bulk_create(
        Order(user=user, date=day, total=Decimal("3.00") * lines_per_order) for _ in range(count)
    )
    if not all(order.pk for order in orders):  # backends that do not return ids
        orders = list(Order.objects.filter(user=user))
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            menuitem=dish,
            title=dish.title,
            quantity=1,
            unit_price=dish.price,
            price=dish.price,
        )
        for order in orders
        for dish in dishes
    )
    return orders


@pytest.mark.parametrize(
    ("orders", "page_size"), [(2, 20), (200, 20), (200, 100)], ids=["2", "200-p20", "200-p100"]
)
def test_order_list_query_count_is_flat(
    manager_client, customer_user, django_assert_num_queries, orders, page_size
):
    _bulk_orders(customer_user, orders, 5)

    # 1: the manager's group names (roles.is_manager, cached on the user afterwards)
    # 2: count for pagination
    # 3: the ids of one page of orders
    # 4: those orders' rows joined to user and delivery_crew
    # 5: the lines of those orders
    with django_assert_num_queries(5):
        response = manager_client.get(f"{ORDERS}?page_size={page_size}")

    assert response.status_code == 200
    assert len(response.json()["results"]) == min(orders, page_size)
    assert all(len(row["items"]) == 5 for row in response.json()["results"])


@pytest.mark.parametrize("lines", [1, 20])
def test_order_place_query_count_is_flat(
    customer_client, customer_user, django_assert_num_queries, lines
):
    for dish in make_menu_items(lines, price="2.00"):
        add_to_cart(customer_user, dish)
    # The restaurant's clock (no service hours here) is read once and then kept in the cache,
    # as every placement after a server's first finds it (clock/config.py).
    clock.config()

    # 1: SAVEPOINT (order_place's transaction.atomic, nested in the test's transaction)
    # 2: the cart lines joined to their menu items, locked (SELECT ... FOR UPDATE on PostgreSQL)
    # 3: INSERT the order
    # 4: INSERT all its lines (one bulk_create)
    # 5: the consumed cart lines, read for their deletion to tell each owner's cached cart
    #    (cache_dependencies: a cart's cache is kept per user)
    # 6: DELETE them
    # 7: INSERT the order.created event (the stream's and the webhooks' record of it),
    #    on PostgreSQL after taking the lock that keeps event ids in commit order
    # 8: INSERT the job that fans the event out to webhooks, committed with it
    # 9: RELEASE SAVEPOINT
    # 10: the caller's role groups, for the order's `moves` (a token's credentials query
    #     reads them along; this client is signed in with force_authenticate)
    # The answer is built from the order and lines just written: no other query.
    with django_assert_num_queries(11 if connection.vendor == "postgresql" else 10):
        response = customer_client.post(ORDERS)

    assert response.status_code == 201
    assert len(response.json()["items"]) == lines
    assert response.json()["total"] == str(Decimal("2.00") * lines)


# --- Grading flows, end to end through the API -----------------------------------------------


def test_flow_manager_assigns_user_to_crew_and_order_to_them(manager_client, customer_user):
    courier = make_user("new_courier")
    order = make_order(customer_user)

    added = manager_client.post("/api/groups/delivery-crew/users", {"username": "new_courier"})
    assigned = manager_client.patch(f"{ORDERS}/{order.pk}", {"delivery_crew": courier.pk})

    assert added.status_code == 201
    assert assigned.status_code == 200
    assert assigned.json()["delivery_crew"] == {"id": courier.pk, "username": "new_courier"}
    order.refresh_from_db()
    assert order.delivery_crew_id == courier.pk
    listed = manager_client.get(f"{ORDERS}?delivery_crew={courier.pk}")
    assert _ids(listed) == [order.pk]


def test_flow_crew_sees_assigned_order_and_marks_it_delivered(
    crew_client, crew_user, customer_user
):
    order = make_order(customer_user, delivery_crew=crew_user)
    make_order(customer_user)  # not theirs

    listed = crew_client.get(ORDERS)
    delivered = crew_client.patch(f"{ORDERS}/{order.pk}", {"status": True})
    shown = crew_client.get(f"{ORDERS}/{order.pk}")

    assert listed.status_code == 200
    assert _ids(listed) == [order.pk]
    assert delivered.status_code == 200
    assert shown.json()["status"] is True
    order.refresh_from_db()
    assert order.status is True


def test_flow_customer_fills_cart_places_order_and_browses_orders(customer_client, customer_user):
    salad = make_menu_item("Greek Salad", "12.50")
    cake = make_menu_item("Lemon Cake", "6.00")
    old_order = make_order(customer_user)

    assert customer_client.get("/api/menu-items").status_code == 200
    assert (
        customer_client.post(
            "/api/cart/menu-items", {"menuitem_id": salad.pk, "quantity": 2}
        ).status_code
        == 201
    )
    assert (
        customer_client.post(
            "/api/cart/menu-items", {"menuitem_id": cake.pk, "quantity": 1}
        ).status_code
        == 201
    )
    cart = customer_client.get("/api/cart/menu-items")
    assert cart.status_code == 200
    assert [(row["menuitem"]["title"], row["price"]) for row in cart.json()] == [
        ("Greek Salad", "25.00"),
        ("Lemon Cake", "6.00"),
    ]

    placed = customer_client.post(ORDERS)
    assert placed.status_code == 201
    assert placed.json()["total"] == "31.00"
    assert customer_client.get("/api/cart/menu-items").json() == []

    history = customer_client.get(ORDERS)
    assert history.status_code == 200
    assert _ids(history) == [placed.json()["id"], old_order.pk]
    assert not Cart.objects.filter(user=customer_user).exists()


def test_user_added_to_crew_through_api_sees_assigned_order(manager_client, customer_user):
    courier = make_user("fresh_courier")
    order = make_order(customer_user)
    manager_client.post("/api/groups/delivery-crew/users", {"username": "fresh_courier"})
    manager_client.patch(f"{ORDERS}/{order.pk}", {"delivery_crew": courier.pk})

    response = _fresh_client(courier).patch(f"{ORDERS}/{order.pk}", {"status": True})

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status is True


def test_menu_item_price_change_after_cart_add_is_charged_at_placement(
    customer_client, customer_user
):
    dish = make_menu_item(price="5.00")
    add_to_cart(customer_user, dish, 2)
    MenuItem.objects.filter(pk=dish.pk).update(price=Decimal("6.00"))

    response = customer_client.post(ORDERS)

    assert response.status_code == 201
    assert response.json()["total"] == "12.00"
    assert response.json()["items"][0]["unit_price"] == "6.00"


@pytest.mark.django_db
def test_an_order_reads_the_same_in_the_list_and_on_its_own(
    manager_client, customer_user, crew_user
):
    order = make_order(
        customer_user,
        [(make_menu_item("Moussaka", "16.75"), 2), (make_menu_item("Baklava", "5.75"), 1)],
        delivery_crew=crew_user,
    )
    listed = manager_client.get("/api/orders").json()["results"]
    alone = manager_client.get(f"/api/orders/{order.pk}").json()
    # The detail adds the order's refunds and history to the shape lists show.
    detail_only = ("refunds", "history")
    assert [name for name in alone if name not in detail_only] == [*listed[0]]
    assert listed == [{name: value for name, value in alone.items() if name not in detail_only}]
    assert alone["total"] == "39.25"
    assert alone["delivery_crew"] == {"id": crew_user.pk, "username": crew_user.username}


@pytest.mark.django_db
def test_the_answer_to_placing_an_order_is_the_order_as_stored(customer_client, customer_user):
    add_to_cart(customer_user, make_menu_item("Moussaka", "16.75"), 2)
    add_to_cart(customer_user, make_menu_item("Baklava", "5.75"), 1)
    placed = customer_client.post("/api/orders")
    assert placed.status_code == 201
    stored = customer_client.get(f"/api/orders/{placed.json()['id']}")
    assert placed.json() == stored.json()
    assert [line["title"] for line in stored.json()["items"]] == ["Moussaka", "Baklava"]


# --- `delivery_crew_id`, as other course clients send it -----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch"])
def test_manager_assigns_crew_with_delivery_crew_id(
    manager_client, customer_user, crew_user, method
):
    order = make_order(customer_user)

    response = getattr(manager_client, method)(
        f"/api/orders/{order.pk}", {"delivery_crew_id": crew_user.pk, "status": False}
    )

    assert response.status_code == 200, response.content
    assert response.json()["delivery_crew"]["id"] == crew_user.pk
    order.refresh_from_db()
    assert order.delivery_crew_id == crew_user.pk


@pytest.mark.django_db
def test_delivery_crew_and_delivery_crew_id_differing_is_400(
    manager_client, customer_user, crew_user, other_crew_user
):
    order = make_order(customer_user)
    body = {"delivery_crew": crew_user.pk, "delivery_crew_id": other_crew_user.pk}

    response = manager_client.patch(f"/api/orders/{order.pk}", body)

    assert response.status_code == 400
    assert "delivery_crew" in response.json()
    order.refresh_from_db()
    assert order.delivery_crew_id is None


@pytest.mark.django_db
def test_delivery_crew_id_of_a_non_crew_user_is_refused_as_delivery_crew_is(
    manager_client, customer_user, other_customer_user
):
    order = make_order(customer_user)
    url = f"/api/orders/{order.pk}"

    by_alias = manager_client.patch(url, {"delivery_crew_id": other_customer_user.pk})
    by_name = manager_client.patch(url, {"delivery_crew": other_customer_user.pk})

    assert by_alias.status_code == by_name.status_code == 400
    assert by_alias.json() == by_name.json()


@pytest.mark.django_db
def test_crew_cannot_reassign_with_delivery_crew_id_either(
    crew_client, customer_user, crew_user, other_crew_user
):
    order = make_order(customer_user, delivery_crew=crew_user)

    response = crew_client.patch(
        f"/api/orders/{order.pk}", {"delivery_crew_id": other_crew_user.pk}
    )

    assert response.status_code == 403
    assert "delivery_crew" in response.json()["detail"]
    order.refresh_from_db()
    assert order.delivery_crew_id == crew_user.pk
