"""The restaurant's clock through the API: settings, service hours, closures, slots, and
ordering for a time."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from LittleLemonDRF import clock
from LittleLemonDRF.models import (
    Cart,
    Closure,
    MenuItem,
    Order,
    Restaurant,
    ServiceHours,
    SlotTaken,
)
from tests.factories import add_to_cart, make_menu_item

pytestmark = pytest.mark.django_db

ORDERS = "/api/orders"
UTC = dt.UTC


def _all_day(fulfilment="delivery", capacity=5, **settings):
    """Hours 00:00-24:00 every day, in UTC with no lead time: any future quarter is a slot."""
    Restaurant.objects.update_or_create(
        pk=1, defaults={"timezone": "UTC", "lead_minutes": 0, **settings}
    )
    for weekday in range(7):
        ServiceHours.objects.create(
            fulfilment=fulfilment, weekday=weekday, opens="00:00", closes="24:00", capacity=capacity
        )


def _tomorrow_at(hour, minute=0, zone=UTC):
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def _cart(user, stock=None):
    dish = make_menu_item("Bruschetta", "5.00")
    if stock is not None:
        dish.stock = stock
        dish.save()
    add_to_cart(user, dish, 2)
    return dish


# --- Settings ---------------------------------------------------------------------------------


def test_anyone_reads_the_defaults(api_client):
    response = api_client.get("/api/restaurant")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Little Lemon"
    assert body["timezone"] == "UTC"
    assert body["slot_minutes"] == 15
    assert body["tax_rate"] == "0.00"
    assert body["free_delivery_from"] is None
    assert body["reservation_minutes"] == 90


def test_manager_changes_settings(manager_client):
    response = manager_client.patch(
        "/api/restaurant", {"timezone": "Europe/Rome", "prep_minutes": 45}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["timezone"] == "Europe/Rome"
    assert Restaurant.objects.get().prep_minutes == 45


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Mars/Olympus"),
        ("slot_minutes", 7),
        ("lead_minutes", 1441),
        ("days_ahead", 61),
        ("prep_minutes", -1),
        ("extra_lead_minutes", 241),
        ("tax_rate", "50.01"),
        ("delivery_fee", "1.005"),
        ("minimum_order", "-1.00"),
        ("reservation_minutes", 14),
        ("name", ""),
        ("paused_until", "2026-05-02T19:15:00"),
    ],
)
def test_a_bad_setting_is_a_400_on_its_field(manager_client, field, value):
    response = manager_client.patch("/api/restaurant", {field: value}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Restaurant.objects.count() <= 1


def test_customer_cannot_change_settings(customer_client, api_client):
    assert customer_client.patch("/api/restaurant", {"name": "X"}).status_code == 403
    assert api_client.patch("/api/restaurant", {"name": "X"}).status_code == 401
    assert not Restaurant.objects.filter(name="X").exists()


# --- Service hours and closures ---------------------------------------------------------------


def test_manager_adds_hours_and_anyone_lists_them(manager_client, api_client):
    body = {
        "fulfilment": "pickup",
        "weekday": 5,
        "opens": "11:00",
        "closes": "24:00",
        "capacity": 4,
    }

    created = manager_client.post("/api/service-hours", body, format="json")
    listed = api_client.get("/api/service-hours")

    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], **body}
    assert listed.status_code == 200
    assert listed.json() == [created.json()]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fulfilment": "drone"}, "fulfilment"),
        ({"weekday": 7}, "weekday"),
        ({"opens": "9:00"}, "opens"),
        ({"opens": "24:00"}, "opens"),
        ({"closes": "24:01"}, "closes"),
        ({"opens": "14:00", "closes": "11:00"}, "closes"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 1001}, "capacity"),
    ],
)
def test_bad_hours_are_a_400_on_their_field(manager_client, change, field):
    body = {"fulfilment": "delivery", "weekday": 0, "opens": "11:00", "closes": "14:00"}
    body |= {"capacity": 3} | change

    response = manager_client.post("/api/service-hours", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not ServiceHours.objects.exists()


def test_overlapping_hours_are_a_400_and_touching_ones_are_not(manager_client):
    base = {"fulfilment": "delivery", "weekday": 2, "capacity": 3}
    manager_client.post("/api/service-hours", base | {"opens": "11:00", "closes": "14:00"})

    touching = manager_client.post(
        "/api/service-hours", base | {"opens": "14:00", "closes": "17:00"}
    )
    overlapping = manager_client.post(
        "/api/service-hours", base | {"opens": "13:30", "closes": "15:00"}
    )
    other_day = manager_client.post(
        "/api/service-hours", base | {"weekday": 3, "opens": "13:30", "closes": "15:00"}
    )

    assert touching.status_code == 201
    assert overlapping.status_code == 400
    assert "overlap" in overlapping.json()["opens"][0]
    assert other_day.status_code == 201
    assert ServiceHours.objects.count() == 3


def test_hours_are_deleted_with_204(manager_client, customer_client):
    hours = ServiceHours.objects.create(
        fulfilment="delivery", weekday=0, opens="11:00", closes="14:00", capacity=2
    )

    assert customer_client.delete(f"/api/service-hours/{hours.pk}").status_code == 403
    response = manager_client.delete(f"/api/service-hours/{hours.pk}")

    assert response.status_code == 204
    assert not ServiceHours.objects.exists()


def test_closures_need_offsets_and_order(manager_client):
    naive = manager_client.post(
        "/api/closures", {"starts": "2026-12-25T00:00:00", "ends": "2026-12-26T00:00:00+01:00"}
    )
    backwards = manager_client.post(
        "/api/closures",
        {"starts": "2026-12-26T00:00:00+01:00", "ends": "2026-12-25T00:00:00+01:00"},
    )
    good = manager_client.post(
        "/api/closures",
        {
            "starts": "2026-12-25T00:00:00+01:00",
            "ends": "2026-12-26T00:00:00+01:00",
            "reason": "Christmas",
        },
    )

    assert naive.status_code == 400
    assert list(naive.json()) == ["starts"]
    assert backwards.status_code == 400
    assert list(backwards.json()) == ["ends"]
    assert good.status_code == 201
    assert Closure.objects.get().reason == "Christmas"


# --- Slots --------------------------------------------------------------------------------------


def test_slots_list_a_day_with_places_and_reasons(api_client, customer_user):
    _all_day(capacity=1)
    start = _tomorrow_at(19, 15)
    SlotTaken.objects.create(fulfilment="delivery", start=start, taken=1)
    Closure.objects.create(starts=_tomorrow_at(20), ends=_tomorrow_at(21))

    response = api_client.get(f"/api/slots?fulfilment=delivery&date={start.date()}")

    assert response.status_code == 200
    slots = {slot["start"]: slot for slot in response.json()}
    assert len(slots) == 96
    assert slots[start.isoformat()] == {
        "start": start.isoformat(),
        "end": (start + dt.timedelta(minutes=15)).isoformat(),
        "capacity": 1,
        "taken": 1,
        "available": False,
        "reason": "full",
    }
    assert slots[_tomorrow_at(20, 45).isoformat()]["reason"] == "closed"
    assert slots[_tomorrow_at(21).isoformat()]["reason"] is None


def test_slots_without_hours_are_an_empty_list(api_client):
    response = api_client.get("/api/slots?fulfilment=pickup")

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "query",
    [
        "fulfilment=drone",
        "fulfilment=delivery&date=2026-13-01",
        "fulfilment=delivery&date=2000-01-01",
        "",
    ],
)
def test_bad_slot_queries_are_400(api_client, query):
    response = api_client.get(f"/api/slots?{query}")

    assert response.status_code == 400
    assert set(response.json()) <= {"fulfilment", "date"}


def test_a_day_past_days_ahead_is_400(api_client):
    _all_day(days_ahead=1)
    day = timezone.now().date() + dt.timedelta(days=2)

    response = api_client.get(f"/api/slots?fulfilment=delivery&date={day}")

    assert response.status_code == 400
    assert "1 days ahead" in response.json()["date"][0]


# --- Ordering for a time ----------------------------------------------------------------------


def test_without_hours_orders_are_placed_as_before(customer_client, customer_user):
    _cart(customer_user)

    response = customer_client.post(ORDERS)

    assert response.status_code == 201
    assert response.json()["slot"] is None
    assert response.json()["asap"] is True
    assert response.json()["state"] == "placed"


def test_scheduled_for_without_hours_is_400(customer_client, customer_user):
    _cart(customer_user)

    response = customer_client.post(
        ORDERS, {"scheduled_for": _tomorrow_at(12).isoformat()}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["scheduled_for"]
    assert not Order.objects.exists()


def test_an_order_for_later_is_scheduled_until_its_release(customer_client, customer_user):
    _all_day(prep_minutes=30)
    dish = _cart(customer_user, stock=10)
    slot = _tomorrow_at(19, 15)

    response = customer_client.post(ORDERS, {"scheduled_for": slot.isoformat()}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "scheduled"
    assert body["asap"] is False
    assert dt.datetime.fromisoformat(body["slot"]) == slot
    assert body["history"][0]["state"] == "scheduled"
    order = Order.objects.get()
    assert order.release_at == slot - dt.timedelta(minutes=30)
    dish.refresh_from_db()
    assert dish.stock == 8  # stock is taken at placement
    assert SlotTaken.objects.get(start=slot).taken == 1


def test_as_soon_as_possible_takes_the_first_available_slot(customer_client, customer_user):
    _all_day(prep_minutes=60, lead_minutes=20)

    _cart(customer_user)
    response = customer_client.post(ORDERS, {"fulfilment": "delivery"}, format="json")

    assert response.status_code == 201
    slot = dt.datetime.fromisoformat(response.json()["slot"])
    now = timezone.now()
    assert now + dt.timedelta(minutes=20) <= slot < now + dt.timedelta(minutes=35)
    assert slot.minute % 15 == 0
    assert response.json()["asap"] is True


@pytest.mark.parametrize(
    "when",
    ["2026-05-02T19:15:00", "2000-01-01T12:00:00+00:00", "tomorrow-19:07", "far"],
)
def test_a_time_that_is_no_slot_is_400(customer_client, customer_user, when):
    _all_day(days_ahead=7)
    _cart(customer_user)
    if when == "tomorrow-19:07":
        when = _tomorrow_at(19, 7).isoformat()
    elif when == "far":
        when = (_tomorrow_at(12) + dt.timedelta(days=30)).isoformat()

    response = customer_client.post(ORDERS, {"scheduled_for": when}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["scheduled_for"]
    assert not Order.objects.exists()


@pytest.mark.parametrize("why", ["full", "closed", "paused", "too_soon"])
def test_a_refused_slot_is_409_with_next_available_and_nothing_changes(
    customer_client, customer_user, why
):
    _all_day(capacity=1, prep_minutes=0)
    dish = _cart(customer_user, stock=10)
    slot = _tomorrow_at(19, 15)
    if why == "full":
        SlotTaken.objects.create(fulfilment="delivery", start=slot, taken=1)
    elif why == "closed":
        Closure.objects.create(starts=slot, ends=slot + dt.timedelta(minutes=30))
    elif why == "paused":
        Restaurant.objects.update(paused_until=slot + dt.timedelta(minutes=30))
    else:
        Restaurant.objects.update(lead_minutes=1440 * 3)
    expected = {
        "full": slot + dt.timedelta(minutes=15),
        "closed": slot + dt.timedelta(minutes=30),
        "paused": slot + dt.timedelta(minutes=30),
        "too_soon": None,
    }[why]

    response = customer_client.post(ORDERS, {"scheduled_for": slot.isoformat()}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "next_available"}
    if expected is None:
        assert body["next_available"] is None or dt.datetime.fromisoformat(
            body["next_available"]
        ) >= timezone.now() + dt.timedelta(days=3)
    else:
        assert dt.datetime.fromisoformat(body["next_available"]) == expected
    assert not Order.objects.exists()
    dish.refresh_from_db()
    assert dish.stock == 10
    assert Cart.objects.filter(user=customer_user).count() == 1  # the cart is kept
    assert SlotTaken.objects.filter(taken__gt=0).exclude(start=slot).count() == 0


def test_cancelling_frees_the_place_once(customer_client, customer_user):
    _all_day(capacity=1, prep_minutes=30)
    _cart(customer_user)
    slot = _tomorrow_at(12)
    order_id = customer_client.post(
        ORDERS, {"scheduled_for": slot.isoformat()}, format="json"
    ).json()["id"]

    first = customer_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"}, format="json")
    second = customer_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"}, format="json")

    assert first.status_code == 200
    assert first.json()["state"] == "cancelled"
    assert second.status_code == 409
    assert SlotTaken.objects.get(start=slot).taken == 0


def test_manager_moves_a_slot_checked_as_a_new_order(
    manager_client, customer_client, customer_user
):
    _all_day(capacity=1, prep_minutes=30)
    _cart(customer_user)
    first, second = _tomorrow_at(12), _tomorrow_at(13)
    SlotTaken.objects.create(fulfilment="delivery", start=second, taken=1)
    order_id = customer_client.post(
        ORDERS, {"scheduled_for": first.isoformat()}, format="json"
    ).json()["id"]

    full = manager_client.patch(f"{ORDERS}/{order_id}", {"slot": second.isoformat()}, format="json")
    moved = manager_client.patch(
        f"{ORDERS}/{order_id}", {"slot": _tomorrow_at(14).isoformat()}, format="json"
    )
    by_owner = customer_client.patch(
        f"{ORDERS}/{order_id}", {"slot": first.isoformat()}, format="json"
    )

    assert full.status_code == 409
    assert dt.datetime.fromisoformat(full.json()["next_available"]) == second + dt.timedelta(
        minutes=15
    )
    assert moved.status_code == 200
    assert dt.datetime.fromisoformat(moved.json()["slot"]) == _tomorrow_at(14)
    assert by_owner.status_code == 403
    taken = dict(SlotTaken.objects.values_list("start", "taken"))
    assert taken == {first: 0, second: 1, _tomorrow_at(14): 1}
    assert Order.objects.get().release_at == _tomorrow_at(14) - dt.timedelta(minutes=30)


def test_slot_times_carry_the_local_offset(api_client):
    _all_day()
    Restaurant.objects.update(timezone="Asia/Kolkata")
    day = timezone.now().astimezone(ZoneInfo("Asia/Kolkata")).date() + dt.timedelta(days=1)

    response = api_client.get(f"/api/slots?fulfilment=delivery&date={day}")

    assert response.status_code == 200
    assert response.json()[0]["start"] == f"{day}T00:00:00+05:30"


# --- Kitchen board --------------------------------------------------------------------------


def test_the_board_has_a_scheduled_column_first_ordered_by_slot(client, manager_user):
    client.force_login(manager_user)

    response = client.get("/kitchen/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<section class="column" data-state="scheduled" data-order-by="slot"' in html
    assert html.index('data-state="scheduled"') < html.index('data-state="placed"')


# --- The demo restaurant ----------------------------------------------------------------------


def test_the_demo_takes_orders_at_any_hour_and_a_saturday_evening_pickup(
    settings, customer_client, customer_user
):
    settings.DEBUG = True
    call_command("seed_menu", stdout=StringIO())
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    call_command("demo_accounts", stdout=StringIO())  # a second run adds nothing
    today = timezone.now().date()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    pickup = dt.datetime.combine(saturday, dt.time(19, 15), tzinfo=UTC)
    dish = MenuItem.objects.filter(stock__isnull=True, available=True).first()

    add_to_cart(customer_user, dish, 1)
    now = customer_client.post(ORDERS)
    add_to_cart(customer_user, dish, 1)
    later = customer_client.post(
        ORDERS, {"fulfilment": "pickup", "scheduled_for": pickup.isoformat()}, format="json"
    )

    assert "Demo hours" in out.getvalue()
    assert ServiceHours.objects.filter(fulfilment="delivery").count() == 7
    assert now.status_code == 201
    assert now.json()["state"] == "placed"  # as soon as possible goes to the kitchen at once
    assert now.json()["slot"] is not None
    assert later.status_code == 201
    assert later.json()["state"] == "scheduled"


# --- A list of slots is kept until it would change ------------------------------------------


def test_a_kept_list_of_slots_shows_places_taken_and_freed_at_once(
    api_client, customer_client, customer_user, manager_client
):
    _all_day(capacity=2, prep_minutes=30)
    slot = _tomorrow_at(18)
    url = f"/api/slots?fulfilment=delivery&date={slot.date()}"

    def taken():
        listed = {s["start"]: s for s in api_client.get(url).json()}
        return listed[slot.isoformat()]["taken"]

    before = taken()
    _cart(customer_user)
    order_id = customer_client.post(
        ORDERS, {"scheduled_for": slot.isoformat()}, format="json"
    ).json()["id"]
    placed = taken()
    customer_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"}, format="json")
    freed = taken()
    manager_client.patch("/api/restaurant", {"paused_until": _tomorrow_at(19).isoformat()})
    paused = {s["start"]: s for s in api_client.get(url).json()}[slot.isoformat()]

    assert (before, placed, freed) == (0, 1, 0)
    assert paused["reason"] == "paused"


def test_a_list_is_kept_until_its_first_open_slot_turns_too_soon():
    now = dt.datetime(2026, 6, 1, 10, 7, tzinfo=UTC)  # a Monday
    Restaurant.objects.update_or_create(pk=1, defaults={"timezone": "UTC", "lead_minutes": 20})
    ServiceHours.objects.create(
        fulfilment="delivery", weekday=0, opens="10:00", closes="14:00", capacity=3
    )
    config = clock.read_config()

    found = clock.slots("delivery", now.date(), now, config)

    # 10:30 is the first slot not too soon at 10:07; it turns too soon after 10:10.
    assert [s.reason for s in found[:3]] == ["too_soon", "too_soon", None]
    assert clock.valid_until(config, found, now) == dt.datetime(2026, 6, 1, 10, 10, tzinfo=UTC)


def test_a_delivered_order_keeps_its_slot(manager_client, customer_client, customer_user):
    _all_day(prep_minutes=0)
    _cart(customer_user)
    order_id = customer_client.post(ORDERS).json()["id"]
    manager_client.patch(f"{ORDERS}/{order_id}", {"status": True}, format="json")

    response = manager_client.patch(
        f"{ORDERS}/{order_id}", {"slot": _tomorrow_at(12).isoformat()}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["next_available"] is None
    assert Order.objects.get().slot != _tomorrow_at(12)


def test_a_time_in_the_year_9999_is_a_400_in_any_zone(customer_client, customer_user):
    _all_day()
    Restaurant.objects.update(timezone="Asia/Kolkata")
    _cart(customer_user)

    response = customer_client.post(
        ORDERS, {"scheduled_for": "9999-12-31T23:45:00+00:00"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["scheduled_for"]
