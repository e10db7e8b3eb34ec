"""A stream's client that stops reading is dropped once STREAM_BACKLOG events wait for it:
the hub's memory for a stream is bounded, however many events are published."""

import pytest

from LittleLemonDRF import order_policy, selectors
from LittleLemonDRF.models import OrderEvent
from LittleLemonDRF.stream import Hub, Rendered, Scope, Subscriber
from tests.factories import make_order

BACKLOG = 50


@pytest.fixture
def order(customer_user):
    """One order, read as the stream reads orders; each test's events are about it."""
    placed = make_order(customer_user)
    return order_policy.with_sight(selectors.order_list()).get(pk=placed.pk)


def _created(event_id: int, order) -> Rendered:
    """A new order's event as the hub hands it out (an unsaved event row)."""
    event = OrderEvent(
        pk=event_id, type="order.created", order_id=order.pk, customer_id=order.user_id
    )
    return Rendered(event, order, {"id": order.pk, "state": "placed"})


def _manager(user_id: int) -> Scope:
    return Scope(order_policy.Viewer(user_id, manager=True, crew=False))


def test_a_subscriber_that_never_reads_is_dropped_at_the_backlog(settings, order):
    settings.STREAM_BACKLOG = BACKLOG
    hub = Hub()
    idle, reading = Subscriber(_manager(-1)), Subscriber(_manager(-2))
    hub.subscribers |= {idle, reading}
    longest = 0
    for event_id in range(1, 100 * BACKLOG):
        hub.publish([_created(event_id, order)])
        longest = max(longest, idle.queue.qsize())
        while not reading.queue.empty():  # this one keeps up
            reading.queue.get_nowait()
    assert longest == BACKLOG
    assert idle.dropped
    assert idle not in hub.subscribers
    # Nothing is kept for it but the end of its stream; it reconnects with Last-Event-ID.
    assert idle.queue.qsize() == 1
    assert idle.queue.get_nowait() is None
    assert reading in hub.subscribers
    assert not reading.dropped


def test_events_the_caller_may_not_see_do_not_fill_its_queue(
    settings, order, customer_user, other_customer_user
):
    settings.STREAM_BACKLOG = BACKLOG
    hub = Hub()
    other = Subscriber(Scope.of(other_customer_user))
    owner = Subscriber(Scope.of(customer_user))
    hub.subscribers |= {other, owner}
    for event_id in range(1, 10 * BACKLOG):
        hub.publish([_created(event_id, order)])  # the owner's order, not the other's
        owner.queue.get_nowait()
    assert other in hub.subscribers
    assert other.queue.qsize() == 0
    hub.publish([_created(10 * BACKLOG, order)])
    event_id, message = owner.queue.get_nowait()
    assert event_id == 10 * BACKLOG
    assert message.startswith(f"id: {event_id}\nevent: order.created\n".encode())
    assert b'"moves": ["cancelled"]' in message  # the owner's own moves
