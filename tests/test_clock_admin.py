"""The restaurant's settings, hours and closures in the admin, through the same services."""

import pytest

from LittleLemonDRF.models import Closure, Restaurant, ServiceHours

pytestmark = pytest.mark.django_db

HOURS = "/admin/LittleLemonDRF/servicehours/"


@pytest.fixture
def admin_browser(client, admin_user):
    client.force_login(admin_user)
    return client


def test_admin_adds_hours_and_is_told_of_an_overlap(admin_browser):
    form = {
        "fulfilment": "pickup",
        "weekday": 5,
        "opens": "11:00",
        "closes": "15:00",
        "capacity": 3,
    }

    added = admin_browser.post(f"{HOURS}add/", form)
    overlapping = admin_browser.post(f"{HOURS}add/", form | {"opens": "14:00", "closes": "18:00"})

    assert added.status_code == 302
    assert overlapping.status_code == 200
    assert "overlap" in overlapping.content.decode()
    assert ServiceHours.objects.count() == 1


def test_admin_changes_the_settings(admin_browser, api_client):
    restaurant = Restaurant.load()
    page = f"/admin/LittleLemonDRF/restaurant/{restaurant.pk}/change/"
    form = {
        field: value
        for field, value in {
            "name": "Little Lemon Chicago",
            "timezone": "America/Chicago",
            "slot_minutes": 30,
            "lead_minutes": 20,
            "days_ahead": 7,
            "prep_minutes": 30,
            "extra_lead_minutes": 0,
            "tax_rate": "0.00",
            "prices_include_tax": "on",
            "delivery_fee": "0.00",
            "minimum_order": "0.00",
            "reservation_minutes": 90,
            "reservation_lead_minutes": 60,
            "reservation_days_ahead": 30,
            "no_show_grace_minutes": 15,
        }.items()
    }

    response = admin_browser.post(page, form)

    assert response.status_code == 302
    body = api_client.get("/api/restaurant").json()
    assert body["timezone"] == "America/Chicago"
    assert body["slot_minutes"] == 30


def test_admin_adds_a_closure(admin_browser):
    response = admin_browser.post(
        "/admin/LittleLemonDRF/closure/add/",
        {
            "starts_0": "2030-12-25",
            "starts_1": "00:00:00",
            "ends_0": "2030-12-26",
            "ends_1": "00:00:00",
            "reason": "Christmas",
        },
    )

    assert response.status_code == 302
    assert Closure.objects.get().reason == "Christmas"
