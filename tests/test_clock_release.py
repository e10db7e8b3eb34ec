"""Scheduled orders go to the kitchen by themselves at their release time."""

import datetime as dt

import pytest
from django.utils import timezone

from LittleLemonDRF import clock
from LittleLemonDRF.models import Order, OrderEvent, OrderStateChange, Restaurant, ServiceHours
from tests.factories import add_to_cart, make_menu_item

pytestmark = pytest.mark.django_db

ORDERS = "/api/orders"


@pytest.fixture
def scheduled(customer_client, customer_user):
    """An order for tomorrow at noon, placed through the API; released at 11:30."""
    Restaurant.objects.update_or_create(
        pk=1, defaults={"timezone": "UTC", "lead_minutes": 0, "prep_minutes": 30}
    )
    for weekday in range(7):
        ServiceHours.objects.create(
            fulfilment="pickup", weekday=weekday, opens="00:00", closes="24:00", capacity=9
        )
    add_to_cart(customer_user, make_menu_item(), 1)
    noon = dt.datetime.combine(
        timezone.now().date() + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC
    )
    response = customer_client.post(
        ORDERS, {"fulfilment": "pickup", "scheduled_for": noon.isoformat()}, format="json"
    )
    assert response.status_code == 201
    return Order.objects.get(pk=response.json()["id"])


def test_an_order_is_not_released_before_its_time(scheduled):
    released = clock.release_due_orders(now=scheduled.release_at - dt.timedelta(seconds=1))

    assert released == 0
    scheduled.refresh_from_db()
    assert scheduled.state == "scheduled"


def test_a_due_order_is_released_once_with_its_history_and_event(scheduled, customer_client):
    events_before = OrderEvent.objects.filter(order_id=scheduled.pk).count()

    first = clock.release_due_orders(now=scheduled.release_at)
    again = clock.release_due_orders(now=scheduled.release_at + dt.timedelta(minutes=5))

    assert (first, again) == (1, 0)
    body = customer_client.get(f"{ORDERS}/{scheduled.pk}").json()
    assert body["state"] == "placed"
    assert [(h["state"], h["by"], h["reason"]) for h in body["history"]] == [
        ("scheduled", {"id": scheduled.user_id, "username": "cora_customer"}, None),
        ("placed", None, "released"),
    ]
    assert OrderEvent.objects.filter(order_id=scheduled.pk).count() == events_before + 1
    assert OrderStateChange.objects.filter(order=scheduled).count() == 1


def test_a_later_change_of_prep_minutes_does_not_move_the_release(scheduled, manager_client):
    before = scheduled.release_at

    manager_client.patch("/api/restaurant", {"prep_minutes": 120}, format="json")

    scheduled.refresh_from_db()
    assert scheduled.release_at == before


def test_owner_cancels_a_scheduled_order(scheduled, customer_client):
    response = customer_client.patch(
        f"{ORDERS}/{scheduled.pk}", {"state": "cancelled"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    assert clock.release_due_orders(now=scheduled.release_at) == 0


def test_manager_sends_a_scheduled_order_to_the_kitchen_early(scheduled, manager_client):
    response = manager_client.patch(f"{ORDERS}/{scheduled.pk}", {"state": "placed"}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "placed"
    assert response.json()["status"] is False


def test_owner_cannot_send_a_scheduled_order_to_the_kitchen(scheduled, customer_client):
    response = customer_client.patch(f"{ORDERS}/{scheduled.pk}", {"state": "placed"}, format="json")

    assert response.status_code == 403
    scheduled.refresh_from_db()
    assert scheduled.state == "scheduled"
