"""Security requirements: inactive users, no secrets in responses, staff-only admin, scoping,
JSON errors without stack traces and the security headers, all with debug off.

Token, Bearer and login refusals of inactive users, and the known/unknown reset answer, are in
test_auth.py; this file adds what is not covered there.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from LittleLemonDRF import selectors
from LittleLemonDRF.models import Cart
from tests.factories import (
    PASSWORD,
    add_to_cart,
    make_menu_item,
    make_order,
    make_rating,
    make_user,
)

User = get_user_model()


def deactivate(user) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def results(body):
    """The rows of a paginated body, or the body itself when it is a plain list."""
    return body["results"] if isinstance(body, dict) else body


def keys_anywhere(data) -> set[str]:
    if isinstance(data, dict):
        return set(data).union(*(keys_anywhere(value) for value in data.values()))
    if isinstance(data, list):
        return set().union(*(keys_anywhere(value) for value in data))
    return set()


# --- Inactive users ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_active_user_logs_in_to_the_browsable_api_with_a_session():
    # The control for the inactive case below: the same request works for an active user.
    user = make_user("sam_session")
    browser = APIClient()

    response = browser.post(
        "/api-auth/login/",
        {"username": user.username, "password": PASSWORD, "next": "/auth/users/me/"},
        format="multipart",
    )

    assert response.status_code == 302
    assert response["Location"] == "/auth/users/me/"
    assert browser.session["_auth_user_id"] == str(user.pk)
    assert browser.get("/auth/users/me/").json()["id"] == user.pk


@pytest.mark.django_db
def test_inactive_user_cannot_log_in_with_a_session_and_browses_as_anonymous():
    user = make_user("ivy_inactive")
    deactivate(user)
    browser = APIClient()

    response = browser.post(
        "/api-auth/login/",
        {"username": user.username, "password": PASSWORD, "next": "/auth/users/me/"},
        format="multipart",
    )

    # Django's login form is shown again with an error; no session is opened.
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in browser.session
    page = browser.get("/auth/users/me/", HTTP_ACCEPT="text/html")
    assert page.status_code == 401
    assert user.username.encode() not in page.content
    api = browser.get("/auth/users/me/")
    assert api.status_code == 401
    assert "detail" in api.json()


@pytest.mark.django_db
def test_session_of_a_user_deactivated_later_stops_working():
    user = make_user("dan_deactivated")
    browser = APIClient()
    browser.force_login(user)
    assert browser.get("/auth/users/me/").status_code == 200
    deactivate(user)

    response = browser.get("/auth/users/me/")

    assert response.status_code == 401
    assert "id" not in response.json()


@pytest.mark.django_db
def test_refresh_token_of_a_deactivated_user_is_refused_with_401(api_client):
    user = make_user("rita_refresh")
    pair = api_client.post("/api/token/", {"username": user.username, "password": PASSWORD})
    assert pair.status_code == 200
    deactivate(user)

    response = api_client.post("/api/token/refresh/", {"refresh": pair.json()["refresh"]})

    assert response.status_code == 401
    assert "access" not in response.json()


# --- No passwords or hashes in any response ---------------------------------------------------


@pytest.fixture
def populated(admin_user, manager_user, crew_user, customer_user):
    """One of everything the GET routes show, some of it the admin's own."""
    item = make_menu_item()
    rating = make_rating(customer_user, item)
    order = make_order(customer_user, delivery_crew=crew_user)
    line = add_to_cart(admin_user, item)
    return {
        "category": item.category,
        "item": item,
        "rating": rating,
        "order": order,
        "line": line,
        "user": customer_user,
    }


def every_get_route(objects, admin_user) -> list[str]:
    return [
        "/api/categories",
        f"/api/categories/{objects['category'].pk}",
        "/api/menu-items",
        f"/api/menu-items/{objects['item'].pk}",
        "/api/ratings",
        f"/api/ratings/{objects['rating'].pk}",
        "/api/cart/menu-items",
        f"/api/cart/menu-items/{objects['line'].pk}",
        "/api/orders",
        f"/api/orders/{objects['order'].pk}",
        "/api/groups/manager/users",
        "/api/groups/delivery-crew/users",
        "/api/users/users/me/",
        "/api/users/users/",
        f"/api/users/users/{objects['user'].pk}/",
        "/auth/users/me/",
        "/auth/users/",
        f"/auth/users/{objects['user'].pk}/",
        f"/auth/users/{admin_user.pk}/",
        "/api/secret",
        "/api/manager-view",
        "/api/throttle-check",
        "/api/throttle-check-auth",
        "/api/health",
        "/api/schema/",
    ]


def test_admin_sweeping_every_get_route_never_sees_a_password_hash(
    admin_client, admin_user, populated
):
    hashes = list(User.objects.values_list("password", flat=True))
    assert len(hashes) >= 4
    digests = [value.rsplit("$", 1)[-1] for value in hashes]

    for path in every_get_route(populated, admin_user):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        for secret in [PASSWORD, *hashes, *digests]:
            assert secret.encode() not in response.content, path
        if path != "/api/schema/":  # the schema names request fields, e.g. set_password's
            assert not {"password", "new_password"} & keys_anywhere(response.json()), path


@pytest.mark.parametrize(
    "path_for",
    [
        lambda user: "/auth/users/me/",
        lambda user: f"/auth/users/{user.pk}/",
        lambda user: "/api/users/users/me/",
    ],
    ids=["auth-me", "auth-user", "course-me"],
)
def test_browsable_api_pages_of_users_never_show_a_password_hash(
    admin_client, customer_user, path_for
):
    hashes = list(User.objects.values_list("password", flat=True))

    response = admin_client.get(path_for(customer_user), HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    for secret in [PASSWORD, *hashes]:
        assert secret.encode() not in response.content


@pytest.mark.django_db
def test_admin_user_change_page_shows_a_summary_not_the_hash(admin_user, customer_user):
    browser = Client()
    browser.force_login(admin_user)
    stored = User.objects.get(pk=customer_user.pk).password
    digest = stored.rsplit("$", 1)[-1]

    response = browser.get(f"/admin/auth/user/{customer_user.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert customer_user.username in html
    assert stored not in html
    assert digest not in html
    assert f'value="{stored}"' not in html


# --- Password reset ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/auth/users/reset_password/", "/auth/users/reset_username/"])
def test_reset_request_answers_alike_for_known_unknown_and_inactive_emails(api_client, path):
    known = make_user("kim_known", email="kim@example.com")
    asleep = make_user("ina_inactive", email="ina@example.com")
    deactivate(asleep)

    known_answer = api_client.post(path, {"email": known.email})
    assert len(mail.outbox) == 1
    mail.outbox.clear()
    others = [
        api_client.post(path, {"email": email})
        for email in ("nobody@example.com", asleep.email, "KIM@EXAMPLE.ORG")
    ]

    assert known_answer.status_code == 204
    for answer in others:
        assert answer.status_code == known_answer.status_code
        assert answer.content == known_answer.content
    assert mail.outbox == []


# --- The Django admin is staff-only -----------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visiting_admin_is_sent_to_the_login_page():
    response = Client().get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def test_signed_in_non_staff_user_cannot_see_the_admin_orders(customer_user):
    make_order(customer_user)
    browser = Client()
    browser.force_login(customer_user)

    response = browser.get("/admin/LittleLemonDRF/order/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert customer_user.username.encode() not in response.content


def test_staff_superuser_sees_the_admin_orders(admin_user, customer_user):
    make_order(customer_user)
    browser = Client()
    browser.force_login(admin_user)

    response = browser.get("/admin/LittleLemonDRF/order/")

    assert response.status_code == 200
    assert customer_user.username in response.content.decode()


# --- A customer sees only their own things ----------------------------------------------------


def test_customer_cannot_read_another_users_order(customer_client, other_customer_user):
    theirs = make_order(other_customer_user)

    response = customer_client.get(f"/api/orders/{theirs.pk}")

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    assert customer_client.get("/api/orders").json()["count"] == 0


def test_customer_cannot_read_another_users_cart_line(customer_client, other_customer_user):
    theirs = add_to_cart(other_customer_user, make_menu_item("Baklava", "6.25"), 4)

    response = customer_client.get(f"/api/cart/menu-items/{theirs.pk}")

    assert response.status_code == 404
    assert "Baklava" not in response.content.decode()
    assert Cart.objects.get(pk=theirs.pk).quantity == 4


def test_customer_listing_users_sees_only_themselves(
    customer_client, customer_user, other_customer_user, admin_user
):
    Token.objects.create(user=other_customer_user)

    response = customer_client.get("/auth/users/")

    assert response.status_code == 200
    rows = results(response.json())
    assert [row["id"] for row in rows] == [customer_user.pk]
    assert other_customer_user.username not in response.content.decode()


@pytest.mark.parametrize("prefix", ["/auth/users/", "/api/users/users/"])
def test_customer_reading_another_user_gets_404(customer_client, other_customer_user, prefix):
    key = Token.objects.create(user=other_customer_user).key

    response = customer_client.get(f"{prefix}{other_customer_user.pk}/")

    assert response.status_code == 404
    assert other_customer_user.username not in response.content.decode()
    assert key not in response.content.decode()


def test_no_route_shows_a_customer_another_users_token(customer_client, other_customer_user):
    key = Token.objects.create(user=other_customer_user).key
    paths = ["/auth/users/", "/auth/users/me/", "/api/users/users/me/", "/api/orders"]

    for path in paths:
        response = customer_client.get(path)
        assert response.status_code == 200, path
        assert key not in response.content.decode(), path


# --- Errors with debug off --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_server_error_is_json_without_a_stack_trace(monkeypatch, settings, accept):
    assert settings.DEBUG is False

    def explode():
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(selectors, "menu_item_list", explode)
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/menu-items", HTTP_ACCEPT=accept)

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"}
    text = response.content.decode()
    assert "Traceback" not in text
    assert "secret-internal-detail" not in text
    assert "RuntimeError" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/no-such-route", "/api/no-such-route/", "/api/menu-items/abc", "/auth/nothing/"]
)
def test_unknown_api_path_is_a_json_404(api_client, path):
    response = api_client.get(path, HTTP_ACCEPT="text/html,application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}
    assert b"<html" not in response.content.lower()


# --- Security headers -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "status"), [("/api/menu-items", 200), ("/api/nowhere", 404)])
def test_api_responses_carry_the_security_headers(api_client, settings, path, status):
    assert settings.DEBUG is False

    response = api_client.get(path)

    assert response.status_code == status
    assert "detail" in response.json() or "results" in response.json()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"]


def test_security_headers_do_not_depend_on_the_role(customer_client):
    response = customer_client.get("/api/orders")

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response.has_header("Referrer-Policy")


# --- Cache-Control: answers to signed-in callers are theirs; token answers are kept nowhere ----


def _directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/token/login/", "/auth/token/login/", "/api/api-token-auth/", "/api/token/"]
)
def test_token_answers_are_no_store(api_client, customer_user, path):
    body = {"username": customer_user.username, "password": PASSWORD}

    response = api_client.post(path, body, format="json")

    assert response.status_code == 200, response.content
    assert "no-store" in _directives(response)


@pytest.mark.django_db
def test_jwt_refresh_answer_is_no_store(api_client, customer_user):
    pair = api_client.post(
        "/api/token/", {"username": customer_user.username, "password": PASSWORD}, format="json"
    ).json()

    response = api_client.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 200, response.content
    assert "access" in response.json()
    assert "no-store" in _directives(response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/cart/menu-items", "/api/orders", "/api/menu-items"])
def test_answers_to_a_token_caller_are_private(token_client, customer_user, path):
    response = token_client(customer_user).get(path)

    assert response.status_code == 200
    assert "private" in _directives(response)
    assert "public" not in _directives(response)


@pytest.mark.django_db
def test_answers_to_a_session_or_forced_login_are_private(manager_client):
    response = manager_client.get("/api/secret")
    assert response.status_code == 200
    assert "private" in _directives(response)


@pytest.mark.django_db
def test_anonymous_menu_read_keeps_its_headers(api_client):
    make_menu_item()

    response = api_client.get("/api/menu-items")

    assert response.status_code == 200
    assert "private" not in _directives(response)
    assert response.has_header("ETag")
