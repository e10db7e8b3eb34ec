"""The shared cache of order lists: kept per visibility, and every change shows in the very
next read, whoever makes it and whatever it changes (an order, a user's name, a dish)."""

import pytest

from LittleLemonDRF import roles
from tests.factories import client_for, make_menu_item, make_order, make_user

ORDERS = "/api/orders"


@pytest.fixture
def dish(db):
    return make_menu_item("Greek Salad", "12.50")


def _ids(response):
    assert response.status_code == 200, response.content
    return [order["id"] for order in response.json()["results"]]


def test_a_second_read_of_a_page_costs_only_the_credentials_query(
    token_client, manager_user, customer_user, dish, django_assert_num_queries
):
    make_order(customer_user, [(dish, 2)])
    client = token_client(manager_user)
    first = client.get(ORDERS)
    with django_assert_num_queries(1):  # the token, its user and roles: never cached
        second = client.get(ORDERS)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second.json()["results"][0]["items"][0]["quantity"] == 2


def test_managers_share_a_page_and_customers_see_only_their_own(
    manager_client, customer_client, other_customer_client, customer_user, other_customer_user
):
    own = make_order(customer_user)
    other = make_order(other_customer_user)
    assert sorted(_ids(manager_client.get(ORDERS))) == sorted([own.pk, other.pk])
    second_manager = make_user("mona_manager", groups=[roles.MANAGER])
    assert sorted(_ids(client_for(second_manager).get(ORDERS))) == sorted([own.pk, other.pk])
    assert _ids(customer_client.get(ORDERS)) == [own.pk]
    assert _ids(other_customer_client.get(ORDERS)) == [other.pk]


def test_the_customer_filter_is_cached_apart_from_the_managers(
    manager_client, customer_client, customer_user, other_customer_user
):
    own = make_order(customer_user)
    make_order(other_customer_user)
    query = f"{ORDERS}?user={other_customer_user.pk}"
    assert _ids(manager_client.get(query)) != [own.pk]
    # The filter is a manager's: a customer sending it still sees only their own orders.
    assert _ids(customer_client.get(query)) == [own.pk]


def test_crew_see_an_order_assigned_to_them_in_the_next_read(
    crew_client, crew_user, manager_client, customer_user
):
    order = make_order(customer_user)
    assert _ids(crew_client.get(ORDERS)) == []
    manager_client.patch(f"{ORDERS}/{order.pk}", {"delivery_crew": crew_user.pk}, format="json")
    assert _ids(crew_client.get(ORDERS)) == [order.pk]


def test_a_customer_made_crew_sees_their_deliveries_at_once(
    token_client, manager_client, other_customer_user
):
    driver = make_user("dina_driver")
    driver_client = token_client(driver)
    assigned = make_order(other_customer_user)
    assert _ids(driver_client.get(ORDERS)) == []
    added = manager_client.post(
        "/api/groups/delivery-crew/users", {"username": driver.username}, format="json"
    )
    assert added.status_code == 201, added.content
    manager_client.patch(f"{ORDERS}/{assigned.pk}", {"delivery_crew": driver.pk}, format="json")
    assert _ids(driver_client.get(ORDERS)) == [assigned.pk]


def test_placing_and_moving_orders_show_in_the_next_read(
    manager_client, customer_client, customer_user, dish
):
    assert _ids(manager_client.get(ORDERS)) == []
    customer_client.post("/api/cart/menu-items", {"menuitem_id": dish.pk, "quantity": 1})
    placed = customer_client.post(ORDERS).json()["id"]
    assert _ids(manager_client.get(ORDERS)) == [placed]
    assert manager_client.get(ORDERS).json()["results"][0]["state"] == "placed"
    manager_client.patch(f"{ORDERS}/{placed}", {"state": "accepted"}, format="json")
    assert manager_client.get(ORDERS).json()["results"][0]["state"] == "accepted"
    assert customer_client.get(ORDERS).json()["results"][0]["state"] == "accepted"
    manager_client.delete(f"{ORDERS}/{placed}")
    assert _ids(manager_client.get(ORDERS)) == []


def test_a_renamed_user_shows_on_their_orders(manager_client, customer_user):
    make_order(customer_user)
    assert manager_client.get(ORDERS).json()["results"][0]["user"]["username"] != "renamed"
    customer_user.username = "renamed"
    customer_user.save()  # as Django's admin saves a user: no service of ours
    assert manager_client.get(ORDERS).json()["results"][0]["user"]["username"] == "renamed"


def test_a_deleted_dish_leaves_its_lines_without_a_dish_at_once(
    manager_client, customer_user, dish
):
    make_order(customer_user, [(dish, 1)])
    assert manager_client.get(ORDERS).json()["results"][0]["items"][0]["menuitem_id"] == dish.pk
    assert manager_client.delete(f"/api/menu-items/{dish.pk}").status_code == 204
    line = manager_client.get(ORDERS).json()["results"][0]["items"][0]
    assert line["menuitem_id"] is None
    assert line["title"] == "Greek Salad"


def test_a_deleted_user_takes_their_orders_off_the_page(manager_client, customer_user):
    make_order(customer_user)
    assert len(_ids(manager_client.get(ORDERS))) == 1
    customer_user.delete()
    assert _ids(manager_client.get(ORDERS)) == []


def test_a_manager_removed_from_the_group_sees_only_their_own_orders(
    token_client, admin_client, customer_user
):
    manager = make_user("max_manager", groups=[roles.MANAGER])
    make_order(customer_user)
    client = token_client(manager)
    assert len(_ids(client.get(ORDERS))) == 1
    assert admin_client.delete(f"/api/groups/manager/users/{manager.pk}").status_code == 200
    assert _ids(client.get(ORDERS)) == []


def test_the_order_list_sends_no_etag(manager_client, customer_user):
    make_order(customer_user)
    for _ in range(2):  # built, then from the cache
        response = manager_client.get(ORDERS)
        assert response.status_code == 200
        assert "ETag" not in response


def test_pages_and_errors_are_cached_apart(manager_client, customer_user, dish):
    for _ in range(3):
        make_order(customer_user, [(dish, 1)])
    first = _ids(manager_client.get(f"{ORDERS}?page_size=2"))
    second = _ids(manager_client.get(f"{ORDERS}?page_size=2&page=2"))
    assert len(first) == 2
    assert len(second) == 1
    assert not set(first) & set(second)
    assert manager_client.get(f"{ORDERS}?page=9").status_code == 404
    assert manager_client.get(f"{ORDERS}?status=maybe").status_code == 400
    assert manager_client.get(f"{ORDERS}?status=false").status_code == 200
