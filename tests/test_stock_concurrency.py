"""Racing for the last portions: real threads, real transactions and row locks, PostgreSQL only.

Each request runs in its own thread with its own APIClient and database connection, carrying
a real `Authorization: Token` header; a barrier releases them together. Stock is set through
the manager's PATCH, as a restaurant would; nothing is mocked.
"""

import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from LittleLemonDRF import roles
from LittleLemonDRF.models import Cart, Order, OrderItem
from tests.factories import add_to_cart, make_menu_item, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks and real concurrent transactions; "
        "run `make test-postgres`",
    ),
    pytest.mark.django_db(transaction=True),
]

THREAD_TIMEOUT = 60  # seconds; a deadlock shows up as a failure, never as a hung suite
MENU_ITEMS = "/api/menu-items"
ORDERS = "/api/orders"


@pytest.fixture(autouse=True)
def _generous_throttles(settings):
    # Throttling is not under test here: a 429 would hide what the race did.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            scope: "1000/minute" for scope in ("anon", "user", "ratings", "orders", "login")
        },
    }


@dataclass
class Outcome:
    status: int
    body: object
    error: str = ""  # the server-side traceback of a 5xx

    def __repr__(self):
        return f"{self.status} {self.body!r}{self.error}"


def _token_key(user):
    return Token.objects.get_or_create(user=user)[0].key


def _send(key, send):
    """One request in this thread, with its own client and a real token header; the
    connection is closed afterwards, so the test database can be dropped at the end."""
    try:
        client = APIClient(raise_request_exception=False)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = send(client)
        error = ""
        if response.status_code >= 500 and response.exc_info:
            error = "\n" + "".join(traceback.format_exception(*response.exc_info))
        try:
            body = response.json()
        except ValueError:
            body = response.content[:200]
        return Outcome(response.status_code, body, error)
    finally:
        connection.close()


def _race(users, send):
    """`send(client)` once per user, each from its own thread, all released together.

    `send` may also be a list with one function per user.
    """
    sends = send if isinstance(send, list) else [send] * len(users)
    keys = [_token_key(user) for user in users]
    barrier = threading.Barrier(len(users))

    def released(send):
        def worker(client):
            barrier.wait(timeout=THREAD_TIMEOUT)
            return send(client)

        return worker

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        futures = [pool.submit(_send, key, released(s)) for key, s in zip(keys, sends, strict=True)]
        return [future.result(timeout=THREAD_TIMEOUT) for future in futures]


def _statuses(outcomes):
    return sorted(outcome.status for outcome in outcomes)


@pytest.fixture
def office(db):
    """A manager's client with a real token, for setting stock through the API."""
    manager = make_user("mia_manager", groups=[roles.MANAGER])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_token_key(manager)}")
    return client


@pytest.fixture
def counted(office):
    def counted(stock, title=None):
        dish = make_menu_item(title, "5.00")
        response = office.patch(f"{MENU_ITEMS}/{dish.pk}", {"stock": stock})
        assert response.status_code == 200, response.content
        return dish

    return counted


@pytest.fixture
def stock_of(office):
    def stock_of(dish):
        response = office.get(f"{MENU_ITEMS}/{dish.pk}")
        assert response.status_code == 200, response.content
        return response.json()["stock"]

    return stock_of


def _sold(dish):
    return sum(OrderItem.objects.filter(menuitem=dish).values_list("quantity", flat=True))


def test_twenty_four_customers_racing_for_five_portions_get_five_orders(counted, stock_of):
    dish = counted(5, "Last Moussaka")
    customers = [make_user() for _ in range(24)]
    for customer in customers:
        add_to_cart(customer, dish, 1)

    outcomes = _race(customers, lambda client: client.post(ORDERS))

    assert all(outcome.status < 500 for outcome in outcomes), outcomes
    assert _statuses(outcomes) == [201] * 5 + [409] * 19, outcomes
    for outcome in outcomes:
        if outcome.status == 409:
            assert outcome.body["unavailable"] == [
                {"menuitem_id": dish.pk, "title": "Last Moussaka", "requested": 1, "left": 0}
            ], outcome
    assert stock_of(dish) == 0
    assert Order.objects.count() == 5
    assert _sold(dish) == 5
    # The refused customers keep their carts; the served ones have theirs emptied.
    assert Cart.objects.filter(menuitem=dish).count() == 19


@pytest.mark.parametrize(
    ("stock", "served"), [(10, 5), (30, 12)], ids=["enough-for-five", "enough-for-all"]
)
def test_customers_with_overlapping_carts_never_deadlock_nor_oversell(
    counted, stock_of, stock, served
):
    # Half the customers put soup then pie in their carts, the other half pie then soup; each
    # orders 2 of each, so `stock` of each is enough for stock // 2 orders.
    soup, pie = counted(stock, "Soup"), counted(stock, "Pie")
    customers = [make_user() for _ in range(12)]
    for n, customer in enumerate(customers):
        for dish in (soup, pie) if n % 2 == 0 else (pie, soup):
            add_to_cart(customer, dish, 2)

    outcomes = _race(customers, lambda client: client.post(ORDERS))

    assert all(outcome.status < 500 for outcome in outcomes), outcomes
    assert _statuses(outcomes) == [201] * served + [409] * (12 - served), outcomes
    assert Order.objects.count() == served
    for dish in (soup, pie):
        assert _sold(dish) == 2 * served
        assert stock_of(dish) == stock - 2 * served
    assert all(order.items.count() == 2 for order in Order.objects.all())


def _cancel(order_id, reason=None):
    body = {"state": "cancelled"} if reason is None else {"state": "cancelled", "reason": reason}
    return lambda client: client.patch(f"{ORDERS}/{order_id}", body)


@pytest.mark.parametrize("second", ["owner", "manager"])
def test_two_racing_cancels_of_a_paid_order_give_stock_back_once(office, counted, stock_of, second):
    customer = make_user()
    manager = make_user(groups=[roles.MANAGER])
    soup, bread = counted(10, "Soup"), counted(10, "Bread")
    add_to_cart(customer, soup, 3)
    add_to_cart(customer, bread, 1)
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Token {_token_key(customer)}")
    placed = owner.post(ORDERS)
    assert placed.status_code == 201, placed.content
    order_id = placed.json()["id"]
    paid = office.patch(f"{ORDERS}/{order_id}", {"payment_status": "paid"})
    assert paid.status_code == 200, paid.content
    assert (stock_of(soup), stock_of(bread)) == (7, 9)

    if second == "owner":
        outcomes = _race([customer, customer], _cancel(order_id))
    else:
        outcomes = _race(
            [customer, manager], [_cancel(order_id), _cancel(order_id, "Closing early")]
        )

    assert _statuses(outcomes) == [200, 409], outcomes
    assert (stock_of(soup), stock_of(bread)) == (10, 10)
    order = office.get(f"{ORDERS}/{order_id}").json()
    assert order["state"] == "cancelled"
    assert order["payment_status"] == "refund_due"
    assert [entry["state"] for entry in order["history"]] == ["placed", "cancelled"]
