"""Shared fixtures: an API client, a user and a client per role, a clean cache per test, a
small restaurant (`world`) for the tests that send every route something, and the manager's
helpers that set orders and dishes up through the API."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from LittleLemonDRF import breaker, roles, throttles
from LittleLemonDRF.models import Closure, ServiceHours
from tests.factories import (
    add_to_cart,
    client_for,
    make_category,
    make_menu_item,
    make_order,
    make_rating,
    make_user,
)
from tests.races import generous_throttles  # noqa: F401  (applied by races.RACE_MARKS)

ORDERS = "/api/orders"
MENU_ITEMS = "/api/menu-items"


@pytest.fixture(autouse=True)
def _clean_cache():
    # Throttle counters live in the cache (Redis) or in the process: every test starts with a
    # fresh budget.
    breaker.health = breaker.Breaker()  # Redis asked at once, whatever an earlier test met
    cache.clear()
    throttles._local.clear()
    yield
    cache.clear()
    throttles._local.clear()


@pytest.fixture
def api_client():
    """An anonymous client."""
    return APIClient()


@pytest.fixture
def admin_user(db):
    return make_user("boss", is_staff=True, is_superuser=True)


@pytest.fixture
def manager_user(db):
    return make_user("mia_manager", groups=[roles.MANAGER])


@pytest.fixture
def crew_user(db):
    return make_user("carl_crew", groups=[roles.DELIVERY_CREW])


@pytest.fixture
def customer_user(db):
    return make_user("cora_customer")


@pytest.fixture
def other_customer_user(db):
    return make_user("otto_other")


@pytest.fixture
def other_crew_user(db):
    return make_user("cleo_crew", groups=[roles.DELIVERY_CREW])


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


@pytest.fixture
def manager_client(manager_user):
    return client_for(manager_user)


@pytest.fixture
def crew_client(crew_user):
    return client_for(crew_user)


@pytest.fixture
def customer_client(customer_user):
    return client_for(customer_user)


@pytest.fixture
def other_customer_client(other_customer_user):
    return client_for(other_customer_user)


@pytest.fixture
def role_client(request):
    """Indirect parametrisation: `role_client` with one of anon/customer/crew/manager/admin."""
    role = request.param
    if role == "anon":
        return APIClient()
    return request.getfixturevalue(f"{role}_client")


@pytest.fixture
def client_as(request, api_client, other_crew_user):
    """The client of one role: manager, admin, crew (crew_user), other_crew, owner (the
    customer), other_customer or anon."""
    fixtures = {
        "manager": "manager_client",
        "admin": "admin_client",
        "crew": "crew_client",
        "owner": "customer_client",
        "other_customer": "other_customer_client",
    }

    def client_as(role):
        if role == "anon":
            return api_client
        if role == "other_crew":
            return client_for(other_crew_user)
        return request.getfixturevalue(fixtures[role])

    return client_as


@pytest.fixture
def token_client(db):
    """A client whose requests carry a real `Authorization: Token` header."""
    from LittleLemonDRF.services import token_for_login

    def build(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for_login(user=user).key}")
        client.user = user
        return client

    return build


@pytest.fixture
def world(customer_user, other_customer_user, crew_user, manager_user, admin_user):
    """A small restaurant for route-by-route tests: its objects, and in `refs` the ids and names
    that `{name}` placeholders in their paths and bodies stand for."""
    category = make_category("Mains")
    empty_category = make_category("Nothing here yet")
    item = make_menu_item("Greek Salad", "12.50", category=category)
    unrated_item = make_menu_item("Bruschetta", "7.00", category=category)
    rating = make_rating(customer_user, item, 4)
    own_order = make_order(customer_user, [(item, 2)], delivery_crew=crew_user)
    other_order = make_order(other_customer_user, [(item, 1)])
    # Orders empty the cart they are made from, so the cart lines come after them.
    lines = {
        user.pk: add_to_cart(user, item, 1).pk
        for user in (customer_user, crew_user, manager_user, admin_user)
    }
    other_line = add_to_cart(other_customer_user, item, 1)
    manager_member = make_user("mel_member", groups=[roles.MANAGER])
    crew_member = make_user("dan_driver", groups=[roles.DELIVERY_CREW])
    outsider = make_user("olga_outsider")
    # Hours for tables, which leave orders as they were, and a closure, to read and change.
    hours = ServiceHours.objects.create(
        fulfilment="table", weekday=0, opens="18:00", closes="22:00"
    )
    closure = Closure.objects.create(
        starts="2030-12-25T00:00:00+00:00", ends="2030-12-26T00:00:00+00:00", reason="Christmas"
    )
    refs = {
        "category": category.pk,
        "empty_category": empty_category.pk,
        "item": item.pk,
        "unrated_item": unrated_item.pk,
        "rating": rating.pk,
        "own_order": own_order.pk,
        "order": own_order.pk,
        "other_order": other_order.pk,
        "line": lines[customer_user.pk],
        "other_line": other_line.pk,
        "crew": crew_user.pk,
        "manager_member": manager_member.pk,
        "manager_member_name": manager_member.username,
        "crew_member": crew_member.pk,
        "crew_member_name": crew_member.username,
        "outsider_name": outsider.username,
        "customer_name": customer_user.username,
        "hours": hours.pk,
        "closure": closure.pk,
    }
    return SimpleNamespace(
        category=category, item=item, customer=customer_user, lines=lines, refs=refs
    )


# --- The manager's helpers: orders and dishes set up and read back through the API ----------


@pytest.fixture
def office(manager_user):
    """The manager's own client, for setting orders and dishes up and reading them back."""
    return client_for(manager_user)


@pytest.fixture
def place_order(customer_user):
    """Order what is in the cart through the API (as the customer unless told); the order's id."""

    def place_order(body=None, *, user=None):
        response = client_for(user or customer_user).post(ORDERS, body)
        assert response.status_code == 201, response.content
        return response.json()["id"]

    return place_order


@pytest.fixture
def advance(office):
    """Move an order through `states` with the manager's PATCH (cancelling with a reason)."""

    def advance(order_id, *states):
        for state in states:
            body = {"state": state}
            if state == "cancelled":
                body["reason"] = "Kitchen closed"
            response = office.patch(f"{ORDERS}/{order_id}", body)
            assert response.status_code == 200, (state, response.content)

    return advance


@pytest.fixture
def assign(office):
    """Give an order to a delivery crew member with the manager's PATCH."""

    def assign(order_id, crew):
        response = office.patch(f"{ORDERS}/{order_id}", {"delivery_crew": crew.pk})
        assert response.status_code == 200, response.content

    return assign


@pytest.fixture
def detail(office):
    """The order as the manager reads it (history included)."""

    def detail(order_id):
        response = office.get(f"{ORDERS}/{order_id}")
        assert response.status_code == 200, response.content
        return response.json()

    return detail


@pytest.fixture
def set_dish(office):
    """PATCH a dish's fields (stock, available) as the manager, through the API."""

    def set_dish(item, **fields):
        response = office.patch(f"{MENU_ITEMS}/{item.pk}", fields)
        assert response.status_code == 200, response.content
        return response.json()

    return set_dish


@pytest.fixture
def dish_of(office):
    """A dish as the API shows it to the manager."""

    def dish_of(item):
        response = office.get(f"{MENU_ITEMS}/{item.pk}")
        assert response.status_code == 200, response.content
        return response.json()

    return dish_of


@pytest.fixture
def stock_of(dish_of):
    def stock_of(item):
        return dish_of(item)["stock"]

    return stock_of


@pytest.fixture
def counted(set_dish):
    """A new dish with `stock` portions counted."""

    def counted(stock, title=None, price="6.00"):
        item = make_menu_item(title, price)
        set_dish(item, stock=stock)
        return item

    return counted
