"""An order's payment_status: who marks the money taken, refunds, and the changes that are 409."""

import pytest

from tests.factories import add_to_cart, make_menu_item

ORDERS = "/api/orders"
DELIVERY_PATH = ["accepted", "preparing", "ready", "out_for_delivery", "delivered"]


@pytest.fixture
def set_payment(office):
    def set_payment(order_id, value):
        response = office.patch(f"{ORDERS}/{order_id}", {"payment_status": value})
        assert response.status_code == 200, (value, response.content)

    return set_payment


@pytest.fixture
def order_with(customer_user, crew_user, place_order, assign, advance, set_payment):
    """A delivery order of the customer's, assigned to crew_user, in `state` with `payment`.

    `refund_due` and `refunded` orders are paid orders cancelled by the manager.
    """

    def order_with(payment="unpaid", state="placed"):
        add_to_cart(customer_user, make_menu_item(price="8.00"), 1)
        order_id = place_order({"payment_method": "card"})
        assign(order_id, crew_user)
        if state == "cancelled" or payment in ("refund_due", "refunded"):
            steps = ["cancelled"]
        else:
            steps = DELIVERY_PATH[: DELIVERY_PATH.index(state) + 1] if state != "placed" else []
        if payment != "unpaid":
            set_payment(order_id, "paid")
        advance(order_id, *steps)
        if payment == "refunded":
            set_payment(order_id, "refunded")
        return order_id

    return order_with


# --- Marking the money taken ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin", "crew"])
@pytest.mark.parametrize("state", ["placed", "accepted", "ready", "out_for_delivery", "delivered"])
def test_manager_or_assigned_crew_marks_an_unpaid_order_paid(
    client_as, order_with, detail, role, state
):
    order_id = order_with("unpaid", state)
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"payment_status": "paid"})

    assert response.status_code == 200, response.content
    assert response.json()["payment_status"] == "paid"
    after = detail(order_id)
    assert after["payment_status"] == "paid"
    assert after["state"] == state
    assert after["history"] == before["history"]


def test_paid_order_shows_paid_to_its_owner(customer_client, order_with):
    order_id = order_with("paid")

    response = customer_client.get(f"{ORDERS}/{order_id}")

    assert response.status_code == 200
    assert response.json()["payment_status"] == "paid"
    assert customer_client.get(ORDERS).json()["results"][0]["payment_status"] == "paid"


# --- Cancelling and refunding ---------------------------------------------------------------


def test_owner_cancelling_a_paid_placed_order_makes_it_refund_due(
    customer_client, order_with, detail
):
    order_id = order_with("paid", "placed")

    response = customer_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

    assert response.status_code == 200
    assert response.json()["payment_status"] == "refund_due"
    order = detail(order_id)
    assert order["state"] == "cancelled"
    assert order["payment_status"] == "refund_due"


@pytest.mark.parametrize("state", ["placed", "accepted", "ready", "out_for_delivery"])
def test_manager_cancelling_a_paid_order_makes_it_refund_due(
    manager_client, order_with, detail, state
):
    order_id = order_with("paid", state)

    response = manager_client.patch(
        f"{ORDERS}/{order_id}", {"state": "cancelled", "reason": "Out of lemons"}
    )

    assert response.status_code == 200
    order = detail(order_id)
    assert order["state"] == "cancelled"
    assert order["payment_status"] == "refund_due"


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_cancelling_an_unpaid_order_leaves_it_unpaid(client_as, order_with, detail, role):
    order_id = order_with("unpaid", "placed")

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

    assert response.status_code == 200
    assert detail(order_id)["payment_status"] == "unpaid"


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_manager_refunds_a_refund_due_order(client_as, order_with, detail, role):
    order_id = order_with("refund_due")

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"payment_status": "refunded"})

    assert response.status_code == 200
    assert response.json()["payment_status"] == "refunded"
    order = detail(order_id)
    assert order["payment_status"] == "refunded"
    assert order["state"] == "cancelled"


# --- Every other change is a 409 ------------------------------------------------------------

# (payment, state, value sent, who sends it)
CONFLICTS = [
    ("paid", "placed", "paid", "manager"),
    ("paid", "delivered", "paid", "crew"),
    ("paid", "placed", "unpaid", "manager"),
    ("paid", "placed", "refund_due", "manager"),
    ("paid", "delivered", "refunded", "manager"),
    ("unpaid", "placed", "unpaid", "manager"),
    ("unpaid", "placed", "refunded", "manager"),
    ("unpaid", "delivered", "refunded", "admin"),
    ("unpaid", "placed", "refund_due", "manager"),
    ("refund_due", "cancelled", "paid", "manager"),
    ("refund_due", "cancelled", "paid", "crew"),
    ("refund_due", "cancelled", "refund_due", "manager"),
    ("refund_due", "cancelled", "unpaid", "manager"),
    ("refunded", "cancelled", "paid", "manager"),
    ("refunded", "cancelled", "refunded", "manager"),
    ("refunded", "cancelled", "refund_due", "admin"),
    ("refunded", "cancelled", "unpaid", "manager"),
    ("refunded", "cancelled", "paid", "crew"),
    ("unpaid", "cancelled", "paid", "manager"),
    ("unpaid", "cancelled", "paid", "crew"),
]


@pytest.mark.parametrize(
    ("payment", "state", "value", "role"),
    CONFLICTS,
    ids=[f"{p}-{s}-to-{v}-by-{r}" for p, s, v, r in CONFLICTS],
)
def test_any_other_payment_change_is_409(
    client_as, order_with, detail, payment, state, value, role
):
    order_id = order_with(payment, state)
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"payment_status": value})

    assert response.status_code == 409, response.content
    assert "detail" in response.json()
    assert detail(order_id) == before
    assert before["payment_status"] == payment


# --- Who may not change it ------------------------------------------------------------------

# (payment, value, role, expected status)
REFUSALS = [
    ("unpaid", "paid", "owner", 403),
    ("paid", "refunded", "owner", 403),
    ("refund_due", "refunded", "owner", 403),
    ("refund_due", "refunded", "crew", 403),
    ("unpaid", "paid", "other_customer", 404),
    ("unpaid", "paid", "other_crew", 404),
    ("refund_due", "refunded", "other_crew", 404),
    ("unpaid", "paid", "anon", 401),
]


@pytest.mark.parametrize(
    ("payment", "value", "role", "expected"),
    REFUSALS,
    ids=[f"{r}-{p}-to-{v}" for p, v, r, _ in REFUSALS],
)
def test_who_may_not_change_payment_status(
    client_as, order_with, detail, payment, value, role, expected
):
    order_id = order_with(payment)
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"payment_status": value})

    assert response.status_code == expected, response.content
    assert "detail" in response.json()
    assert detail(order_id) == before


@pytest.mark.parametrize("value", ["free", "", "PAID", None, 1])
def test_unknown_payment_status_is_400(manager_client, order_with, detail, value):
    order_id = order_with("unpaid")

    response = manager_client.patch(f"{ORDERS}/{order_id}", {"payment_status": value})

    assert response.status_code == 400
    assert "payment_status" in response.json()
    assert detail(order_id)["payment_status"] == "unpaid"


def test_crew_marks_paid_with_a_form_encoded_body(crew_client, order_with, detail):
    order_id = order_with("unpaid", "out_for_delivery")

    response = crew_client.patch(
        f"{ORDERS}/{order_id}/",
        "payment_status=paid",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert detail(order_id)["payment_status"] == "paid"
