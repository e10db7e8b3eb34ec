"""The order lifecycle: states, who moves an order where, the course's `status` on top of it,
the fields an order is placed with, and the order list's new filters."""

import datetime

import pytest
from django.utils import timezone

from LittleLemonDRF.models import Cart, Order
from tests.factories import add_to_cart, make_menu_item

ORDERS = "/api/orders"
MANAGERS = {"manager", "admin"}
EVERYONE = ["manager", "admin", "crew", "other_crew", "owner", "other_customer", "anon"]
DELIVERY_PATH = ["accepted", "preparing", "ready", "out_for_delivery", "delivered"]
PICKUP_PATH = ["accepted", "preparing", "ready", "picked_up"]
ETA = "2031-05-04T18:30:00Z"


def _when(text):
    """An ISO 8601 date-time from a response, as an aware datetime."""
    value = datetime.datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


def _steps_to(state, fulfilment):
    """The moves that take a new order to `state`."""
    if state == "placed":
        return []
    if state == "cancelled":
        return ["cancelled"]
    path = PICKUP_PATH if fulfilment == "pickup" else DELIVERY_PATH
    return path[: path.index(state) + 1]


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


# --- Fixtures: orders in a chosen state ------------------------------------------------------


@pytest.fixture
def place(customer_user, place_order):
    """Place an order through the API (as the customer unless told) and return its id."""

    def place(body=None, *, user=None):
        add_to_cart(user or customer_user, make_menu_item(price="10.00"), 2)
        return place_order(body or {}, user=user)

    return place


@pytest.fixture
def order_in(place, advance, assign, crew_user):
    """An order of the customer's in `state`; assigned to crew_user unless `crew=False`."""

    def order_in(state, *, fulfilment="delivery", crew=True):
        order_id = place({"fulfilment": fulfilment})
        if crew:
            assign(order_id, crew_user)
        advance(order_id, *_steps_to(state, fulfilment))
        return order_id

    return order_in


def _by(user):
    return {"id": user.pk, "username": user.username}


# --- New fields on every order --------------------------------------------------------------


def test_new_order_shows_lifecycle_defaults_in_list_and_detail(customer_client, customer_user):
    add_to_cart(customer_user, make_menu_item(price="4.00"), 1)
    before = timezone.now()

    placed = customer_client.post(ORDERS)

    assert placed.status_code == 201
    order_id = placed.json()["id"]
    listed = customer_client.get(ORDERS).json()["results"]
    alone = customer_client.get(f"{ORDERS}/{order_id}").json()
    for body in (placed.json(), listed[0], alone):
        assert body["id"] == order_id
        assert body["state"] == "placed"
        assert body["fulfilment"] == "delivery"
        assert body["payment_method"] == "cash"
        assert body["payment_status"] == "unpaid"
        assert body["eta"] is None
        assert body["note"] == ""
        assert body["cancel_reason"] is None
        assert body["status"] is False
        placed_at = _when(body["placed_at"])
        assert before - datetime.timedelta(seconds=5) <= placed_at <= timezone.now()
    assert len(alone["history"]) == 1
    entry = alone["history"][0]
    assert set(entry) == {"state", "at", "by", "reason"}
    assert entry["state"] == "placed"
    assert entry["by"] == _by(customer_user)
    assert entry["reason"] is None
    assert _when(entry["at"]) >= before - datetime.timedelta(seconds=5)


@pytest.mark.parametrize("fmt", ["json", "multipart", "form"])
def test_customer_places_pickup_order_paid_by_card_with_a_note(customer_client, customer_user, fmt):
    add_to_cart(customer_user, make_menu_item(price="4.00"), 1)
    fields = {"fulfilment": "pickup", "payment_method": "card", "note": "No onions, please"}

    if fmt == "form":
        response = customer_client.post(
            ORDERS,
            "fulfilment=pickup&payment_method=card&note=No+onions%2C+please",
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = customer_client.post(ORDERS, fields, format=fmt)

    assert response.status_code == 201, response.content
    body = response.json()
    assert {name: body[name] for name in fields} == fields
    stored = customer_client.get(f"{ORDERS}/{body['id']}").json()
    assert {name: stored[name] for name in fields} == fields
    assert stored["state"] == "placed"


@pytest.mark.parametrize("body", [None, {}], ids=["no-body", "empty-json"])
def test_order_placed_with_empty_body_is_a_delivery_paid_in_cash(
    customer_client, customer_user, body
):
    add_to_cart(customer_user, make_menu_item(price="4.00"), 1)

    response = customer_client.post(ORDERS, body)

    assert response.status_code == 201
    assert response.json()["fulfilment"] == "delivery"
    assert response.json()["payment_method"] == "cash"
    assert response.json()["note"] == ""
    assert not Cart.objects.filter(user=customer_user).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"fulfilment": "drone"},
        {"fulfilment": ""},
        {"payment_method": "bitcoin"},
        {"payment_method": "CARD"},
        {"note": "n" * 501},
    ],
    ids=["fulfilment", "blank-fulfilment", "payment_method", "payment_method-case", "long-note"],
)
def test_placing_order_with_bad_option_is_400_on_that_field(customer_client, customer_user, body):
    add_to_cart(customer_user, make_menu_item(), 2)

    response = customer_client.post(ORDERS, body)

    assert response.status_code == 400
    assert set(response.json()) == set(body)
    assert not Order.objects.filter(user=customer_user).exists()
    assert Cart.objects.get(user=customer_user).quantity == 2


def test_note_of_500_characters_is_kept(customer_client, customer_user):
    add_to_cart(customer_user, make_menu_item(), 1)

    response = customer_client.post(ORDERS, {"note": "n" * 500})

    assert response.status_code == 201
    assert response.json()["note"] == "n" * 500


@pytest.mark.parametrize(
    "field", [{"fulfilment": "pickup"}, {"payment_method": "card"}, {"note": "Changed"}]
)
def test_manager_cannot_change_what_the_order_was_placed_with(manager_client, place, detail, field):
    order_id = place({"note": "Original"})
    before = detail(order_id)

    response = manager_client.patch(f"{ORDERS}/{order_id}", field)

    assert response.status_code in (400, 403)
    assert detail(order_id) == before


# --- The transition table, for every role ---------------------------------------------------

# (from, fulfilment, to, extra body, who may make the move)
TABLE = [
    ("placed", "delivery", "accepted", {}, MANAGERS),
    ("accepted", "delivery", "preparing", {}, MANAGERS),
    ("preparing", "delivery", "ready", {}, MANAGERS),
    ("ready", "delivery", "out_for_delivery", {}, MANAGERS | {"crew"}),
    ("out_for_delivery", "delivery", "delivered", {}, MANAGERS | {"crew"}),
    ("ready", "pickup", "picked_up", {}, MANAGERS),
    ("placed", "delivery", "cancelled", {}, MANAGERS | {"owner"}),
    ("placed", "delivery", "cancelled", {"reason": "Ordered twice"}, MANAGERS | {"owner"}),
    ("accepted", "delivery", "cancelled", {"reason": "Out of lemons"}, MANAGERS),
    ("preparing", "delivery", "cancelled", {"reason": "Oven broke"}, MANAGERS),
    ("ready", "delivery", "cancelled", {"reason": "Nobody answers"}, MANAGERS),
    ("out_for_delivery", "delivery", "cancelled", {"reason": "Address unknown"}, MANAGERS),
]


def _expected(role, who):
    if role in who:
        return 200
    if role == "anon":
        return 401
    if role in ("other_crew", "other_customer"):
        return 404  # they cannot see the order
    return 403


@pytest.mark.parametrize("role", EVERYONE)
@pytest.mark.parametrize(
    ("start", "fulfilment", "to", "extra", "who"),
    TABLE,
    ids=[f"{row[0]}-{row[2]}{'-reason' if row[3] else ''}" for row in TABLE],
)
def test_who_may_move_an_order_along_the_table(
    client_as, order_in, detail, role, start, fulfilment, to, extra, who
):
    order_id = order_in(start, fulfilment=fulfilment)
    before = detail(order_id)
    client = client_as(role)

    response = client.patch(f"{ORDERS}/{order_id}", {"state": to, **extra})

    expected = _expected(role, who)
    assert response.status_code == expected, response.content
    after = detail(order_id)
    if expected != 200:
        assert "detail" in response.json()
        assert after == before
        return
    assert response.json()["state"] == to
    assert after["state"] == to
    assert len(after["history"]) == len(before["history"]) + 1
    entry = after["history"][-1]
    assert entry["state"] == to
    assert entry["by"] == _by(client.user)
    assert entry["reason"] == extra.get("reason")
    assert _when(entry["at"]) >= _when(before["history"][-1]["at"])
    if to == "cancelled":
        assert after["cancel_reason"] == extra.get("reason")


def test_an_order_goes_all_the_way_to_delivered_and_its_history_says_so(
    manager_client, crew_client, manager_user, crew_user, customer_user, place, assign, detail
):
    order_id = place()
    assign(order_id, crew_user)

    for state in ["accepted", "preparing", "ready"]:
        assert manager_client.patch(f"{ORDERS}/{order_id}", {"state": state}).status_code == 200
    for state in ["out_for_delivery", "delivered"]:
        assert crew_client.patch(f"{ORDERS}/{order_id}", {"state": state}).status_code == 200

    order = detail(order_id)
    assert order["state"] == "delivered"
    assert order["status"] is True
    assert [(entry["state"], entry["by"]["id"]) for entry in order["history"]] == [
        ("placed", customer_user.pk),
        ("accepted", manager_user.pk),
        ("preparing", manager_user.pk),
        ("ready", manager_user.pk),
        ("out_for_delivery", crew_user.pk),
        ("delivered", crew_user.pk),
    ]
    times = [_when(entry["at"]) for entry in order["history"]]
    assert times == sorted(times)


# --- Moves the table does not have: 409 with what this caller may do instead ----------------

# (order: state, fulfilment, crew assigned; the move; {role: the states `allowed` lists})
CONFLICTS = [
    (
        ("delivered", "delivery", True),
        {"state": "cancelled", "reason": "Too late"},
        {"manager": [], "admin": []},
    ),
    (("delivered", "delivery", True), {"state": "cancelled"}, {"owner": [], "crew": []}),
    (("delivered", "delivery", True), {"state": "out_for_delivery"}, {"crew": [], "manager": []}),
    (("picked_up", "pickup", False), {"state": "cancelled"}, {"owner": []}),
    (("picked_up", "pickup", False), {"state": "ready"}, {"manager": []}),
    (("cancelled", "delivery", True), {"state": "accepted"}, {"manager": [], "crew": []}),
    (("cancelled", "delivery", True), {"state": "cancelled"}, {"owner": [], "manager": []}),
    (("cancelled", "delivery", True), {"state": "placed"}, {"admin": []}),
    (
        ("placed", "delivery", True),
        {"state": "preparing"},
        {
            "manager": ["accepted", "cancelled"],
            "admin": ["accepted", "cancelled"],
            "owner": ["cancelled"],
            "crew": [],
        },
    ),
    (("placed", "delivery", True), {"state": "delivered"}, {"crew": [], "owner": ["cancelled"]}),
    (("accepted", "delivery", True), {"state": "ready"}, {"manager": ["preparing", "cancelled"]}),
    (("accepted", "delivery", True), {"state": "placed"}, {"manager": ["preparing", "cancelled"]}),
    (("accepted", "delivery", True), {"state": "delivered"}, {"owner": [], "crew": []}),
    (
        ("preparing", "delivery", True),
        {"state": "out_for_delivery"},
        {"manager": ["ready", "cancelled"], "crew": []},
    ),
    (
        ("ready", "pickup", False),
        {"state": "out_for_delivery"},
        {"manager": ["picked_up", "cancelled"], "owner": []},
    ),
    (
        ("ready", "delivery", False),
        {"state": "out_for_delivery"},
        {"manager": ["cancelled"], "admin": ["cancelled"], "owner": []},
    ),
    (
        ("ready", "delivery", True),
        {"state": "picked_up"},
        {"manager": ["out_for_delivery", "cancelled"], "crew": ["out_for_delivery"]},
    ),
    (
        ("ready", "delivery", True),
        {"state": "delivered"},
        {"manager": ["out_for_delivery", "cancelled"], "crew": ["out_for_delivery"]},
    ),
    (
        ("ready", "delivery", True),
        {"state": "accepted"},
        {"manager": ["out_for_delivery", "cancelled"]},
    ),
    (
        ("out_for_delivery", "delivery", True),
        {"state": "picked_up"},
        {"manager": ["delivered", "cancelled"], "crew": ["delivered"], "owner": []},
    ),
    (
        ("out_for_delivery", "delivery", True),
        {"state": "ready"},
        {"manager": ["delivered", "cancelled"], "crew": ["delivered"]},
    ),
]
CONFLICT_CASES = [
    pytest.param(situation, body, role, allowed, id=f"{situation[0]}-{body['state']}-{role}")
    for situation, body, by_role in CONFLICTS
    for role, allowed in by_role.items()
]


@pytest.mark.parametrize(("situation", "body", "role", "allowed"), CONFLICT_CASES)
def test_move_the_table_lacks_is_409_listing_the_callers_allowed_moves(
    client_as, order_in, detail, situation, body, role, allowed
):
    state, fulfilment, crew = situation
    order_id = order_in(state, fulfilment=fulfilment, crew=crew)
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", body)

    assert response.status_code == 409, response.content
    assert "detail" in response.json()
    assert sorted(response.json()["allowed"]) == sorted(allowed)
    assert detail(order_id) == before


@pytest.mark.parametrize("role", ["other_crew", "other_customer"])
def test_a_move_the_table_lacks_on_an_order_one_cannot_see_is_404(
    client_as, order_in, detail, role
):
    order_id = order_in("delivered")
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

    assert response.status_code == 404
    assert detail(order_id) == before


def test_anonymous_cannot_move_an_order(api_client, order_in, detail):
    order_id = order_in("placed")

    response = api_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

    assert response.status_code == 401
    assert response.has_header("WWW-Authenticate")
    assert detail(order_id)["state"] == "placed"


@pytest.mark.parametrize("state", ["shipped", "", "PLACED", None, 3])
def test_unknown_state_is_400(manager_client, order_in, detail, state):
    order_id = order_in("placed")

    response = manager_client.patch(f"{ORDERS}/{order_id}", {"state": state})

    assert response.status_code == 400
    assert "state" in response.json()
    assert detail(order_id)["state"] == "placed"


# --- eta and reason ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin"])
@pytest.mark.parametrize("to", ["accepted", "preparing"])
def test_manager_sets_eta_with_accepted_or_preparing(client_as, order_in, detail, role, to):
    order_id = order_in("placed" if to == "accepted" else "accepted")

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"state": to, "eta": ETA})

    assert response.status_code == 200, response.content
    assert _when(response.json()["eta"]) == _when(ETA.replace("Z", "+00:00"))
    order = detail(order_id)
    assert order["state"] == to
    assert _when(order["eta"]) == _when("2031-05-04T18:30:00+00:00")


def test_eta_shows_to_the_customer_in_list_and_detail(manager_client, customer_client, order_in):
    order_id = order_in("placed")
    moved = manager_client.patch(
        f"{ORDERS}/{order_id}", {"state": "accepted", "eta": "2031-05-04T20:00:00+02:00"}
    )
    assert moved.status_code == 200

    listed = customer_client.get(ORDERS)
    alone = customer_client.get(f"{ORDERS}/{order_id}")

    assert listed.status_code == 200
    assert alone.status_code == 200
    expected = _when("2031-05-04T18:00:00+00:00")
    assert _when(listed.json()["results"][0]["eta"]) == expected
    assert _when(alone.json()["eta"]) == expected


@pytest.mark.parametrize(
    ("start", "fulfilment", "body"),
    [
        ("preparing", "delivery", {"state": "ready"}),
        ("ready", "delivery", {"state": "out_for_delivery"}),
        ("out_for_delivery", "delivery", {"state": "delivered"}),
        ("ready", "pickup", {"state": "picked_up"}),
        ("placed", "delivery", {"state": "cancelled"}),
        ("accepted", "delivery", {"state": "cancelled", "reason": "Closed"}),
    ],
    ids=lambda value: value.get("state") if isinstance(value, dict) else value,
)
def test_eta_with_any_other_move_is_400(manager_client, order_in, detail, start, fulfilment, body):
    order_id = order_in(start, fulfilment=fulfilment)
    before = detail(order_id)

    response = manager_client.patch(f"{ORDERS}/{order_id}", {**body, "eta": ETA})

    assert response.status_code == 400
    assert detail(order_id) == before


@pytest.mark.parametrize(
    "body",
    [{"eta": ETA}, {"reason": "Just because"}, {"eta": ETA, "reason": "Both"}],
    ids=["eta", "reason", "both"],
)
def test_eta_or_reason_without_state_is_400(manager_client, order_in, detail, body):
    order_id = order_in("placed")
    before = detail(order_id)

    response = manager_client.patch(f"{ORDERS}/{order_id}", body)

    assert response.status_code == 400
    assert detail(order_id) == before


def test_eta_that_is_not_a_date_time_is_400(manager_client, order_in, detail):
    order_id = order_in("placed")

    response = manager_client.patch(f"{ORDERS}/{order_id}", {"state": "accepted", "eta": "soon"})

    assert response.status_code == 400
    assert "eta" in response.json()
    assert detail(order_id)["state"] == "placed"


def test_reason_given_with_an_ordinary_move_is_kept_in_the_history(
    manager_client, order_in, detail
):
    order_id = order_in("placed")

    response = manager_client.patch(
        f"{ORDERS}/{order_id}", {"state": "accepted", "reason": "VIP guest"}
    )

    assert response.status_code == 200
    order = detail(order_id)
    assert order["history"][-1]["state"] == "accepted"
    assert order["history"][-1]["reason"] == "VIP guest"
    assert order["cancel_reason"] is None


@pytest.mark.parametrize("start", ["accepted", "preparing", "ready", "out_for_delivery"])
def test_manager_cannot_cancel_a_started_order_without_reason(
    manager_client, order_in, detail, start
):
    order_id = order_in(start)
    before = detail(order_id)

    response = manager_client.patch(f"{ORDERS}/{order_id}", {"state": "cancelled"})

    assert response.status_code == 400
    assert detail(order_id) == before


@pytest.mark.parametrize("start", ["accepted", "preparing", "ready", "out_for_delivery"])
def test_manager_cancels_a_started_order_with_reason(
    manager_client, manager_user, order_in, detail, start
):
    order_id = order_in(start)

    response = manager_client.patch(
        f"{ORDERS}/{order_id}", {"state": "cancelled", "reason": "Ran out of feta"}
    )

    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    assert response.json()["cancel_reason"] == "Ran out of feta"
    order = detail(order_id)
    assert order["cancel_reason"] == "Ran out of feta"
    assert order["status"] is False
    assert order["history"][-1] | {"at": None} == {
        "state": "cancelled",
        "at": None,
        "by": _by(manager_user),
        "reason": "Ran out of feta",
    }


@pytest.mark.parametrize(
    "body",
    [{"state": "cancelled"}, {"state": "cancelled", "reason": "Wrong address"}],
    ids=["without-reason", "with-reason"],
)
def test_owner_cancels_a_placed_order(customer_client, customer_user, order_in, detail, body):
    order_id = order_in("placed", crew=False)

    response = customer_client.patch(f"{ORDERS}/{order_id}", body)

    assert response.status_code == 200
    order = detail(order_id)
    assert order["state"] == "cancelled"
    assert order["cancel_reason"] == body.get("reason")
    assert order["history"][-1]["state"] == "cancelled"
    assert order["history"][-1]["by"] == _by(customer_user)
    assert order["history"][-1]["reason"] == body.get("reason")


def test_reason_of_501_characters_is_400(manager_client, order_in, detail):
    order_id = order_in("accepted")

    response = manager_client.patch(
        f"{ORDERS}/{order_id}", {"state": "cancelled", "reason": "r" * 501}
    )

    assert response.status_code == 400
    assert "reason" in response.json()
    assert detail(order_id)["state"] == "accepted"


def test_reason_of_500_characters_is_kept(manager_client, order_in, detail):
    order_id = order_in("accepted")

    response = manager_client.patch(
        f"{ORDERS}/{order_id}", {"state": "cancelled", "reason": "r" * 500}
    )

    assert response.status_code == 200
    assert detail(order_id)["cancel_reason"] == "r" * 500


@pytest.mark.parametrize("role", ["manager", "crew"])
def test_state_and_status_together_are_400(client_as, order_in, detail, role):
    order_id = order_in("out_for_delivery")
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"state": "delivered", "status": True})

    assert response.status_code == 400
    assert detail(order_id) == before


# --- Which fields the owner and the crew may send -------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"status": True},
        {"note": "Extra napkins"},
        {"fulfilment": "pickup"},
        {"payment_method": "card"},
        {"payment_status": "paid"},
        {"delivery_crew": "crew"},
        {"state": "cancelled", "note": "Extra napkins"},
        {"state": "cancelled", "payment_status": "refunded"},
    ],
    ids=lambda body: "+".join(body),
)
def test_owner_may_patch_nothing_but_a_cancellation(
    customer_client, crew_user, order_in, detail, body
):
    order_id = order_in("placed", crew=False)
    before = detail(order_id)
    if "delivery_crew" in body:
        body = {"delivery_crew": crew_user.pk}

    response = customer_client.patch(f"{ORDERS}/{order_id}", body)

    assert response.status_code == 403
    assert "detail" in response.json()
    assert detail(order_id) == before


@pytest.mark.parametrize(
    "body",
    [
        {"note": "Left at the door"},
        {"fulfilment": "pickup"},
        {"payment_method": "card"},
        {"delivery_crew": "other"},
        {"state": "out_for_delivery", "delivery_crew": "other"},
        {"total": "0.01"},
    ],
    ids=lambda body: "+".join(body),
)
def test_crew_may_patch_only_state_status_and_payment_status(
    crew_client, other_crew_user, order_in, detail, body
):
    order_id = order_in("ready")
    before = detail(order_id)
    if "delivery_crew" in body:
        body = {**body, "delivery_crew": other_crew_user.pk}

    response = crew_client.patch(f"{ORDERS}/{order_id}", body)

    assert response.status_code == 403
    assert "detail" in response.json()
    assert detail(order_id) == before


# --- The course's status, kept true to its meaning ------------------------------------------

STATES = [
    ("placed", "delivery"),
    ("accepted", "delivery"),
    ("preparing", "delivery"),
    ("ready", "delivery"),
    ("out_for_delivery", "delivery"),
    ("delivered", "delivery"),
    ("ready", "pickup"),
    ("picked_up", "pickup"),
    ("cancelled", "delivery"),
]


@pytest.mark.parametrize(("state", "fulfilment"), STATES, ids=[f"{s}-{f}" for s, f in STATES])
def test_status_is_true_exactly_when_delivered_or_picked_up(
    customer_client, order_in, state, fulfilment
):
    order_id = order_in(state, fulfilment=fulfilment)

    alone = customer_client.get(f"{ORDERS}/{order_id}")
    listed = customer_client.get(ORDERS)

    assert alone.status_code == 200
    assert alone.json()["state"] == state
    delivered = state in ("delivered", "picked_up")
    assert alone.json()["status"] is delivered
    assert listed.json()["results"][0]["status"] is delivered
    filtered = customer_client.get(f"{ORDERS}?status={str(delivered).lower()}")
    assert _ids(filtered) == [order_id]


@pytest.mark.parametrize("role", ["crew", "manager", "admin"])
@pytest.mark.parametrize("start", ["placed", "accepted", "preparing", "ready", "out_for_delivery"])
def test_status_true_moves_an_order_straight_to_delivered(client_as, order_in, detail, role, start):
    order_id = order_in(start)
    before = detail(order_id)
    client = client_as(role)

    response = client.patch(f"{ORDERS}/{order_id}", {"status": True})

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "delivered"
    assert response.json()["status"] is True
    after = detail(order_id)
    assert after["state"] == "delivered"
    assert after["history"][:-1] == before["history"]
    assert after["history"][-1]["state"] == "delivered"
    assert after["history"][-1]["by"] == _by(client.user)


@pytest.mark.parametrize("start", ["placed", "ready"])
def test_status_true_moves_a_pickup_order_straight_to_picked_up(
    manager_client, order_in, detail, start
):
    order_id = order_in(start, fulfilment="pickup", crew=False)
    before = detail(order_id)

    response = manager_client.patch(f"{ORDERS}/{order_id}", {"status": True})

    assert response.status_code == 200
    after = detail(order_id)
    assert after["state"] == "picked_up"
    assert after["status"] is True
    assert len(after["history"]) == len(before["history"]) + 1
    assert after["history"][-1]["state"] == "picked_up"


@pytest.mark.parametrize("role", ["crew", "manager"])
def test_status_true_on_a_cancelled_order_is_409(client_as, order_in, detail, role):
    order_id = order_in("cancelled")
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"status": True})

    assert response.status_code == 409
    assert "detail" in response.json()
    assert detail(order_id) == before


@pytest.mark.parametrize("role", ["crew", "manager"])
def test_status_true_on_a_delivered_order_changes_nothing(client_as, order_in, detail, role):
    order_id = order_in("delivered")
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"status": True})

    assert response.status_code == 200
    assert response.json()["state"] == "delivered"
    assert detail(order_id) == before


@pytest.mark.parametrize(
    ("role", "final", "fulfilment", "back_to"),
    [
        ("crew", "delivered", "delivery", "out_for_delivery"),
        ("manager", "delivered", "delivery", "out_for_delivery"),
        ("admin", "delivered", "delivery", "out_for_delivery"),
        ("manager", "picked_up", "pickup", "ready"),
    ],
)
def test_status_false_returns_a_delivered_order_to_its_state_before(
    client_as, order_in, detail, role, final, fulfilment, back_to
):
    order_id = order_in(final, fulfilment=fulfilment, crew=fulfilment == "delivery")
    before = detail(order_id)
    client = client_as(role)

    response = client.patch(f"{ORDERS}/{order_id}", {"status": False})

    assert response.status_code == 200, response.content
    assert response.json()["state"] == back_to
    assert response.json()["status"] is False
    after = detail(order_id)
    assert after["state"] == back_to
    assert after["history"][:-1] == before["history"]
    assert after["history"][-1]["state"] == back_to
    assert after["history"][-1]["by"] == _by(client.user)


def test_status_false_after_status_true_returns_the_order_to_where_it_was(
    crew_client, order_in, detail
):
    order_id = order_in("accepted")
    assert crew_client.patch(f"{ORDERS}/{order_id}", {"status": True}).status_code == 200

    response = crew_client.patch(f"{ORDERS}/{order_id}", {"status": False})

    assert response.status_code == 200
    order = detail(order_id)
    assert order["state"] == "accepted"
    assert [entry["state"] for entry in order["history"]] == [
        "placed",
        "accepted",
        "delivered",
        "accepted",
    ]


@pytest.mark.parametrize("role", ["crew", "manager"])
@pytest.mark.parametrize("start", ["placed", "ready", "out_for_delivery", "cancelled"])
def test_status_false_on_an_order_not_delivered_changes_nothing(
    client_as, order_in, detail, role, start
):
    order_id = order_in(start)
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"status": False})

    assert response.status_code == 200
    assert response.json()["state"] == start
    assert detail(order_id) == before


@pytest.mark.parametrize(("role", "expected"), [("other_crew", 404), ("other_customer", 404)])
def test_others_cannot_set_status(client_as, order_in, detail, role, expected):
    order_id = order_in("out_for_delivery")
    before = detail(order_id)

    response = client_as(role).patch(f"{ORDERS}/{order_id}", {"status": True})

    assert response.status_code == expected
    assert detail(order_id) == before


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_manager_put_of_crew_and_status_true_delivers_the_order(
    client_as, crew_user, order_in, detail, role
):
    order_id = order_in("placed", crew=False)
    before = detail(order_id)

    response = client_as(role).put(
        f"{ORDERS}/{order_id}", {"delivery_crew": crew_user.pk, "status": True}
    )

    assert response.status_code == 200, response.content
    assert response.json()["delivery_crew"] == _by(crew_user)
    order = detail(order_id)
    assert order["state"] == "delivered"
    assert order["status"] is True
    assert len(order["history"]) == len(before["history"]) + 1


def test_manager_put_of_crew_and_status_false_only_assigns(
    manager_client, crew_user, order_in, detail
):
    order_id = order_in("accepted", crew=False)
    before = detail(order_id)

    response = manager_client.put(
        f"{ORDERS}/{order_id}", {"delivery_crew": crew_user.pk, "status": False}
    )

    assert response.status_code == 200
    order = detail(order_id)
    assert order["delivery_crew"] == _by(crew_user)
    assert order["state"] == "accepted"
    assert order["history"] == before["history"]


# --- Order list filters ---------------------------------------------------------------------


@pytest.fixture
def board(order_in):
    """One order of the customer's in each of a few states, by state."""
    return {
        "placed": order_in("placed"),
        "accepted": order_in("accepted"),
        "ready": order_in("ready", fulfilment="pickup", crew=False),
        "delivered": order_in("delivered"),
        "cancelled": order_in("cancelled"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=placed", ["placed"]),
        ("state=accepted,ready", ["accepted", "ready"]),
        ("state=delivered,cancelled,placed", ["placed", "delivered", "cancelled"]),
        ("state=picked_up", []),
        ("fulfilment=pickup", ["ready"]),
        ("fulfilment=delivery", ["placed", "accepted", "delivered", "cancelled"]),
        ("state=placed,ready&fulfilment=delivery", ["placed"]),
    ],
)
def test_manager_filters_orders_by_state_and_fulfilment(manager_client, board, query, expected):
    response = manager_client.get(f"{ORDERS}?{query}")

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted(board[name] for name in expected)
    assert {row["state"] for row in response.json()["results"]} <= set(expected)


def test_customer_state_filter_shows_only_own_orders(
    customer_client, other_customer_user, place, board
):
    place(user=other_customer_user)

    response = customer_client.get(f"{ORDERS}?state=placed")

    assert response.status_code == 200
    assert _ids(response) == [board["placed"]]


def test_manager_filters_orders_by_payment_status(manager_client, order_in):
    unpaid = order_in("placed")
    paid = order_in("accepted")
    assert manager_client.patch(f"{ORDERS}/{paid}", {"payment_status": "paid"}).status_code == 200

    paid_list = manager_client.get(f"{ORDERS}?payment_status=paid")
    unpaid_list = manager_client.get(f"{ORDERS}?payment_status=unpaid")

    assert paid_list.status_code == 200
    assert _ids(paid_list) == [paid]
    assert _ids(unpaid_list) == [unpaid]


@pytest.mark.parametrize("query", ["state=bogus", "state=placed,bogus", "state=Placed"])
def test_unknown_state_in_the_filter_is_400(manager_client, order_in, query):
    order_in("placed")

    response = manager_client.get(f"{ORDERS}?{query}")

    assert response.status_code == 400
    assert response.json()


def test_manager_orders_the_list_by_placed_at(manager_client, place):
    first, second, third = place(), place(), place()

    oldest_first = manager_client.get(f"{ORDERS}?ordering=placed_at")
    newest_first = manager_client.get(f"{ORDERS}?ordering=-placed_at")

    assert oldest_first.status_code == 200
    assert _ids(oldest_first) == [first, second, third]
    assert newest_first.status_code == 200
    assert _ids(newest_first) == [third, second, first]
    stamps = [_when(row["placed_at"]) for row in oldest_first.json()["results"]]
    assert stamps == sorted(stamps)
