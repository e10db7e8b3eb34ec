"""Who may see a reservation, change which of its fields, move it where, and delete it.

Plain functions and tables over roles.py, as order_policy.py is for orders: the reservation
views, serializers, services, the admin and the /tables/ page ask here. The moves are data
(MOVES): the 409's `allowed` list, the page's buttons and the admin's actions come from it.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from . import roles
from .errors import MoveNotPossible, NotAllowed
from .models import Reservation

Status = Reservation.Status

# How a caller stands to a reservation; one user may stand in both ways.
MANAGER, OWNER = "manager", "owner"


@dataclass(frozen=True)
class Move:
    """One row of the transition table: who may make it, and from when."""

    who: frozenset[str]
    after_grace: bool = False  # not before start + no_show_grace_minutes
    owner_before_start: bool = False  # the owner only until the reservation starts


MOVES: dict[tuple[str, str], Move] = {
    (Status.CONFIRMED, Status.SEATED): Move(frozenset({MANAGER})),
    (Status.SEATED, Status.COMPLETED): Move(frozenset({MANAGER})),
    (Status.CONFIRMED, Status.NO_SHOW): Move(frozenset({MANAGER}), after_grace=True),
    (Status.CONFIRMED, Status.CANCELLED): Move(
        frozenset({MANAGER, OWNER}), owner_before_start=True
    ),
    (Status.SEATED, Status.CANCELLED): Move(frozenset({MANAGER})),
}

# What each standing may send in a PATCH.
FIELDS: dict[str, frozenset[str]] = {
    MANAGER: frozenset({"status", "table", "party_size", "start", "name", "phone", "note"}),
    OWNER: frozenset({"status"}),
}


def standing(user, reservation) -> frozenset[str]:
    found = set()
    if roles.is_manager(user):
        found.add(MANAGER)
    if reservation.user_id == user.pk:
        found.add(OWNER)
    return frozenset(found)


# --- Seeing and deleting -------------------------------------------------------------------


def visible(user) -> Q | None:
    """The reservations the user may see, as a filter; None means every one."""
    if roles.is_manager(user):
        return None
    return Q(user=user)


def sees_all(user) -> bool:
    return roles.is_manager(user)


def can_delete(user, reservation) -> bool:
    return roles.is_manager(user)


def can_manage_tables(user) -> bool:
    return roles.is_manager(user)


# --- Changing fields ----------------------------------------------------------------------


def fields_allowed(user, reservation) -> frozenset[str]:
    return frozenset().union(*(FIELDS[s] for s in standing(user, reservation)))


def check_fields(user, reservation, sent: Collection[str]) -> None:
    """Refuse a change that sends a field the user may not change."""
    allowed = fields_allowed(user, reservation)
    other = sorted(set(sent) - allowed)
    if other:
        names = ", ".join(sorted(allowed)) or "nothing"
        raise NotAllowed(
            f"You may change only {names} of this reservation, not {', '.join(other)}."
        )


# --- Moving -------------------------------------------------------------------------------


def moves_for(reservation, *, now: datetime, grace: timedelta) -> dict[str, Move]:
    """The moves the table has for this reservation now, by target status."""
    return {
        to: move
        for (start, to), move in MOVES.items()
        if start == reservation.status
        and (not move.after_grace or now >= reservation.start + grace)
    }


def _may(move: Move, mine: frozenset[str], reservation, now: datetime) -> bool:
    if MANAGER in mine and MANAGER in move.who:
        return True
    if OWNER in mine and OWNER in move.who:
        return not move.owner_before_start or now < reservation.start
    return False


def allowed_statuses(user, reservation, *, now: datetime, grace: timedelta) -> list[str]:
    """The statuses this user may move this reservation to now."""
    mine = standing(user, reservation)
    moves = moves_for(reservation, now=now, grace=grace)
    return [to for to, move in moves.items() if _may(move, mine, reservation, now)]


def check_move(user, reservation, to: str, *, now: datetime, grace: timedelta) -> Move:
    """The move to `to`, if the table has it now and it is this user's to make.

    A move the reservation cannot make now (from a final status, a no-show before the grace
    time, an owner's cancel once it has started) is a conflict, with the moves this caller
    could make; one it can make, but not by this user, is not allowed. `user` None is the
    system itself.
    """
    move = moves_for(reservation, now=now, grace=grace).get(to)
    if move is None:
        raise _conflict(user, reservation, to, now=now, grace=grace)
    if user is None:
        return move
    mine = standing(user, reservation)
    if not move.who & mine:
        raise NotAllowed(f"You may not move this reservation from {reservation.status} to {to}.")
    if not _may(move, mine, reservation, now):
        raise _conflict(user, reservation, to, now=now, grace=grace, started=True)
    return move


def _conflict(user, reservation, to, *, now, grace, started=False) -> MoveNotPossible:
    if started:
        message = "The reservation has started: it can no longer be cancelled by its guest."
    elif to == Status.NO_SHOW and reservation.status == Status.CONFIRMED:
        message = (
            f"A reservation becomes a no-show only {int(grace.total_seconds() // 60)} minutes "
            "after its start."
        )
    else:
        message = f"A reservation that is {reservation.status} cannot become {to}."
    allowed = allowed_statuses(user, reservation, now=now, grace=grace) if user is not None else []
    return MoveNotPossible(message, allowed)
