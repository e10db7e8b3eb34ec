"""Domain errors: the business rules' own words, with no HTTP, DRF or API field name in them.

Services, selectors and policies raise these; exceptions.py is the one place that turns them
into status codes and JSON, so a management command, the admin or a worker can call a service
without dragging HTTP along.
"""

from dataclasses import dataclass

from .models import IDEMPOTENCY_KEY_MAX, QUANTITY_RULE


class DomainError(Exception):
    """A business rule refused the request; `message` is safe to show the client."""

    message = "The request breaks a business rule."

    def __init__(self, message: str | None = None):
        if message is not None:
            self.message = message
        super().__init__(self.message)


class NotAllowed(DomainError):
    """The caller may see the object but not make this change to it."""

    message = "You may not make this change."


class NotFound(DomainError):
    """What the request names does not exist (or is not where it was looked for)."""

    message = "Not found."


# --- Menu -----------------------------------------------------------------------------------


class SlugTaken(DomainError):
    def __init__(self, slug: str):
        super().__init__(f"A category with the slug '{slug}' already exists.")


class NoSlugInTitle(DomainError):
    message = "The title has no letters or digits to make a slug from; give one."


class AlreadyRated(DomainError):
    message = "You have already rated this menu item; change that rating instead."


class RatingMoved(DomainError):
    message = "A rating cannot be moved to another menu item; delete it and rate again."


# --- Cart and orders ------------------------------------------------------------------------


class CartLineTooLarge(DomainError):
    message = QUANTITY_RULE


class EmptyCart(DomainError):
    message = "Your cart is empty."


class BadIdempotencyKey(DomainError):
    message = f"The Idempotency-Key header must be 1 to {IDEMPOTENCY_KEY_MAX} characters."


class NotDeliveryCrew(DomainError):
    message = "That user is not a member of the Delivery crew group."


class ReasonRequired(DomainError):
    message = "Cancelling an order the kitchen has accepted needs a reason."


class MoveNotPossible(DomainError):
    """The order cannot make this move now; `allowed` lists where this caller may move it."""

    def __init__(self, message: str, allowed: list[str]):
        super().__init__(message)
        self.allowed = allowed


class PaymentChangeNotPossible(DomainError):
    pass


# --- Stock ----------------------------------------------------------------------------------


class NotOrderable(DomainError):
    def __init__(self, title: str):
        super().__init__(f"{title} cannot be ordered right now.")


class StockShort(DomainError):
    def __init__(self, title: str, left: int):
        super().__init__(f"Only {left} left of {title}.")
        self.left = left


@dataclass(frozen=True)
class Shortage:
    """A cart line the kitchen cannot serve: `left` portions for `requested` (0: switched off)."""

    menuitem_id: int
    title: str
    requested: int
    left: int


class ItemsUnavailable(DomainError):
    message = "Some dishes in your cart are no longer available; nothing was ordered."

    def __init__(self, shortages: list[Shortage]):
        super().__init__()
        self.shortages = shortages


# --- Tables and reservations ---------------------------------------------------------------


class StartRefused(DomainError):
    """A reservation's start breaks a rule of the clock (naive, off the grid, too soon...)."""


class PartyTooLarge(DomainError):
    def __init__(self, largest: int):
        if largest:
            super().__init__(f"Our largest table seats {largest}.")
        else:
            super().__init__("No table is open for reservations.")


class NoTableFree(DomainError):
    """No table can take the party then; `alternatives` are other starts of that day."""

    message = "No table is free for that party at that time."

    def __init__(self, alternatives: list[str], message: str | None = None):
        super().__init__(message)
        self.alternatives = alternatives


class TableRefused(DomainError):
    """The table a manager chose cannot take this reservation."""


class TableInUse(DomainError):
    message = "The table has reservations ahead; move or cancel them, or make it inactive."


# --- Options, the bill and refunds ---------------------------------------------------------


class ChoicesRefused(DomainError):
    """A line's picks break a rule of the dish's option groups; the message names the group."""


@dataclass(frozen=True)
class ChoiceShortage(Shortage):
    """A line whose picked choice is switched off or deleted (`left` is 0)."""

    choice_id: int
    choice: str


class BelowMinimumOrder(DomainError):
    def __init__(self, minimum):
        super().__init__(f"A delivery order comes to at least {minimum} before fees and tip.")
        self.minimum_order = f"{minimum:.2f}"


class ItemsRefused(DomainError):
    """Lines of an order placed in one request that the cart's rules refuse, by position:
    `errors` holds each line's DomainError, or None for a line that passed."""

    message = "Some lines cannot be ordered as given; nothing was ordered."

    def __init__(self, errors: list):
        super().__init__()
        self.errors = errors


class RefundNotPossible(DomainError):
    """The refund asks for more than can be given back, or the order is not paid."""


class RefundLineUnknown(DomainError):
    def __init__(self, line_id: int):
        super().__init__(f"The order has no line {line_id}.")


# --- The restaurant's clock -----------------------------------------------------------------


class TimeNotOffered(DomainError):
    """A time asked for an order that is no slot's start (or no slot is offered at all)."""


class SlotNotOffered(TimeNotOffered):
    """The same, for a manager moving an order to another slot."""


class SlotUnavailable(DomainError):
    """The slot cannot be taken now; `next_available` is the first start that can."""

    MESSAGES = {
        "closed": "The restaurant is closed at that time.",
        "paused": "The kitchen has paused orders for that time.",
        "too_soon": "That slot starts too soon for the kitchen to be ready.",
        "full": "That slot is full.",
        None: "No slot is left within the days orders are taken for.",
    }

    def __init__(self, reason: str | None, next_available):
        super().__init__(self.MESSAGES[reason])
        self.reason = reason
        self.next_available = next_available and next_available.isoformat()


class SlotMoveNotPossible(SlotUnavailable):
    """The order is past the states whose slot may change; no slot is offered instead."""

    def __init__(self, state: str):
        DomainError.__init__(self, f"An order that is {state} cannot change its slot.")
        self.reason, self.next_available = None, None


class HoursOverlap(DomainError):
    def __init__(self, other: str):
        super().__init__(f"These hours overlap {other}; periods of one fulfilment may only touch.")


# --- Webhooks -------------------------------------------------------------------------------


class WebhookTargetRefused(DomainError):
    """A webhook may not be sent where its URL points."""


class WebhookHostUnknown(WebhookTargetRefused):
    def __init__(self, host: str):
        super().__init__(f"The host {host} could not be resolved.")


class WebhookAddressNotPublic(WebhookTargetRefused):
    # The host as given and the kind of address, never the address a name resolved to: that
    # would map the inside of the network for whoever may register a webhook.
    def __init__(self, host: str, kind: str, *, resolved: bool):
        where = f"{host} resolves to" if resolved else f"{host} is"
        article = "an" if kind[0] in "aeiou" else "a"
        super().__init__(f"{where} {article} {kind} address; webhooks go to public addresses only.")
