"""Tables through the API (managers only), the /tables/ page, and availability's query count."""

import pytest

from LittleLemonDRF import clock
from LittleLemonDRF.models import Reservation, Table
from tests.factories import make_user
from tests.reservation_setup import (
    AVAILABILITY,
    TABLES,
    evening,
    hold,
    make_tables,
    open_evenings,
)

pytestmark = pytest.mark.django_db


def test_a_manager_adds_a_table(manager_client):
    response = manager_client.post(TABLES, {"name": "Terrace 1", "seats": 4})

    assert response.status_code == 201
    assert response.json() | {"id": 0} == {"id": 0, "name": "Terrace 1", "seats": 4, "active": True}
    assert Table.objects.get(name="Terrace 1").seats == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "T1", "seats": 2}, "name"),
        ({"name": "Big", "seats": 31}, "seats"),
        ({"name": "None", "seats": 0}, "seats"),
        ({"name": "", "seats": 2}, "name"),
    ],
    ids=["duplicate-name", "too-many-seats", "no-seats", "blank-name"],
)
def test_a_bad_table_is_a_400(manager_client, body, field):
    make_tables(2)

    response = manager_client.post(TABLES, body)

    assert response.status_code == 400
    assert field in response.json()
    assert Table.objects.count() == 1


@pytest.mark.parametrize(("role", "expected"), [("anon", 401), ("owner", 403), ("crew", 403)])
def test_only_managers_see_the_tables(client_as, role, expected):
    make_tables(2)

    response = client_as(role).get(TABLES)

    assert response.status_code == expected
    assert "detail" in response.json()


def test_a_table_with_a_reservation_ahead_cannot_be_deleted(manager_client):
    open_evenings()
    busy, free = make_tables(2, 4)
    guest = make_user()
    hold(guest, busy, evening())
    past = hold(guest, free, evening(days=-3))

    refused = manager_client.delete(f"{TABLES}/{busy.pk}")
    deleted = manager_client.delete(f"{TABLES}/{free.pk}")

    assert refused.status_code == 409
    assert "reservations ahead" in refused.json()["detail"]
    assert deleted.status_code == 204
    # The past reservation stays, with no table.
    assert Reservation.objects.get(pk=past.pk).table is None


def test_a_manager_makes_a_table_inactive_and_it_is_offered_no_more(manager_client, api_client):
    open_evenings()
    (table,) = make_tables(4)

    response = manager_client.patch(f"{TABLES}/{table.pk}", {"active": False})
    starts = api_client.get(AVAILABILITY, {"date": evening().date(), "party_size": 2})

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert starts.status_code == 400  # no active table: no party fits
    assert "party_size" in starts.json()


def _availability_queries(api_client, django_assert_max_num_queries, count):
    with django_assert_max_num_queries(count) as queries:
        response = api_client.get(AVAILABILITY, {"date": evening().date(), "party_size": 2})
    assert response.status_code == 200
    return len(queries), response.json()


def test_availability_of_forty_tables_costs_the_same_queries_however_full(
    api_client, django_assert_max_num_queries
):
    open_evenings("12:00", "23:00")
    tables = make_tables(*[2, 4, 6, 8] * 10)
    clock.config()  # the settings are read once and kept
    empty_count, empty = _availability_queries(api_client, django_assert_max_num_queries, 2)
    guest = make_user()
    for n, table in enumerate(tables[:-1]):  # every table but one, twice over the evening
        hold(guest, table, evening(at="12:00"), minutes=300)
        hold(guest, table, evening(at=f"{18 + n % 3}:00"))

    full_count, full = _availability_queries(api_client, django_assert_max_num_queries, 2)

    # 1: the active tables; 2: the holds of the day
    assert empty_count == full_count == 2
    assert len(full) == len(empty) == 22  # the free table still takes every start


def test_the_tables_page_is_for_managers(client, manager_user, customer_user):
    assert client.get("/tables/").status_code == 302  # to the login page
    client.force_login(customer_user)
    assert client.get("/tables/").status_code == 403
    client.force_login(manager_user)
    response = client.get("/tables/")
    assert response.status_code == 200
    assert b'id="table-moves"' in response.content
    assert b'"to": "no_show", "after_grace": true' in response.content


def test_the_user_admin_shows_each_customers_no_shows(client, admin_user, customer_user):
    open_evenings()
    (table,) = make_tables(4)
    hold(customer_user, table, evening(days=-2), status=Reservation.Status.NO_SHOW)
    hold(customer_user, table, evening(days=-1), status=Reservation.Status.NO_SHOW)
    client.force_login(admin_user)

    response = client.get("/admin/auth/user/", {"o": "-6"})

    assert response.status_code == 200
    assert b"column-no_shows" in response.content
    assert response.context["cl"].result_list.get(pk=customer_user.pk).no_shows == 2


def test_the_reservation_admin_seats_through_the_service(client, admin_user, customer_user):
    open_evenings()
    (table,) = make_tables(4)
    reservation = hold(customer_user, table, evening())
    client.force_login(admin_user)

    response = client.post(
        "/admin/LittleLemonDRF/reservation/",
        {"action": "mark_seated", "_selected_action": [reservation.pk]},
    )

    assert response.status_code == 302
    assert Reservation.objects.get(pk=reservation.pk).status == "seated"
    assert reservation.pk in Reservation.objects.filter(status="seated").values_list(
        "pk", flat=True
    )


def test_the_demo_restaurant_has_twelve_tables_and_table_hours(api_client):
    from django.core.management import call_command

    from LittleLemonDRF.models import ServiceHours

    call_command("seed_menu")
    call_command("seed_menu")  # a second run keeps what is there

    assert Table.objects.count() == 12
    assert ServiceHours.objects.filter(fulfilment="table").count() == 7
    response = api_client.get(AVAILABILITY, {"date": evening().date(), "party_size": 8})
    assert response.status_code == 200
    assert len(response.json()) == 44  # 12:00 to 22:45, every 15 minutes (the default)
