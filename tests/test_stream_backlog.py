"""A stream's client that stops reading is dropped once STREAM_BACKLOG events wait for it:
the hub's memory for a stream is bounded, however many events are published."""

from LittleLemonDRF.models import OrderEvent
from LittleLemonDRF.stream import Hub, Rendered, Scope, Subscriber, frame

BACKLOG = 50


def _created(event_id: int, customer_id: int = 7) -> Rendered:
    """A new order's event as the hub hands it out (an unsaved row: no database needed)."""
    event = OrderEvent(
        pk=event_id, type="order.created", order_id=event_id, customer_id=customer_id
    )
    data = {"id": event_id, "state": "placed"}
    return Rendered(event, frame(event_id, event.type, data), customer_id, None)


def test_a_subscriber_that_never_reads_is_dropped_at_the_backlog(settings):
    settings.STREAM_BACKLOG = BACKLOG
    hub = Hub()
    idle, reading = Subscriber(Scope(1, True, False)), Subscriber(Scope(2, True, False))
    hub.subscribers |= {idle, reading}
    longest = 0
    for event_id in range(1, 100 * BACKLOG):
        hub.publish([_created(event_id)])
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


def test_events_the_caller_may_not_see_do_not_fill_its_queue(settings):
    settings.STREAM_BACKLOG = BACKLOG
    hub = Hub()
    customer = Subscriber(Scope(1, False, False))
    hub.subscribers.add(customer)
    for event_id in range(1, 10 * BACKLOG):
        hub.publish([_created(event_id, customer_id=2)])  # someone else's orders
    hub.publish([_created(10 * BACKLOG, customer_id=1)])
    assert customer in hub.subscribers
    assert customer.queue.qsize() == 1
    event_id, message = customer.queue.get_nowait()
    assert event_id == 10 * BACKLOG
    assert message.startswith(f"id: {event_id}\nevent: order.created\n".encode())
