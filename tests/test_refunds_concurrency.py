"""Racing refunds: never beyond what was paid, nor a line beyond its quantity, whatever the
concurrency. Real threads, real transactions and row locks, PostgreSQL only (tests/races.py)."""

from decimal import Decimal

import pytest

from LittleLemonDRF import roles
from LittleLemonDRF.models import Order, Refund
from tests.factories import make_menu_item, make_order, make_user
from tests.races import RACE_MARKS, race, statuses

pytestmark = RACE_MARKS


def refunds_path(order):
    return f"/api/orders/{order.pk}/refunds"


@pytest.fixture
def managers():
    return [make_user(f"manager{n}", groups=[roles.MANAGER]) for n in range(2)]


def paid(order):
    Order.objects.filter(pk=order.pk).update(payment_status=Order.PaymentStatus.PAID)
    order.refresh_from_db()
    return order


def test_two_managers_refunding_the_last_ten_at_once_refund_it_once(managers):
    dish = make_menu_item("Moussaka", "30.00")
    order = paid(make_order(make_user(), [(dish, 1)]))
    first = race(
        [managers[0]],
        lambda client: client.post(
            refunds_path(order), {"reason": "Late", "amount": "20.00"}, format="json"
        ),
    )
    assert statuses(first) == [201], first

    outcomes = race(
        managers,
        lambda client: client.post(
            refunds_path(order), {"reason": "Cold", "amount": "10.00"}, format="json"
        ),
    )

    assert all(outcome.status < 500 for outcome in outcomes), outcomes
    assert statuses(outcomes) == [201, 409], outcomes
    order.refresh_from_db()
    assert order.refunded == Decimal("30.00") == order.total
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert sum(Refund.objects.filter(order=order).values_list("amount", flat=True)) == Decimal(
        "30.00"
    )


def test_racing_line_refunds_never_refund_a_line_beyond_its_quantity(managers):
    dish = make_menu_item("Souvlaki", "8.00")
    order = paid(make_order(make_user(), [(dish, 3)]))
    line = order.items.get().pk
    racers = [managers[n % 2] for n in range(6)]

    outcomes = race(
        racers,
        lambda client: client.post(
            refunds_path(order),
            {"reason": "Cold", "lines": [{"id": line, "quantity": 1}]},
            format="json",
        ),
    )

    assert all(outcome.status < 500 for outcome in outcomes), outcomes
    assert statuses(outcomes) == [201] * 3 + [409] * 3, outcomes
    order.refresh_from_db()
    assert order.refunded == Decimal("24.00")
    assert order.payment_status == Order.PaymentStatus.REFUNDED
