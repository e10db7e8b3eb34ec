"""Every order shows `moves`: the states its caller may move it to now, as order_policy says.

The same list in the list, the detail, the answers to POST and PATCH, a 409's `allowed` and
each stream subscriber's events; webhook payloads have no caller and show none. The last
tests change order_policy's rule alone ("crew no longer see cancelled orders") and watch the
list, the detail, the stream's replay and its live path all follow.
"""

import json

import pytest
from django.db.models import Q

from LittleLemonDRF import order_policy, roles, services, stream, webhooks
from LittleLemonDRF.errors import NotAllowed
from LittleLemonDRF.models import Order, OrderEvent
from tests.factories import client_for, make_order, make_user

ORDERS = "/api/orders"
READY = ["accepted", "preparing", "ready"]


@pytest.fixture
def ready_order(customer_user, crew_user):
    """A delivery order ready to go out, its crew member assigned."""
    order = make_order(customer_user, delivery_crew=crew_user)
    for state in READY:
        services.order_update(order=order, state=state)
    return order


def _moves_in(message: bytes) -> tuple[int, list[str]]:
    data = json.loads(message.decode().split("data: ", 1)[1])
    return data["id"], data["moves"]


# --- The list, the detail and the answers -----------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("manager_client", ["out_for_delivery", "cancelled"]),
        ("admin_client", ["out_for_delivery", "cancelled"]),
        ("crew_client", ["out_for_delivery"]),
        ("customer_client", []),
    ],
)
def test_each_caller_sees_their_own_moves_in_the_list_and_the_detail(
    request, ready_order, who, expected
):
    client = request.getfixturevalue(who)

    listed = client.get(ORDERS)
    detail = client.get(f"{ORDERS}/{ready_order.pk}")

    assert listed.status_code == 200
    assert detail.status_code == 200
    assert [o["moves"] for o in listed.json()["results"]] == [expected]
    assert detail.json()["moves"] == expected


def test_a_placed_order_shows_the_owner_cancel_and_the_manager_every_next_step(
    customer_client, manager_client, crew_client, customer_user, crew_user
):
    order = make_order(customer_user, delivery_crew=crew_user)

    assert customer_client.get(f"{ORDERS}/{order.pk}").json()["moves"] == ["cancelled"]
    assert manager_client.get(f"{ORDERS}/{order.pk}").json()["moves"] == ["accepted", "cancelled"]
    assert crew_client.get(f"{ORDERS}/{order.pk}").json()["moves"] == []


def test_a_final_order_has_no_moves_for_anyone(manager_client, customer_user):
    order = make_order(customer_user, status=True)  # delivered

    response = manager_client.get(f"{ORDERS}/{order.pk}")

    assert response.status_code == 200
    assert response.json()["state"] == "delivered"
    assert response.json()["moves"] == []


def test_the_answers_to_post_and_patch_show_the_callers_moves(
    customer_client, manager_client, customer_user
):
    order = make_order(customer_user)
    customer_client.post("/api/cart/menu-items", {"menuitem_id": order.lines[0].menuitem_id})

    placed = customer_client.post(ORDERS)
    accepted = manager_client.patch(f"{ORDERS}/{placed.json()['id']}", {"state": "accepted"})

    assert placed.status_code == 201
    assert placed.json()["moves"] == ["cancelled"]
    assert accepted.status_code == 200
    assert accepted.json()["moves"] == ["preparing", "cancelled"]


def test_a_409s_allowed_is_the_detail_s_moves(crew_client, ready_order):
    moves = crew_client.get(f"{ORDERS}/{ready_order.pk}").json()["moves"]

    response = crew_client.patch(f"{ORDERS}/{ready_order.pk}", {"state": "delivered"})

    assert response.status_code == 409
    assert response.json()["allowed"] == moves == ["out_for_delivery"]


def test_the_cached_list_keeps_each_caller_s_moves_apart(
    manager_user, customer_user, crew_user, ready_order
):
    # A manager who ordered too: their own order looks as any other to them.
    own = make_order(manager_user)
    second_manager = client_for(make_user("mona_manager", groups=[roles.MANAGER]))
    manager = client_for(manager_user)

    for _ in range(2):  # built, then from the cache
        mine = {o["id"]: o["moves"] for o in manager.get(ORDERS).json()["results"]}
        theirs = {o["id"]: o["moves"] for o in second_manager.get(ORDERS).json()["results"]}
        crews = {o["id"]: o["moves"] for o in client_for(crew_user).get(ORDERS).json()["results"]}
        customers = client_for(customer_user).get(ORDERS).json()["results"]
        assert (
            mine
            == theirs
            == {
                ready_order.pk: ["out_for_delivery", "cancelled"],
                own.pk: ["accepted", "cancelled"],
            }
        )
        assert crews == {ready_order.pk: ["out_for_delivery"]}
        assert [o["moves"] for o in customers] == [[]]

    services.order_update(order=ready_order, state="out_for_delivery")
    assert [o["moves"] for o in client_for(crew_user).get(ORDERS).json()["results"]] == [
        ["delivered"]
    ]


# --- The service keeps the field rule itself ---------------------------------------------------


def test_the_service_refuses_a_customer_assigning_a_crew_member(customer_user, crew_user):
    order = make_order(customer_user)

    with pytest.raises(NotAllowed, match="not delivery_crew"):
        services.order_update(order=order, by=customer_user, delivery_crew=crew_user)

    order.refresh_from_db()
    assert order.delivery_crew_id is None
    assert not OrderEvent.objects.filter(order_id=order.pk, type="order.updated").exists()


def test_the_service_refuses_crew_replacing_an_order(crew_user, ready_order):
    with pytest.raises(NotAllowed, match="with PATCH"):
        services.order_update(order=ready_order, by=crew_user, replacing=True, status=True)

    ready_order.refresh_from_db()
    assert ready_order.state == "ready"


def test_the_service_lets_the_owner_cancel_their_placed_order(customer_user):
    order = make_order(customer_user)

    services.order_update(order=order, by=customer_user, state="cancelled", reason="Twice")

    order.refresh_from_db()
    assert (order.state, order.cancel_reason) == ("cancelled", "Twice")


# --- The stream and webhooks -------------------------------------------------------------------


def test_the_stream_replays_each_caller_their_own_moves(
    manager_user, crew_user, customer_user, ready_order
):
    expected = {
        manager_user: ["out_for_delivery", "cancelled"],
        crew_user: ["out_for_delivery"],
        customer_user: [],
    }
    for user, moves in expected.items():
        replayed = stream.replay(stream.Scope.of(user), 0)
        last = [_moves_in(message) for _, message in replayed][-1]
        assert last == (ready_order.pk, moves), user.username


def test_live_events_are_rendered_once_per_standing_not_per_subscriber(
    manager_user, admin_user, crew_user, customer_user, ready_order
):
    callers = [manager_user, admin_user, manager_user, crew_user, customer_user]
    hub = stream.Hub()
    subscribers = [stream.Subscriber(stream.Scope.of(user)) for user in callers]
    hub.subscribers |= set(subscribers)
    reader = stream.Reader()

    services.order_update(order=ready_order, payment_status="paid")
    fresh = reader.new_events()
    hub.publish(fresh)

    got = [_moves_in(s.queue.get_nowait()[1]) for s in subscribers]
    manager_moves = (ready_order.pk, ["out_for_delivery", "cancelled"])
    assert got == [manager_moves] * 3 + [
        (ready_order.pk, ["out_for_delivery"]),
        (ready_order.pk, []),
    ]
    [item] = fresh
    assert len(item.frames) == 3  # manager, assigned crew, owner: five subscribers


def test_a_webhook_payload_has_no_caller_and_no_moves(ready_order):
    event = OrderEvent.objects.filter(order_id=ready_order.pk).latest("id")

    body = json.loads(webhooks.payload(event))

    assert body["data"]["id"] == ready_order.pk
    assert body["data"]["state"] == "ready"
    assert body["data"]["moves"] == []


# --- One home: "crew no longer see cancelled orders" is a change to order_policy alone ----------


@pytest.fixture(params=["as shipped", "crew no longer see cancelled orders"])
def rule(request, monkeypatch):
    """order_policy as it is, or with that one rule changed in it and nowhere else."""
    if request.param != "as shipped":
        monkeypatch.setitem(order_policy.SEES, order_policy.CREW, ~Q(state="cancelled"))
    return request.param


def test_crew_see_a_cancelled_order_in_the_list_and_detail_as_the_rule_says(
    rule, crew_client, customer_user, crew_user
):
    cancelled = make_order(customer_user, delivery_crew=crew_user)
    services.order_update(order=cancelled, state="cancelled")
    open_one = make_order(customer_user, delivery_crew=crew_user)
    shown = rule == "as shipped"

    listed = crew_client.get(ORDERS)
    detail = crew_client.get(f"{ORDERS}/{cancelled.pk}")

    assert listed.status_code == 200
    ids = [o["id"] for o in listed.json()["results"]]
    assert sorted(ids) == sorted([open_one.pk, cancelled.pk] if shown else [open_one.pk])
    assert detail.status_code == (200 if shown else 404)
    assert crew_client.get(f"{ORDERS}/{open_one.pk}").status_code == 200


def test_crew_get_a_cancellation_on_the_stream_as_the_rule_says(
    rule, customer_user, crew_user, manager_user
):
    order = make_order(customer_user, delivery_crew=crew_user)
    crew, manager = stream.Scope.of(crew_user), stream.Scope.of(manager_user)
    reader = stream.Reader(crew.filter())  # the threaded stream's live path
    hub = stream.Hub()  # the async streams' live path
    subscriber = stream.Subscriber(crew)
    hub.subscribers.add(subscriber)

    services.order_update(order=order, by=manager_user, state="cancelled", reason="No lemons")
    fresh = reader.new_events()
    hub.publish(fresh)
    replayed = [_moves_in(message)[0] for _, message in stream.replay(crew, 0)]

    shown = rule == "as shipped"
    cancellation = [crew.message_for(item) for item in fresh]
    assert [m is not None for m in cancellation] == [shown]
    assert subscriber.queue.qsize() == (1 if shown else 0)
    # Replay sends only what the caller may see now: all of the order's events, or none.
    assert replayed == ([order.pk] * len(replayed) if shown else [])
    assert (len(replayed) > 0) == shown
    # The manager sees it whatever crew see.
    assert [manager.message_for(item) is not None for item in fresh] == [True]
    assert Order.objects.get(pk=order.pk).state == "cancelled"


def test_the_filter_and_the_per_order_reading_of_the_rule_agree(
    rule, customer_user, other_customer_user, crew_user, other_crew_user, manager_user
):
    open_one = make_order(customer_user, delivery_crew=crew_user)
    cancelled = make_order(other_customer_user, delivery_crew=crew_user)
    services.order_update(order=cancelled, state="cancelled")
    make_order(crew_user, delivery_crew=other_crew_user)  # crew order food too
    make_order(manager_user)
    orders = list(order_policy.with_sight(Order.objects.all()))
    users = [customer_user, other_customer_user, crew_user, other_crew_user, manager_user]

    for user in users:
        listed = set(
            Order.objects.filter(order_policy.visible(user) or Q()).values_list("pk", flat=True)
        )
        read = {order.pk for order in orders if order_policy.sees(user, order)}
        assert listed == read, user.username
    crew_sees = {o.pk for o in orders if order_policy.sees(crew_user, o)}
    assert (cancelled.pk in crew_sees) == (rule == "as shipped")
    assert open_one.pk in crew_sees


@pytest.mark.parametrize("body", [{}, {"state": "bogus"}, {"delivery_crew": "x"}])
def test_an_owners_put_is_a_403_before_any_value_is_read(db, body):
    owner = make_user("pat")
    order = make_order(owner)
    response = client_for(owner).put(f"/api/orders/{order.pk}", body, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "You may change only reason, state of this order, with PATCH."
    }
