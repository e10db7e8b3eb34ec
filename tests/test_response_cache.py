"""The shared cache of public menu pages: every write shows in the very next read."""

import pytest
from django.db import transaction

from tests.factories import make_category, make_menu_item, make_rating, make_user


@pytest.fixture
def dish(db):
    return make_menu_item("Greek Salad", "12.50", category=make_category("Starters", "starters"))


def _titles(response):
    return [item["title"] for item in response.json()["results"]]


def test_second_anonymous_menu_read_is_served_without_queries(
    api_client, dish, django_assert_num_queries
):
    first = api_client.get("/api/menu-items")
    with django_assert_num_queries(0):
        second = api_client.get("/api/menu-items")
    assert second.status_code == 200
    assert second.json() == first.json()


def test_cached_page_with_a_token_costs_only_the_credentials_query(
    token_client, customer_user, dish, django_assert_num_queries
):
    client = token_client(customer_user)
    client.get("/api/menu-items")
    # The page comes from the cache; the token, its user and roles never do.
    with django_assert_num_queries(1):
        response = client.get("/api/menu-items")
    assert response.json()["results"][0]["title"] == "Greek Salad"


def test_managers_patch_is_visible_in_the_very_next_read(api_client, manager_client, dish):
    assert api_client.get(f"/api/menu-items/{dish.pk}").json()["price"] == "12.50"
    assert api_client.get("/api/menu-items").json()["results"][0]["price"] == "12.50"
    manager_client.patch(f"/api/menu-items/{dish.pk}", {"price": "9.75"}, format="json")
    assert api_client.get(f"/api/menu-items/{dish.pk}").json()["price"] == "9.75"
    assert api_client.get("/api/menu-items").json()["results"][0]["price"] == "9.75"


def test_new_and_deleted_dishes_show_at_once(api_client, manager_client, dish):
    assert _titles(api_client.get("/api/menu-items")) == ["Greek Salad"]
    created = manager_client.post(
        "/api/menu-items",
        {"title": "Moussaka", "price": "16.75", "category_id": dish.category_id},
        format="json",
    )
    assert _titles(api_client.get("/api/menu-items")) == ["Greek Salad", "Moussaka"]
    manager_client.delete(f"/api/menu-items/{created.json()['id']}")
    assert _titles(api_client.get("/api/menu-items")) == ["Greek Salad"]


def test_renaming_a_category_shows_on_its_dishes(api_client, manager_client, dish):
    api_client.get("/api/menu-items")
    manager_client.patch(f"/api/categories/{dish.category_id}", {"title": "Mezze"}, format="json")
    assert api_client.get("/api/menu-items").json()["results"][0]["category"]["title"] == "Mezze"
    assert api_client.get("/api/categories").json()["results"][0]["title"] == "Mezze"


def test_a_new_rating_updates_the_summary_at_once(api_client, customer_client, dish):
    assert api_client.get("/api/menu-items").json()["results"][0]["rating"]["count"] == 0
    customer_client.post("/api/ratings", {"menuitem_id": dish.pk, "rating": 4}, format="json")
    summary = api_client.get("/api/menu-items").json()["results"][0]["rating"]
    assert summary == {"average": 4.0, "count": 1}


def test_a_deleted_user_takes_their_ratings_out_of_the_summary(api_client, dish):
    rater = make_user()
    make_rating(rater, dish, 5)
    make_rating(make_user(), dish, 3)
    assert api_client.get("/api/menu-items").json()["results"][0]["rating"]["count"] == 2
    rater.delete()
    assert api_client.get("/api/menu-items").json()["results"][0]["rating"] == {
        "average": 3.0,
        "count": 1,
    }


def test_query_strings_are_cached_apart(api_client, dish):
    make_menu_item("Baklava", "5.75", category=dish.category)
    assert _titles(api_client.get("/api/menu-items?ordering=price")) == ["Baklava", "Greek Salad"]
    assert _titles(api_client.get("/api/menu-items?ordering=-price")) == ["Greek Salad", "Baklava"]


def test_errors_are_not_cached(api_client, dish):
    assert api_client.get("/api/menu-items?price_min=abc").status_code == 400
    assert api_client.get("/api/menu-items/999999999").status_code == 404
    assert api_client.get("/api/menu-items?price_min=1").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_write_that_commits_is_visible_to_the_next_read(api_client, manager_client):
    dish = make_menu_item("Greek Salad", "12.50")
    assert _titles(api_client.get("/api/menu-items")) == ["Greek Salad"]
    manager_client.patch(f"/api/menu-items/{dish.pk}", {"title": "Horiatiki"}, format="json")
    assert _titles(api_client.get("/api/menu-items")) == ["Horiatiki"]


@pytest.mark.django_db(transaction=True)
def test_a_write_rolled_back_is_never_served(api_client):
    dish = make_menu_item("Greek Salad", "12.50")
    api_client.get("/api/menu-items")
    try:
        with transaction.atomic():
            make_menu_item("Never served", category=dish.category)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert _titles(api_client.get("/api/menu-items")) == ["Greek Salad"]
