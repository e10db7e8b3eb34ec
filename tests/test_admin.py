"""The Django admin: every model's pages render for staff, without a query per row."""

from decimal import Decimal

import pytest
from django.test import Client

from LittleLemonDRF import roles
from LittleLemonDRF.models import Order, Refund
from tests.factories import add_to_cart, make_menu_item, make_order, make_rating, make_user

CHANGELISTS = [
    "/admin/LittleLemonDRF/category/",
    "/admin/LittleLemonDRF/menuitem/",
    "/admin/LittleLemonDRF/rating/",
    "/admin/LittleLemonDRF/cart/",
    "/admin/LittleLemonDRF/order/",
    "/admin/auth/user/",
    "/admin/auth/group/",
    "/admin/authtoken/tokenproxy/",
]


@pytest.fixture
def staff_browser(admin_user):
    browser = Client()
    browser.force_login(admin_user)
    return browser


def _fill(rows: int):
    crew = make_user(groups=[roles.DELIVERY_CREW])
    for _ in range(rows):
        customer = make_user()
        item = make_menu_item()
        make_rating(customer, item)
        make_order(customer, [(item, 2)], delivery_crew=crew)
        add_to_cart(customer, item)


@pytest.mark.django_db
@pytest.mark.parametrize("path", CHANGELISTS)
def test_staff_sees_every_changelist(staff_browser, path):
    _fill(2)
    response = staff_browser.get(path)
    assert response.status_code == 200
    assert b"Select" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", CHANGELISTS[:5])
def test_changelist_queries_do_not_grow_with_rows(
    staff_browser, path, django_assert_max_num_queries
):
    _fill(3)
    with django_assert_max_num_queries(25) as few:
        assert staff_browser.get(path).status_code == 200
    _fill(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_browser.get(path).status_code == 200


@pytest.mark.django_db
def test_order_page_shows_lines_read_only_and_offers_only_crew(staff_browser):
    crew = make_user("dora_driver", groups=[roles.DELIVERY_CREW])
    make_user("not_crew_nick")
    order = make_order(make_user(), [(make_menu_item("Moussaka", "16.75"), 2)])
    response = staff_browser.get(f"/admin/LittleLemonDRF/order/{order.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Moussaka" in html
    assert "33.50" in html
    assert 'name="items-0-quantity"' not in html  # lines are not editable
    assert f'value="{crew.pk}"' in html
    assert "dora_driver" in html
    assert "not_crew_nick" not in html


@pytest.mark.django_db
def test_admin_marks_orders_delivered_in_bulk(staff_browser):
    orders = [make_order(make_user()) for _ in range(2)]
    response = staff_browser.post(
        "/admin/LittleLemonDRF/order/",
        {"action": "mark_delivered", "_selected_action": [o.pk for o in orders]},
    )
    assert response.status_code == 302
    assert set(
        Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)
    ) == {True}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/schema/"])
def test_api_documentation_pages_render(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    assert response.content


@pytest.mark.django_db
def test_admin_assigns_orders_to_a_crew_member_in_bulk(staff_browser):
    crew = make_user("dora_driver", groups=[roles.DELIVERY_CREW])
    orders = [make_order(make_user()) for _ in range(2)]
    response = staff_browser.post(
        "/admin/LittleLemonDRF/order/",
        {"action": f"assign_to_{crew.pk}", "_selected_action": [o.pk for o in orders]},
    )
    assert response.status_code == 302
    assigned = Order.objects.filter(pk__in=[o.pk for o in orders])
    assert set(assigned.values_list("delivery_crew", flat=True)) == {crew.pk}


def _act(browser, action, orders):
    return browser.post(
        "/admin/LittleLemonDRF/order/",
        {"action": action, "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


@pytest.mark.django_db
def test_admin_moves_orders_by_the_transition_table_as_the_staff_member(staff_browser, admin_user):
    placed = make_order(make_user())
    delivered = make_order(make_user(), status=True)

    response = _act(staff_browser, "move_to_accepted", [placed, delivered])

    assert response.status_code == 200
    placed.refresh_from_db()
    delivered.refresh_from_db()
    assert placed.state == "accepted"
    assert delivered.state == "delivered"  # the table has no such move: left as it was
    change = placed.history.get()
    assert (change.state, change.by_id) == ("accepted", admin_user.pk)
    html = response.content.decode()
    assert "1 order(s) moved to accepted" in html
    assert f"#{delivered.pk}: An order that is delivered cannot move to accepted." in html


@pytest.mark.django_db
def test_admin_cancelling_a_started_order_needs_the_api_reason(staff_browser):
    order = make_order(make_user())
    _act(staff_browser, "move_to_accepted", [order])

    response = _act(staff_browser, "move_to_cancelled", [order])

    order.refresh_from_db()
    assert order.state == "accepted"
    assert "needs a reason" in response.content.decode()


@pytest.mark.django_db
def test_admin_marks_paid_and_cancelling_then_refunds(staff_browser):
    dish = make_menu_item(price="8.00")
    dish.stock = 4
    dish.save()
    order = make_order(make_user(), [(dish, 3)])
    _act(staff_browser, "mark_paid", [order])
    _act(staff_browser, "move_to_cancelled", [order])
    order.refresh_from_db()
    dish.refresh_from_db()
    assert (order.state, order.payment_status) == ("cancelled", "refund_due")
    assert dish.stock == 4  # the 3 portions came back

    _act(staff_browser, "mark_refunded", [order])

    order.refresh_from_db()
    assert order.payment_status == "refunded"


@pytest.mark.django_db
def test_order_page_shows_state_payment_and_read_only_history(staff_browser):
    order = make_order(make_user())
    _act(staff_browser, "move_to_accepted", [order])

    html = staff_browser.get(f"/admin/LittleLemonDRF/order/{order.pk}/change/").content.decode()

    assert '<ul class="order-history">' in html
    assert "Placed by " in html
    assert "Accepted by boss" in html
    assert 'name="history' not in html  # history is not editable
    assert 'name="state"' not in html  # moves go through the actions


@pytest.mark.django_db
def test_sold_out_filter_lists_dishes_switched_off_or_at_zero(staff_browser):
    off = make_menu_item("Pasta Primavera")
    off.available = False
    off.save()
    gone = make_menu_item("Baklava")
    gone.stock = 0
    gone.save()
    make_menu_item("Greek Salad")

    html = staff_browser.get("/admin/LittleLemonDRF/menuitem/?sold_out=yes").content.decode()

    assert "Pasta Primavera" in html
    assert "Baklava" in html
    assert "Greek Salad" not in html


def _paid_order(lines):
    order = make_order(make_user(), lines)
    Order.objects.filter(pk=order.pk).update(payment_status=Order.PaymentStatus.PAID)
    order.refresh_from_db()
    return order


def _refund_page(order):
    return f"/admin/LittleLemonDRF/order/{order.pk}/refund/"


@pytest.mark.django_db
def test_admin_refunds_a_line_through_the_service_and_shows_it_read_only(staff_browser, admin_user):
    order = _paid_order([(make_menu_item("Moussaka", "8.00"), 2)])
    line = order.items.get()
    change = staff_browser.get(f"/admin/LittleLemonDRF/order/{order.pk}/change/")
    assert _refund_page(order) in change.content.decode()
    page = staff_browser.get(_refund_page(order))
    assert page.status_code == 200
    assert '<strong class="refund-left">16.00</strong>' in page.content.decode()

    response = staff_browser.post(
        _refund_page(order),
        {"reason": "Cold", f"line_{line.pk}": "1", "amount": "", "key": "k1"},
        follow=True,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Refunded 8.00 on order #{order.pk}." in html
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.lines, refund.by_id) == (
        Decimal("8.00"),
        [{"id": line.pk, "quantity": 1}],
        admin_user.pk,
    )
    order.refresh_from_db()
    assert (order.refunded, order.payment_status) == (Decimal("8.00"), "partially_refunded")
    assert "Cold" in html  # the refunds inline, on the order's page
    assert 'name="refunds-0-amount"' not in html  # shown, not editable


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"amount": "16.01"}, "At most 16.00 is left to refund on this order."),
        ({"line": "3"}, "Ensure this value is less than or equal to 2."),
        ({"line": "1", "amount": "1.00"}, "Send lines or an amount, one of them."),
        ({}, "Send lines or an amount, one of them."),
        ({"amount": "0"}, "Ensure this value is greater than or equal to 0.01."),
    ],
)
def test_admin_refund_refused_by_the_api_rules_records_nothing(staff_browser, asked, message):
    order = _paid_order([(make_menu_item("Moussaka", "8.00"), 2)])
    line = order.items.get()
    form = {"reason": "Cold", "amount": asked.get("amount", ""), "key": "k1"}
    form[f"line_{line.pk}"] = asked.get("line", "0")

    response = staff_browser.post(_refund_page(order), form)

    assert response.status_code == 200
    assert message in response.content.decode()
    order.refresh_from_db()
    assert order.refunded == Decimal("0.00")
    assert not Refund.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_admin_cannot_refund_an_unpaid_order(staff_browser):
    order = make_order(make_user(), [(make_menu_item(price="8.00"), 1)])

    response = staff_browser.post(
        _refund_page(order), {"reason": "Cold", "amount": "1.00", "key": "k1"}
    )

    assert response.status_code == 200
    assert "Only a paid or partially refunded order can be refunded." in response.content.decode()
    assert not Refund.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_admin_refund_form_sent_twice_refunds_once(staff_browser):
    order = _paid_order([(make_menu_item(price="8.00"), 2)])
    form = {"reason": "Late", "amount": "5.00", "key": "same-page"}

    first = staff_browser.post(_refund_page(order), form)
    again = staff_browser.post(_refund_page(order), form, follow=True)

    assert first.status_code == 302
    assert again.status_code == 200
    assert f"Already refunded 5.00 on order #{order.pk}." in again.content.decode()
    order.refresh_from_db()
    assert order.refunded == Decimal("5.00")
    assert Refund.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_refund_page_is_for_staff_only():
    order = _paid_order([(make_menu_item(price="8.00"), 1)])
    browser = Client()
    browser.force_login(make_user())

    response = browser.post(_refund_page(order), {"reason": "Mine", "amount": "8.00", "key": "k"})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not Refund.objects.filter(order=order).exists()
