"""Shared fixtures: an API client, a user and a client per role, and a clean cache per test."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from LittleLemonDRF import roles
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _clean_cache():
    # Throttle counters live in the cache: every test starts with a fresh budget.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    """An anonymous client."""
    return APIClient()


def _client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


@pytest.fixture
def admin_user(db):
    return make_user("boss", is_staff=True, is_superuser=True)


@pytest.fixture
def manager_user(db):
    return make_user("mia_manager", groups=[roles.MANAGER])


@pytest.fixture
def crew_user(db):
    return make_user("carl_crew", groups=[roles.DELIVERY_CREW])


@pytest.fixture
def customer_user(db):
    return make_user("cora_customer")


@pytest.fixture
def other_customer_user(db):
    return make_user("otto_other")


@pytest.fixture
def admin_client(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def manager_client(manager_user):
    return _client_for(manager_user)


@pytest.fixture
def crew_client(crew_user):
    return _client_for(crew_user)


@pytest.fixture
def customer_client(customer_user):
    return _client_for(customer_user)


@pytest.fixture
def other_customer_client(other_customer_user):
    return _client_for(other_customer_user)


@pytest.fixture
def role_client(request):
    """Indirect parametrisation: `role_client` with one of anon/customer/crew/manager/admin."""
    role = request.param
    if role == "anon":
        return APIClient()
    return request.getfixturevalue(f"{role}_client")


@pytest.fixture
def token_client(db):
    """A client whose requests carry a real `Authorization: Token` header."""
    from LittleLemonDRF.services import token_for_login

    def build(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for_login(user=user).key}")
        client.user = user
        return client

    return build
