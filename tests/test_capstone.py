"""The Little Lemon capstone's booking API and menu: a reservation under the capstone's names,
with the same rules, errors and authentication."""

import pytest

from LittleLemonDRF.models import Reservation
from tests.factories import make_menu_item
from tests.reservation_setup import evening, iso, make_tables, open_evenings

pytestmark = pytest.mark.django_db

BOOKINGS = "/restaurant/booking/tables"


@pytest.fixture
def room(db):
    open_evenings()
    return make_tables(2, 4)


def _booking(start, guests=2, name="Ada"):
    return {"name": name, "no_of_guests": guests, "booking_date": iso(start)}


@pytest.mark.parametrize("slash", ["", "/"])
def test_a_capstone_client_books_a_table(customer_client, room, slash):
    response = customer_client.post(BOOKINGS + slash, _booking(evening(), 3))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Ada",
        "no_of_guests": 3,
        "booking_date": iso(evening()),
    }
    assert Reservation.objects.get(pk=body["id"]).table_id == room[1].pk


def test_bookings_are_a_plain_array_of_the_callers_own(
    customer_client, other_customer_client, manager_client, room
):
    mine = customer_client.post(BOOKINGS, _booking(evening())).json()
    theirs = other_customer_client.post(BOOKINGS, _booking(evening(at="20:00"))).json()

    assert customer_client.get(BOOKINGS).json() == [mine]
    assert manager_client.get(BOOKINGS + "/").json() == [mine, theirs]
    assert customer_client.get(f"{BOOKINGS}/{theirs['id']}").status_code == 404


def test_capstone_errors_use_the_capstone_names(customer_client, room):
    naive = customer_client.post(
        BOOKINGS, {"name": "Ada", "no_of_guests": 2, "booking_date": "2030-01-01T19:00"}
    )
    off_grid = customer_client.post(BOOKINGS, _booking(evening(at="19:10")))
    too_many = customer_client.post(BOOKINGS, _booking(evening(), 5))
    customer_client.post(BOOKINGS, _booking(evening()))
    customer_client.post(BOOKINGS, _booking(evening()))
    full = customer_client.post(BOOKINGS, _booking(evening()))

    assert naive.status_code == 400
    assert "booking_date" in naive.json()
    assert off_grid.status_code == 400
    assert "booking_date" in off_grid.json()
    assert too_many.status_code == 400
    assert "no_of_guests" in too_many.json()
    assert full.status_code == 409
    assert len(full.json()["alternatives"]) == 3


def test_the_guest_deletes_a_booking_to_cancel_it_but_may_not_rewrite_it(customer_client, room):
    booking = customer_client.post(BOOKINGS, _booking(evening())).json()
    path = f"{BOOKINGS}/{booking['id']}"

    rewrite = customer_client.put(path, _booking(evening(at="20:00")))
    cancelled = customer_client.delete(path)

    assert rewrite.status_code == 403
    assert cancelled.status_code == 204
    assert Reservation.objects.get(pk=booking["id"]).status == "cancelled"


def test_a_manager_moves_a_booking_with_put_and_patch(manager_client, customer_client, room):
    booking = customer_client.post(BOOKINGS, _booking(evening())).json()
    path = f"{BOOKINGS}/{booking['id']}/"

    put = manager_client.put(path, _booking(evening(at="20:00"), 4, "Ada L."))
    patch = manager_client.patch(path, {"no_of_guests": 1})

    assert put.status_code == 200, put.content
    assert put.json()["booking_date"] == iso(evening(at="20:00"))
    assert patch.json() == put.json() | {"no_of_guests": 1}
    assert Reservation.objects.get(pk=booking["id"]).name == "Ada L."


def test_anonymous_callers_get_a_401(api_client, room):
    response = api_client.get(BOOKINGS)

    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ["/restaurant/menu", "/restaurant/menu/"])
def test_the_capstone_menu_lists_dishes_with_their_inventory(api_client, set_dish, path):
    dish = make_menu_item("Lemon Dessert", "5.00")
    counted = make_menu_item("Bruschetta", "7.50")
    set_dish(counted, stock=12)

    response = api_client.get(path)

    assert response.status_code == 200
    assert response.json() == [
        {"id": dish.pk, "title": "Lemon Dessert", "price": "5.00", "inventory": None},
        {"id": counted.pk, "title": "Bruschetta", "price": "7.50", "inventory": 12},
    ]
