"""Availability and stock: the menu's `available`, `stock` and `orderable`, the cart's and the
order's checks against them, stock given back on cancelling, and flat query counts."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from LittleLemonDRF import clock
from LittleLemonDRF.models import Cart, MenuItem, Order
from LittleLemonDRF.views import MenuItemViewSet
from tests.factories import add_to_cart, client_for, make_category, make_menu_item, make_order

User = get_user_model()

MENU_ITEMS = "/api/menu-items"
CART = "/api/cart/menu-items"
ORDERS = "/api/orders"
WRITERS = ["manager", "admin"]
NON_WRITERS = ["customer", "crew"]


def _client(user):
    """A client for the user loaded afresh (group names are cached on a user object)."""
    return client_for(User.objects.get(pk=user.pk))


def _cart(client):
    response = client.get(CART)
    assert response.status_code == 200
    return response.json()


# --- The menu shows and takes available and stock -------------------------------------------


def test_new_dish_is_available_uncounted_and_orderable(api_client, db):
    item = make_menu_item("Greek Salad", "12.50")

    listed = api_client.get(MENU_ITEMS)
    alone = api_client.get(f"{MENU_ITEMS}/{item.pk}")

    assert listed.status_code == 200
    assert alone.status_code == 200
    for body in (listed.json()["results"][0], alone.json()):
        assert body["id"] == item.pk
        assert body["available"] is True
        assert body["stock"] is None
        assert body["orderable"] is True


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
def test_manager_or_admin_creates_a_dish_switched_off_with_stock(role_client):
    category = make_category()

    response = role_client.post(
        MENU_ITEMS,
        {
            "title": "Moussaka",
            "price": "16.75",
            "category_id": category.pk,
            "available": False,
            "stock": 12,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["available"], body["stock"], body["orderable"]) == (False, 12, False)
    item = MenuItem.objects.get(pk=body["id"])
    assert role_client.get(f"{MENU_ITEMS}/{item.pk}").json()["stock"] == 12


def test_manager_creates_a_dish_with_stock_from_a_form_body(manager_client):
    category = make_category()

    response = manager_client.post(
        MENU_ITEMS,
        f"title=Pita&price=2.00&category_id={category.pk}&stock=30&available=true",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["stock"], response.json()["available"]) == (30, True)


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"stock": 7}, (True, 7, True)),
        ({"stock": 0}, (True, 0, False)),
        ({"available": False}, (False, None, False)),
        ({"available": False, "stock": 3}, (False, 3, False)),
        ({"stock": 100000}, (True, 100000, True)),
    ],
)
def test_manager_or_admin_patches_available_and_stock(role_client, dish_of, fields, shown):
    item = make_menu_item()

    response = role_client.patch(f"{MENU_ITEMS}/{item.pk}", fields)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["available"], body["stock"], body["orderable"]) == shown
    stored = dish_of(item)
    assert (stored["available"], stored["stock"], stored["orderable"]) == shown


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
def test_manager_or_admin_puts_available_and_stock(role_client, dish_of):
    item = make_menu_item("Soup", "4.00")

    response = role_client.put(
        f"{MENU_ITEMS}/{item.pk}",
        {
            "title": "Soup",
            "price": "4.50",
            "category_id": item.category_id,
            "available": False,
            "stock": 40,
        },
    )

    assert response.status_code == 200, response.content
    stored = dish_of(item)
    assert (stored["available"], stored["stock"], stored["price"]) == (False, 40, "4.50")


def test_manager_stops_counting_a_dish_with_stock_null(manager_client, set_dish, dish_of):
    item = make_menu_item()
    set_dish(item, stock=0)

    response = manager_client.patch(f"{MENU_ITEMS}/{item.pk}", {"stock": None})

    assert response.status_code == 200
    assert response.json()["stock"] is None
    assert dish_of(item)["orderable"] is True


def test_orderable_is_read_only(manager_client, dish_of):
    item = make_menu_item()

    response = manager_client.patch(f"{MENU_ITEMS}/{item.pk}", {"orderable": False})

    assert response.status_code in (200, 400)
    assert dish_of(item)["orderable"] is True
    assert dish_of(item)["available"] is True


@pytest.mark.parametrize("stock", [-1, 100001, 1.5, "1.5", "abc", ""])
def test_manager_cannot_set_stock_out_of_bounds(manager_client, set_dish, dish_of, stock):
    item = make_menu_item()
    set_dish(item, stock=5)

    response = manager_client.patch(f"{MENU_ITEMS}/{item.pk}", {"stock": stock})

    assert response.status_code == 400
    assert "stock" in response.json()
    assert dish_of(item)["stock"] == 5


@pytest.mark.parametrize("stock", [-1, 100001, 1.5, "abc"])
def test_manager_cannot_create_a_dish_with_stock_out_of_bounds(manager_client, stock):
    category = make_category()

    response = manager_client.post(
        MENU_ITEMS, {"title": "Sneaky", "price": "3.00", "category_id": category.pk, "stock": stock}
    )

    assert response.status_code == 400
    assert "stock" in response.json()
    assert not MenuItem.objects.filter(title="Sneaky").exists()


def test_manager_cannot_set_available_to_a_non_boolean(manager_client, dish_of):
    item = make_menu_item()

    response = manager_client.patch(f"{MENU_ITEMS}/{item.pk}", {"available": "maybe"})

    assert response.status_code == 400
    assert "available" in response.json()
    assert dish_of(item)["available"] is True


@pytest.mark.parametrize("role_client", NON_WRITERS, indirect=True)
@pytest.mark.parametrize("fields", [{"stock": 0}, {"available": False}])
def test_customer_or_crew_cannot_change_available_or_stock(role_client, dish_of, fields):
    item = make_menu_item()

    response = role_client.patch(f"{MENU_ITEMS}/{item.pk}", fields)

    assert response.status_code == 403
    stored = dish_of(item)
    assert (stored["available"], stored["stock"]) == (True, None)


def test_anonymous_cannot_change_stock(api_client, dish_of):
    item = make_menu_item()

    response = api_client.patch(f"{MENU_ITEMS}/{item.pk}", {"stock": 0})

    assert response.status_code == 401
    assert dish_of(item)["stock"] is None


@pytest.fixture
def shelf(set_dish):
    """Four dishes: uncounted, counted with some left, sold out, switched off."""
    dishes = {
        "uncounted": make_menu_item("Uncounted"),
        "some_left": make_menu_item("Some left"),
        "sold_out": make_menu_item("Sold out"),
        "switched_off": make_menu_item("Switched off"),
    }
    set_dish(dishes["some_left"], stock=3)
    set_dish(dishes["sold_out"], stock=0)
    set_dish(dishes["switched_off"], available=False, stock=9)
    return dishes


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", ["uncounted", "some_left"]), ("false", ["sold_out", "switched_off"])],
)
def test_menu_filters_by_orderable(api_client, shelf, value, expected):
    response = api_client.get(f"{MENU_ITEMS}?orderable={value}")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [
        shelf[name].pk for name in expected
    ]
    assert {row["orderable"] for row in response.json()["results"]} == {value == "true"}


@pytest.mark.parametrize("value", ["maybe", "1", "yes", "TRUE"])
def test_menu_orderable_filter_with_bad_value_is_400(api_client, shelf, value):
    response = api_client.get(f"{MENU_ITEMS}?orderable={value}")

    assert response.status_code == 400
    assert "orderable" in response.json()


# --- The cart refuses what cannot be ordered ------------------------------------------------


@pytest.mark.parametrize("fields", [{"available": False}, {"stock": 0}])
def test_customer_cannot_add_a_dish_that_is_not_orderable(
    customer_client, customer_user, set_dish, fields
):
    item = make_menu_item()
    set_dish(item, **fields)

    response = customer_client.post(CART, {"menuitem_id": item.pk, "quantity": 1})

    assert response.status_code == 400
    assert "menuitem_id" in response.json()
    assert not Cart.objects.filter(user=customer_user).exists()


def test_customer_cannot_add_more_than_is_left(customer_client, customer_user, counted):
    item = counted(4)

    response = customer_client.post(CART, {"menuitem_id": item.pk, "quantity": 5})

    assert response.status_code == 400
    assert list(response.json()) == ["quantity"]
    assert "4" in response.json()["quantity"][0]
    assert not Cart.objects.filter(user=customer_user).exists()


def test_customer_adds_exactly_what_is_left(customer_client, customer_user, counted):
    item = counted(4)

    response = customer_client.post(CART, {"menuitem_id": item.pk, "quantity": 4})

    assert response.status_code == 201
    assert Cart.objects.get(user=customer_user).quantity == 4


def test_adding_counts_what_the_cart_line_already_holds(customer_client, customer_user, counted):
    item = counted(5)
    assert customer_client.post(CART, {"menuitem_id": item.pk, "quantity": 3}).status_code == 201

    too_many = customer_client.post(CART, {"menuitem_id": item.pk, "quantity": 3})
    just_enough = customer_client.post(CART, {"menuitem_id": item.pk, "quantity": 2})

    assert too_many.status_code == 400
    assert list(too_many.json()) == ["quantity"]
    assert "5" in too_many.json()["quantity"][0]
    assert just_enough.status_code == 200
    assert Cart.objects.get(user=customer_user).quantity == 5


def test_customer_cannot_patch_a_cart_line_above_stock(customer_client, customer_user, counted):
    item = counted(6)
    line = add_to_cart(customer_user, item, 2)

    too_many = customer_client.patch(f"{CART}/{line.pk}", {"quantity": 7})
    just_enough = customer_client.patch(f"{CART}/{line.pk}", {"quantity": 6})

    assert too_many.status_code == 400
    assert list(too_many.json()) == ["quantity"]
    assert "6" in too_many.json()["quantity"][0]
    assert just_enough.status_code == 200
    assert Cart.objects.get(pk=line.pk).quantity == 6


def test_a_cart_holds_no_stock(customer_client, other_customer_client, counted, stock_of):
    item = counted(3)

    mine = customer_client.post(CART, {"menuitem_id": item.pk, "quantity": 3})
    theirs = other_customer_client.post(CART, {"menuitem_id": item.pk, "quantity": 3})

    assert mine.status_code == 201
    assert theirs.status_code == 201
    assert stock_of(item) == 3


# --- Placing takes stock, or nothing at all -------------------------------------------------


def test_placing_takes_counted_portions_off_stock(
    customer_client, customer_user, counted, stock_of
):
    soup = counted(10)
    bread = make_menu_item()
    add_to_cart(customer_user, soup, 3)
    add_to_cart(customer_user, bread, 2)

    response = customer_client.post(ORDERS)

    assert response.status_code == 201, response.content
    assert [line["quantity"] for line in response.json()["items"]] == [3, 2]
    assert stock_of(soup) == 7
    assert stock_of(bread) is None


def test_ordering_the_last_portions_makes_a_dish_not_orderable(
    customer_client, customer_user, counted, dish_of
):
    soup = counted(2)
    add_to_cart(customer_user, soup, 2)

    response = customer_client.post(ORDERS)

    assert response.status_code == 201
    shown = dish_of(soup)
    assert (shown["stock"], shown["orderable"], shown["available"]) == (0, False, True)


@pytest.fixture
def cart_then_shortage(customer_user, customer_client, counted, set_dish, stock_of):
    """Fill the cart, then let the manager change dishes under it; returns what to compare."""

    def build(changes, lines):
        for item, quantity in lines:
            add_to_cart(customer_user, item, quantity)
        for item, fields in changes:
            set_dish(item, **fields)
        return {
            "cart": _cart(customer_client),
            "stock": {item.pk: stock_of(item) for item, _ in lines},
            "orders": Order.objects.count(),
        }

    return build


def _unchanged(before, customer_client, stock_of, lines):
    assert Order.objects.count() == before["orders"]
    assert _cart(customer_client) == before["cart"]
    assert {item.pk: stock_of(item) for item, _ in lines} == before["stock"]


def test_placing_with_a_dish_switched_off_is_409_and_changes_nothing(
    customer_client, counted, cart_then_shortage, stock_of
):
    salad = counted(10, "Greek Salad")
    cake = counted(10, "Lemon Cake")
    lines = [(salad, 2), (cake, 1)]
    before = cart_then_shortage([(cake, {"available": False})], lines)

    response = customer_client.post(ORDERS)

    assert response.status_code == 409, response.content
    body = response.json()
    assert "detail" in body
    assert body["unavailable"] == [
        {"menuitem_id": cake.pk, "title": "Lemon Cake", "requested": 1, "left": 0}
    ]
    _unchanged(before, customer_client, stock_of, lines)


def test_placing_with_fewer_left_than_asked_is_409_and_changes_nothing(
    customer_client, counted, cart_then_shortage, stock_of
):
    salad = counted(10, "Greek Salad")
    uncounted = make_menu_item("Bread")
    lines = [(uncounted, 3), (salad, 4)]
    before = cart_then_shortage([(salad, {"stock": 2})], lines)

    response = customer_client.post(ORDERS)

    assert response.status_code == 409
    assert response.json()["unavailable"] == [
        {"menuitem_id": salad.pk, "title": "Greek Salad", "requested": 4, "left": 2}
    ]
    _unchanged(before, customer_client, stock_of, lines)


def test_unavailable_lists_the_problem_lines_in_cart_order(
    customer_client, counted, cart_then_shortage, stock_of
):
    short = counted(10, "Short")  # the lowest id, but the last line of the cart
    fine = counted(10, "Fine")
    off = counted(10, "Off")
    sold_out = counted(10, "Sold out")
    lines = [(off, 2), (fine, 1), (sold_out, 1), (short, 5)]
    before = cart_then_shortage(
        [(off, {"available": False}), (sold_out, {"stock": 0}), (short, {"stock": 4})], lines
    )

    response = customer_client.post(ORDERS)

    assert response.status_code == 409
    assert response.json()["unavailable"] == [
        {"menuitem_id": off.pk, "title": "Off", "requested": 2, "left": 0},
        {"menuitem_id": sold_out.pk, "title": "Sold out", "requested": 1, "left": 0},
        {"menuitem_id": short.pk, "title": "Short", "requested": 5, "left": 4},
    ]
    _unchanged(before, customer_client, stock_of, lines)


def test_after_a_409_the_customer_fixes_the_cart_and_places_the_order(
    customer_client, customer_user, counted, cart_then_shortage, stock_of
):
    salad = counted(10, "Greek Salad")
    lines = [(salad, 4)]
    cart_then_shortage([(salad, {"stock": 2})], lines)
    assert customer_client.post(ORDERS).status_code == 409
    line_id = Cart.objects.get(user=customer_user).pk
    assert customer_client.patch(f"{CART}/{line_id}", {"quantity": 2}).status_code == 200

    response = customer_client.post(ORDERS)

    assert response.status_code == 201
    assert stock_of(salad) == 0


# --- Cancelling or deleting an open order gives stock back, once ----------------------------


@pytest.fixture
def placed(customer_user, place_order):
    """The customer places an order of `lines` through the API; returns its id."""

    def placed(lines):
        for item, quantity in lines:
            add_to_cart(customer_user, item, quantity)
        return place_order()

    return placed


def test_owner_cancelling_gives_counted_portions_back(customer_client, counted, placed, stock_of):
    soup = counted(10)
    bread = make_menu_item()
    order_id = placed([(soup, 3), (bread, 1)])
    assert stock_of(soup) == 7

    response = customer_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

    assert response.status_code == 200
    assert stock_of(soup) == 10
    assert stock_of(bread) is None


@pytest.mark.parametrize("start", ["placed", "accepted", "preparing", "ready"])
def test_manager_cancelling_gives_counted_portions_back(
    manager_client, counted, placed, advance, stock_of, start
):
    soup = counted(10)
    order_id = placed([(soup, 4)])
    path = ["placed", "accepted", "preparing", "ready"]
    advance(order_id, *path[1 : path.index(start) + 1])

    response = manager_client.patch(
        f"{ORDERS}/{order_id}", {"state": "cancelled", "reason": "Oven broke"}
    )

    assert response.status_code == 200
    assert stock_of(soup) == 10


def test_cancelling_twice_gives_stock_back_once(
    customer_client, manager_client, counted, placed, stock_of
):
    soup = counted(10)
    order_id = placed([(soup, 4)])
    assert customer_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"}).status_code == 200

    again = manager_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled", "reason": "Twice"})
    owner_again = customer_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

    assert again.status_code == 409
    assert owner_again.status_code == 409
    assert stock_of(soup) == 10


def test_cancelling_gives_nothing_back_to_a_dish_deleted_since(
    customer_client, manager_client, counted, placed, stock_of
):
    soup = counted(10)
    gone = counted(10)
    order_id = placed([(gone, 2), (soup, 3)])
    assert manager_client.delete(f"{MENU_ITEMS}/{gone.pk}").status_code == 204

    response = customer_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    assert stock_of(soup) == 10
    assert not MenuItem.objects.filter(pk=gone.pk).exists()


def test_stock_given_back_adds_to_what_the_manager_counted_since(
    customer_client, counted, placed, set_dish, stock_of
):
    soup = counted(10)
    order_id = placed([(soup, 3)])
    set_dish(soup, stock=20)  # a delivery came in

    response = customer_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

    assert response.status_code == 200
    assert stock_of(soup) == 23


@pytest.mark.parametrize("start", ["placed", "accepted", "out_for_delivery"])
def test_manager_deleting_an_open_order_gives_stock_back(
    manager_client, crew_user, counted, placed, advance, stock_of, start
):
    soup = counted(10)
    order_id = placed([(soup, 4)])
    assign = manager_client.patch(f"{ORDERS}/{order_id}", {"delivery_crew": crew_user.pk})
    assert assign.status_code == 200
    path = ["placed", "accepted", "preparing", "ready", "out_for_delivery"]
    advance(order_id, *path[1 : path.index(start) + 1])

    response = manager_client.delete(f"{ORDERS}/{order_id}")

    assert response.status_code == 204
    assert not Order.objects.filter(pk=order_id).exists()
    assert stock_of(soup) == 10


@pytest.mark.parametrize(
    ("steps", "left"),
    [(["accepted", "preparing", "ready", "out_for_delivery", "delivered"], 6), (["cancelled"], 10)],
    ids=["delivered", "cancelled"],
)
def test_manager_deleting_a_closed_order_gives_nothing_back(
    manager_client, crew_user, counted, placed, advance, stock_of, steps, left
):
    soup = counted(10)
    order_id = placed([(soup, 4)])
    assert (
        manager_client.patch(f"{ORDERS}/{order_id}", {"delivery_crew": crew_user.pk}).status_code
        == 200
    )
    advance(order_id, *steps)
    assert stock_of(soup) == left

    response = manager_client.delete(f"{ORDERS}/{order_id}")

    assert response.status_code == 204
    assert stock_of(soup) == left


# --- Public menu pages are cached, and show the stock at once -------------------------------


def test_next_anonymous_menu_read_shows_stock_taken_and_given_back(
    api_client, customer_client, customer_user, counted
):
    soup = counted(3, "Soup")
    bread = counted(5, "Bread")

    def shown():
        rows = {row["id"]: row for row in api_client.get(MENU_ITEMS).json()["results"]}
        alone = api_client.get(f"{MENU_ITEMS}/{soup.pk}").json()
        orderable = [
            row["id"] for row in api_client.get(f"{MENU_ITEMS}?orderable=true").json()["results"]
        ]
        return (
            (rows[soup.pk]["stock"], rows[soup.pk]["orderable"], rows[bread.pk]["stock"]),
            (alone["stock"], alone["orderable"]),
            soup.pk in orderable,
        )

    assert shown() == ((3, True, 5), (3, True), True)  # and now the pages are cached
    add_to_cart(customer_user, soup, 3)
    add_to_cart(customer_user, bread, 1)
    placed = customer_client.post(ORDERS)
    assert placed.status_code == 201

    assert shown() == ((0, False, 4), (0, False), False)

    cancelled = customer_client.patch(f"{ORDERS}/{placed.json()['id']}", {"state": "cancelled"})
    assert cancelled.status_code == 200
    assert shown() == ((3, True, 5), (3, True), True)


def test_next_anonymous_menu_read_shows_a_dish_switched_off(api_client, set_dish):
    soup = make_menu_item("Soup")
    assert api_client.get(MENU_ITEMS).json()["results"][0]["orderable"] is True

    set_dish(soup, available=False)

    row = api_client.get(MENU_ITEMS).json()["results"][0]
    assert (row["available"], row["orderable"]) == (False, False)


# --- Query counts stay flat -----------------------------------------------------------------


def _same_queries(django_assert_num_queries, small, large):
    """`small()` and `large()` each prepare their data and return the request to measure; the
    two requests must make the same number of queries. Returns both responses."""
    send = small()
    with CaptureQueriesContext(connection) as first:
        small_response = send()
    # Counted at once: the next request clears the connection's query log.
    expected = len(first)
    send = large()
    with django_assert_num_queries(expected):
        large_response = send()
    return small_response, large_response


def test_order_list_queries_do_not_grow_with_orders(
    manager_user, customer_user, crew_user, office, advance, django_assert_num_queries
):
    soup, bread = make_menu_item(price="3.00"), make_menu_item(price="1.50")

    def orders_up_to(total):
        def prepare():
            while Order.objects.count() < total:
                make_order(customer_user, [(soup, 1), (bread, 2)])
            newest = list(Order.objects.order_by("-id").values_list("pk", flat=True)[:2])
            office.patch(f"{ORDERS}/{newest[0]}", {"delivery_crew": crew_user.pk})
            advance(newest[0], "accepted")
            advance(newest[1], "cancelled")
            client = _client(manager_user)
            return lambda: client.get(f"{ORDERS}?page_size=100")

        return prepare

    small, large = _same_queries(django_assert_num_queries, orders_up_to(2), orders_up_to(200))

    assert small.status_code == 200
    assert large.status_code == 200
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 100
    assert large.json()["results"][1]["state"] == "cancelled"


def test_order_detail_queries_do_not_grow_with_history_or_lines(
    manager_user, customer_user, crew_user, office, advance, django_assert_num_queries
):
    def order_with(size):
        def prepare():
            order = make_order(customer_user, [(make_menu_item(), 1) for _ in range(size)])
            if size > 1:
                office.patch(f"{ORDERS}/{order.pk}", {"delivery_crew": crew_user.pk})
                advance(order.pk, "accepted", "preparing", "ready", "out_for_delivery")
                advance(order.pk, "delivered")
                for _ in range(7):  # 6 entries so far; each round trip adds 2
                    office.patch(f"{ORDERS}/{order.pk}", {"status": False})
                    office.patch(f"{ORDERS}/{order.pk}", {"status": True})
            client = _client(manager_user)
            return lambda: client.get(f"{ORDERS}/{order.pk}")

        return prepare

    small, large = _same_queries(django_assert_num_queries, order_with(1), order_with(20))

    assert small.status_code == 200
    assert large.status_code == 200
    assert (len(small.json()["history"]), len(small.json()["items"])) == (1, 1)
    assert (len(large.json()["history"]), len(large.json()["items"])) == (20, 20)


def test_placing_queries_do_not_grow_with_counted_lines(
    customer_user, counted, stock_of, django_assert_num_queries
):
    def cart_of(size):
        def prepare():
            dishes = [counted(50) for _ in range(size)]
            for dish in dishes:
                add_to_cart(customer_user, dish, 2)
            prepare.dishes = dishes
            client = _client(customer_user)
            clock.config()  # read once, then kept in the cache (clock/config.py)
            return lambda: client.post(ORDERS)

        return prepare

    one, twenty = cart_of(1), cart_of(20)
    small, large = _same_queries(django_assert_num_queries, one, twenty)

    assert small.status_code == 201
    assert large.status_code == 201
    assert len(large.json()["items"]) == 20
    assert {stock_of(dish) for dish in one.dishes + twenty.dishes} == {48}


def test_a_move_queries_do_not_grow_with_lines_or_history(
    manager_user, customer_user, crew_user, office, advance, django_assert_num_queries
):
    def order_with(size):
        def prepare():
            order = make_order(customer_user, [(make_menu_item(), 1) for _ in range(size)])
            office.patch(f"{ORDERS}/{order.pk}", {"delivery_crew": crew_user.pk})
            advance(order.pk, "accepted", "preparing")
            for _ in range(size):  # a longer history: the move must not read it row by row
                office.patch(f"{ORDERS}/{order.pk}", {"payment_status": "paid"})
                office.patch(f"{ORDERS}/{order.pk}", {"payment_status": "unpaid"})
            client = _client(manager_user)
            return lambda: client.patch(f"{ORDERS}/{order.pk}", {"state": "ready"})

        return prepare

    small, large = _same_queries(django_assert_num_queries, order_with(1), order_with(20))

    assert (small.status_code, large.status_code) == (200, 200)
    assert small.json()["state"] == large.json()["state"] == "ready"
    assert len(large.json()["items"]) == 20


def test_cancelling_queries_do_not_grow_with_counted_lines(
    manager_user, customer_user, counted, stock_of, placed, django_assert_num_queries
):
    def order_of(size):
        def prepare():
            dishes = [counted(50) for _ in range(size)]
            order_id = placed([(dish, 2) for dish in dishes])
            prepare.dishes = dishes
            client = _client(customer_user)
            return lambda: client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

        return prepare

    one, twenty = order_of(1), order_of(20)
    small, large = _same_queries(django_assert_num_queries, one, twenty)

    assert (small.status_code, large.status_code) == (200, 200)
    assert large.json()["state"] == "cancelled"
    # Every portion went back, on the one dish and on the twenty.
    assert {stock_of(dish) for dish in one.dishes + twenty.dishes} == {50}


# --- A dish's editor writes back only what it changed ---------------------------------------


def test_a_price_change_leaves_the_stock_an_order_took_meanwhile(
    manager_client, customer_user, set_dish, monkeypatch
):
    # The PATCH reads the dish, an order takes 2 portions, then the PATCH saves the price.
    dish = make_menu_item("Moussaka", "16.00")
    set_dish(dish, stock=10)
    read = MenuItemViewSet.get_object

    def read_then_an_order_commits(view):
        item = read(view)
        make_order(customer_user, [(MenuItem.objects.get(pk=dish.pk), 2)])
        return item

    monkeypatch.setattr(MenuItemViewSet, "get_object", read_then_an_order_commits)
    response = manager_client.patch(f"{MENU_ITEMS}/{dish.pk}", {"price": "17.00"})

    assert response.status_code == 200, response.content
    assert (response.json()["price"], response.json()["stock"]) == ("17.00", 8)
    assert MenuItem.objects.values_list("price", "stock").get(pk=dish.pk) == (17, 8)
