"""The kitchen board: a page for managers and admins with the open orders, kept live.

A plain Django view: the page is HTML with a small script (static/kitchen/board.js) that reads
the orders and the order stream through the API with the session login. The buttons come
from the transition table rendered into the page, so the board never restates a rule.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from .. import order_policy, roles
from ..models import Order

# A column per state an order is still open in, in the order orders go through them.
COLUMNS = [state for state in Order.State if state not in Order.FINAL]
# Cards are in the order they were placed, except where this says otherwise: orders for later
# wait by the time they are wanted.
ORDERED_BY = {Order.State.SCHEDULED: "slot"}

# What a card's main button says for each state it moves an order to. A state missing here
# (a new one) gets "Move to <state>", so the board never needs this table to work.
ACTION_LABELS = {
    "placed": "Send to kitchen",
    "accepted": "Accept",
    "preparing": "Start preparing",
    "ready": "Mark ready",
    "out_for_delivery": "Send out",
    "delivered": "Delivered",
    "picked_up": "Picked up",
}

FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


def transition_table() -> list[dict]:
    """order_policy.MOVES as the board's script reads it: the moves a manager may make."""
    return [
        {
            "from": str(start),
            "to": str(to),
            "fulfilment": move.fulfilment and str(move.fulfilment),
            "needs_crew": move.needs_crew,
            "needs_reason": move.needs_reason,
        }
        for (start, to), move in order_policy.MOVES.items()
        if order_policy.MANAGER in move.who
    ]


def state_label(state: str) -> str:
    return state.replace("_", " ").capitalize()


@require_safe
# DRF's login page, not the admin's: the admin's refuses managers who are not staff.
@login_required(login_url="rest_framework:login")
# The script's PATCH requests send the CSRF token from this cookie.
@ensure_csrf_cookie
def kitchen_board(request):
    if not roles.is_manager(request.user):
        raise PermissionDenied("The kitchen board is for managers and admins.")
    context = {
        "columns": [
            {"state": str(state), "label": state_label(state), "order_by": ORDERED_BY.get(state)}
            for state in COLUMNS
        ],
        "moves": transition_table(),
        "labels": {
            str(state): ACTION_LABELS.get(state, f"Move to {state_label(state).lower()}")
            for state in Order.State
        },
        "cancelled": str(Order.State.CANCELLED),
        "amber_minutes": settings.KITCHEN_AMBER_MINUTES,
        "red_minutes": settings.KITCHEN_RED_MINUTES,
    }
    return render(request, "kitchen/board.html", context)


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    """/favicon.ico, which browsers ask every site for: the lemon the board's tab shows."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
