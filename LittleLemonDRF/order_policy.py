"""Who may see an order and its events, change which of its fields, move it where, and
delete it.

Plain functions and tables over roles.py, as roles.py is for roles: the order views,
permission classes, filters, selectors, services, the order stream (live and replay), the
admin (and its actions) ask here; webhooks have no caller and the kitchen board renders what
the API sends. What each standing sees is data (SEES), read both as a query filter and, for
the stream, on each order; the moves are data too (MOVES): an order's `moves`, the 409's
`allowed` list and the admin's actions are computed from it.
"""

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value

from . import roles
from .errors import MoveNotPossible, NotAllowed, PaymentChangeNotPossible
from .models import Order

State, Fulfilment, Payment = Order.State, Order.Fulfilment, Order.PaymentStatus

# How a caller stands to an order; one user may stand in several ways.
MANAGER, CREW, OWNER = "manager", "assigned crew", "owner"


@dataclass(frozen=True)
class Move:
    """One row of the transition table: who may make it, and for which orders."""

    who: frozenset[str]
    fulfilment: str | None = None  # only orders of this fulfilment
    needs_crew: bool = False  # only orders with a crew member assigned
    needs_reason: bool = False  # a `reason` is required
    takes_eta: bool = False  # an `eta` may come with it


MOVES: dict[tuple[str, str], Move] = {
    # A scheduled order goes to the kitchen by itself at its release time (clock.release).
    (State.SCHEDULED, State.PLACED): Move(frozenset({MANAGER})),
    (State.SCHEDULED, State.CANCELLED): Move(frozenset({OWNER, MANAGER})),
    (State.PLACED, State.ACCEPTED): Move(frozenset({MANAGER}), takes_eta=True),
    (State.ACCEPTED, State.PREPARING): Move(frozenset({MANAGER}), takes_eta=True),
    (State.PREPARING, State.READY): Move(frozenset({MANAGER})),
    (State.READY, State.OUT_FOR_DELIVERY): Move(
        frozenset({MANAGER, CREW}), fulfilment=Fulfilment.DELIVERY, needs_crew=True
    ),
    (State.OUT_FOR_DELIVERY, State.DELIVERED): Move(frozenset({CREW, MANAGER})),
    (State.READY, State.PICKED_UP): Move(frozenset({MANAGER}), fulfilment=Fulfilment.PICKUP),
    (State.PLACED, State.CANCELLED): Move(frozenset({OWNER, MANAGER})),
    **{
        (state, State.CANCELLED): Move(frozenset({MANAGER}), needs_reason=True)
        for state in (State.ACCEPTED, State.PREPARING, State.READY, State.OUT_FOR_DELIVERY)
    },
}

# The states an `eta` may come with.
ETA_STATES = frozenset(to for (_, to), move in MOVES.items() if move.takes_eta)

# Payment changes a caller may ask for: (from, to) -> who. Cancelling a paid order makes it
# refund_due by itself (services.order_update).
PAYMENT_CHANGES: dict[tuple[str, str], frozenset[str]] = {
    (Payment.UNPAID, Payment.PAID): frozenset({MANAGER, CREW}),
    (Payment.REFUND_DUE, Payment.REFUNDED): frozenset({MANAGER}),
}

# The course's shortcut: `status` true moves straight to the end, false back from it.
STATUS_SETTERS = frozenset({MANAGER, CREW})

# What each standing may send in a PATCH; PUT (every field) is for managers.
FIELDS: dict[str, frozenset[str]] = {
    MANAGER: frozenset(
        {"delivery_crew", "status", "state", "eta", "reason", "payment_status", "slot"}
    ),
    CREW: frozenset({"state", "status", "payment_status"}),
    OWNER: frozenset({"state", "reason"}),
}


# Which of the orders a standing applies to it shows its caller: a condition on the order,
# Q() for all of them. A caller who stands in several ways sees what any of them shows.
SEES: dict[str, Q] = {MANAGER: Q(), CREW: Q(), OWNER: Q()}


@dataclass(frozen=True)
class Viewer:
    """A caller as these rules read them: their id and roles, taken once."""

    user_id: int | None
    manager: bool
    crew: bool

    @classmethod
    def of(cls, user) -> "Viewer":
        if isinstance(user, Viewer):
            return user
        return cls(user.pk, roles.is_manager(user), roles.is_delivery_crew(user))


def standing(user, order) -> frozenset[str]:
    """How the user (or Viewer) stands to the order: manager, its assigned crew member, its
    owner. `order` needs only user_id and delivery_crew_id."""
    viewer = Viewer.of(user)
    found = set()
    if viewer.manager:
        found.add(MANAGER)
    if viewer.user_id is not None:
        if viewer.crew and order.delivery_crew_id == viewer.user_id:
            found.add(CREW)
        if order.user_id == viewer.user_id:
            found.add(OWNER)
    return frozenset(found)


# --- Seeing orders and their events ------------------------------------------------------------


def visible(user) -> Q | None:
    """The orders the user may see, as a filter; None means every order."""
    viewer = Viewer.of(user)
    # A standing as a filter on the orders it applies to; a manager stands to every order.
    applies = {
        MANAGER: Q(),
        CREW: Q(delivery_crew_id=viewer.user_id),
        OWNER: Q(user_id=viewer.user_id),
    }
    mine = [MANAGER] * viewer.manager + [CREW] * viewer.crew + [OWNER]
    parts = [applies[name] & SEES[name] for name in mine]
    if any(not part for part in parts):
        return None  # an empty Q: every order (Q() | Q(x) would be only Q(x))
    found = parts[0]
    for part in parts[1:]:
        found |= part
    return found


def with_sight(orders: QuerySet) -> QuerySet:
    """`orders` with what each standing sees of them (SEES) read along, for sees()."""
    return orders.annotate(
        **{_sight(name): _as_column(condition) for name, condition in SEES.items()}
    )


def sees(user, order) -> bool:
    """Whether the user (or Viewer) sees the order, read through with_sight()."""
    try:
        return any(getattr(order, _sight(s)) for s in standing(user, order))
    except AttributeError:
        raise TypeError("order_policy.sees() needs an order read through with_sight().") from None


def _sight(name: str) -> str:
    return "sight_" + name.replace(" ", "_")


def _as_column(condition: Q):
    if not condition:  # Q(): a condition When() and ExpressionWrapper refuse
        return Value(True, output_field=BooleanField())
    return ExpressionWrapper(condition, output_field=BooleanField())


# What a caller gets of an event: the order as it is now, or only who has it now.
ORDER, HANDOVER = "order", "handover"


def event_filter(user) -> Q:
    """The events of orders the caller stood to when they happened (OrderEvent columns).

    Crew get the events of orders assigned to them, and the event that took one away.
    """
    viewer = Viewer.of(user)
    if viewer.manager:
        return Q()
    mine = Q(customer_id=viewer.user_id)
    if viewer.crew:
        mine |= Q(crew_id=viewer.user_id) | Q(previous_crew_id=viewer.user_id)
    return mine


def event_view(user, event, order) -> str | None:
    """What the caller gets of `event`, given its order as it is now (read with_sight()):
    ORDER, HANDOVER or None.

    An event of an order they stood to then, if they see the order now; a crew member who
    lost the order gets the event that took it away showing no more than who has it now, and
    nothing that changed after it.
    """
    viewer = Viewer.of(user)
    then = viewer.manager or event.customer_id == viewer.user_id
    then = then or (viewer.crew and viewer.user_id in (event.crew_id, event.previous_crew_id))
    if not then:
        return None
    if sees(viewer, order):
        return ORDER
    if viewer.crew and event.previous_crew_id == viewer.user_id:
        return HANDOVER
    return None


def visibility_key(user) -> str:
    """Equal exactly for callers shown the same orders with the same `moves`, who filter them
    the same way (can_filter_by_customer), so an answer computed for one may be given to the
    other (caching.cached_response)."""
    viewer = Viewer.of(user)
    if viewer.manager and _managers_alike():
        who = "every"
    else:
        who = f"manager={viewer.manager}:crew={viewer.crew}:{viewer.user_id}"
    return f"{who}:by-customer={can_filter_by_customer(user)}"


def _managers_alike() -> bool:
    """Whether every manager sees every order, with the same moves: no move another standing
    makes is one a manager does not (then a manager's own orders look like anyone's)."""
    return not SEES[MANAGER] and all(MANAGER in move.who for move in MOVES.values() if move.who)


def can_delete(user, order) -> bool:
    return roles.is_manager(user)


def can_filter_by_customer(user) -> bool:
    """Whether the `user` filter of the order list applies for this caller."""
    return roles.is_manager(user)


def can_deliver(user) -> bool:
    """Whether an order may be assigned to this user for delivery."""
    return roles.is_delivery_crew(user)


def crew_candidates():
    """The users an order may be assigned to, as a queryset."""
    return roles.members_of(roles.DELIVERY_CREW)


# --- Changing fields --------------------------------------------------------------------------


def fields_allowed(user, order) -> frozenset[str]:
    """The fields the user may send to change the order (empty: none)."""
    return frozenset().union(*(FIELDS[s] for s in standing(user, order)))


def can_change(user, order) -> bool:
    return bool(fields_allowed(user, order))


def check_fields(user, order, sent: Collection[str], *, replacing: bool) -> None:
    """Refuse a change that sends a field the user may not change (or a PUT, unless manager)."""
    allowed = fields_allowed(user, order)
    if replacing and MANAGER not in standing(user, order):
        raise NotAllowed(f"You may change only {_names(allowed)} of this order, with PATCH.")
    other = sorted(set(sent) - allowed)
    if other:
        raise NotAllowed(
            f"You may change only {_names(allowed)} of this order, not {', '.join(other)}."
        )


# --- Moving -------------------------------------------------------------------------------------


def moves_for(order) -> dict[str, Move]:
    """The moves the table has for this order now, by target state."""
    return {
        to: move
        for (start, to), move in MOVES.items()
        if start == order.state
        and move.fulfilment in (None, order.fulfilment)
        and (not move.needs_crew or order.delivery_crew_id is not None)
    }


def allowed_states(user, order) -> list[str]:
    """The states this user (or Viewer) may move this order to now, in the table's order: an
    order's `moves`. `order` needs state, fulfilment, user_id and delivery_crew_id."""
    return states_for(standing(user, order), order)


def states_for(mine: frozenset[str], order) -> list[str]:
    """The states a caller standing so to the order may move it to now."""
    return [to for to, move in moves_for(order).items() if move.who & mine]


def check_move(user, order, to: str) -> Move:
    """The move to `to`, if the table has it for this order now and it is the user's to make.

    A move the order cannot make is a conflict, whoever asks (with the moves the caller could
    make); one it can make but not by this user is not allowed. `user` None is the system.
    """
    move = moves_for(order).get(to)
    if move is None:
        raise _conflict(user, order, f"An order that is {order.state} cannot move to {to}.")
    if user is not None and not move.who & standing(user, order):
        raise NotAllowed(f"You may not move this order from {order.state} to {to}.")
    return move


def check_status(user, order, *, done: bool) -> None:
    """The course's `status` is set by a manager or the order's crew member, and a cancelled
    order cannot be marked delivered."""
    if user is not None and not STATUS_SETTERS & standing(user, order):
        raise NotAllowed("You may not change the status of this order.")
    if done and order.state == State.CANCELLED:
        raise _conflict(user, order, "A cancelled order cannot be delivered.")


def _conflict(user, order, message: str) -> MoveNotPossible:
    """A 409's error, with the states this caller may move the order to (none for the system)."""
    return MoveNotPossible(message, allowed_states(user, order) if user is not None else [])


def check_payment(user, order, to: str) -> None:
    """A payment change this order can make now, made by whom the table names."""
    who = PAYMENT_CHANGES.get((order.payment_status, to))
    if who is None or (to == Payment.PAID and order.state == State.CANCELLED):
        raise PaymentChangeNotPossible(
            f"The payment of a {order.state} order that is {order.payment_status} "
            f"cannot become {to}."
        )
    if user is not None and not who & standing(user, order):
        raise NotAllowed(f"You may not mark this order {to}.")


def _names(fields: frozenset[str]) -> str:
    return ", ".join(sorted(fields)) or "nothing"
