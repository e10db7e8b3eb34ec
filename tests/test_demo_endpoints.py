"""The course's small demo endpoints: secret, manager-view and the two throttle checks."""

import pytest


@pytest.fixture
def tiny_anon_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "3/minute",
        },
    }


# --- /api/secret ----------------------------------------------------------------------------


@pytest.mark.parametrize("role_client", ["customer", "crew", "manager", "admin"], indirect=True)
def test_signed_in_user_reads_the_secret(role_client):
    response = role_client.get("/api/secret")

    assert response.status_code == 200
    assert isinstance(response.json()["message"], str)


def test_anonymous_cannot_read_the_secret(api_client, db):
    response = api_client.get("/api/secret")

    assert response.status_code == 401
    assert "message" not in response.json()
    assert response.has_header("WWW-Authenticate")


# --- /api/manager-view ------------------------------------------------------------------------


@pytest.mark.parametrize("role_client", ["manager", "admin"], indirect=True)
def test_manager_and_admin_see_the_manager_view(role_client):
    response = role_client.get("/api/manager-view")

    assert response.status_code == 200
    assert isinstance(response.json()["message"], str)


@pytest.mark.parametrize("role_client", ["customer", "crew"], indirect=True)
def test_customer_and_crew_cannot_see_the_manager_view(role_client):
    response = role_client.get("/api/manager-view")

    assert response.status_code == 403
    assert "message" not in response.json()
    assert "detail" in response.json()


def test_anonymous_cannot_see_the_manager_view(api_client, db):
    response = api_client.get("/api/manager-view")

    assert response.status_code == 401
    assert "detail" in response.json()


# --- /api/throttle-check --------------------------------------------------------------------


def test_anonymous_calls_throttle_check(api_client, db):
    response = api_client.get("/api/throttle-check")

    assert response.status_code == 200
    assert isinstance(response.json()["message"], str)


def test_anonymous_is_throttled_once_the_anon_budget_is_spent(api_client, db, tiny_anon_rate):
    answers = [api_client.get("/api/throttle-check") for _ in range(3)]
    assert [response.status_code for response in answers] == [200, 200, 200]

    response = api_client.get("/api/throttle-check")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()


def test_throttle_check_shares_the_anonymous_counter(api_client, db, tiny_anon_rate):
    # Every anonymous request spends the same budget, whatever the route.
    for _ in range(3):
        assert api_client.get("/api/menu-items").status_code == 200

    response = api_client.get("/api/throttle-check")

    assert response.status_code == 429
    assert response.has_header("Retry-After")


# --- /api/throttle-check-auth -----------------------------------------------------------------


def test_signed_in_user_is_throttled_after_ten_calls(customer_client):
    answers = [customer_client.get("/api/throttle-check-auth") for _ in range(10)]
    assert all(response.status_code == 200 for response in answers)
    assert all("message" in response.json() for response in answers)

    response = customer_client.get("/api/throttle-check-auth")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()


def test_throttle_check_auth_budget_is_per_user(customer_client, other_customer_client):
    for _ in range(10):
        customer_client.get("/api/throttle-check-auth")
    assert customer_client.get("/api/throttle-check-auth").status_code == 429

    response = other_customer_client.get("/api/throttle-check-auth")

    assert response.status_code == 200
    assert "message" in response.json()


def test_anonymous_cannot_call_throttle_check_auth(api_client, db):
    response = api_client.get("/api/throttle-check-auth")

    assert response.status_code == 401
    assert "message" not in response.json()
