"""Ratings of dishes: /api/ratings and /api/ratings/{id}."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model

from LittleLemonDRF.models import MenuItem, Rating
from tests.factories import gone_id, make_menu_item, make_menu_items, make_rating

RATINGS = "/api/ratings"
MENU_ITEMS = "/api/menu-items"

User = get_user_model()


# --- Reading --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_lists_ratings_in_the_documented_shape(api_client, customer_user):
    item = make_menu_item()
    rating = make_rating(customer_user, item, 4)

    response = api_client.get(RATINGS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["results"] == [
        {
            "id": rating.pk,
            "user": {"id": customer_user.pk, "username": customer_user.username},
            "menuitem_id": item.pk,
            "rating": 4,
        }
    ]


@pytest.mark.django_db
def test_anonymous_reads_one_rating(api_client, customer_user):
    rating = make_rating(customer_user, make_menu_item(), 2)

    response = api_client.get(f"{RATINGS}/{rating.pk}")

    assert response.status_code == 200
    assert response.json()["rating"] == 2
    assert response.json()["user"] == {"id": customer_user.pk, "username": "cora_customer"}


def test_ratings_filter_by_menuitem_id(customer_client, customer_user, other_customer_user):
    soup, salad = make_menu_item("Soup"), make_menu_item("Salad")
    mine = make_rating(customer_user, soup, 5)
    theirs = make_rating(other_customer_user, soup, 1)
    make_rating(customer_user, salad, 3)

    response = customer_client.get(RATINGS, {"menuitem_id": soup.pk})

    assert response.status_code == 200
    assert sorted(row["id"] for row in response.json()["results"]) == sorted([mine.pk, theirs.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "99999999999999999999999"])
def test_ratings_filter_with_bad_menuitem_id_is_400(api_client, value):
    response = api_client.get(RATINGS, {"menuitem_id": value})

    assert response.status_code == 400
    assert "menuitem_id" in response.json()


@pytest.mark.django_db
def test_unknown_rating_id_in_path_is_404(api_client, customer_user):
    rating = make_rating(customer_user, make_menu_item())
    pk = rating.pk
    rating.delete()

    response = api_client.get(f"{RATINGS}/{pk}")

    assert response.status_code == 404
    assert "detail" in response.json()


# --- Creating -------------------------------------------------------------------------------


def test_customer_rates_a_menu_item_as_themselves(customer_client, customer_user):
    item = make_menu_item()

    response = customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 4})

    assert response.status_code == 201
    body = response.json()
    assert body["user"] == {"id": customer_user.pk, "username": customer_user.username}
    assert body["menuitem_id"] == item.pk
    assert body["rating"] == 4
    row = Rating.objects.get(pk=body["id"])
    assert (row.user_id, row.menuitem_id, row.rating) == (customer_user.pk, item.pk, 4)


def test_user_in_rating_body_is_ignored(customer_client, customer_user, other_customer_user):
    item = make_menu_item()

    response = customer_client.post(
        RATINGS, {"menuitem_id": item.pk, "rating": 3, "user": other_customer_user.pk}
    )

    assert response.status_code == 201
    assert Rating.objects.get(pk=response.json()["id"]).user_id == customer_user.pk
    assert not Rating.objects.filter(user=other_customer_user).exists()


@pytest.mark.parametrize("role_client", ["crew", "manager", "admin"], indirect=True)
def test_any_signed_in_role_rates_a_menu_item(role_client):
    item = make_menu_item()

    response = role_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 5})

    assert response.status_code == 201
    assert Rating.objects.get(pk=response.json()["id"]).user_id == role_client.user.pk


@pytest.mark.parametrize("value", [0, 5])
def test_customer_rates_at_the_bounds(customer_client, value):
    item = make_menu_item()

    response = customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": value})

    assert response.status_code == 201
    assert Rating.objects.get(menuitem=item).rating == value


@pytest.mark.parametrize("value", [-1, 6, 100, "abc", "4.5", None])
def test_rating_outside_zero_to_five_is_rejected(customer_client, value):
    item = make_menu_item()

    response = customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": value})

    assert response.status_code == 400
    assert "rating" in response.json()
    assert not Rating.objects.filter(menuitem=item).exists()


def test_rating_of_unknown_menu_item_is_rejected_on_menuitem_id(customer_client, customer_user):
    response = customer_client.post(
        RATINGS, {"menuitem_id": gone_id(make_menu_item()), "rating": 3}
    )

    assert response.status_code == 400
    assert "menuitem_id" in response.json()
    assert not Rating.objects.filter(user=customer_user).exists()


def test_second_rating_of_same_item_by_same_user_is_rejected(customer_client, customer_user):
    item = make_menu_item()
    make_rating(customer_user, item, 2)

    response = customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 5})

    assert response.status_code == 400
    messages = response.json()["menuitem_id"]
    assert isinstance(messages, list)
    assert messages
    assert all(isinstance(message, str) and message for message in messages)
    assert Rating.objects.filter(user=customer_user, menuitem=item).count() == 1
    assert Rating.objects.get(user=customer_user, menuitem=item).rating == 2


def test_two_users_may_rate_the_same_item(customer_client, other_customer_user):
    item = make_menu_item()
    make_rating(other_customer_user, item, 1)

    response = customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 5})

    assert response.status_code == 201
    assert Rating.objects.filter(menuitem=item).count() == 2


@pytest.mark.django_db
def test_anonymous_cannot_rate(api_client):
    item = make_menu_item()

    response = api_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 5})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Token")
    assert not Rating.objects.exists()


def test_customer_rates_with_form_urlencoded_body(customer_client, customer_user):
    item = make_menu_item()

    response = customer_client.post(
        RATINGS,
        urlencode({"menuitem_id": item.pk, "rating": 4}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 201
    assert Rating.objects.get(user=customer_user, menuitem=item).rating == 4


def test_customer_rates_with_multipart_body(customer_client, customer_user):
    item = make_menu_item()

    response = customer_client.post(
        RATINGS, {"menuitem_id": item.pk, "rating": 1}, format="multipart"
    )

    assert response.status_code == 201
    assert Rating.objects.get(user=customer_user, menuitem=item).rating == 1


def test_new_rating_shows_in_the_menu_item_rating_summary(customer_client, other_customer_user):
    item = make_menu_item()
    make_rating(other_customer_user, item, 4)

    created = customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 5})
    response = customer_client.get(f"{MENU_ITEMS}/{item.pk}")

    assert created.status_code == 201
    assert response.status_code == 200
    assert response.json()["rating"] == {"average": 4.5, "count": 2}


# --- Changing and deleting ------------------------------------------------------------------


def test_author_patches_own_rating(customer_client, customer_user):
    rating = make_rating(customer_user, make_menu_item(), 2)

    response = customer_client.patch(f"{RATINGS}/{rating.pk}", {"rating": 5})

    assert response.status_code == 200
    assert response.json()["rating"] == 5
    rating.refresh_from_db()
    assert rating.rating == 5


def test_author_cannot_patch_rating_out_of_range(customer_client, customer_user):
    rating = make_rating(customer_user, make_menu_item(), 2)

    response = customer_client.patch(f"{RATINGS}/{rating.pk}", {"rating": 6})

    assert response.status_code == 400
    assert "rating" in response.json()
    rating.refresh_from_db()
    assert rating.rating == 2


def test_author_deletes_own_rating(customer_client, customer_user):
    rating = make_rating(customer_user, make_menu_item(), 2)

    response = customer_client.delete(f"{RATINGS}/{rating.pk}")

    assert response.status_code == 204
    assert not Rating.objects.filter(pk=rating.pk).exists()


def test_patched_rating_changes_the_menu_item_summary(customer_client, customer_user):
    item = make_menu_item()
    rating = make_rating(customer_user, item, 1)

    patched = customer_client.patch(f"{RATINGS}/{rating.pk}", {"rating": 3})
    response = customer_client.get(f"{MENU_ITEMS}/{item.pk}")

    assert patched.status_code == 200
    assert response.status_code == 200
    assert response.json()["rating"] == {"average": 3.0, "count": 1}


def test_other_customer_cannot_patch_a_rating(other_customer_client, customer_user):
    rating = make_rating(customer_user, make_menu_item(), 2)

    response = other_customer_client.patch(f"{RATINGS}/{rating.pk}", {"rating": 5})

    assert response.status_code == 403
    rating.refresh_from_db()
    assert rating.rating == 2


def test_other_customer_cannot_delete_a_rating(other_customer_client, customer_user):
    rating = make_rating(customer_user, make_menu_item(), 2)

    response = other_customer_client.delete(f"{RATINGS}/{rating.pk}")

    assert response.status_code == 403
    assert Rating.objects.filter(pk=rating.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_anonymous_cannot_change_a_rating(api_client, customer_user, method):
    rating = make_rating(customer_user, make_menu_item(), 2)

    response = getattr(api_client, method)(f"{RATINGS}/{rating.pk}", {"rating": 5})

    assert response.status_code == 401
    rating.refresh_from_db()
    assert rating.rating == 2


def test_admin_patches_another_users_rating(admin_client, customer_user):
    rating = make_rating(customer_user, make_menu_item(), 2)

    response = admin_client.patch(f"{RATINGS}/{rating.pk}", {"rating": 0})

    assert response.status_code == 200
    rating.refresh_from_db()
    assert rating.rating == 0
    assert rating.user_id == customer_user.pk


def test_admin_deletes_another_users_rating(admin_client, customer_user):
    rating = make_rating(customer_user, make_menu_item(), 2)

    response = admin_client.delete(f"{RATINGS}/{rating.pk}")

    assert response.status_code == 204
    assert not Rating.objects.filter(pk=rating.pk).exists()


def test_author_cannot_move_rating_to_another_menu_item(customer_client, customer_user):
    item, other = make_menu_item(), make_menu_item()
    rating = make_rating(customer_user, item, 2)

    response = customer_client.patch(f"{RATINGS}/{rating.pk}", {"menuitem_id": other.pk})

    assert response.status_code == 400
    assert "menuitem_id" in response.json()
    rating.refresh_from_db()
    assert rating.menuitem_id == item.pk


@pytest.mark.parametrize("role_client", ["customer", "admin"], indirect=True)
def test_put_on_a_rating_is_not_allowed(role_client):
    rating = make_rating(role_client.user, make_menu_item(), 2)

    response = role_client.put(
        f"{RATINGS}/{rating.pk}", {"menuitem_id": rating.menuitem_id, "rating": 5}
    )

    assert response.status_code == 405
    assert "detail" in response.json()
    rating.refresh_from_db()
    assert rating.rating == 2


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_rating_routes_answer_with_or_without_trailing_slash(customer_client, slash):
    item = make_menu_item()

    listed = customer_client.get(f"{RATINGS}{slash}")
    created = customer_client.post(f"{RATINGS}{slash}", {"menuitem_id": item.pk, "rating": 1})
    detail = f"{RATINGS}/{created.json()['id']}{slash}"
    read = customer_client.get(detail)
    patched = customer_client.patch(detail, {"rating": 2})
    deleted = customer_client.delete(detail)

    statuses = [r.status_code for r in (listed, created, read, patched, deleted)]
    assert statuses == [200, 201, 200, 200, 204]
    assert patched.json()["rating"] == 2
    assert not Rating.objects.filter(menuitem=item).exists()


# --- Throttling -----------------------------------------------------------------------------


@pytest.fixture
def ratings_two_per_minute(settings):
    rest = settings.REST_FRAMEWORK
    rates = rest["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **rest,
        "DEFAULT_THROTTLE_RATES": {**rates, "ratings": "2/minute"},
    }


@pytest.mark.usefixtures("ratings_two_per_minute")
def test_third_rating_post_in_a_minute_is_throttled(customer_client, customer_user):
    items = make_menu_items(3)

    first = customer_client.post(RATINGS, {"menuitem_id": items[0].pk, "rating": 1})
    second = customer_client.post(RATINGS, {"menuitem_id": items[1].pk, "rating": 2})
    third = customer_client.post(RATINGS, {"menuitem_id": items[2].pk, "rating": 3})

    assert [first.status_code, second.status_code] == [201, 201]
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) > 0
    assert "detail" in third.json()
    assert not Rating.objects.filter(menuitem=items[2]).exists()


@pytest.mark.usefixtures("ratings_two_per_minute")
def test_rejected_rating_posts_count_against_the_budget(customer_client):
    items = make_menu_items(2)

    bad = [customer_client.post(RATINGS, {"menuitem_id": items[0].pk, "rating": 9}) for _ in "ab"]
    throttled = customer_client.post(RATINGS, {"menuitem_id": items[1].pk, "rating": 3})

    assert [r.status_code for r in bad] == [400, 400]
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
    assert not Rating.objects.exists()


@pytest.mark.usefixtures("ratings_two_per_minute")
def test_rating_reads_do_not_count_against_the_post_budget(customer_client, customer_user):
    items = make_menu_items(3)
    own = make_rating(customer_user, make_menu_item(), 1)

    reads = [customer_client.get(RATINGS) for _ in range(5)]
    reads += [customer_client.get(f"{RATINGS}/{own.pk}") for _ in range(3)]
    first = customer_client.post(RATINGS, {"menuitem_id": items[0].pk, "rating": 4})
    second = customer_client.post(RATINGS, {"menuitem_id": items[1].pk, "rating": 4})
    third = customer_client.post(RATINGS, {"menuitem_id": items[2].pk, "rating": 4})

    assert all(r.status_code == 200 for r in reads)
    assert [first.status_code, second.status_code, third.status_code] == [201, 201, 429]
    assert Rating.objects.filter(user=customer_user).count() == 3


@pytest.mark.usefixtures("ratings_two_per_minute")
def test_rating_edits_do_not_count_against_the_post_budget(customer_client, customer_user):
    items = make_menu_items(2)
    own = make_rating(customer_user, make_menu_item(), 1)

    edits = [customer_client.patch(f"{RATINGS}/{own.pk}", {"rating": n}) for n in range(5)]
    first = customer_client.post(RATINGS, {"menuitem_id": items[0].pk, "rating": 4})
    second = customer_client.post(RATINGS, {"menuitem_id": items[1].pk, "rating": 4})

    assert all(r.status_code == 200 for r in edits)
    assert [first.status_code, second.status_code] == [201, 201]
    assert Rating.objects.filter(user=customer_user).count() == 3


@pytest.mark.usefixtures("ratings_two_per_minute")
def test_rating_post_budget_is_per_user(customer_client, other_customer_client):
    items = make_menu_items(3)

    for item in items[:2]:
        assert (
            customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 1}).status_code == 201
        )
    throttled = customer_client.post(RATINGS, {"menuitem_id": items[2].pk, "rating": 1})
    other = other_customer_client.post(RATINGS, {"menuitem_id": items[2].pk, "rating": 1})

    assert throttled.status_code == 429
    assert other.status_code == 201
    assert Rating.objects.get(menuitem=items[2]).user_id == other_customer_client.user.pk


# --- Query count ----------------------------------------------------------------------------


def _grow_ratings_to(total):
    """Bulk-create ratings (one per new user and dish) until there are `total`."""
    missing = total - Rating.objects.count()
    items = list(MenuItem.objects.all()) or make_menu_items(10)
    User.objects.bulk_create(
        User(username=f"rater-{total}-{n}", email=f"rater-{total}-{n}@example.com")
        for n in range(missing)
    )
    users = User.objects.filter(username__startswith=f"rater-{total}-")
    Rating.objects.bulk_create(
        Rating(user=user, menuitem=items[n % len(items)], rating=n % 6)
        for n, user in enumerate(users)
    )


@pytest.mark.django_db
def test_anonymous_rating_list_query_count_is_flat(api_client, django_assert_num_queries):
    for total in (3, 60):
        _grow_ratings_to(total)

        # 1: COUNT for pagination; 2: one page of ratings joined to their users
        with django_assert_num_queries(2):
            response = api_client.get(RATINGS, {"page_size": 100})

        assert response.status_code == 200
        assert response.json()["count"] == total
        assert len(response.json()["results"]) == total
        assert all(
            row["user"]["username"].startswith("rater-") for row in response.json()["results"]
        )


@pytest.mark.django_db
def test_token_rating_list_query_count_is_flat(
    token_client, customer_user, django_assert_num_queries
):
    client = token_client(customer_user)
    assert client.get(RATINGS).status_code == 200
    for total in (3, 60):
        _grow_ratings_to(total)

        # 1: the token, its user and roles; 2: COUNT for pagination; 3: ratings joined to
        # their users
        with django_assert_num_queries(3):
            response = client.get(RATINGS, {"page_size": 100})

        assert response.status_code == 200
        assert len(response.json()["results"]) == total
