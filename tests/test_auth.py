"""Accounts and tokens: registration, the current user, token and JWT logins, expiry, throttling.

Every request here carries a real `Authorization` header (never `force_authenticate`): these
tests are about the credentials themselves.
"""

import os
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.factories import PASSWORD, make_user
from tests.factories import client_with_bearer as bearer_client
from tests.factories import client_with_token as token_client

User = get_user_model()

NEW_PASSWORD = "Fresh-lemon-2027?"

# (path, key of the token in the body) for every route that turns a password into a Token.
TOKEN_LOGINS = [
    ("/token/login/", "auth_token"),
    ("/token/login", "auth_token"),
    ("/auth/token/login/", "auth_token"),
    ("/auth/token/login", "auth_token"),
    ("/api/api-token-auth/", "token"),
    ("/api/api-token-auth", "token"),
]
DJOSER_LOGINS = ["/token/login/", "/token/login", "/auth/token/login/", "/auth/token/login"]
LOGOUTS = ["/token/logout/", "/token/logout", "/auth/token/logout/", "/auth/token/logout"]
ME_PATHS = ["/auth/users/me/", "/auth/users/me", "/api/users/users/me/", "/api/users/users/me"]
# The four routes that share the "login" throttle budget.
THROTTLED_LOGINS = ["/token/login/", "/auth/token/login/", "/api/api-token-auth/", "/api/token/"]


@pytest.fixture
def user(db):
    return make_user("lena_lemon", email="lena@example.com")


def credentials(user, password=PASSWORD) -> dict:
    return {"username": user.username, "password": password}


def assert_no_secrets(response, *secrets: str) -> None:
    for secret in secrets:
        assert secret.encode() not in response.content


def age_token(user, by: timedelta) -> None:
    """As if the user's token had been issued `by` ago (a save, as every write of a token is)."""
    token = Token.objects.get(user=user)
    token.created = timezone.now() - by
    token.save(update_fields=["created"])


# --- Registration ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/users", "/api/users/", "/auth/users/", "/auth/users"])
def test_anyone_registers_and_gets_id_username_email_back(api_client, path):
    response = api_client.post(
        path, {"username": "new_diner", "email": "diner@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    created = User.objects.get(username="new_diner")
    assert response.json() == {
        "id": created.pk,
        "username": "new_diner",
        "email": "diner@example.com",
    }
    assert created.check_password(PASSWORD)
    assert_no_secrets(response, PASSWORD, created.password)


@pytest.mark.django_db
def test_registration_without_email_is_accepted(api_client):
    response = api_client.post("/api/users", {"username": "no_mail", "password": PASSWORD})
    assert response.status_code == 201
    assert response.json()["username"] == "no_mail"
    assert User.objects.get(username="no_mail").email == ""


@pytest.mark.django_db
def test_registration_accepts_form_urlencoded_body(api_client):
    response = api_client.post(
        "/api/users", {"username": "form_user", "password": PASSWORD}, format=None
    )
    assert response.status_code == 201
    assert User.objects.filter(username="form_user").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["123", "qwertyuiop", "zq1"])
def test_registration_with_weak_password_is_refused_on_password(api_client, weak):
    response = api_client.post("/api/users", {"username": "weakling", "password": weak})
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="weakling").exists()
    assert_no_secrets(response, weak)


@pytest.mark.django_db
def test_registration_with_taken_username_is_refused(api_client, user):
    response = api_client.post("/api/users", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.filter(username=user.username).count() == 1


# --- The current user -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ME_PATHS)
def test_user_with_token_header_reads_themselves(user, path):
    key = Token.objects.create(user=user).key
    response = token_client(key).get(path)
    assert response.status_code == 200
    assert response.json() == {"id": user.pk, "username": user.username, "email": user.email}
    assert_no_secrets(response, PASSWORD, user.password)


def test_user_changes_their_email_with_a_token_and_nothing_else_changes(user):
    key = Token.objects.create(user=user).key
    before = User.objects.get(pk=user.pk)
    response = token_client(key).patch("/auth/users/me/", {"email": "lena@lemon.example"})
    assert response.status_code == 200
    assert response.json()["email"] == "lena@lemon.example"
    after = User.objects.get(pk=user.pk)
    assert after.email == "lena@lemon.example"
    assert after.check_password(PASSWORD)
    assert (after.username, after.password, after.is_active, after.date_joined) == (
        before.username,
        before.password,
        before.is_active,
        before.date_joined,
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("customer", 403), ("manager", 200), ("staff", 200)],
)
def test_a_token_carries_the_users_role(db, who, status):
    groups = ["Manager"] if who == "manager" else []
    member = make_user(f"role_{who}", groups=groups, is_staff=who == "staff")
    key = Token.objects.create(user=member).key
    response = token_client(key).get("/api/groups/manager/users")
    assert response.status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("path", ME_PATHS)
def test_anonymous_reading_me_gets_401_with_token_challenge(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()


@pytest.mark.django_db
def test_unknown_token_is_refused_with_401(api_client):
    response = token_client("0" * 40).get("/auth/users/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Invalid token."}


# --- Token login and logout -----------------------------------------------------------------


@pytest.mark.parametrize(("path", "field"), TOKEN_LOGINS)
def test_user_logs_in_and_gets_a_working_token(api_client, user, path, field):
    response = api_client.post(path, credentials(user))
    assert response.status_code == 200
    assert list(response.json()) == [field]
    key = response.json()[field]
    assert Token.objects.get(user=user).key == key
    assert token_client(key).get("/auth/users/me/").json()["id"] == user.pk
    assert_no_secrets(response, PASSWORD, user.password)


@pytest.mark.parametrize(("path", "field"), TOKEN_LOGINS)
def test_login_twice_returns_the_same_live_token(api_client, user, path, field):
    first = api_client.post(path, credentials(user))
    second = api_client.post(path, credentials(user))
    assert first.status_code == second.status_code == 200
    assert first.json()[field] == second.json()[field]
    assert Token.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(("path", "field"), TOKEN_LOGINS)
def test_login_with_wrong_password_is_refused_with_400(api_client, user, path, field):
    response = api_client.post(path, credentials(user, password="not-the-password"))
    assert response.status_code == 400
    assert field not in response.json()
    assert not Token.objects.filter(user=user).exists()
    assert_no_secrets(response, "not-the-password", user.password)


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "field"), TOKEN_LOGINS)
def test_login_of_unknown_user_is_refused_with_400(api_client, path, field):
    response = api_client.post(path, {"username": "ghost", "password": PASSWORD})
    assert response.status_code == 400
    assert field not in response.json()
    assert not Token.objects.exists()


@pytest.mark.parametrize("path", LOGOUTS)
def test_logout_deletes_the_token_and_it_stops_working(user, path):
    key = Token.objects.create(user=user).key
    client = token_client(key)
    response = client.post(path)
    assert response.status_code == 204
    assert not Token.objects.filter(key=key).exists()
    after = client.get("/auth/users/me/")
    assert after.status_code == 401
    assert after.json() == {"detail": "Invalid token."}


@pytest.mark.django_db
@pytest.mark.parametrize("path", LOGOUTS)
def test_anonymous_logout_is_refused_with_401(api_client, path):
    response = api_client.post(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()


def test_login_after_logout_issues_a_new_key(api_client, user):
    old = api_client.post("/auth/token/login/", credentials(user)).json()["auth_token"]
    assert token_client(old).post("/auth/token/logout/").status_code == 204
    response = api_client.post("/token/login/", credentials(user))
    assert response.status_code == 200
    new = response.json()["auth_token"]
    assert new != old
    assert token_client(new).get("/api/users/users/me/").status_code == 200
    assert token_client(old).get("/api/users/users/me/").status_code == 401


# --- Djoser's other standard routes ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/auth/users/set_password/", "/auth/users/set_password"])
def test_user_changes_password_and_old_one_no_longer_logs_in(api_client, user, path):
    key = Token.objects.create(user=user).key
    response = token_client(key).post(
        path, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert_no_secrets(response, PASSWORD, NEW_PASSWORD, user.password)
    Token.objects.filter(user=user).delete()
    old = api_client.post("/auth/token/login/", credentials(user))
    assert old.status_code == 400
    new = api_client.post("/auth/token/login/", credentials(user, password=NEW_PASSWORD))
    assert new.status_code == 200
    assert "auth_token" in new.json()


def test_set_password_with_wrong_current_password_is_refused(user):
    key = Token.objects.create(user=user).key
    response = token_client(key).post(
        "/auth/users/set_password/",
        {"current_password": "wrong-one-here", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "current_password" in response.json()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_anonymous_cannot_set_a_password(api_client):
    response = api_client.post(
        "/auth/users/set_password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ["/auth/users/reset_password/", "/auth/users/reset_password"])
def test_password_reset_for_known_email_answers_204_and_sends_mail(api_client, user, path):
    response = api_client.post(path, {"email": user.email})
    assert response.status_code == 204
    assert response.content == b""
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]


@pytest.mark.django_db
def test_password_reset_for_unknown_email_answers_the_same_and_sends_nothing(api_client, user):
    known = api_client.post("/auth/users/reset_password/", {"email": user.email})
    mail.outbox.clear()
    unknown = api_client.post("/auth/users/reset_password/", {"email": "nobody@example.com"})
    assert unknown.status_code == known.status_code == 204
    assert unknown.content == known.content
    assert mail.outbox == []


# --- DRF's obtain_auth_token ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/api-token-auth/", "/api/api-token-auth"])
def test_obtain_auth_token_returns_the_users_token(api_client, user, path):
    response = api_client.post(path, credentials(user))
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


# --- simplejwt ------------------------------------------------------------------------------


def jwt_pair(client, user) -> dict:
    response = client.post("/api/token/", credentials(user))
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("path", ["/api/token/", "/api/token"])
def test_jwt_login_returns_access_and_refresh(api_client, user, path):
    response = api_client.post(path, credentials(user))
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    assert_no_secrets(response, PASSWORD, user.password)


def test_jwt_login_with_bad_credentials_is_refused_with_401(api_client, user):
    response = api_client.post("/api/token/", credentials(user, password="nope-nope-nope"))
    assert response.status_code == 401
    assert "access" not in response.json()
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ["/auth/users/me/", "/api/users/users/me/"])
def test_bearer_access_token_authenticates(api_client, user, path):
    access = jwt_pair(api_client, user)["access"]
    response = bearer_client(access).get(path)
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


@pytest.mark.parametrize("path", ["/api/token/refresh/", "/api/token/refresh"])
def test_refresh_returns_a_new_working_access_token(api_client, user, path):
    pair = jwt_pair(api_client, user)
    response = api_client.post(path, {"refresh": pair["refresh"]})
    assert response.status_code == 200
    access = response.json()["access"]
    assert access != pair["access"]
    assert bearer_client(access).get("/auth/users/me/").json()["username"] == user.username


@pytest.mark.parametrize("path", ["/api/token/blacklist/", "/api/token/blacklist"])
def test_blacklisted_refresh_token_is_refused_with_401(api_client, user, path):
    refresh = jwt_pair(api_client, user)["refresh"]
    response = api_client.post(path, {"refresh": refresh})
    assert response.status_code == 200
    assert BlacklistedToken.objects.filter(token__user=user).count() == 1
    again = api_client.post("/api/token/refresh/", {"refresh": refresh})
    assert again.status_code == 401
    assert "access" not in again.json()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/token/refresh/", "/api/token/blacklist/"])
def test_invalid_refresh_token_is_refused_with_401(api_client, path):
    response = api_client.post(path, {"refresh": "not.a.token"})
    assert response.status_code == 401
    assert "access" not in response.json()
    assert not BlacklistedToken.objects.exists()


def test_access_token_is_not_accepted_as_refresh_token(api_client, user):
    access = jwt_pair(api_client, user)["access"]
    response = api_client.post("/api/token/refresh/", {"refresh": access})
    assert response.status_code == 401
    assert "access" not in response.json()


# --- Token lifetime -------------------------------------------------------------------------


def test_expired_token_is_refused_with_401(user, settings):
    settings.TOKEN_TTL = timedelta(seconds=60)
    key = Token.objects.create(user=user).key
    age_token(user, timedelta(seconds=120))
    response = token_client(key).get("/auth/users/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has expired."}
    assert response["WWW-Authenticate"] == "Token"


def test_token_younger_than_ttl_still_works(user, settings):
    settings.TOKEN_TTL = timedelta(seconds=60)
    key = Token.objects.create(user=user).key
    age_token(user, timedelta(seconds=30))
    response = token_client(key).get("/auth/users/me/")
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


def test_token_ttl_none_means_tokens_never_expire(user, settings):
    settings.TOKEN_TTL = None
    key = Token.objects.create(user=user).key
    age_token(user, timedelta(days=3650))
    response = token_client(key).get("/auth/users/me/")
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


@pytest.mark.skipif("TOKEN_TTL" in os.environ, reason="TOKEN_TTL is set in the environment")
def test_default_token_ttl_is_thirty_days(user, settings):
    assert settings.TOKEN_TTL == timedelta(days=30)
    key = Token.objects.create(user=user).key
    age_token(user, timedelta(days=29))
    assert token_client(key).get("/auth/users/me/").status_code == 200
    age_token(user, timedelta(days=31))
    response = token_client(key).get("/auth/users/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has expired."}


@pytest.mark.parametrize(("path", "field"), TOKEN_LOGINS)
def test_login_after_expiry_issues_a_different_working_key(api_client, user, settings, path, field):
    settings.TOKEN_TTL = timedelta(seconds=60)
    old = Token.objects.create(user=user).key
    age_token(user, timedelta(seconds=120))
    response = api_client.post(path, credentials(user))
    assert response.status_code == 200
    new = response.json()[field]
    assert new != old
    assert Token.objects.get(user=user).key == new
    assert token_client(new).get("/auth/users/me/").status_code == 200
    assert token_client(old).get("/auth/users/me/").status_code == 401


# --- manage.py drf_create_token -------------------------------------------------------------


def test_drf_create_token_creates_a_working_token(user, capsys):
    call_command("drf_create_token", user.username)
    token = Token.objects.get(user=user)
    assert token.key in capsys.readouterr().out
    response = token_client(token.key).get("/auth/users/me/")
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


def test_drf_create_token_with_r_rotates_the_key(user):
    old = Token.objects.create(user=user).key
    call_command("drf_create_token", "-r", user.username)
    new = Token.objects.get(user=user).key
    assert new != old
    assert token_client(new).get("/auth/users/me/").status_code == 200
    response = token_client(old).get("/auth/users/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


# --- Inactive users -------------------------------------------------------------------------


def test_inactive_user_with_valid_token_is_refused_with_401(user):
    key = Token.objects.create(user=user).key
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = token_client(key).get("/auth/users/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_inactive_user_with_valid_bearer_token_is_refused_with_401(api_client, user):
    access = jwt_pair(api_client, user)["access"]
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = bearer_client(access).get("/auth/users/me/")
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize(("path", "field"), TOKEN_LOGINS)
def test_inactive_user_cannot_log_in(api_client, user, path, field):
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api_client.post(path, credentials(user))
    assert response.status_code == 400
    assert field not in response.json()
    assert not Token.objects.filter(user=user).exists()


def test_inactive_user_cannot_get_a_jwt(api_client, user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api_client.post("/api/token/", credentials(user))
    assert response.status_code == 401
    assert "access" not in response.json()


# --- No secrets in responses ----------------------------------------------------------------


def test_no_account_route_ever_shows_a_password_or_its_hash(api_client, user):
    key = Token.objects.create(user=user).key
    pair = jwt_pair(api_client, user)
    responses = [
        api_client.post("/api/users", {"username": "second", "password": PASSWORD}),
        api_client.post("/auth/users/", {"username": "third", "password": PASSWORD}),
        api_client.post("/api/users", {"username": "weak_one", "password": "123"}),
        token_client(key).get("/auth/users/me/"),
        token_client(key).get("/api/users/users/me/"),
        token_client(key).get(f"/auth/users/{user.pk}/"),
        api_client.post("/auth/token/login/", credentials(user)),
        api_client.post("/token/login/", credentials(user, password="wrong-pass-123")),
        api_client.post("/api/api-token-auth/", credentials(user)),
        api_client.post("/api/token/refresh/", {"refresh": pair["refresh"]}),
    ]
    hashes = list(User.objects.values_list("password", flat=True))
    for response in responses:
        assert response.status_code in (200, 201, 400)
        assert_no_secrets(response, PASSWORD, "wrong-pass-123", *hashes)


# --- Login throttling -----------------------------------------------------------------------


def test_eleventh_login_from_one_address_is_throttled_across_all_routes(api_client, user):
    wrong = credentials(user, password="wrong-pass-123")
    for attempt in range(10):
        path = THROTTLED_LOGINS[attempt % len(THROTTLED_LOGINS)]
        response = api_client.post(path, wrong)
        assert response.status_code in (400, 401), path
    # Even the right password is refused once the budget is spent.
    response = api_client.post("/auth/token/login/", credentials(user))
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()
    assert not Token.objects.filter(user=user).exists()


@pytest.mark.parametrize("path", THROTTLED_LOGINS)
def test_every_login_route_refuses_once_the_shared_budget_is_spent(api_client, user, path):
    for _ in range(10):
        api_client.post("/token/login/", credentials(user, password="wrong-pass-123"))
    response = api_client.post(path, credentials(user))
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert not Token.objects.filter(user=user).exists()


def test_successful_logins_count_against_the_login_budget(api_client, user):
    for attempt in range(10):
        path = THROTTLED_LOGINS[attempt % len(THROTTLED_LOGINS)]
        assert api_client.post(path, credentials(user)).status_code == 200
    response = api_client.post("/api/token/", credentials(user))
    assert response.status_code == 429
    assert "access" not in response.json()


def test_forged_x_forwarded_for_does_not_escape_the_login_throttle(api_client, user):
    wrong = credentials(user, password="wrong-pass-123")
    for attempt in range(10):
        path = THROTTLED_LOGINS[attempt % len(THROTTLED_LOGINS)]
        response = api_client.post(path, wrong, HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt + 1}")
        assert response.status_code in (400, 401), path
    response = api_client.post(
        "/api/api-token-auth/", credentials(user), HTTP_X_FORWARDED_FOR="198.51.100.77"
    )
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert not Token.objects.filter(user=user).exists()


def test_login_budget_is_per_client_address(api_client, user):
    for _ in range(10):
        api_client.post("/token/login/", credentials(user, password="wrong-pass-123"))
    assert api_client.post("/token/login/", credentials(user)).status_code == 429
    response = api_client.post("/token/login/", credentials(user), REMOTE_ADDR="192.0.2.50")
    assert response.status_code == 200
    assert response.json()["auth_token"] == Token.objects.get(user=user).key
