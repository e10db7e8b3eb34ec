"""Writes to orders: placing one from the cart, moving it through its states, deleting it."""

from collections.abc import Collection
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import clock, live, order_policy
from ..errors import (
    BadIdempotencyKey,
    EmptyCart,
    NotDeliveryCrew,
    ReasonRequired,
)
from ..models import (
    IDEMPOTENCY_KEY_MAX,
    STOCK_MAX,
    Cart,
    MenuItem,
    Order,
    OrderEvent,
    OrderItem,
    OrderStateChange,
)
from . import order_lines

IDEMPOTENCY_WINDOW = timedelta(hours=24)


def order_place(
    *,
    user,
    idempotency_key: str | None = None,
    fulfilment: str = Order.Fulfilment.DELIVERY,
    payment_method: str = Order.PaymentMethod.CASH,
    note: str = "",
    scheduled_for: datetime | None = None,
    tip=None,
    tip_percent: int | None = None,
    items: list[dict] | None = None,
) -> tuple[Order, bool]:
    """Turn the user's cart (or the `items` sent, leaving the cart alone) into an order in one
    transaction, billed as order_lines.order_bill says; True when a new order was made.

    The cart rows are locked, so a second placement of the same cart waits and then finds it
    empty. Counted dishes lose the ordered portions in the same transaction, or nothing at
    all happens. With an idempotency key, a retry within 24 hours returns the first order.
    A new order comes back with `lines` and `changes`, as selectors give them.
    """
    if idempotency_key is not None and not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
        raise BadIdempotencyKey()
    details = {"fulfilment": fulfilment, "payment_method": payment_method, "note": note}
    try:
        with transaction.atomic():
            return _order_place(
                user=user,
                idempotency_key=idempotency_key,
                details=details,
                scheduled_for=scheduled_for,
                asked={"tip": tip, "tip_percent": tip_percent, "items": items},
            )
    except IntegrityError:
        # Two requests with the same key raced past the lookup: the unique constraint let
        # one through; answer with its order.
        if idempotency_key is None:
            raise
        return Order.objects.get(user=user, idempotency_key=idempotency_key), False


def _order_place(
    *,
    user,
    idempotency_key: str | None,
    details: dict,
    scheduled_for: datetime | None = None,
    asked: dict | None = None,
) -> tuple[Order, bool]:
    asked = dict(asked or {})
    items = asked.pop("items", None)
    # The cart rows and their dishes, locked in the dishes' order: every transaction that
    # takes stock (placing, cancelling) locks dishes by ascending id, so none waits on
    # another in a circle. NO KEY: adding a dish to a cart meanwhile is not blocked.
    carts = []
    if items is None:
        carts = list(
            Cart.objects.select_for_update(of=("self", "menuitem"), no_key=True)
            .filter(user=user)
            .select_related("menuitem")
            .order_by("menuitem_id")
        )
        lines = order_lines.lines_of_cart(carts)  # in the cart's order
    else:
        lines = order_lines.lines_of_items(items)  # the cart is neither read nor touched
    # Looked up after taking the lock: a concurrent request with the same key has committed
    # by now, and its order is visible.
    if idempotency_key is not None:
        previous = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if previous is not None:
            if previous.created_at >= timezone.now() - IDEMPOTENCY_WINDOW:
                return previous, False
            previous.idempotency_key = ""  # expired: the key may be used again
            previous.save(update_fields=["idempotency_key"])
    if not lines:
        raise EmptyCart()
    order_lines.check_available(lines)
    items = order_lines.order_items(lines)
    billed = order_lines.order_bill(items, fulfilment=details["fulfilment"], **asked)
    # The slot's place (clock.hold_slot) is taken once the dishes are locked, as every
    # transaction that takes both does; refused, it takes the whole placement back with it.
    hold = clock.hold_slot(fulfilment=details["fulfilment"], scheduled_for=scheduled_for)
    order = Order.objects.create(
        user=user,
        **billed,
        date=timezone.localdate(),
        idempotency_key=idempotency_key or "",
        **details,
        **hold.fields(),
    )
    for item in items:
        item.order = order
    OrderItem.objects.bulk_create(items)
    counted = order_lines.take_stock(lines)
    if counted:
        MenuItem.objects.bulk_update(counted, ["stock"])
    if carts:
        Cart.objects.filter(pk__in=[cart.pk for cart in carts]).delete()
    order.lines, order.changes = items, []
    order.refund_rows = []
    _announce(order, OrderEvent.Type.CREATED)
    return order, True


_UNSET = object()
# order_update's changes, named as order_policy.FIELDS names them.
_FIELDS = ("delivery_crew", "status", "state", "eta", "reason", "payment_status", "slot")


def order_update(
    *,
    order: Order,
    by=None,
    replacing: bool = False,
    asked: Collection[str] = (),
    delivery_crew=_UNSET,
    status=_UNSET,
    state=_UNSET,
    eta=_UNSET,
    reason: str | None = None,
    payment_status=_UNSET,
    slot=_UNSET,
) -> Order:
    """Change an order as `by` asks: its crew member, the course's delivered flag, its state
    (with an eta or a reason), its payment. `by` None is the system itself: no caller rules.

    `by` may change only the fields order_policy lets them, and replace the order (`replacing`,
    a PUT) only if they may change every field; `asked` names any other fields they asked to
    change (a request's unknown ones), refused the same way. The order row is locked and read
    afresh, so two changes of one order (two cancels, say) are judged one after the other. A
    crew member is assigned first, so the same request can send the order out with them.
    """
    given = (delivery_crew, status, state, eta, reason or _UNSET, payment_status, slot)
    sent = {name for name, value in zip(_FIELDS, given, strict=True) if value is not _UNSET}
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if by is not None:
            order_policy.check_fields(by, order, sent | set(asked), replacing=replacing)
        crew_before = order.delivery_crew_id
        fields = set()
        if delivery_crew is not _UNSET:
            if delivery_crew is not None and not order_policy.can_deliver(delivery_crew):
                raise NotDeliveryCrew()
            order.delivery_crew = delivery_crew
            fields.add("delivery_crew")
        if status is not _UNSET:
            fields |= _set_status(order, by=by, done=status)
        if state is not _UNSET:
            fields |= _move(order, by=by, to=state, eta=eta, reason=reason)
        if payment_status is not _UNSET:
            order_policy.check_payment(by, order, payment_status)
            order.payment_status = payment_status
            fields.add("payment_status")
        if slot is not _UNSET:
            fields |= _move_slot(order, slot=slot)
        if fields:
            order.save(update_fields=sorted(fields))
            _announce(order, OrderEvent.Type.UPDATED, crew_before=crew_before)
    return order


def _announce(order: Order, kind: str, *, crew_before: int | None = None) -> None:
    """Record the change as an event in its transaction; wake the stream once it commits.

    The last write of the transaction (OrderEvent.append).
    """
    OrderEvent.append(
        type=kind,
        order_id=order.pk,
        customer_id=order.user_id,
        crew_id=order.delivery_crew_id,
        previous_crew_id=crew_before if crew_before != order.delivery_crew_id else None,
    )
    transaction.on_commit(live.wake)


def _move(order: Order, *, by, to: str, eta=_UNSET, reason: str | None = None) -> set[str]:
    move = order_policy.check_move(by, order, to)
    if move.needs_reason and not reason:
        raise ReasonRequired()
    fields = _enter(order, to, by=by, reason=reason)
    if eta is not _UNSET:
        order.eta = eta
        fields.add("eta")
    return fields


def _set_status(order: Order, *, by, done: bool) -> set[str]:
    """The course's flag: true moves straight to delivered (picked up), false back from it."""
    order_policy.check_status(by, order, done=done)
    if done == order.status:
        return set()  # already so: nothing to record
    if done:
        pickup = order.fulfilment == Order.Fulfilment.PICKUP
        return _enter(order, Order.State.PICKED_UP if pickup else Order.State.DELIVERED, by=by)
    before = [change.state for change in order.history.order_by("id")][-2:-1]
    return _enter(order, before[0] if before else Order.State.PLACED, by=by)


def _move_slot(order: Order, *, slot: datetime) -> set[str]:
    """Another slot for the order (whoever order_update let send it), checked as a new order's;
    the old place freed."""
    return clock.move_slot(order, slot)


def _enter(order: Order, state: str, *, by, reason: str | None = None) -> set[str]:
    """Put the order in `state` and record the move; cancelling gives back what it took."""
    fields = {"state"}
    if state == Order.State.CANCELLED:
        order.cancel_reason = reason or None
        fields.add("cancel_reason")
        _give_back_stock(order)
        clock.free_slot(order)
        # Money was taken (all of it, or what refunds left): it is owed back.
        if order.payment_status in (
            Order.PaymentStatus.PAID,
            Order.PaymentStatus.PARTIALLY_REFUNDED,
        ):
            order.payment_status = Order.PaymentStatus.REFUND_DUE
            fields.add("payment_status")
    order.state = state
    OrderStateChange.objects.create(order=order, state=state, by=by, reason=reason or None)
    return fields


def _give_back_stock(order: Order) -> None:
    """Put the portions the order took back on its dishes that still exist and are counted.

    Called with the order row locked and once per order (only an open order is cancelled or
    deleted open), so the portions go back exactly once.
    """
    taken = {}  # a dish may be on several lines, with different choices
    for dish_id, quantity in order.items.filter(counted=True, menuitem__isnull=False).values_list(
        "menuitem_id", "quantity"
    ):
        taken[dish_id] = taken.get(dish_id, 0) + quantity
    dishes = list(
        MenuItem.objects.select_for_update(no_key=True)
        .filter(pk__in=taken, stock__isnull=False)
        .order_by("id")
    )
    for dish in dishes:
        dish.stock = min(dish.stock + taken[dish.pk], STOCK_MAX)
    if dishes:
        MenuItem.objects.bulk_update(dishes, ["stock"])


def order_delete(*, order: Order) -> None:
    """Delete an order (an admin's correction); one still open gives its stock back first."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.is_open:
            _give_back_stock(order)
        if order.state != Order.State.CANCELLED:
            clock.free_slot(order)  # every order but a cancelled one holds its place
        order.delete()
