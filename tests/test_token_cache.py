"""Token authentication from the cache: no query once a key is known, and revocation exact.

Every way a token or its user changes (logout, rotation, deactivation, deletion, the admin's
bulk delete) must make the very next request with that key ask the database again.
"""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from LittleLemonDRF.services import token_for_login
from tests.factories import PASSWORD, make_user

User = get_user_model()
CART = "/api/cart/menu-items"
SECRET = "/api/secret"  # authenticated, and reads nothing else


@pytest.fixture
def user(db):
    return make_user("kim")


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_known_key_is_authenticated_without_a_query(user, django_assert_num_queries):
    client = token_client(token_for_login(user=user).key)
    with django_assert_num_queries(2):  # the token with its user, their groups
        assert client.get(SECRET).status_code == 200
    with django_assert_num_queries(0):
        response = client.get(SECRET)
    assert response.status_code == 200
    assert response.json()["message"]


def test_logout_revokes_a_cached_key_at_once(user):
    client = token_client(token_for_login(user=user).key)
    assert client.get(CART).status_code == 200
    assert client.post("/auth/token/logout/").status_code == 204
    response = client.get(CART)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_deactivating_the_user_revokes_a_cached_key(user):
    client = token_client(token_for_login(user=user).key)
    assert client.get(CART).status_code == 200
    user.is_active = False
    user.save()  # as the admin's change form saves it
    response = client.get(CART)
    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_deleting_the_user_revokes_a_cached_key(user):
    client = token_client(token_for_login(user=user).key)
    assert client.get(CART).status_code == 200
    user.delete()
    assert client.get(CART).status_code == 401


def test_a_bulk_delete_of_tokens_revokes_cached_keys(user):
    other = make_user("lee")
    clients = [token_client(token_for_login(user=u).key) for u in (user, other)]
    assert all(c.get(CART).status_code == 200 for c in clients)
    Token.objects.all().delete()  # the admin's "delete selected tokens"
    assert [c.get(CART).status_code for c in clients] == [401, 401]


def test_a_cached_user_saved_through_the_api_keeps_their_password(user):
    """The cached user carries only some fields; a save must not write the others as blank."""
    client = token_client(token_for_login(user=user).key)
    assert client.get(CART).status_code == 200
    response = client.patch("/auth/users/me/", {"email": "kim@example.com"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email == "kim@example.com"
    assert user.check_password(PASSWORD)
    login = APIClient().post("/auth/token/login/", {"username": "kim", "password": PASSWORD})
    assert login.status_code == 200


def test_the_cached_user_is_the_right_one(user):
    other = make_user("lee", is_staff=True)
    key = token_for_login(user=other).key
    assert token_client(key).get(CART).status_code == 200
    response = token_client(key).get("/auth/users/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "lee"
    assert response.json()["id"] == other.pk


def test_joining_and_leaving_a_group_changes_a_cached_keys_rights(user, manager_client):
    client = token_client(token_for_login(user=user).key)
    menu = {"title": "Moussaka", "price": "16.75"}
    assert client.post("/api/categories", {"title": "Mains"}).status_code == 403  # cached now
    joined = manager_client.post("/api/groups/manager/users", {"username": user.username})
    assert joined.status_code == 201
    created = client.post("/api/categories", {"title": "Mains"})
    assert created.status_code == 201, created.json()
    menu["category_id"] = created.json()["id"]
    left = manager_client.delete(f"/api/groups/manager/users/{user.pk}")
    assert left.status_code == 200
    assert client.post("/api/menu-items", menu).status_code == 403


def test_a_known_key_checks_roles_without_a_query(user, django_assert_num_queries):
    client = token_client(token_for_login(user=user).key)
    assert client.get("/api/orders").status_code == 200
    # Who the key is and which groups decide the scope come from the cache; so does the
    # count of their orders (none), so the page needs no other query.
    with django_assert_num_queries(0):
        response = client.get("/api/orders")
    assert response.status_code == 200
    assert response.json()["results"] == []
