"""Query budgets for the list and create endpoints not covered in their feature files.

Each runs at two data sizes and must issue exactly the same queries at both; the expected
queries are named in comments. (Menu items, ratings, cart and order lists and order placement
have theirs in test_menu.py, test_ratings.py, test_cart.py and test_orders.py.)
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from LittleLemonDRF import clock, roles
from LittleLemonDRF.models import Order, Restaurant, ServiceHours, SlotTaken
from tests.factories import (
    add_to_cart,
    client_for,
    make_category,
    make_menu_item,
    make_rating,
    make_user,
)

SIZES = [2, 60]


def _categories(n):
    for _ in range(n):
        make_category()


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_category_list_budget(api_client, django_assert_num_queries, size):
    _categories(size)
    # 1: count for pagination; 2: one page of categories. A second read comes from the cache.
    with django_assert_num_queries(2):
        response = api_client.get("/api/categories")
    assert response.json()["count"] == size


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_category_create_budget(manager_client, django_assert_num_queries, size):
    _categories(size)
    # 1: the manager's group names; 2: is the given slug taken (UniqueValidator);
    # 3-5: SAVEPOINT, INSERT, RELEASE (the IntegrityError guard around save)
    with django_assert_num_queries(5):
        response = manager_client.post(
            "/api/categories", {"title": "Specials", "slug": "specials"}, format="json"
        )
    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_menu_item_create_budget(manager_client, django_assert_num_queries, size):
    category = make_category()
    for _ in range(size):
        make_menu_item(category=category)
    # 1: the manager's group names; 2: the category named by category_id; 3: INSERT;
    # 4: the new dish's option groups, for the answer
    with django_assert_num_queries(4):
        response = manager_client.post(
            "/api/menu-items",
            {"title": "Moussaka", "price": "16.75", "category_id": category.pk},
            format="json",
        )
    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_rating_create_budget(customer_client, customer_user, django_assert_num_queries, size):
    dish = make_menu_item()
    for _ in range(size):
        make_rating(make_user(), dish)
    # 1: the dish named by menuitem_id; 2: has the caller rated it already;
    # 3-5: SAVEPOINT, INSERT, RELEASE (the constraint guard in services.rating_create)
    with django_assert_num_queries(5):
        response = customer_client.post(
            "/api/ratings", {"menuitem_id": dish.pk, "rating": 5}, format="json"
        )
    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_cart_add_budget(customer_client, customer_user, django_assert_num_queries, size):
    dishes = [make_menu_item() for _ in range(size)]
    for dish in dishes[1:]:
        add_to_cart(customer_user, dish)
    # 1: the dish named by menuitem_id; 2: its option groups, which the picks are checked
    # against; 3: the line inserted or added to, in one statement
    with django_assert_num_queries(3):
        response = customer_client.post(
            "/api/cart/menu-items", {"menuitem_id": dishes[0].pk, "quantity": 2}, format="json"
        )
    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_register_budget(api_client, django_assert_num_queries, size):
    for _ in range(size):
        make_user()
    # 1: is the username taken; 2-4: SAVEPOINT, INSERT the user, RELEASE (Djoser's
    # atomic create)
    with django_assert_num_queries(4):
        response = api_client.post(
            "/api/users",
            {"username": "newcomer", "email": "n@example.com", "password": "Lemon-tree-2026!"},
            format="json",
        )
    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_group_members_list_budget(manager_client, django_assert_num_queries, size):
    for _ in range(size):
        make_user(groups=[roles.DELIVERY_CREW])
    # 1: the manager's group names; 2: the members of the group
    with django_assert_num_queries(2):
        response = manager_client.get("/api/groups/delivery-crew/users")
    assert len(response.json()) == size


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_group_member_add_budget(manager_client, django_assert_num_queries, size):
    for _ in range(size):
        make_user(groups=[roles.DELIVERY_CREW])
    newcomer = make_user()
    # 1: the manager's group names; 2: the user by username; 3: the group;
    # 4: already a member?; 5: INSERT the membership (ignoring a concurrent duplicate)
    with django_assert_num_queries(5):
        response = manager_client.post(
            "/api/groups/delivery-crew/users", {"username": newcomer.username}, format="json"
        )
    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
def test_placing_for_a_slot_costs_one_query_more_than_without(customer_user, size):
    # Pickup is served all day (orders for a time); delivery has no hours (as before).
    Restaurant.objects.update_or_create(pk=1, defaults={"timezone": "UTC", "lead_minutes": 0})
    for weekday in range(7):
        ServiceHours.objects.create(
            fulfilment="pickup", weekday=weekday, opens="00:00", closes="24:00", capacity=1000
        )
    day = timezone.now().date() + datetime.timedelta(days=1)
    slot = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    Order.objects.bulk_create(
        Order(user=make_user(), total=0, date=day, fulfilment="pickup", slot=slot)
        for _ in range(size)
    )
    SlotTaken.objects.create(fulfilment="pickup", start=slot, taken=size)
    dish = make_menu_item()
    client = client_for(customer_user)
    clock.config()  # read once, then kept in the cache (clock/config.py)

    def place(body):
        add_to_cart(customer_user, dish)
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/orders", body, format="json")
        assert response.status_code == 201, response.json()
        return response, len(queries)

    place({"fulfilment": "delivery"})  # the caller's group names are then known (roles.py)
    _, plain = place({"fulfilment": "delivery"})
    # The one more: the place taken in one statement (INSERT ... ON CONFLICT DO UPDATE ...
    # WHERE taken < capacity), however many orders hold the slot.
    timed, for_a_time = place({"fulfilment": "pickup", "scheduled_for": slot.isoformat()})
    asap, as_soon = place({"fulfilment": "pickup"})

    assert for_a_time == plain + 1
    assert as_soon == plain + 1
    assert timed.json()["state"] == "scheduled"
    assert asap.json()["slot"] is not None
    assert SlotTaken.objects.get(start=slot).taken == size + 1
