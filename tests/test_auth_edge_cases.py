"""Account routes under input that Djoser alone answered with a 500."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import make_user

User = get_user_model()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/auth/users/reset_password/", "/auth/users/reset_username/"])
def test_reset_request_for_an_email_two_accounts_share_sends_one_message(api_client, path):
    first = make_user("first_owner", email="shared@example.com")
    make_user("second_owner", email="shared@example.com")
    response = api_client.post(path, {"email": "shared@example.com"}, format="json")
    assert response.status_code == 204
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [first.email]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/auth/users/activation/", "/auth/users/reset_password_confirm/"])
def test_numeric_uid_is_a_400_on_uid(api_client, path):
    body = {"uid": 0, "token": "abc", "new_password": "Lemon-tree-2026!"}
    response = api_client.post(path, body, format="json")
    assert response.status_code == 400
    assert "uid" in response.json()


@pytest.mark.django_db
def test_options_on_me_describes_the_route(customer_client):
    response = customer_client.options("/auth/users/me/")
    assert response.status_code == 200
    assert response.json()["name"]


@pytest.mark.django_db
def test_resend_activation_says_why_it_is_refused(api_client):
    response = api_client.post(
        "/auth/users/resend_activation/", {"email": "a@example.com"}, format="json"
    )
    assert response.status_code == 400
    assert "activation" in response.json()["detail"].lower()


@pytest.mark.django_db
def test_group_member_without_an_email_is_listed_with_an_empty_one(manager_client):
    no_mail = User.objects.create_user("no_mail", password="Lemon-tree-2026!")
    manager_client.post("/api/groups/manager/users", {"username": "no_mail"}, format="json")
    response = manager_client.get("/api/groups/manager/users")
    assert response.status_code == 200
    assert {"id": no_mail.pk, "username": "no_mail", "email": ""} in response.json()
