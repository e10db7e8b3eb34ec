"""The /tables/ page: for managers and admins, by session login, like the kitchen board."""

import pytest
from django.test import Client

from LittleLemonDRF import roles
from tests.factories import PASSWORD, make_user


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_the_login_page():
    response = browser().get("/tables/")
    assert response.status_code == 302
    assert response["Location"] == "/api-auth/login/?next=/tables/"


@pytest.mark.django_db
@pytest.mark.parametrize("groups", [(), (roles.DELIVERY_CREW,)])
def test_customers_and_crew_are_refused(groups):
    response = browser(make_user(groups=groups)).get("/tables/")
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_manager_gets_the_page_with_the_api_it_reads():
    manager = make_user(groups=[roles.MANAGER], password=PASSWORD)
    response = browser(manager).get("/tables/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-tables-url="/api/tables"' in page
    assert 'data-reservations-url="/api/reservations"' in page
    assert 'id="table-moves"' in page
