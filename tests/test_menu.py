"""The menu: /api/categories, /api/menu-items and their detail routes."""

from decimal import Decimal
from urllib.parse import urlencode

import pytest

from LittleLemonDRF.models import Category, MenuItem, Rating
from tests.factories import (
    gone_id,
    make_category,
    make_menu_item,
    make_menu_items,
    make_rating,
    make_user,
)

CATEGORIES = "/api/categories"
MENU_ITEMS = "/api/menu-items"

WRITERS = ["manager", "admin"]
NON_WRITERS = ["customer", "crew"]


def _results(response):
    return response.json()["results"]


def _ids(response):
    return [row["id"] for row in _results(response)]


def _titles(response):
    return [row["title"] for row in _results(response)]


# --- Categories: read -----------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_lists_categories_as_a_paginated_page(api_client):
    starters = make_category("Starters", "starters")
    make_category("Desserts", "desserts")

    response = api_client.get(CATEGORIES)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert {"id": starters.pk, "slug": "starters", "title": "Starters"} in body["results"]
    assert all(set(row) == {"id", "slug", "title"} for row in body["results"])


@pytest.mark.django_db
def test_anonymous_reads_one_category(api_client):
    category = make_category("Drinks", "drinks")

    response = api_client.get(f"{CATEGORIES}/{category.pk}")

    assert response.status_code == 200
    assert response.json() == {"id": category.pk, "slug": "drinks", "title": "Drinks"}


@pytest.mark.django_db
def test_unknown_category_id_in_path_is_404(api_client):
    response = api_client.get(f"{CATEGORIES}/{gone_id(make_category())}")

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("path", [CATEGORIES, "/api/ratings"])
def test_page_past_the_end_of_other_collections_is_404_json(api_client, path):
    make_category()

    response = api_client.get(path, {"page": 5})

    assert response.status_code == 404
    assert "detail" in response.json()


# --- Categories: create ---------------------------------------------------------------------


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
def test_manager_or_admin_creates_category_with_slug_derived_from_title(role_client):
    response = role_client.post(CATEGORIES, {"title": "Main Courses"})

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "main-courses"
    assert body["title"] == "Main Courses"
    assert Category.objects.get(pk=body["id"]).slug == "main-courses"


def test_manager_creates_category_with_explicit_slug_kept(manager_client):
    response = manager_client.post(CATEGORIES, {"title": "Main Courses", "slug": "mains"})

    assert response.status_code == 201
    assert response.json()["slug"] == "mains"
    assert Category.objects.filter(slug="mains", title="Main Courses").exists()


def test_manager_cannot_create_category_with_duplicate_explicit_slug(manager_client):
    make_category("Mains", "mains")

    response = manager_client.post(CATEGORIES, {"title": "Other mains", "slug": "mains"})

    assert response.status_code == 400
    assert "slug" in response.json()
    assert Category.objects.filter(slug="mains").count() == 1


def test_manager_cannot_create_category_whose_derived_slug_exists(manager_client):
    make_category("Main Courses", "main-courses")

    response = manager_client.post(CATEGORIES, {"title": "Main Courses"})

    assert response.status_code == 400
    assert "slug" in response.json()
    assert Category.objects.filter(slug="main-courses").count() == 1


def test_manager_creates_category_with_slug_derived_from_accented_title(manager_client):
    response = manager_client.post(CATEGORIES, {"title": "Café Crème"})

    assert response.status_code == 201
    assert response.json()["slug"] == "cafe-creme"
    assert Category.objects.filter(slug="cafe-creme").exists()


def test_manager_cannot_create_category_whose_title_gives_no_slug(manager_client):
    response = manager_client.post(CATEGORIES, {"title": "!!!"})

    assert response.status_code == 400
    assert "slug" in response.json()
    assert not Category.objects.exists()


def test_manager_cannot_create_category_with_malformed_slug(manager_client):
    response = manager_client.post(CATEGORIES, {"title": "Mains", "slug": "not a slug!"})

    assert response.status_code == 400
    assert "slug" in response.json()
    assert not Category.objects.exists()


def test_manager_cannot_create_category_without_title(manager_client):
    response = manager_client.post(CATEGORIES, {"slug": "untitled"})

    assert response.status_code == 400
    assert "title" in response.json()
    assert not Category.objects.exists()


def test_manager_cannot_create_category_with_title_over_255_chars(manager_client):
    response = manager_client.post(CATEGORIES, {"title": "x" * 256, "slug": "long"})

    assert response.status_code == 400
    assert "title" in response.json()
    assert not Category.objects.filter(slug="long").exists()


def test_manager_creates_category_with_title_of_255_chars(manager_client):
    response = manager_client.post(CATEGORIES, {"title": "x" * 255, "slug": "long"})

    assert response.status_code == 201
    assert Category.objects.get(slug="long").title == "x" * 255


@pytest.mark.parametrize("role_client", NON_WRITERS, indirect=True)
def test_customer_or_crew_cannot_create_category(role_client):
    response = role_client.post(CATEGORIES, {"title": "Sneaky", "slug": "sneaky"})

    assert response.status_code == 403
    assert "detail" in response.json()
    assert not Category.objects.filter(slug="sneaky").exists()


@pytest.mark.django_db
def test_anonymous_cannot_create_category(api_client):
    response = api_client.post(CATEGORIES, {"title": "Sneaky", "slug": "sneaky"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Token")
    assert not Category.objects.filter(slug="sneaky").exists()


# --- Categories: change and delete ----------------------------------------------------------


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
def test_manager_or_admin_replaces_category_with_put(role_client):
    category = make_category("Old", "old")

    response = role_client.put(f"{CATEGORIES}/{category.pk}", {"title": "New", "slug": "new"})

    assert response.status_code == 200
    assert response.json() == {"id": category.pk, "slug": "new", "title": "New"}
    category.refresh_from_db()
    assert (category.slug, category.title) == ("new", "New")


def test_manager_patches_category_title_and_slug_stays(manager_client):
    category = make_category("Old", "old")

    response = manager_client.patch(f"{CATEGORIES}/{category.pk}", {"title": "Renamed"})

    assert response.status_code == 200
    assert response.json()["slug"] == "old"
    category.refresh_from_db()
    assert category.title == "Renamed"


def test_manager_cannot_patch_category_to_a_taken_slug(manager_client):
    make_category("Taken", "taken")
    category = make_category("Mine", "mine")

    response = manager_client.patch(f"{CATEGORIES}/{category.pk}", {"slug": "taken"})

    assert response.status_code == 400
    assert "slug" in response.json()
    category.refresh_from_db()
    assert category.slug == "mine"


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
def test_manager_or_admin_deletes_empty_category(role_client):
    category = make_category()

    response = role_client.delete(f"{CATEGORIES}/{category.pk}")

    assert response.status_code == 204
    assert not Category.objects.filter(pk=category.pk).exists()


def test_manager_cannot_delete_category_that_still_has_menu_items(manager_client):
    category = make_category("Mains", "mains")
    make_menu_item(category=category)

    response = manager_client.delete(f"{CATEGORIES}/{category.pk}")

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert detail
    assert Category.objects.filter(pk=category.pk).exists()


@pytest.mark.parametrize("role_client", NON_WRITERS, indirect=True)
@pytest.mark.parametrize(
    ("method", "body"),
    [("put", {"title": "X", "slug": "x"}), ("patch", {"title": "X"}), ("delete", None)],
)
def test_customer_or_crew_cannot_change_or_delete_category(role_client, method, body):
    category = make_category("Kept", "kept")

    response = getattr(role_client, method)(f"{CATEGORIES}/{category.pk}", body)

    assert response.status_code == 403
    category.refresh_from_db()
    assert (category.slug, category.title) == ("kept", "Kept")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "body"),
    [("put", {"title": "X", "slug": "x"}), ("patch", {"title": "X"}), ("delete", None)],
)
def test_anonymous_cannot_change_or_delete_category(api_client, method, body):
    category = make_category("Kept", "kept")

    response = getattr(api_client, method)(f"{CATEGORIES}/{category.pk}", body)

    assert response.status_code == 401
    category.refresh_from_db()
    assert category.title == "Kept"


# --- Menu items: read -----------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_lists_menu_items_in_the_documented_shape(api_client):
    category = make_category("Mains", "mains")
    item = make_menu_item("Greek Salad", "5.50", category=category)

    response = api_client.get(MENU_ITEMS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["results"] == [
        {
            "id": item.pk,
            "title": "Greek Salad",
            "price": "5.50",
            "featured": False,
            "category": {"id": category.pk, "slug": "mains", "title": "Mains"},
            "rating": {"average": None, "count": 0},
            "available": True,
            "stock": None,
            "orderable": True,
            "allergens": [],
            "diets": [],
            "option_groups": [],
        }
    ]


@pytest.mark.django_db
def test_menu_item_rating_average_is_a_number_rounded_to_two_places(api_client):
    item = make_menu_item()
    for value in (4, 4, 5):
        make_rating(make_user(), item, value)

    response = api_client.get(MENU_ITEMS)

    assert response.status_code == 200
    rating = _results(response)[0]["rating"]
    assert rating == {"average": 4.33, "count": 3}
    assert isinstance(rating["average"], float)
    assert '"average":4.33' in response.content.decode()


@pytest.mark.django_db
def test_anonymous_reads_one_menu_item_with_its_rating(api_client):
    item = make_menu_item("Bruschetta", "7.00")
    make_rating(make_user(), item, 3)

    response = api_client.get(f"{MENU_ITEMS}/{item.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == item.pk
    assert body["price"] == "7.00"
    assert body["rating"] == {"average": 3.0, "count": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_menu_item_id_in_path_is_404(admin_client, method):
    category = make_category()
    body = {"title": "X", "price": "1.00", "category_id": category.pk}

    response = getattr(admin_client, method)(f"{MENU_ITEMS}/{gone_id(make_menu_item())}", body)

    assert response.status_code == 404
    assert "detail" in response.json()


# --- Menu items: create ---------------------------------------------------------------------


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
def test_manager_or_admin_creates_menu_item_not_featured_by_default(role_client):
    category = make_category("Mains", "mains")

    response = role_client.post(
        MENU_ITEMS, {"title": "Lasagne", "price": "11.50", "category_id": category.pk}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["featured"] is False
    assert body["price"] == "11.50"
    assert body["category"] == {"id": category.pk, "slug": "mains", "title": "Mains"}
    assert body["rating"] == {"average": None, "count": 0}
    assert "category_id" not in body
    item = MenuItem.objects.get(pk=body["id"])
    assert (item.title, item.price, item.featured, item.category_id) == (
        "Lasagne",
        Decimal("11.50"),
        False,
        category.pk,
    )


def test_manager_creates_featured_menu_item(manager_client):
    category = make_category()

    response = manager_client.post(
        MENU_ITEMS,
        {"title": "Special", "price": "9.00", "featured": True, "category_id": category.pk},
    )

    assert response.status_code == 201
    assert response.json()["featured"] is True
    assert MenuItem.objects.get(pk=response.json()["id"]).featured is True


@pytest.mark.parametrize("role_client", NON_WRITERS, indirect=True)
def test_customer_or_crew_cannot_create_menu_item(role_client):
    category = make_category()

    response = role_client.post(
        MENU_ITEMS, {"title": "Sneaky", "price": "1.00", "category_id": category.pk}
    )

    assert response.status_code == 403
    assert not MenuItem.objects.filter(title="Sneaky").exists()


@pytest.mark.django_db
def test_anonymous_cannot_create_menu_item(api_client):
    category = make_category()

    response = api_client.post(
        MENU_ITEMS, {"title": "Sneaky", "price": "1.00", "category_id": category.pk}
    )

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers
    assert not MenuItem.objects.filter(title="Sneaky").exists()


@pytest.mark.parametrize(
    "price",
    [0, "0", "0.00", -1, "-0.01", 10000, "10000", "10000.00", "5.555", "abc", "NaN", "Infinity"],
)
def test_manager_cannot_create_menu_item_with_out_of_range_or_malformed_price(
    manager_client, price
):
    category = make_category()

    response = manager_client.post(
        MENU_ITEMS, {"title": "Bad price", "price": price, "category_id": category.pk}
    )

    assert response.status_code == 400
    assert "price" in response.json()
    assert not MenuItem.objects.filter(title="Bad price").exists()


@pytest.mark.parametrize("price", ["0.01", "9999.99", 9999.99, "5.5"])
def test_manager_creates_menu_item_at_the_price_bounds(manager_client, price):
    category = make_category()

    response = manager_client.post(
        MENU_ITEMS, {"title": "Edge", "price": price, "category_id": category.pk}
    )

    assert response.status_code == 201
    expected = Decimal(str(price)).quantize(Decimal("0.01"))
    assert response.json()["price"] == f"{expected}"
    assert MenuItem.objects.get(pk=response.json()["id"]).price == expected


def test_manager_cannot_create_menu_item_in_unknown_category(manager_client):
    response = manager_client.post(
        MENU_ITEMS, {"title": "Orphan", "price": "1.00", "category_id": gone_id(make_category())}
    )

    assert response.status_code == 400
    assert "category_id" in response.json()
    assert not MenuItem.objects.filter(title="Orphan").exists()


def test_manager_cannot_create_menu_item_without_category_id(manager_client):
    response = manager_client.post(MENU_ITEMS, {"title": "Orphan", "price": "1.00"})

    assert response.status_code == 400
    assert "category_id" in response.json()
    assert not MenuItem.objects.filter(title="Orphan").exists()


def test_manager_cannot_create_menu_item_with_title_of_256_chars(manager_client):
    category = make_category()

    response = manager_client.post(
        MENU_ITEMS, {"title": "t" * 256, "price": "1.00", "category_id": category.pk}
    )

    assert response.status_code == 400
    assert "title" in response.json()
    assert not MenuItem.objects.exists()


def test_manager_creates_menu_item_with_title_of_255_chars(manager_client):
    category = make_category()

    response = manager_client.post(
        MENU_ITEMS, {"title": "t" * 255, "price": "1.00", "category_id": category.pk}
    )

    assert response.status_code == 201
    assert MenuItem.objects.get(pk=response.json()["id"]).title == "t" * 255


# --- Menu items: change and delete ----------------------------------------------------------


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
def test_manager_or_admin_replaces_menu_item_with_put(role_client):
    item = make_menu_item("Old", "3.00")
    make_rating(make_user(), item, 5)
    other = make_category("Desserts", "desserts")

    response = role_client.put(
        f"{MENU_ITEMS}/{item.pk}",
        {"title": "New", "price": "4.25", "featured": True, "category_id": other.pk},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["category"]["slug"] == "desserts"
    assert body["rating"] == {"average": 5.0, "count": 1}
    item.refresh_from_db()
    assert (item.title, item.price, item.featured, item.category_id) == (
        "New",
        Decimal("4.25"),
        True,
        other.pk,
    )


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
def test_manager_or_admin_patches_menu_item_price(role_client):
    item = make_menu_item("Soup", "3.00")

    response = role_client.patch(f"{MENU_ITEMS}/{item.pk}", {"price": "3.50"})

    assert response.status_code == 200
    assert response.json()["price"] == "3.50"
    assert response.json()["title"] == "Soup"
    item.refresh_from_db()
    assert item.price == Decimal("3.50")


def test_manager_sets_item_of_the_day_with_patch_featured(manager_client):
    item = make_menu_item(featured=False)

    response = manager_client.patch(f"{MENU_ITEMS}/{item.pk}", {"featured": True})

    assert response.status_code == 200
    assert response.json()["featured"] is True
    item.refresh_from_db()
    assert item.featured is True


def test_manager_cannot_patch_price_with_three_decimal_places(manager_client):
    item = make_menu_item(price="3.00")

    response = manager_client.patch(f"{MENU_ITEMS}/{item.pk}", {"price": "5.555"})

    assert response.status_code == 400
    assert "price" in response.json()
    item.refresh_from_db()
    assert item.price == Decimal("3.00")


def test_manager_cannot_move_menu_item_to_unknown_category(manager_client):
    item = make_menu_item()
    original = item.category_id

    response = manager_client.patch(
        f"{MENU_ITEMS}/{item.pk}", {"category_id": gone_id(make_category())}
    )

    assert response.status_code == 400
    assert "category_id" in response.json()
    item.refresh_from_db()
    assert item.category_id == original


@pytest.mark.parametrize("role_client", WRITERS, indirect=True)
def test_manager_or_admin_deletes_menu_item(role_client):
    item = make_menu_item()

    response = role_client.delete(f"{MENU_ITEMS}/{item.pk}")

    assert response.status_code == 204
    assert not MenuItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("role_client", NON_WRITERS, indirect=True)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_customer_or_crew_cannot_change_or_delete_menu_item(role_client, method):
    item = make_menu_item("Kept", "3.00")
    body = {"title": "X", "price": "1.00", "featured": True, "category_id": item.category_id}

    response = getattr(role_client, method)(f"{MENU_ITEMS}/{item.pk}", body)

    assert response.status_code == 403
    item.refresh_from_db()
    assert (item.title, item.price, item.featured) == ("Kept", Decimal("3.00"), False)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_anonymous_cannot_change_or_delete_menu_item(api_client, method):
    item = make_menu_item("Kept", "3.00")
    body = {"title": "X", "price": "1.00", "category_id": item.category_id}

    response = getattr(api_client, method)(f"{MENU_ITEMS}/{item.pk}", body)

    assert response.status_code == 401
    item.refresh_from_db()
    assert item.title == "Kept"


# --- Menu items: list query parameters ------------------------------------------------------


@pytest.fixture
def menu(db):
    """A small menu: two categories, prices 5.00 / 7.50 / 10.00 / 12.00, one featured dish."""
    mains = make_category("Main Courses", "mains")
    desserts = make_category("Sweet Things", "desserts")
    return {
        "mains": mains,
        "desserts": desserts,
        "pasta": make_menu_item("Pasta", "7.50", category=mains, featured=True),
        "steak": make_menu_item("Steak", "12.00", category=mains),
        "cake": make_menu_item("Lemon Cake", "5.00", category=desserts),
        "tart": make_menu_item("Apple Tart", "10.00", category=desserts),
    }


def test_menu_items_filter_by_category_slug(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"category": "desserts"})

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([menu["cake"].pk, menu["tart"].pk])


def test_menu_items_filter_by_unknown_category_slug_is_empty(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"category": "no-such-slug"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_menu_items_filter_by_category_id(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"category_id": menu["mains"].pk})

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([menu["pasta"].pk, menu["steak"].pk])


def test_menu_items_filter_featured_true(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"featured": "true"})

    assert response.status_code == 200
    assert _ids(response) == [menu["pasta"].pk]


def test_menu_items_filter_featured_false(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"featured": "false"})

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([menu["steak"].pk, menu["cake"].pk, menu["tart"].pk])


def test_menu_items_price_min_and_max_are_inclusive(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"price_min": "7.50", "price_max": "10.00"})

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([menu["pasta"].pk, menu["tart"].pk])


def test_menu_items_price_min_alone_is_inclusive(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"price_min": "10"})

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([menu["tart"].pk, menu["steak"].pk])


def test_menu_items_price_max_alone_is_inclusive(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"price_max": "7.5"})

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([menu["cake"].pk, menu["pasta"].pk])


def test_menu_items_search_matches_title_case_insensitively(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"search": "lEmOn"})

    assert response.status_code == 200
    assert _ids(response) == [menu["cake"].pk]


def test_menu_items_search_matches_category_title_case_insensitively(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"search": "SWEET"})

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([menu["cake"].pk, menu["tart"].pk])


def test_menu_items_filters_combine(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"category": "mains", "price_max": "8", "search": "pa"})

    assert response.status_code == 200
    assert _ids(response) == [menu["pasta"].pk]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["cake", "pasta", "tart", "steak"]),
        ("-price", ["steak", "tart", "pasta", "cake"]),
        ("title", ["tart", "cake", "pasta", "steak"]),
        ("-title", ["steak", "pasta", "cake", "tart"]),
    ],
)
def test_menu_items_ordering_by_price_and_title(api_client, menu, ordering, expected):
    response = api_client.get(MENU_ITEMS, {"ordering": ordering})

    assert response.status_code == 200
    assert _ids(response) == [menu[name].pk for name in expected]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("rating", ["tart", "pasta", "cake", "steak"]),
        ("-rating", ["cake", "pasta", "tart", "steak"]),
    ],
)
def test_menu_items_ordering_by_rating_puts_unrated_last_both_ways(
    api_client, menu, ordering, expected
):
    alice, bob = make_user(), make_user()
    make_rating(alice, menu["cake"], 5)  # average 4.5
    make_rating(bob, menu["cake"], 4)
    make_rating(alice, menu["pasta"], 3)  # average 3
    make_rating(alice, menu["tart"], 1)  # average 1; the steak is unrated

    response = api_client.get(MENU_ITEMS, {"ordering": ordering})

    assert response.status_code == 200
    assert _ids(response) == [menu[name].pk for name in expected]
    assert _results(response)[-1]["rating"] == {"average": None, "count": 0}


def test_menu_items_unknown_ordering_is_ignored_or_400_never_5xx(api_client, menu):
    response = api_client.get(MENU_ITEMS, {"ordering": "password"})

    assert response.status_code in (200, 400)
    body = response.json()
    if response.status_code == 200:
        assert body["count"] == 4
    else:
        assert "ordering" in body


@pytest.mark.django_db
def test_menu_items_page_size_defaults_to_20(api_client):
    make_menu_items(25)

    response = api_client.get(MENU_ITEMS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert body["next"] is not None
    assert body["previous"] is None


@pytest.mark.django_db
def test_menu_items_page_and_page_size_select_a_slice(api_client):
    items = make_menu_items(5)
    ids = sorted(item.pk for item in MenuItem.objects.filter(pk__in=[i.pk for i in items]))

    response = api_client.get(MENU_ITEMS, {"page": 2, "page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == ids[2:4]
    assert body["previous"] is not None
    assert body["next"] is not None


@pytest.mark.django_db
def test_menu_items_page_size_is_capped_at_100(api_client):
    make_menu_items(105)

    response = api_client.get(MENU_ITEMS, {"page_size": 500})

    assert response.status_code == 200
    assert response.json()["count"] == 105
    assert len(_results(response)) == 100


@pytest.mark.django_db
def test_menu_items_page_past_the_end_is_404_json(api_client):
    make_menu_items(3)

    response = api_client.get(MENU_ITEMS, {"page": 2})

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "params",
    [
        {"price_min": "abc"},
        {"price_max": "abc"},
        {"featured": "maybe"},
        {"category_id": "abc"},
        {"category_id": "99999999999999999999999"},
    ],
)
def test_menu_items_bad_filter_values_are_400(api_client, menu, params):
    response = api_client.get(MENU_ITEMS, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "99999999999999999999999"},
        {"page_size": "abc"},
        {"page_size": "0"},
        {"page_size": "-5"},
        {"price_min": "NaN"},
        {"price_max": "1e999"},
        {"category_id": "-1"},
        {"category": "x" * 300},
        {"search": "%_'\"\\"},
    ],
)
def test_menu_items_odd_query_values_never_give_5xx(api_client, menu, params):
    response = api_client.get(MENU_ITEMS, params)

    assert response.status_code in (200, 400, 404)
    assert isinstance(response.json(), dict)


# --- Form bodies ----------------------------------------------------------------------------


def test_manager_creates_category_with_multipart_body(manager_client):
    response = manager_client.post(CATEGORIES, {"title": "Main Courses"}, format="multipart")

    assert response.status_code == 201
    assert Category.objects.get(pk=response.json()["id"]).slug == "main-courses"


def test_manager_creates_category_with_form_urlencoded_body(manager_client):
    response = manager_client.post(
        CATEGORIES,
        urlencode({"title": "Main Courses", "slug": "mains"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 201
    assert Category.objects.get(pk=response.json()["id"]).slug == "mains"


def test_manager_creates_menu_item_with_multipart_body(manager_client):
    category = make_category()

    response = manager_client.post(
        MENU_ITEMS,
        {"title": "Form dish", "price": "6.50", "category_id": category.pk},
        format="multipart",
    )

    assert response.status_code == 201
    item = MenuItem.objects.get(pk=response.json()["id"])
    assert (item.price, item.featured, item.category_id) == (Decimal("6.50"), False, category.pk)


def test_manager_creates_featured_menu_item_with_form_urlencoded_body(manager_client):
    category = make_category()
    data = {"title": "Form dish", "price": "6.50", "featured": "true", "category_id": category.pk}

    response = manager_client.post(
        MENU_ITEMS, urlencode(data), content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 201
    item = MenuItem.objects.get(pk=response.json()["id"])
    assert (item.price, item.featured, item.category_id) == (Decimal("6.50"), True, category.pk)


def test_manager_form_urlencoded_price_with_three_places_is_400(manager_client):
    category = make_category()
    data = {"title": "Form dish", "price": "6.505", "category_id": category.pk}

    response = manager_client.post(
        MENU_ITEMS, urlencode(data), content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert "price" in response.json()
    assert not MenuItem.objects.exists()


# --- Trailing slash: optional, never a redirect ---------------------------------------------

SLASHES = pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])


@SLASHES
def test_category_routes_answer_with_or_without_trailing_slash(manager_client, slash):
    listed = manager_client.get(f"{CATEGORIES}{slash}")
    created = manager_client.post(f"{CATEGORIES}{slash}", {"title": "Slash Test"})
    pk = created.json()["id"]
    detail = f"{CATEGORIES}/{pk}{slash}"
    read = manager_client.get(detail)
    put = manager_client.put(detail, {"title": "Put", "slug": "put"})
    patched = manager_client.patch(detail, {"title": "Patched"})
    deleted = manager_client.delete(detail)

    statuses = [r.status_code for r in (listed, created, read, put, patched, deleted)]
    assert statuses == [200, 201, 200, 200, 200, 204]
    assert read.json()["slug"] == "slash-test"
    assert put.json()["slug"] == "put"
    assert patched.json()["title"] == "Patched"
    assert not Category.objects.filter(pk=pk).exists()


@SLASHES
def test_menu_item_routes_answer_with_or_without_trailing_slash(manager_client, slash):
    category = make_category()
    listed = manager_client.get(f"{MENU_ITEMS}{slash}")
    created = manager_client.post(
        f"{MENU_ITEMS}{slash}", {"title": "Slash", "price": "2.00", "category_id": category.pk}
    )
    pk = created.json()["id"]
    detail = f"{MENU_ITEMS}/{pk}{slash}"
    read = manager_client.get(detail)
    put = manager_client.put(detail, {"title": "Put", "price": "3.00", "category_id": category.pk})
    patched = manager_client.patch(detail, {"featured": True})
    deleted = manager_client.delete(detail)

    statuses = [r.status_code for r in (listed, created, read, put, patched, deleted)]
    assert statuses == [200, 201, 200, 200, 200, 204]
    assert read.json()["title"] == "Slash"
    assert put.json()["price"] == "3.00"
    assert patched.json()["featured"] is True
    assert not MenuItem.objects.filter(pk=pk).exists()


@pytest.mark.django_db
@SLASHES
def test_anonymous_reads_menu_and_categories_with_or_without_trailing_slash(api_client, slash):
    item = make_menu_item()

    responses = [
        api_client.get(f"{CATEGORIES}{slash}"),
        api_client.get(f"{CATEGORIES}/{item.category_id}{slash}"),
        api_client.get(f"{MENU_ITEMS}{slash}"),
        api_client.get(f"{MENU_ITEMS}/{item.pk}{slash}"),
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert responses[3].json()["id"] == item.pk


# --- Query counts ---------------------------------------------------------------------------


def _grow_menu_to(total, raters):
    """Bulk-create dishes up to `total`, each rated by every one of `raters`."""
    category = make_category()
    missing = total - MenuItem.objects.count()
    new_items = make_menu_items(missing, category=category)
    new_items = MenuItem.objects.filter(pk__in=[item.pk for item in new_items])
    Rating.objects.bulk_create(
        Rating(user=user, menuitem=item, rating=(item.pk + n) % 6)
        for item in new_items
        for n, user in enumerate(raters)
    )


# Anonymous: 1 COUNT for the paginator; 1 page of items joined to their category, with the
# rating average and count aggregated in the same query; 1 for the page's option groups (their
# choices are one more query once any dish has a group: test_options.py).
ANON_QUERIES = 3
# With a token: 1 more, every time, the token joined to its user and their roles
# (authentication.py reads credentials on every request).
TOKEN_QUERIES = ANON_QUERIES + 1


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", [20, 100])
def test_anonymous_menu_list_query_count_is_flat(api_client, django_assert_num_queries, page_size):
    raters = [make_user() for _ in range(3)]
    for total in (5, 500):
        _grow_menu_to(total, raters)

        # 1: COUNT for pagination; 2: items + category join + rating aggregates; 3: groups
        with django_assert_num_queries(ANON_QUERIES):
            response = api_client.get(MENU_ITEMS, {"page_size": page_size})

        assert response.status_code == 200
        assert len(_results(response)) == min(total, page_size)
        assert _results(response)[0]["rating"]["count"] == 3


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", [20, 100])
def test_token_menu_list_query_count_is_flat(
    token_client, customer_user, django_assert_num_queries, page_size
):
    client = token_client(customer_user)
    assert client.get(MENU_ITEMS).status_code == 200
    raters = [make_user() for _ in range(3)]
    for total in (5, 500):
        _grow_menu_to(total, raters)

        # 1: the token, its user and roles; 2: COUNT for pagination; 3: items + category
        # join + rating aggregates; 4: the page's option groups
        with django_assert_num_queries(TOKEN_QUERIES):
            response = client.get(MENU_ITEMS, {"page_size": page_size})

        assert response.status_code == 200
        assert len(_results(response)) == min(total, page_size)
        assert response.json()["count"] == total
