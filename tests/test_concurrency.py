"""Racing requests: real threads, real transactions and real row locks, on PostgreSQL only.

Each request runs in its own thread with its own APIClient and database connection, carrying
a real `Authorization: Token` header; a barrier releases them together. Where the natural
timing is too tight to overlap reliably, a request pauses inside its critical section (a
query hook from `connection.execute_wrapper`, or a wrapped service that waits and then runs
as is); the locks, constraints and database are never mocked.
"""

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from LittleLemonDRF import services
from LittleLemonDRF.models import Cart, Order, OrderItem, Rating
from tests.factories import add_to_cart, make_menu_item, make_user
from tests.races import RACE_MARKS, THREAD_TIMEOUT, race, send_one, statuses, token_key

pytestmark = RACE_MARKS


CART_TABLE = f'"{Cart._meta.db_table}"'


def _locks_cart_rows(sql):
    return CART_TABLE in sql and "FOR UPDATE" in sql


# --- Orders -------------------------------------------------------------------------------


def _hold_the_cart_lock():
    """A query hook: once this request has locked its cart rows, it keeps them a while.

    The other requests, released at the same moment, queue on those rows meanwhile.
    """

    def hook(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if _locks_cart_rows(sql):
            time.sleep(0.3)
        return result

    return hook


def _fill_cart(user):
    lines = [
        (make_menu_item(price="2.50"), 2),
        (make_menu_item(price="4.00"), 1),
        (make_menu_item(price="1.25"), 4),
    ]
    for menuitem, quantity in lines:
        add_to_cart(user, menuitem, quantity)
    return lines


def test_two_simultaneous_orders_of_one_cart_place_it_once():
    customer = make_user()
    lines = _fill_cart(customer)

    outcomes = race([customer] * 2, lambda client: client.post("/api/orders"), _hold_the_cart_lock)

    assert statuses(outcomes) == [201, 400], outcomes
    placed = next(outcome for outcome in outcomes if outcome.status == 201)
    refused = next(outcome for outcome in outcomes if outcome.status == 400)
    assert refused.body == {"detail": "Your cart is empty."}
    assert len(placed.body["items"]) == 3
    assert placed.body["total"] == "14.00"
    order = Order.objects.get(user=customer)
    assert order.pk == placed.body["id"]
    assert sorted(OrderItem.objects.filter(order=order).values_list("menuitem_id", "quantity")) == (
        sorted((menuitem.pk, quantity) for menuitem, quantity in lines)
    )
    assert not Cart.objects.filter(user=customer).exists()


@pytest.mark.parametrize("count", [2, 8])
def test_simultaneous_orders_with_one_idempotency_key_place_one_order(count):
    customer = make_user()
    _fill_cart(customer)

    outcomes = race(
        [customer] * count,
        lambda client: client.post("/api/orders", HTTP_IDEMPOTENCY_KEY="checkout-7f3a"),
        _hold_the_cart_lock,
    )

    assert statuses(outcomes) == [200] * (count - 1) + [201], outcomes
    order = Order.objects.get(user=customer)
    assert {outcome.body["id"] for outcome in outcomes} == {order.pk}
    assert order.idempotency_key == "checkout-7f3a"
    assert order.items.count() == 3
    assert not Cart.objects.filter(user=customer).exists()


def _post_order_in_thread(pool, user, hook=None):
    return pool.submit(send_one, token_key(user), lambda client: client.post("/api/orders"), hook)


def _lock_waiters():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_customers_ordering_overlapping_dishes_at_once_all_get_their_orders():
    # Ann's cart holds soup, salad, pie; Ben's holds pie, bread, soup (in that order). Cleo
    # orders salad and bread at the same moment and her request is slow to finish.
    soup, pie, salad, bread = (make_menu_item(price="5.00") for _ in range(4))
    ann, ben, cleo = make_user(), make_user(), make_user()
    for dish in (soup, salad, pie):
        add_to_cart(ann, dish)
    for dish in (pie, bread, soup):
        add_to_cart(ben, dish)
    for dish in (salad, bread):
        add_to_cart(cleo, dish)

    cleo_inside = threading.Event()
    others = []

    def cleo_is_slow(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if _locks_cart_rows(sql):
            # Inside Cleo's transaction: wait until Ann and Ben queue behind it (or finish).
            cleo_inside.set()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _lock_waiters() < 2:
                if len(others) == 2 and all(future.done() for future in others):
                    break
                time.sleep(0.01)
        return result

    with ThreadPoolExecutor(max_workers=3) as pool:
        cleos = _post_order_in_thread(pool, cleo, cleo_is_slow)
        cleos.add_done_callback(lambda _: cleo_inside.set())  # in case she never locks
        assert cleo_inside.wait(THREAD_TIMEOUT)
        others.extend(_post_order_in_thread(pool, user) for user in (ann, ben))
        outcomes = [f.result(timeout=THREAD_TIMEOUT) for f in [cleos, *others]]

    assert statuses(outcomes) == [201, 201, 201], outcomes
    for user, total in ((ann, "15.00"), (ben, "15.00"), (cleo, "10.00")):
        assert Order.objects.get(user=user).total == Decimal(total)
    assert not Cart.objects.exists()


# --- Ratings ------------------------------------------------------------------------------


def test_ten_simultaneous_duplicate_ratings_store_one():
    customer = make_user()
    dish = make_menu_item()
    # Every request passes the serializer's "already rated?" check before any inserts, so
    # the database constraint has to settle it.
    rating_create = services.rating_create

    def delayed(**kwargs):
        time.sleep(0.2)
        return rating_create(**kwargs)

    with mock.patch.object(services, "rating_create", delayed):
        outcomes = race(
            [customer] * 10,
            lambda client: client.post("/api/ratings", {"menuitem_id": dish.pk, "rating": 4}),
        )

    assert statuses(outcomes) == [201] + [400] * 9, outcomes
    rating = Rating.objects.get(user=customer, menuitem=dish)
    created = next(outcome for outcome in outcomes if outcome.status == 201)
    assert created.body["id"] == rating.pk
    assert rating.rating == 4
    for outcome in outcomes:
        if outcome.status == 400:
            assert "menuitem_id" in outcome.body, outcome


# --- Cart ---------------------------------------------------------------------------------


def _stagger_after_the_first_cart_query():
    """Query hooks: each request's next step after its first look at the cart comes a few ms
    after the previous request's.

    This is the ordinary interleaving of requests that arrive together: all of them find no
    line, then the first goes on to create it while the others are still on their way to
    their next query.
    """
    order = itertools.count()

    def factory():
        seen = []

        def hook(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if CART_TABLE in sql and not seen:
                seen.append(sql)
                time.sleep(0.1 + 0.03 * next(order))
            return result

        return hook

    return factory


def _add_simultaneously(user, dish, quantity, count=10):
    return race(
        [user] * count,
        lambda client: client.post(
            "/api/cart/menu-items", {"menuitem_id": dish.pk, "quantity": quantity}
        ),
        _stagger_after_the_first_cart_query(),
    )


def test_ten_simultaneous_adds_of_one_dish_make_one_line_of_ten():
    customer = make_user()
    dish = make_menu_item()

    outcomes = _add_simultaneously(customer, dish, 1)

    assert all(outcome.status < 500 for outcome in outcomes), outcomes
    assert statuses(outcomes) == [200] * 9 + [201], outcomes
    line = Cart.objects.get(user=customer)
    assert line.menuitem_id == dish.pk
    assert line.quantity == 10


def test_simultaneous_large_adds_never_take_a_line_past_100():
    customer = make_user()
    dish = make_menu_item()

    outcomes = _add_simultaneously(customer, dish, 30)

    assert set(statuses(outcomes)) <= {200, 201, 400}, outcomes
    assert statuses(outcomes).count(201) == 1, outcomes
    line = Cart.objects.get(user=customer)
    assert line.quantity <= 100
    # Every accepted add counted, no refused one did.
    accepted = sum(1 for outcome in outcomes if outcome.status in (200, 201))
    assert line.quantity == 30 * accepted, outcomes
    for outcome in outcomes:
        if outcome.status == 400:
            assert outcome.body == {
                "quantity": ["A cart line's quantity is a whole number from 1 to 100."]
            }


def test_simultaneous_large_adds_fill_the_line_as_far_as_it_goes():
    customer = make_user()
    dish = make_menu_item()

    outcomes = _add_simultaneously(customer, dish, 30)

    # Whatever the order, three adds of 30 fit (90) and a fourth would pass 100.
    assert statuses(outcomes) == [200, 200, 201] + [400] * 7, outcomes
    assert Cart.objects.get(user=customer).quantity == 90
