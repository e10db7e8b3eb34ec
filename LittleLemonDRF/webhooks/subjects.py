"""What an event is about, as its deliveries show it: the `data` of a delivery's body."""

from .. import selectors
from ..models import OrderEvent, Reservation
from ..serializers import OrderSerializer
from ..serializers.reservations import ReservationSerializer


def event_data(event: OrderEvent) -> dict | None:
    """The event's order (as GET /api/orders/{id} shows it) or, for a reservation's event,
    its reservation (as GET /api/reservations/{id} does), as it is now; None once deleted."""
    if event.reservation_id is not None:
        reservations = Reservation.objects.select_related("user", "table")
        reservation = reservations.filter(pk=event.reservation_id).first()
        return None if reservation is None else ReservationSerializer(reservation).data
    order = selectors.order_list().filter(pk=event.order_id).first()
    return None if order is None else OrderSerializer(order).data
