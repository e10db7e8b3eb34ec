import pytest

from tests.factories import make_menu_item


@pytest.mark.django_db
def test_anyone_lists_the_menu(api_client):
    item = make_menu_item("Greek Salad", "12.50")
    response = api_client.get("/api/menu-items")
    assert response.status_code == 200
    assert response.json()["results"][0]["title"] == "Greek Salad"
    assert response.json()["results"][0]["id"] == item.pk
