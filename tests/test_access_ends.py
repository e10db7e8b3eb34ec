"""When access ends: every credential and role change counts on the next request.

Credentials are read from the database on every request (authentication.py), so no way of
making a change can leave an old answer behind. These tests drive each way in this process
(the API, the admin, an ORM write that passes no signal, a management command); the servers
at the end make the changes from another process while several workers answer.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from LittleLemonDRF import roles
from LittleLemonDRF.authentication import REVOKED
from LittleLemonDRF.models import ApiToken
from LittleLemonDRF.services import token_for_login
from tests.factories import PASSWORD, make_user
from tests.factories import client_with_bearer as bearer_client
from tests.factories import client_with_token as token_client

User = get_user_model()
CART = "/api/cart/menu-items"
MANAGER_VIEW = "/api/manager-view"
NEW_PASSWORD = "Another-lemon-2027!"


@pytest.fixture
def user(db):
    return make_user("kim", email="kim@example.com")


def jwt_pair(user) -> dict:
    response = APIClient().post("/api/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


# --- One query answers a token, its user and their roles ------------------------------------


def test_a_token_request_reads_token_user_and_roles_in_one_query(db, django_assert_num_queries):
    manager = make_user("mia", groups=[roles.MANAGER])
    client = token_client(token_for_login(user=manager).key)
    for _ in range(2):  # the same on every request: nothing is remembered between them
        with django_assert_num_queries(1):
            response = client.get(MANAGER_VIEW)
        assert response.status_code == 200
        assert response.json()["message"]


# --- Tokens ---------------------------------------------------------------------------------


def test_logout_ends_the_token_on_the_next_request(user):
    client = token_client(token_for_login(user=user).key)
    assert client.get(CART).status_code == 200
    assert client.post("/auth/token/logout/").status_code == 204
    response = client.get(CART)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_rotation_by_drf_create_token_ends_the_old_key(user):
    old = token_for_login(user=user).key
    client = token_client(old)
    assert client.get(CART).status_code == 200
    call_command("drf_create_token", "-r", user.username)
    assert client.get(CART).status_code == 401
    new = ApiToken.objects.get(user=user).key
    assert new != old
    assert token_client(new).get(CART).status_code == 200


def test_a_bulk_delete_of_tokens_ends_every_key(user):
    other = make_user("lee")
    clients = [token_client(token_for_login(user=u).key) for u in (user, other)]
    assert [c.get(CART).status_code for c in clients] == [200, 200]
    ApiToken.objects.all().delete()  # the admin's "delete selected tokens"
    assert [c.get(CART).status_code for c in clients] == [401, 401]


# --- Users: deactivated, deleted ------------------------------------------------------------


def test_deactivation_by_a_queryset_update_ends_token_and_jwt(user):
    token = token_client(token_for_login(user=user).key)
    bearer = bearer_client(jwt_pair(user)["access"])
    assert [token.get(CART).status_code, bearer.get(CART).status_code] == [200, 200]
    User.objects.filter(pk=user.pk).update(is_active=False)  # no signal, no save()
    response = token.get(CART)
    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}
    assert bearer.get(CART).status_code == 401


def test_a_deleted_users_token_and_refresh_token_stop_working(user):
    token = token_client(token_for_login(user=user).key)
    refresh = jwt_pair(user)["refresh"]
    user.delete()
    assert token.get(CART).status_code == 401
    response = APIClient().post("/api/token/refresh/", {"refresh": refresh})
    assert response.status_code == 401
    assert "detail" in response.json()


# --- Roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["m2m", "through-table", "service"])
def test_leaving_the_manager_group_counts_on_the_next_request(db, how):
    manager = make_user("mia", groups=[roles.MANAGER])
    client = token_client(token_for_login(user=manager).key)
    assert client.get(MANAGER_VIEW).status_code == 200
    group = Group.objects.get(name=roles.MANAGER)
    if how == "m2m":
        manager.groups.remove(group)  # the admin's user form, a shell
    elif how == "through-table":
        User.groups.through.objects.filter(user=manager, group=group).delete()
    else:
        assert APIClient().get(MANAGER_VIEW).status_code == 401  # the route needs a caller
        admin = make_user("boss", is_staff=True)
        boss = token_client(token_for_login(user=admin).key)
        assert boss.delete(f"/api/groups/manager/users/{manager.pk}").status_code == 200
    response = client.get(MANAGER_VIEW)
    assert response.status_code == 403


def test_joining_the_manager_group_counts_on_the_next_request(user):
    client = token_client(token_for_login(user=user).key)
    assert client.get(MANAGER_VIEW).status_code == 403
    user.groups.add(Group.objects.get_or_create(name=roles.MANAGER)[0])
    assert client.get(MANAGER_VIEW).status_code == 200


# --- A password change ends every credential ------------------------------------------------


def assert_every_old_credential_refused(token, pair):
    assert token.get(CART).status_code == 401
    assert bearer_client(pair["access"]).get(CART).status_code == 401
    response = APIClient().post("/api/token/refresh/", {"refresh": pair["refresh"]})
    assert response.status_code == 401
    assert response.json() == {"detail": REVOKED}


def test_set_password_ends_the_token_and_every_jwt_issued_before(user):
    token = token_client(token_for_login(user=user).key)
    pair = jwt_pair(user)
    response = token.post(
        "/auth/users/set_password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 204
    assert_every_old_credential_refused(token, pair)
    # The new password works, and what it issues works.
    fresh = APIClient().post(
        "/auth/token/login/", {"username": user.username, "password": NEW_PASSWORD}
    )
    assert fresh.status_code == 200
    assert token_client(fresh.json()["auth_token"]).get(CART).status_code == 200


def test_set_password_with_a_jwt_ends_the_users_token_too(user):
    token = token_client(token_for_login(user=user).key)
    pair = jwt_pair(user)
    response = bearer_client(pair["access"]).post(
        "/auth/users/set_password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 204
    assert_every_old_credential_refused(token, pair)


def test_reset_password_confirm_ends_every_credential(user):
    token = token_client(token_for_login(user=user).key)
    pair = jwt_pair(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    response = APIClient().post(
        "/auth/users/reset_password_confirm/",
        {
            "uid": uid,
            "token": default_token_generator.make_token(user),
            "new_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 204
    assert_every_old_credential_refused(token, pair)


def test_a_password_set_in_a_shell_ends_every_credential(user):
    token = token_client(token_for_login(user=user).key)
    pair = jwt_pair(user)
    user.set_password(NEW_PASSWORD)  # as `changepassword` and a shell do
    user.save()
    assert_every_old_credential_refused(token, pair)


def test_the_admins_password_form_ends_the_users_credentials(user, admin_user):
    token = token_client(token_for_login(user=user).key)
    pair = jwt_pair(user)
    browser = Client()
    browser.force_login(admin_user)
    response = browser.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/auth/user/{user.pk}/change/"
    assert_every_old_credential_refused(token, pair)


def test_a_session_ends_when_the_password_changes(user):
    browser = APIClient()
    assert browser.login(username=user.username, password=PASSWORD)
    assert browser.get(CART).status_code == 200
    user.set_password(NEW_PASSWORD)
    user.save()
    assert browser.get(CART).status_code == 401  # the session is gone: not signed in


def test_saving_a_user_without_a_new_password_keeps_their_token(user):
    client = token_client(token_for_login(user=user).key)
    response = client.patch("/auth/users/me/", {"email": "kim@elsewhere.example"})
    assert response.status_code == 200
    user.refresh_from_db()
    user.first_name = "Kim"
    user.save()
    assert client.get(CART).status_code == 200
    assert user.check_password(PASSWORD)


def test_a_password_reset_email_names_no_token_of_the_user(user):
    # The link carries Django's one-time token, which a password change also voids.
    assert APIClient().post("/auth/users/reset_password/", {"email": user.email}).status_code == 204
    body = mail.outbox[0].body
    key = ApiToken.objects.filter(user=user).values_list("key", flat=True).first()
    assert key is None or key not in body
    assert re.search(r"password/reset/confirm/\S+/\S+", body)


# --- Session login forms share the login budget ---------------------------------------------


@pytest.mark.parametrize("form", ["/api-auth/login/", "/admin/login/"])
def test_a_login_form_is_refused_with_429_once_the_login_budget_is_spent(user, settings, form):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "3/minute",
        },
    }
    browser = APIClient()
    wrong = {"username": user.username, "password": "wrong"}
    assert [browser.post(form, wrong).status_code for _ in range(3)] == [200, 200, 200]
    right = browser.post(form, {"username": user.username, "password": PASSWORD})
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert "Too many login attempts" in right.content.decode()
    # The token routes share the budget: it is spent for them as well.
    token = browser.post("/auth/token/login/", {"username": user.username, "password": PASSWORD})
    assert token.status_code == 429
