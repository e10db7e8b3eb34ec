"""The bill: subtotal, delivery fee, tip, tax and total, fixed when an order is placed."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from LittleLemonDRF import bill
from LittleLemonDRF.models import Order, Restaurant
from tests.factories import add_to_cart, make_menu_item

ORDERS = "/api/orders"

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
rates = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("50.00"), places=2)
tips = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("999.99"), places=2)


def _terms(rate, included, fee=Decimal("0.00"), free_from=None):
    return bill.Terms(
        tax_rate=rate, prices_include_tax=included, delivery_fee=fee, free_delivery_from=free_from
    )


@given(
    lines=st.lists(st.tuples(money, st.integers(1, 100)), min_size=1, max_size=20),
    rate=rates,
    included=st.booleans(),
    fee=st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99.99"), places=2),
    delivery=st.booleans(),
    tip=st.one_of(tips.map(lambda t: ("tip", t)), st.integers(0, 100).map(lambda p: ("pct", p))),
)
def test_the_parts_add_up_to_the_total_to_the_cent(lines, rate, included, fee, delivery, tip):
    subtotal = sum(price * quantity for price, quantity in lines)
    kind, value = tip
    tip_args = {"tip": value} if kind == "tip" else {"tip_percent": value}

    billed = bill.bill_for(
        _terms(rate, included, fee), subtotal=subtotal, delivery=delivery, **tip_args
    )

    added = billed.tax if not included else Decimal("0.00")
    assert billed.subtotal + billed.delivery_fee + billed.tip + added == billed.total
    for amount in (billed.subtotal, billed.delivery_fee, billed.tip, billed.tax, billed.total):
        assert amount == amount.quantize(Decimal("0.01"))


@given(subtotal=money, rate=rates, included=st.booleans(), first=tips, second=tips)
def test_the_tax_never_changes_with_the_tip(subtotal, rate, included, first, second):
    terms = _terms(rate, included, Decimal("4.50"))

    one = bill.bill_for(terms, subtotal=subtotal, delivery=True, tip=first)
    other = bill.bill_for(terms, subtotal=subtotal, delivery=True, tip=second)

    assert one.tax == other.tax


def test_tax_included_and_added_round_once_half_up():
    included = bill.bill_for(
        _terms(Decimal("10.00"), True), subtotal=Decimal("11.00"), delivery=False
    )
    added = bill.bill_for(_terms(Decimal("10.00"), False), subtotal=Decimal("0.05"), delivery=False)

    assert included.tax == Decimal("1.00")  # 11.00 - 11.00 / 1.10
    assert included.total == Decimal("11.00")
    assert added.tax == Decimal("0.01")  # 0.005, half up
    assert added.total == Decimal("0.06")


def _settings(**fields):
    restaurant = Restaurant.load()
    for name, value in fields.items():
        setattr(restaurant, name, value)
    restaurant.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("price", "fee"), [("29.99", "3.50"), ("30.00", "0.00"), ("30.01", "0.00")]
)
def test_free_delivery_from_is_inclusive(customer_client, customer_user, price, fee):
    _settings(delivery_fee=Decimal("3.50"), free_delivery_from=Decimal("30.00"))
    add_to_cart(customer_user, make_menu_item(price=price))

    response = customer_client.post(ORDERS, {"tip": "2.00"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["subtotal"], body["delivery_fee"], body["tip"]) == (price, fee, "2.00")
    assert Decimal(body["total"]) == Decimal(price) + Decimal(fee) + Decimal("2.00")


@pytest.mark.django_db
def test_pickup_pays_no_delivery_fee_and_tax_is_added_when_prices_exclude_it(
    customer_client, customer_user
):
    _settings(delivery_fee=Decimal("3.50"), tax_rate=Decimal("10.00"), prices_include_tax=False)
    add_to_cart(customer_user, make_menu_item(price="20.00"))

    response = customer_client.post(
        ORDERS, {"fulfilment": "pickup", "tip_percent": 15}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["delivery_fee"], body["tip"], body["tax"]) == ("0.00", "3.00", "2.00")
    assert body["total"] == "25.00"


@pytest.mark.django_db
def test_below_the_minimum_order_is_a_400_and_nothing_changes(customer_client, customer_user):
    _settings(minimum_order=Decimal("15.00"))
    dish = make_menu_item(price="9.00")
    dish.stock = 5
    dish.save()
    add_to_cart(customer_user, dish)

    response = customer_client.post(ORDERS)

    assert response.status_code == 400
    assert response.json()["minimum_order"] == "15.00"
    assert "detail" in response.json()
    assert not Order.objects.exists()
    dish.refresh_from_db()
    assert dish.stock == 5
    assert len(customer_client.get("/api/cart/menu-items").json()) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"tip": "1.00", "tip_percent": 10},
        {"tip": "-1.00"},
        {"tip": "1.001"},
        {"tip": "1000.00"},
        {"tip_percent": 101},
        {"tip_percent": 2.5},
    ],
)
def test_a_bad_tip_is_a_400(customer_client, customer_user, body):
    add_to_cart(customer_user, make_menu_item())

    response = customer_client.post(ORDERS, body, format="json")

    assert response.status_code == 400
    assert {"tip", "tip_percent"} & set(response.json())
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_settings_changed_after_placement_change_no_placed_order(customer_client, customer_user):
    _settings(delivery_fee=Decimal("2.00"), tax_rate=Decimal("20.00"), prices_include_tax=False)
    add_to_cart(customer_user, make_menu_item(price="10.00"))
    placed = customer_client.post(ORDERS).json()

    _settings(delivery_fee=Decimal("9.00"), tax_rate=Decimal("5.00"), prices_include_tax=True)
    again = customer_client.get(f"{ORDERS}/{placed['id']}").json()

    assert (again["delivery_fee"], again["tax"], again["total"]) == ("2.00", "2.40", "14.40")
    assert again["total"] == placed["total"]
