"""Conditional requests: ETags on menu and order reads, 304 for a copy still current, and 412
for a change made from a stale read, with nothing changed."""

import re

import pytest

from LittleLemonDRF import roles
from LittleLemonDRF.models import Category, MenuItem, Order
from tests.factories import (
    gone_id,
    make_category,
    make_menu_item,
    make_order,
    make_rating,
    make_user,
)
from tests.races import RACE_MARKS, race, statuses

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/categories"
MENU_ITEMS = "/api/menu-items"
ORDERS = "/api/orders"


@pytest.fixture
def dish(db):
    return make_menu_item("Greek Salad", "12.50", category=make_category("Starters", "starters"))


@pytest.fixture
def order(customer_user, dish):
    return make_order(customer_user, [(dish, 2)])


def _menu_paths(dish):
    return [
        CATEGORIES,
        f"{CATEGORIES}/{dish.category_id}",
        f"{CATEGORIES}/{dish.category_id}/",
        MENU_ITEMS,
        f"{MENU_ITEMS}/{dish.pk}",
        f"{MENU_ITEMS}/{dish.pk}/",
    ]


def _etag(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response["ETag"]


def _if_match(tag):
    return {"If-Match": tag}


# --- Reads: ETag and If-None-Match ----------------------------------------------------------


def test_menu_reads_send_a_strong_etag_that_is_stable(api_client, dish):
    for path in _menu_paths(dish):
        first, second = api_client.get(path), api_client.get(path)
        assert first.status_code == second.status_code == 200
        assert re.fullmatch(r'"[0-9a-f]{64}"', first["ETag"]), path  # strong: no W/
        assert first["ETag"] == second["ETag"], path


def test_if_none_match_with_the_current_tag_is_304_with_the_tag_and_no_body(api_client, dish):
    for path in _menu_paths(dish):
        tag = _etag(api_client, path)
        response = api_client.get(path, headers={"If-None-Match": tag})
        assert response.status_code == 304, path
        assert response.content == b""
        assert response["ETag"] == tag


@pytest.mark.parametrize(
    "header",
    ["*", '"stale", {tag}', "W/{tag}", '"stale",W/{tag}'],
    ids=["star", "list", "weak", "weak-in-list"],
)
def test_if_none_match_star_lists_and_weak_tags_match(api_client, dish, header):
    path = f"{MENU_ITEMS}/{dish.pk}"
    tag = _etag(api_client, path)
    response = api_client.get(path, headers={"If-None-Match": header.format(tag=tag)})
    assert response.status_code == 304
    assert response.content == b""


def test_if_none_match_with_another_tag_is_a_full_answer(api_client, dish):
    response = api_client.get(f"{MENU_ITEMS}/{dish.pk}", headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200
    assert response.json()["title"] == "Greek Salad"
    assert response["ETag"] != '"stale"'


def test_head_answers_like_get(api_client, dish):
    path = f"{MENU_ITEMS}/{dish.pk}"
    tag = _etag(api_client, path)
    head = api_client.head(path)
    assert head.status_code == 200
    assert head["ETag"] == tag
    assert head.content == b""
    assert api_client.head(path, headers={"If-None-Match": tag}).status_code == 304


def test_editing_a_dish_changes_its_tag_and_the_menus(api_client, manager_client, dish):
    item, menu = f"{MENU_ITEMS}/{dish.pk}", MENU_ITEMS
    before = _etag(api_client, item), _etag(api_client, menu)
    response = manager_client.patch(item, {"price": "9.75"})
    assert response.status_code == 200
    after = _etag(api_client, item), _etag(api_client, menu)
    assert after[0] != before[0]
    assert after[1] != before[1]
    # The old tag no longer saves the client a read: it gets the new price.
    fresh = api_client.get(item, headers={"If-None-Match": before[0]})
    assert fresh.status_code == 200
    assert fresh.json()["price"] == "9.75"


def test_renaming_a_category_changes_the_tags_of_its_dishes(api_client, manager_client, dish):
    item = f"{MENU_ITEMS}/{dish.pk}"
    before = {path: _etag(api_client, path) for path in (item, MENU_ITEMS, CATEGORIES)}
    response = manager_client.patch(f"{CATEGORIES}/{dish.category_id}", {"title": "Mezze"})
    assert response.status_code == 200
    for path, tag in before.items():
        assert _etag(api_client, path) != tag, path
    assert api_client.get(item).json()["category"]["title"] == "Mezze"


def test_a_new_rating_changes_the_dishs_tag(api_client, dish):
    before = _etag(api_client, f"{MENU_ITEMS}/{dish.pk}")
    make_rating(make_user(), dish, 5)
    assert _etag(api_client, f"{MENU_ITEMS}/{dish.pk}") != before


def test_adding_a_dish_changes_the_list_tag(api_client, manager_client, dish):
    before = _etag(api_client, MENU_ITEMS)
    created = manager_client.post(
        MENU_ITEMS, {"title": "Moussaka", "price": "16.75", "category_id": dish.category_id}
    )
    assert created.status_code == 201
    response = api_client.get(MENU_ITEMS, headers={"If-None-Match": before})
    assert response.status_code == 200
    assert response["ETag"] != before
    assert [item["title"] for item in response.json()["results"]] == ["Greek Salad", "Moussaka"]


def test_errors_carry_no_etag(api_client, customer_client, other_customer_user, dish):
    for response in (
        api_client.get(f"{MENU_ITEMS}/{gone_id(make_menu_item())}"),
        api_client.get(f"{CATEGORIES}/{gone_id(make_category())}"),
        api_client.get(f"{MENU_ITEMS}?price_min=abc"),
        customer_client.get(f"{ORDERS}/{make_order(other_customer_user).pk}"),
    ):
        assert response.status_code in (400, 404)
        assert "ETag" not in response


# --- Writes: If-Match -----------------------------------------------------------------------


def test_patch_with_a_stale_tag_is_412_and_the_dish_is_unchanged(api_client, manager_client, dish):
    path = f"{MENU_ITEMS}/{dish.pk}"
    tag = _etag(manager_client, path)
    assert manager_client.patch(path, {"price": "11.00"}).status_code == 200  # someone else

    response = manager_client.patch(path, {"price": "9.00"}, headers=_if_match(tag))

    assert response.status_code == 412
    assert set(response.json()) == {"detail"}
    dish.refresh_from_db()
    assert str(dish.price) == "11.00"
    assert api_client.get(path).json()["price"] == "11.00"


def test_patch_with_the_current_tag_saves(manager_client, dish):
    path = f"{MENU_ITEMS}/{dish.pk}"
    tag = _etag(manager_client, path)
    response = manager_client.patch(path, {"price": "9.00"}, headers=_if_match(tag))
    assert response.status_code == 200
    assert response.json()["price"] == "9.00"
    assert _etag(manager_client, path) != tag
    # The tag of that first read is spent: a second change from it is refused.
    again = manager_client.patch(path, {"price": "8.00"}, headers=_if_match(tag))
    assert again.status_code == 412
    dish.refresh_from_db()
    assert str(dish.price) == "9.00"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("*", 200), ('"stale", {tag}', 200), ("W/{tag}", 412), ("{bare}", 412)],
    ids=["star", "list", "weak-never-matches", "unquoted"],
)
def test_if_match_star_lists_and_strong_comparison(manager_client, dish, header, expected):
    path = f"{MENU_ITEMS}/{dish.pk}"
    tag = _etag(manager_client, path)
    value = header.format(tag=tag, bare=tag.strip('"'))
    response = manager_client.patch(path, {"featured": True}, headers=_if_match(value))
    assert response.status_code == expected
    dish.refresh_from_db()
    assert dish.featured is (expected == 200)


def test_the_tag_of_the_list_is_not_the_tag_of_the_dish(manager_client, dish):
    response = manager_client.patch(
        f"{MENU_ITEMS}/{dish.pk}",
        {"featured": True},
        headers=_if_match(_etag(manager_client, MENU_ITEMS)),
    )
    assert response.status_code == 412
    assert MenuItem.objects.get(pk=dish.pk).featured is False


def test_writes_without_if_match_work_as_before(manager_client, dish):
    path = f"{MENU_ITEMS}/{dish.pk}"
    assert manager_client.patch(path, {"price": "9.00"}).status_code == 200
    assert manager_client.patch(path, {"price": "8.00"}).status_code == 200
    assert manager_client.delete(path).status_code == 204
    assert not MenuItem.objects.filter(pk=dish.pk).exists()


def test_delete_with_a_stale_tag_is_412_and_the_dish_stays(manager_client, dish):
    path = f"{MENU_ITEMS}/{dish.pk}"
    tag = _etag(manager_client, path)
    assert manager_client.patch(path, {"featured": True}).status_code == 200

    response = manager_client.delete(path, headers=_if_match(tag))

    assert response.status_code == 412
    assert MenuItem.objects.filter(pk=dish.pk).exists()
    current = manager_client.delete(path, headers=_if_match(_etag(manager_client, path)))
    assert current.status_code == 204
    assert not MenuItem.objects.filter(pk=dish.pk).exists()


def test_category_put_and_delete_check_if_match(manager_client):
    category = make_category("Desserts", "desserts")
    path = f"{CATEGORIES}/{category.pk}"
    tag = _etag(manager_client, path)
    body = {"title": "Sweets", "slug": "desserts"}
    assert manager_client.put(path, body, headers=_if_match(tag)).status_code == 200

    stale_put = manager_client.put(
        path, {"title": "Puddings", "slug": "desserts"}, headers=_if_match(tag)
    )
    stale_delete = manager_client.delete(path, headers=_if_match(tag))

    assert (stale_put.status_code, stale_delete.status_code) == (412, 412)
    assert Category.objects.get(pk=category.pk).title == "Sweets"


def test_a_customer_with_if_match_is_still_refused_by_role(customer_client, dish):
    path = f"{MENU_ITEMS}/{dish.pk}"
    response = customer_client.patch(
        path, {"price": "1.00"}, headers=_if_match(_etag(customer_client, path))
    )
    assert response.status_code == 403
    assert str(MenuItem.objects.get(pk=dish.pk).price) == "12.50"


# --- Orders ---------------------------------------------------------------------------------


def test_a_customer_reads_their_order_with_an_etag_and_gets_304(customer_client, order):
    path = f"{ORDERS}/{order.pk}"
    tag = _etag(customer_client, path)
    assert _etag(customer_client, path) == tag
    response = customer_client.get(path, headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag


def test_the_order_list_carries_no_etag(customer_client, order):
    response = customer_client.get(ORDERS)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert "ETag" not in response


def test_a_cancel_from_a_stale_read_is_412_and_the_order_stays(
    customer_client, manager_client, order
):
    path = f"{ORDERS}/{order.pk}"
    tag = _etag(customer_client, path)
    assert manager_client.patch(path, {"payment_status": "paid"}).status_code == 200

    stale = customer_client.patch(path, {"state": "cancelled"}, headers=_if_match(tag))

    assert stale.status_code == 412
    assert "detail" in stale.json()
    order.refresh_from_db()
    assert (order.state, order.payment_status) == ("placed", "paid")

    fresh = customer_client.patch(
        path, {"state": "cancelled"}, headers=_if_match(_etag(customer_client, path))
    )
    assert fresh.status_code == 200
    assert fresh.json()["state"] == "cancelled"
    assert fresh.json()["payment_status"] == "refund_due"


def test_someone_elses_order_is_404_not_412(other_customer_client, customer_client, order):
    path = f"{ORDERS}/{order.pk}"
    tag = _etag(customer_client, path)
    for tag_sent in (tag, '"stale"'):
        response = other_customer_client.patch(
            path, {"state": "cancelled"}, headers=_if_match(tag_sent)
        )
        assert response.status_code == 404
    assert Order.objects.get(pk=order.pk).state == "placed"


def test_a_manager_deletes_an_order_only_with_its_current_tag(manager_client, order):
    path = f"{ORDERS}/{order.pk}"
    tag = _etag(manager_client, path)
    assert manager_client.patch(path, {"state": "accepted"}).status_code == 200

    assert manager_client.delete(path, headers=_if_match(tag)).status_code == 412
    assert Order.objects.filter(pk=order.pk).exists()
    current = manager_client.delete(path, headers=_if_match(_etag(manager_client, path)))
    assert current.status_code == 204
    assert not Order.objects.filter(pk=order.pk).exists()


# --- Costs ----------------------------------------------------------------------------------


def test_plain_reads_cost_what_they_did(
    api_client, customer_client, dish, order, django_assert_num_queries
):
    # 1: the dish joined to its category, ratings aggregated; 2: its option groups
    with django_assert_num_queries(2):
        assert api_client.get(f"{MENU_ITEMS}/{dish.pk}").status_code == 200
    # 1: count for pagination; 2: one page of categories
    with django_assert_num_queries(2):
        assert api_client.get(CATEGORIES).status_code == 200
    # 1: the customer's group names; 2: the order joined to user and crew; 3: its lines;
    # 4: its history; 5: its refunds
    with django_assert_num_queries(5):
        assert customer_client.get(f"{ORDERS}/{order.pk}").status_code == 200


def test_a_304_from_the_cache_costs_no_query(api_client, dish, django_assert_num_queries):
    tag = _etag(api_client, MENU_ITEMS)
    with django_assert_num_queries(0):
        response = api_client.get(MENU_ITEMS, headers={"If-None-Match": tag})
    assert response.status_code == 304


def test_a_write_without_if_match_takes_no_lock(manager_client, dish, django_assert_num_queries):
    # 1: the manager's group names; 2: the dish; 3: its option groups; 4: UPDATE; 5: the
    # dish read back with its rating summary; 6: its option groups
    with django_assert_num_queries(6) as queries:
        response = manager_client.patch(f"{MENU_ITEMS}/{dish.pk}", {"price": "9.00"})
    assert response.status_code == 200
    assert not any("FOR UPDATE" in query["sql"] for query in queries.captured_queries)


# --- Racing managers (PostgreSQL) -----------------------------------------------------------


def _racing(test):
    for mark in RACE_MARKS:
        test = mark(test)
    return test


@_racing
def test_two_managers_saving_from_the_same_read_one_wins_one_gets_412(token_client):
    first, second = (make_user(groups=[roles.MANAGER]) for _ in range(2))
    dish = make_menu_item("Moussaka", "16.75")
    path = f"{MENU_ITEMS}/{dish.pk}"
    tag = _etag(token_client(first), path)

    def save(price):
        return lambda client: client.patch(path, {"price": price}, headers=_if_match(tag))

    outcomes = race([first, second], [save("15.00"), save("18.00")])

    assert statuses(outcomes) == [200, 412], outcomes
    winner = next(outcome for outcome in outcomes if outcome.status == 200).body["price"]
    assert str(MenuItem.objects.get(pk=dish.pk).price) == winner
    assert token_client(first).get(path).json()["price"] == winner
