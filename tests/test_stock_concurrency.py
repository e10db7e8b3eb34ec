"""Racing for the last portions: real threads, real transactions and row locks, PostgreSQL only.

Each request runs in its own thread with its own APIClient and database connection, carrying
a real `Authorization: Token` header; a barrier releases them together. Stock is set through
the manager's PATCH, as a restaurant would; nothing is mocked.
"""

import pytest

from LittleLemonDRF import roles
from LittleLemonDRF.models import Cart, Order, OrderItem
from tests.factories import add_to_cart, make_user
from tests.races import RACE_MARKS, race, statuses

pytestmark = RACE_MARKS

ORDERS = "/api/orders"


@pytest.fixture
def office(manager_user, token_client):
    """The manager's client with a real token, for setting stock through the API: with it the
    shared `counted`, `set_dish` and `stock_of` fixtures send a token header too."""
    return token_client(manager_user)


def _sold(dish):
    return sum(OrderItem.objects.filter(menuitem=dish).values_list("quantity", flat=True))


def test_twenty_four_customers_racing_for_five_portions_get_five_orders(counted, stock_of):
    dish = counted(5, "Last Moussaka")
    customers = [make_user() for _ in range(24)]
    for customer in customers:
        add_to_cart(customer, dish, 1)

    outcomes = race(customers, lambda client: client.post(ORDERS))

    assert all(outcome.status < 500 for outcome in outcomes), outcomes
    assert statuses(outcomes) == [201] * 5 + [409] * 19, outcomes
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

    outcomes = race(customers, lambda client: client.post(ORDERS))

    assert all(outcome.status < 500 for outcome in outcomes), outcomes
    assert statuses(outcomes) == [201] * served + [409] * (12 - served), outcomes
    assert Order.objects.count() == served
    for dish in (soup, pie):
        assert _sold(dish) == 2 * served
        assert stock_of(dish) == stock - 2 * served
    assert all(order.items.count() == 2 for order in Order.objects.all())


def _cancel(order_id, reason=None):
    body = {"state": "cancelled"} if reason is None else {"state": "cancelled", "reason": reason}
    return lambda client: client.patch(f"{ORDERS}/{order_id}", body)


@pytest.mark.parametrize("second", ["owner", "manager"])
def test_two_racing_cancels_of_a_paid_order_give_stock_back_once(
    office, token_client, counted, stock_of, second
):
    customer = make_user()
    manager = make_user(groups=[roles.MANAGER])
    soup, bread = counted(10, "Soup"), counted(10, "Bread")
    add_to_cart(customer, soup, 3)
    add_to_cart(customer, bread, 1)
    placed = token_client(customer).post(ORDERS)
    assert placed.status_code == 201, placed.content
    order_id = placed.json()["id"]
    paid = office.patch(f"{ORDERS}/{order_id}", {"payment_status": "paid"})
    assert paid.status_code == 200, paid.content
    assert (stock_of(soup), stock_of(bread)) == (7, 9)

    if second == "owner":
        outcomes = race([customer, customer], _cancel(order_id))
    else:
        outcomes = race(
            [customer, manager], [_cancel(order_id), _cancel(order_id, "Closing early")]
        )

    assert statuses(outcomes) == [200, 409], outcomes
    assert (stock_of(soup), stock_of(bread)) == (10, 10)
    order = office.get(f"{ORDERS}/{order_id}").json()
    assert order["state"] == "cancelled"
    assert order["payment_status"] == "refund_due"
    assert [entry["state"] for entry in order["history"]] == ["placed", "cancelled"]
