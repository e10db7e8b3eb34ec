"""Throttling budgets (README, Configuration): anon, user, rating and order budgets.

Rates are made tiny with the `settings` fixture (the throttle classes read the rate table per
request); conftest clears the cache, where the counters live, before and after every test.
The login budget and the throttle-check demo routes are covered in test_auth.py and
test_demo_endpoints.py.
"""

import json
import subprocess

import pytest

from harness.processes import project_python
from LittleLemonDRF.models import Cart, Order, Rating
from tests.factories import add_to_cart, make_menu_item, make_menu_items, make_order, make_rating

MENU = "/api/menu-items"
RATINGS = "/api/ratings"
ORDERS = "/api/orders"


def set_rates(settings, **rates) -> None:
    """Override some scopes of DEFAULT_THROTTLE_RATES for this test only."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def assert_throttled(response, period_seconds: int = 60) -> None:
    """A 429 as the API promises: Retry-After in whole seconds, and a JSON `detail`."""
    assert response.status_code == 429
    retry_after = response["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= period_seconds
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"}
    assert isinstance(body["detail"], str)
    assert body["detail"]


# --- Anonymous rate ("anon") ------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_is_throttled_on_the_menu_after_the_anon_budget(api_client, settings):
    set_rates(settings, anon="3/minute")
    make_menu_items(2)
    answers = [api_client.get(MENU) for _ in range(3)]
    assert [response.status_code for response in answers] == [200, 200, 200]
    assert all(response.json()["count"] == 2 for response in answers)

    response = api_client.get(MENU)

    assert_throttled(response)
    assert "results" not in response.json()


@pytest.mark.django_db
def test_anon_budget_is_per_client_address(api_client, settings):
    set_rates(settings, anon="3/minute")
    for _ in range(3):
        assert api_client.get(MENU, REMOTE_ADDR="192.0.2.10").status_code == 200
    assert_throttled(api_client.get(MENU, REMOTE_ADDR="192.0.2.10"))

    response = api_client.get(MENU, REMOTE_ADDR="192.0.2.20")

    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.django_db
def test_anon_budget_is_shared_by_every_anonymous_route(api_client, settings):
    set_rates(settings, anon="3/minute")
    category = make_menu_item().category
    assert api_client.get(MENU).status_code == 200
    assert api_client.get("/api/categories").status_code == 200
    assert api_client.get(RATINGS).status_code == 200

    response = api_client.get(f"/api/categories/{category.pk}")

    assert_throttled(response)
    assert "title" not in response.json()


def test_anon_rate_does_not_apply_to_signed_in_users(customer_client, settings):
    set_rates(settings, anon="1/minute")
    answers = [customer_client.get(MENU) for _ in range(5)]

    assert [response.status_code for response in answers] == [200] * 5
    assert all("results" in response.json() for response in answers)


# --- User rate ("user") -----------------------------------------------------------------------


def test_customer_is_throttled_on_the_menu_after_the_user_budget(customer_client, settings):
    set_rates(settings, user="3/minute")
    make_menu_items(1)
    answers = [customer_client.get(MENU) for _ in range(3)]
    assert [response.status_code for response in answers] == [200, 200, 200]

    response = customer_client.get(MENU)

    assert_throttled(response)
    assert "results" not in response.json()


def test_user_budget_is_per_user_not_per_address(
    customer_client, other_customer_client, api_client, settings
):
    set_rates(settings, user="3/minute", anon="3/minute")
    # Every client below calls from the same address (the test client's 127.0.0.1).
    for _ in range(3):
        assert customer_client.get(MENU).status_code == 200
    assert_throttled(customer_client.get(MENU))

    other = other_customer_client.get(MENU)
    anonymous = api_client.get(MENU)

    assert other.status_code == 200
    assert "results" in other.json()
    # The anonymous counter is a different one: the customer's calls did not spend it.
    assert anonymous.status_code == 200
    assert "results" in anonymous.json()


def test_user_budget_counts_every_route_and_method(customer_client, customer_user, settings):
    set_rates(settings, user="3/minute")
    item = make_menu_item()
    assert customer_client.get(MENU).status_code == 200
    assert customer_client.get("/api/cart/menu-items").status_code == 200
    assert (
        customer_client.post("/api/cart/menu-items", {"menuitem_id": item.pk, "quantity": 1})
    ).status_code == 201

    response = customer_client.post("/api/cart/menu-items", {"menuitem_id": item.pk, "quantity": 1})

    assert_throttled(response)
    assert Cart.objects.get(user=customer_user).quantity == 1


# --- Rating POSTs ("ratings") -----------------------------------------------------------------


def test_rating_reads_patches_and_deletes_do_not_spend_the_rating_post_budget(
    customer_client, customer_user, settings
):
    set_rates(settings, ratings="2/minute")
    kept = make_rating(customer_user, make_menu_item(), 1)
    dropped = make_rating(customer_user, make_menu_item(), 2)
    new_items = make_menu_items(3)

    for _ in range(3):
        assert customer_client.get(RATINGS).status_code == 200
        assert customer_client.get(f"{RATINGS}/{kept.pk}").status_code == 200
    assert customer_client.patch(f"{RATINGS}/{kept.pk}", {"rating": 5}).status_code == 200
    assert customer_client.patch(f"{RATINGS}/{kept.pk}", {"rating": 4}).status_code == 200
    assert customer_client.delete(f"{RATINGS}/{dropped.pk}").status_code == 204

    posts = [
        customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 3})
        for item in new_items[:2]
    ]

    assert [response.status_code for response in posts] == [201, 201]
    assert Rating.objects.filter(user=customer_user).count() == 3
    kept.refresh_from_db()
    assert kept.rating == 4


def test_rating_post_past_the_budget_is_429_and_writes_nothing(
    customer_client, customer_user, settings
):
    set_rates(settings, ratings="2/minute")
    items = make_menu_items(3)
    for item in items[:2]:
        assert (
            customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 4}).status_code == 201
        )
    before = Rating.objects.count()

    response = customer_client.post(RATINGS, {"menuitem_id": items[2].pk, "rating": 4})

    assert_throttled(response)
    assert Rating.objects.count() == before == 2
    assert not Rating.objects.filter(menuitem=items[2]).exists()
    # Reads still work once the POST budget is spent.
    listing = customer_client.get(RATINGS)
    assert listing.status_code == 200
    assert listing.json()["count"] == 2


def test_another_user_keeps_their_rating_budget(
    customer_client, other_customer_client, other_customer_user, settings
):
    set_rates(settings, ratings="2/minute")
    items = make_menu_items(3)
    for item in items[:2]:
        assert (
            customer_client.post(RATINGS, {"menuitem_id": item.pk, "rating": 4}).status_code == 201
        )
    assert_throttled(customer_client.post(RATINGS, {"menuitem_id": items[2].pk, "rating": 4}))

    response = other_customer_client.post(RATINGS, {"menuitem_id": items[2].pk, "rating": 1})

    assert response.status_code == 201
    assert response.json()["user"] == {
        "id": other_customer_user.pk,
        "username": other_customer_user.username,
    }
    assert Rating.objects.filter(menuitem=items[2], user=other_customer_user).exists()


# --- Order POSTs ("orders") -------------------------------------------------------------------


def test_order_reads_patches_and_deletes_do_not_spend_the_order_post_budget(
    manager_client, manager_user, customer_user, settings
):
    set_rates(settings, orders="2/minute")
    patched = make_order(customer_user)
    deleted = make_order(customer_user)

    for _ in range(3):
        assert manager_client.get(ORDERS).status_code == 200
        assert manager_client.get(f"{ORDERS}/{patched.pk}").status_code == 200
    assert manager_client.patch(f"{ORDERS}/{patched.pk}", {"status": True}).status_code == 200
    assert manager_client.patch(f"{ORDERS}/{patched.pk}", {"status": False}).status_code == 200
    assert manager_client.delete(f"{ORDERS}/{deleted.pk}").status_code == 204

    placed = []
    for _ in range(2):
        add_to_cart(manager_user, make_menu_item())
        placed.append(manager_client.post(ORDERS))

    assert [response.status_code for response in placed] == [201, 201]
    assert Order.objects.filter(user=manager_user).count() == 2
    assert not Order.objects.filter(pk=deleted.pk).exists()


def test_order_post_past_the_budget_is_429_and_places_nothing(
    customer_client, customer_user, settings
):
    set_rates(settings, orders="2/minute")
    for _ in range(2):
        add_to_cart(customer_user, make_menu_item())
        assert customer_client.post(ORDERS).status_code == 201
    line = add_to_cart(customer_user, make_menu_item(), 3)

    response = customer_client.post(ORDERS)

    assert_throttled(response)
    assert Order.objects.filter(user=customer_user).count() == 2
    # The cart is left as it was: nothing was placed from it.
    assert list(Cart.objects.filter(user=customer_user).values_list("pk", "quantity")) == [
        (line.pk, 3)
    ]
    listing = customer_client.get(ORDERS)
    assert listing.status_code == 200
    assert listing.json()["count"] == 2


def test_another_user_keeps_their_order_budget(
    customer_client, customer_user, other_customer_client, other_customer_user, settings
):
    set_rates(settings, orders="2/minute")
    for _ in range(2):
        add_to_cart(customer_user, make_menu_item())
        assert customer_client.post(ORDERS).status_code == 201
    add_to_cart(customer_user, make_menu_item())
    assert_throttled(customer_client.post(ORDERS))
    add_to_cart(other_customer_user, make_menu_item("Falafel", "4.50"), 2)

    response = other_customer_client.post(ORDERS)

    assert response.status_code == 201
    assert response.json()["total"] == "9.00"
    assert Order.objects.filter(user=other_customer_user).count() == 1


# --- /api/health ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_is_never_throttled_and_does_not_spend_the_anon_budget(api_client, settings):
    set_rates(settings, anon="1/minute")
    answers = [api_client.get("/api/health") for _ in range(10)]

    assert [response.status_code for response in answers] == [200] * 10
    assert all(response.json() == {"database": "ok", "cache": "ok"} for response in answers)
    # The anonymous budget of one call is still whole after ten health checks.
    assert api_client.get(MENU).status_code == 200
    assert_throttled(api_client.get(MENU))
    assert api_client.get("/api/health").json() == {"database": "ok", "cache": "ok"}


# --- The client address: X-Forwarded-For and NUM_PROXIES --------------------------------------


@pytest.mark.django_db
def test_forged_x_forwarded_for_does_not_escape_the_anon_rate(api_client, settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    set_rates(settings, anon="3/minute")
    for n in range(3):
        response = api_client.get(MENU, HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}")
        assert response.status_code == 200

    response = api_client.get(MENU, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert_throttled(response)


@pytest.mark.django_db
def test_behind_one_trusted_proxy_the_last_forwarded_address_is_the_client(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    set_rates(settings, anon="3/minute")
    # Both clients reach the app through the same proxy (one REMOTE_ADDR).
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(3):
        assert api_client.get(MENU, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code == 200
    # Whatever the client writes before the proxy's entry does not change who it is.
    assert_throttled(
        api_client.get(MENU, HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.1", **proxy)
    )

    response = api_client.get(MENU, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)

    assert response.status_code == 200
    assert response.json()["count"] == 0


# --- THROTTLE_* environment variables (subprocesses: slow, keep these two) ---------------------


def _settings_subprocess(**env) -> subprocess.CompletedProcess:
    code = (
        "import json, django; django.setup(); "
        "from django.conf import settings; "
        "from rest_framework.settings import api_settings; "
        "print(json.dumps([settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], "
        "api_settings.DEFAULT_THROTTLE_RATES]))"
    )
    return project_python("-c", code, DJANGO_SETTINGS_MODULE="LittleLemon.settings_test", **env)


def test_throttle_environment_variables_override_each_scope():
    result = _settings_subprocess(
        THROTTLE_ANON="5/second",
        THROTTLE_USER="100/hour",
        THROTTLE_RATINGS="3/day",
        THROTTLE_ORDERS="7/hour",
        THROTTLE_LOGIN="4/minute",
    )

    assert result.returncode == 0, result.stderr
    django_rates, drf_rates = json.loads(result.stdout.strip().splitlines()[-1])
    expected = {
        "anon": "5/second",
        "user": "100/hour",
        "ratings": "3/day",
        "orders": "7/hour",
        "login": "4/minute",
    }
    assert django_rates == expected
    assert drf_rates == expected


def test_malformed_throttle_variable_fails_start_up_naming_it():
    result = _settings_subprocess(THROTTLE_USER="lots")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "THROTTLE_USER='lots'" in result.stderr
    assert result.stdout == ""
