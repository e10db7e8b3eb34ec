"""Reservations through the API: booking the smallest free table, the 409 with alternatives,
the 400s of a bad start, scoping, statuses and moves, idempotency and events."""

from datetime import timedelta

import pytest
from django.utils import timezone

from LittleLemonDRF.models import Closure, OrderEvent, Reservation
from LittleLemonDRF.webhooks.subjects import event_data
from tests.factories import make_user
from tests.reservation_setup import (
    AVAILABILITY,
    RESERVATIONS,
    book,
    evening,
    hold,
    iso,
    make_tables,
    open_evenings,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db):
    open_evenings()
    return make_tables(2, 4, 4, 6)


def test_customer_books_the_smallest_free_table_with_enough_seats(customer_client, room):
    start = evening()

    response = book(customer_client, start, 3, phone="+39 (06) 555-1234", note="Window")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["table"] == {"id": room[1].pk, "name": "T2"}  # 4 seats, the lower id of two
    assert body["name"] == "cora_customer"
    assert body["status"] == "confirmed"
    assert body["start"] == iso(start)
    assert body["end"] == iso(start + timedelta(minutes=90))
    assert body["user"]["username"] == "cora_customer"
    assert Reservation.objects.get(pk=body["id"]).table_id == room[1].pk


def test_the_next_party_gets_the_next_table_then_a_409_with_alternatives(customer_client):
    open_evenings()
    (table,) = make_tables(4)
    start = evening()
    assert book(customer_client, start, 2).status_code == 201

    refused = book(customer_client, start, 2)

    assert refused.status_code == 409
    body = refused.json()
    assert body["detail"] == "No table is free for that party at that time."
    # 19:00 is held until 20:30: the nearest free starts of the evening, nearest first.
    assert body["alternatives"] == [
        iso(evening(at="20:30")),
        iso(evening(at="21:00")),
        iso(evening(at="21:30")),
    ]
    # Each alternative is one a booking takes.
    assert book(customer_client, evening(at="20:30"), 2).status_code == 201
    assert Reservation.objects.filter(table=table).count() == 2


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (lambda: evening().replace(tzinfo=None).isoformat(), "offset"),
        (lambda: iso(evening(at="19:10")), "every 30 minutes"),
        (lambda: iso(evening(at="15:00")), "table hours"),
        (lambda: iso(evening(at="22:00")), "table hours"),
        (lambda: iso(evening(days=-2)), "passed"),
        (lambda: iso(evening(days=45)), "30 days ahead"),
        (lambda: "tonight", "format"),
    ],
    ids=["naive", "off-grid", "before-hours", "at-closing", "past", "too-far", "not-a-time"],
)
def test_a_bad_start_is_a_400_on_start(customer_client, room, start, message):
    response = customer_client.post(RESERVATIONS, {"start": start(), "party_size": 2})

    assert response.status_code == 400, response.content
    assert message in response.json()["start"][0]
    assert not Reservation.objects.exists()


def test_a_start_inside_the_lead_time_is_a_400(customer_client):
    open_evenings("00:00", "24:00", reservation_lead_minutes=1440)
    make_tables(2)
    soon = timezone.now().astimezone(evening().tzinfo) + timedelta(hours=3)
    start = soon.replace(minute=0, second=0, microsecond=0)

    response = customer_client.post(RESERVATIONS, {"start": iso(start), "party_size": 2})

    assert response.status_code == 400
    assert "1440 minutes ahead" in response.json()["start"][0]


@pytest.mark.parametrize(("party", "field_message"), [(0, "greater"), (7, "largest table seats 6")])
def test_a_party_too_small_or_larger_than_every_table_is_a_400(
    customer_client, room, party, field_message
):
    response = book(customer_client, evening(), party)

    assert response.status_code == 400
    assert field_message in response.json()["party_size"][0]


def test_no_table_hours_at_all_is_a_409_without_alternatives(customer_client):
    make_tables(4)

    response = book(customer_client, evening())

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The restaurant takes no reservations.",
        "alternatives": [],
    }


def test_a_closure_is_a_409_with_the_starts_outside_it(customer_client, room):
    Closure.objects.create(starts=evening(at="18:00"), ends=evening(at="20:00"), reason="Event")

    response = book(customer_client, evening(at="19:00"))

    assert response.status_code == 409
    assert response.json()["detail"] == "The restaurant is closed then."
    assert response.json()["alternatives"] == [
        iso(evening(at="20:00")),
        iso(evening(at="20:30")),
        iso(evening(at="21:00")),
    ]


def test_availability_lists_the_starts_a_booking_would_get(api_client, customer_client):
    open_evenings()
    make_tables(2)
    assert book(customer_client, evening(at="19:00")).status_code == 201

    response = api_client.get(AVAILABILITY, {"date": evening().date(), "party_size": 2})

    assert response.status_code == 200
    # 18:00 would run into 19:00; 19:00 to 20:00 overlap the hold until 20:30.
    assert response.json() == [{"start": iso(evening(at=at))} for at in ("20:30", "21:00", "21:30")]


@pytest.mark.parametrize(
    "query",
    [{"party_size": 2}, {"date": "2026-13-01", "party_size": 2}, {"date": "tomorrow"}],
    ids=["no-date", "bad-date", "no-party"],
)
def test_availability_with_a_bad_query_is_a_400(api_client, room, query):
    response = api_client.get(AVAILABILITY, query)

    assert response.status_code == 400
    assert set(response.json()) & {"date", "party_size"}


def test_guests_see_their_own_reservations_managers_every_one(
    customer_client, other_customer_client, manager_client, room
):
    mine = book(customer_client, evening(at="19:00")).json()
    theirs = book(other_customer_client, evening(at="20:00")).json()

    own = customer_client.get(RESERVATIONS).json()
    every = manager_client.get(RESERVATIONS).json()

    assert [r["id"] for r in own["results"]] == [mine["id"]]
    assert [r["id"] for r in every["results"]] == [mine["id"], theirs["id"]]
    assert customer_client.get(f"{RESERVATIONS}/{theirs['id']}").status_code == 404
    assert customer_client.get(f"{RESERVATIONS}/{mine['id']}").json()["id"] == mine["id"]


def test_the_service_sheet_is_the_local_day_and_filters_by_status(manager_client, room):
    guest = make_user()
    tonight = hold(guest, room[0], evening(at="19:00"))
    hold(guest, room[0], evening(days=4, at="19:00"))
    hold(guest, room[1], evening(at="20:00"), status=Reservation.Status.CANCELLED)

    day = manager_client.get(RESERVATIONS, {"date": evening().date()}).json()
    confirmed = manager_client.get(
        RESERVATIONS, {"date": evening().date(), "status": "confirmed"}
    ).json()
    bad = manager_client.get(RESERVATIONS, {"date": "soon", "status": "late"})

    assert day["count"] == 2
    assert [r["id"] for r in confirmed["results"]] == [tonight.pk]
    assert bad.status_code == 400
    assert set(bad.json()) == {"date", "status"}


def test_the_guest_cancels_a_confirmed_reservation_before_it_starts(customer_client, room):
    reservation = book(customer_client, evening()).json()

    response = customer_client.patch(f"{RESERVATIONS}/{reservation['id']}", {"status": "cancelled"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert Reservation.objects.get(pk=reservation["id"]).status == "cancelled"
    # It holds nothing now: its table is offered again.
    assert book(customer_client, evening(), 2).json()["table"] == reservation["table"]


def test_the_guest_may_change_nothing_but_the_status(customer_client, room):
    reservation = book(customer_client, evening()).json()

    response = customer_client.patch(f"{RESERVATIONS}/{reservation['id']}", {"party_size": 4})

    assert response.status_code == 403
    assert "party_size" in response.json()["detail"]
    assert Reservation.objects.get(pk=reservation["id"]).party_size == 2


def test_the_guest_cannot_cancel_once_it_has_started(customer_client, customer_user, room):
    started = hold(customer_user, room[0], timezone.now() - timedelta(minutes=5))

    response = customer_client.patch(f"{RESERVATIONS}/{started.pk}", {"status": "cancelled"})

    assert response.status_code == 409
    assert response.json()["allowed"] == []
    assert Reservation.objects.get(pk=started.pk).status == "confirmed"


def test_managers_seat_and_complete_a_reservation(manager_client, customer_user, room):
    reservation = hold(customer_user, room[0], evening())
    path = f"{RESERVATIONS}/{reservation.pk}"

    seated = manager_client.patch(path, {"status": "seated"})
    completed = manager_client.patch(path, {"status": "completed"})
    again = manager_client.patch(path, {"status": "seated"})

    assert (seated.status_code, completed.status_code) == (200, 200)
    assert completed.json()["status"] == "completed"
    assert again.status_code == 409
    assert again.json() == {
        "detail": "A reservation that is completed cannot become seated.",
        "allowed": [],
    }


def test_a_no_show_only_after_the_grace_time(manager_client, customer_user, room):
    early = hold(customer_user, room[0], timezone.now() - timedelta(minutes=10))
    late = hold(customer_user, room[1], timezone.now() - timedelta(minutes=20))

    refused = manager_client.patch(f"{RESERVATIONS}/{early.pk}", {"status": "no_show"})
    marked = manager_client.patch(f"{RESERVATIONS}/{late.pk}", {"status": "no_show"})

    assert refused.status_code == 409
    assert refused.json()["detail"].endswith("15 minutes after its start.")
    assert refused.json()["allowed"] == ["seated", "cancelled"]
    assert marked.status_code == 200
    assert Reservation.objects.get(pk=late.pk).status == "no_show"


def test_managers_move_a_reservation_to_a_free_table_not_a_taken_one(
    manager_client, customer_user, room
):
    first = hold(customer_user, room[1], evening(at="19:00"))
    second = hold(customer_user, room[2], evening(at="19:30"))

    taken = manager_client.patch(f"{RESERVATIONS}/{second.pk}", {"table": room[1].pk})
    moved = manager_client.patch(f"{RESERVATIONS}/{second.pk}", {"table": room[3].pk})
    too_small = manager_client.patch(
        f"{RESERVATIONS}/{first.pk}", {"table": room[0].pk, "party_size": 4}
    )

    assert taken.status_code == 409
    assert moved.status_code == 200
    assert moved.json()["table"] == {"id": room[3].pk, "name": "T4"}
    assert too_small.status_code == 409
    assert Reservation.objects.get(pk=first.pk).table_id == room[1].pk


def test_a_manager_changing_the_start_is_checked_as_a_booking(manager_client, customer_user):
    open_evenings()
    (table,) = make_tables(4)
    hold(customer_user, table, evening(at="20:00"))
    moving = hold(customer_user, table, evening(at="18:00"), minutes=60)
    path = f"{RESERVATIONS}/{moving.pk}"

    off_grid = manager_client.patch(path, {"start": iso(evening(at="18:10"))})
    clash = manager_client.patch(path, {"start": iso(evening(at="19:30"))})
    later = manager_client.patch(path, {"start": iso(evening(at="21:30"))})

    assert off_grid.status_code == 400
    assert clash.status_code == 409
    assert "alternatives" in clash.json()
    assert later.status_code == 200
    assert later.json()["end"] == iso(evening(at="22:30"))  # it keeps its own length


@pytest.mark.parametrize(("who", "expected"), [("owner", 403), ("other_customer", 404)])
def test_only_managers_delete_a_reservation(client_as, manager_client, room, who, expected):
    reservation = book(client_as("owner"), evening()).json()

    refused = client_as(who).delete(f"{RESERVATIONS}/{reservation['id']}")
    deleted = manager_client.delete(f"{RESERVATIONS}/{reservation['id']}")

    assert refused.status_code == expected
    assert deleted.status_code == 204
    assert not Reservation.objects.filter(pk=reservation["id"]).exists()


def test_the_same_idempotency_key_twice_books_once(customer_client, room):
    headers = {"HTTP_IDEMPOTENCY_KEY": "booking-7"}
    body = {"start": iso(evening()), "party_size": 2}

    first = customer_client.post(RESERVATIONS, body, **headers)
    retry = customer_client.post(RESERVATIONS, body, **headers)
    too_long = customer_client.post(RESERVATIONS, body, HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert too_long.status_code == 400
    assert Reservation.objects.count() == 1


def test_booking_and_moving_write_events_whose_data_is_the_reservation(
    customer_client, manager_client, room
):
    reservation = book(customer_client, evening()).json()
    manager_client.patch(f"{RESERVATIONS}/{reservation['id']}", {"status": "seated"})

    events = list(OrderEvent.objects.filter(reservation_id=reservation["id"]))

    assert [e.type for e in events] == ["reservation.created", "reservation.updated"]
    assert events[0].order_id is None
    shown = manager_client.get(f"{RESERVATIONS}/{reservation['id']}").json()
    assert event_data(events[-1]) == shown


def test_webhooks_may_subscribe_to_reservation_events(manager_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    response = manager_client.post(
        "/api/webhooks",
        {
            "url": "http://127.0.0.1:9/hook",
            "events": ["reservation.created", "reservation.updated"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["events"] == ["reservation.created", "reservation.updated"]


def test_reservation_list_query_count_is_flat(manager_client, django_assert_num_queries, room):
    guest = make_user()
    for n in range(6):
        hold(guest, room[n % 4], evening(days=1 + n))
    manager_client.get(RESERVATIONS)  # the clock's settings and the caller's roles, read once
    # 1: count for pagination; 2: the page, joined to user and table
    with django_assert_num_queries(2):
        response = manager_client.get(RESERVATIONS)
    assert response.status_code == 200
    assert response.json()["count"] == 6
