"""Refunds: lines or an amount of a paid order, never beyond what was paid."""

from decimal import Decimal

import pytest

from LittleLemonDRF import services
from LittleLemonDRF.models import Order, OrderEvent, Refund, Restaurant
from tests.factories import make_menu_item, make_order

ORDERS = "/api/orders"


def _paid_order(customer_user, lines):
    order = make_order(customer_user, lines)
    services.order_update(order=order, payment_status="paid")
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def paid(customer_user):
    """A paid order of 2 x 8.00 and 1 x 4.00 (total 20.00)."""
    return _paid_order(
        customer_user, [(make_menu_item("Fries", "8.00"), 2), (make_menu_item("Cola", "4.00"), 1)]
    )


def _refunds(order):
    return f"{ORDERS}/{order.pk}/refunds"


@pytest.mark.django_db
def test_manager_refunds_a_line_and_the_order_shows_it(manager_client, manager_user, paid):
    fries = paid.items.get(title="Fries")

    response = manager_client.post(
        _refunds(paid),
        {"reason": "cold fries", "lines": [{"id": fries.pk, "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["amount"] == "8.00"
    assert body["lines"] == [{"id": fries.pk, "quantity": 1}]
    assert body["by"] == {"id": manager_user.pk, "username": manager_user.username}
    order = manager_client.get(f"{ORDERS}/{paid.pk}").json()
    assert order["refunded"] == "8.00"
    assert order["payment_status"] == "partially_refunded"
    assert [r["reason"] for r in order["refunds"]] == ["cold fries"]
    assert OrderEvent.objects.filter(order_id=paid.pk, type="order.updated").count() == 2


@pytest.mark.django_db
def test_refunding_the_rest_makes_the_order_refunded(manager_client, paid):
    first = manager_client.post(_refunds(paid), {"reason": "late", "amount": "5.00"}, format="json")
    rest = manager_client.post(_refunds(paid), {"reason": "late", "amount": "15.00"}, format="json")

    assert (first.status_code, rest.status_code) == (201, 201)
    paid.refresh_from_db()
    assert paid.refunded == Decimal("20.00")
    assert paid.payment_status == "refunded"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"reason": "x", "amount": "20.01"},
        {"reason": "x", "lines": [{"id": "FRIES", "quantity": 3}]},
    ],
)
def test_never_beyond_what_was_paid_nor_a_line_beyond_its_quantity(manager_client, paid, body):
    fries = paid.items.get(title="Fries")
    for line in body.get("lines", []):
        line["id"] = fries.pk

    response = manager_client.post(_refunds(paid), body, format="json")

    assert response.status_code == 409
    assert "detail" in response.json()
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_a_line_already_refunded_cannot_be_refunded_again(manager_client, paid):
    fries = paid.items.get(title="Fries")
    line = {"reason": "cold", "lines": [{"id": fries.pk, "quantity": 2}]}

    first = manager_client.post(_refunds(paid), line, format="json")
    second = manager_client.post(_refunds(paid), line, format="json")

    assert (first.status_code, second.status_code) == (201, 409)
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_an_unpaid_order_cannot_be_refunded(manager_client, customer_user):
    order = make_order(customer_user)

    response = manager_client.post(
        _refunds(order), {"reason": "x", "amount": "1.00"}, format="json"
    )

    assert response.status_code == 409
    assert not Refund.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"amount": "1.00"},
        {"reason": "x"},
        {"reason": "x", "amount": "1.00", "lines": [{"id": 1, "quantity": 1}]},
        {"reason": "x", "amount": "0.00"},
        {"reason": "x", "amount": "1.001"},
        {"reason": "x", "lines": []},
        {"reason": "x", "lines": [{"id": 999999, "quantity": 1}]},
    ],
)
def test_a_bad_refund_is_a_400(manager_client, paid, body):
    response = manager_client.post(_refunds(paid), body, format="json")

    assert response.status_code == 400
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_customers_and_crew_may_not_refund(customer_client, crew_client, paid):
    body = {"reason": "x", "amount": "1.00"}

    assert customer_client.post(_refunds(paid), body, format="json").status_code == 403
    assert crew_client.post(_refunds(paid), body, format="json").status_code == 403
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_a_refund_retried_with_its_key_is_made_once(manager_client, paid):
    body = {"reason": "late", "amount": "3.00"}
    key = {"HTTP_IDEMPOTENCY_KEY": "refund-1"}

    first = manager_client.post(_refunds(paid), body, format="json", **key)
    retry = manager_client.post(_refunds(paid), body, format="json", **key)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_a_line_refund_adds_its_tax_when_the_tax_is_added(manager_client, customer_user):
    restaurant = Restaurant.load()
    restaurant.tax_rate, restaurant.prices_include_tax = Decimal("10.00"), False
    restaurant.save()
    order = _paid_order(customer_user, [(make_menu_item("Soup", "5.55"), 1)])
    line = order.items.get()

    response = manager_client.post(
        _refunds(order),
        {"reason": "spilt", "lines": [{"id": line.pk, "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["amount"] == "6.11"  # 5.55 + 0.555, half up
    order.refresh_from_db()
    assert order.payment_status == "refunded"


@pytest.mark.django_db
def test_cancelling_a_partially_refunded_order_makes_it_refund_due(manager_client, paid):
    manager_client.post(_refunds(paid), {"reason": "late", "amount": "2.00"}, format="json")

    response = manager_client.patch(f"{ORDERS}/{paid.pk}", {"state": "cancelled"}, format="json")

    assert response.status_code == 200
    assert response.json()["payment_status"] == "refund_due"
