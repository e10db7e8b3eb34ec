"""The tables page: a manager's evening, each table's reservations on a timeline, kept live.

A plain Django view, like the kitchen board: HTML with a small script (static/tables/page.js)
that reads the tables and the service sheet through the API with the session login, every few
seconds. Its buttons come from the transition table rendered into the page.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from .. import clock, reservation_policy
from ..models import Reservation

POLL_SECONDS = 5
LABELS = {"seated": "Seat", "completed": "Done", "no_show": "No-show", "cancelled": "Cancel"}


def transition_table() -> list[dict]:
    """reservation_policy.MOVES as the page's script reads it: the moves a manager may make."""
    return [
        {"from": str(start), "to": str(to), "after_grace": move.after_grace}
        for (start, to), move in reservation_policy.MOVES.items()
        if reservation_policy.MANAGER in move.who
    ]


@require_safe
@login_required(login_url="rest_framework:login")
@ensure_csrf_cookie
def tables_page(request):
    if not reservation_policy.can_manage_tables(request.user):
        # Answered, not raised: a customer who follows a link here is no error to log.
        return HttpResponseForbidden(
            "The tables page is for managers and admins.", content_type="text/plain"
        )
    config = clock.config()
    context = {
        "moves": transition_table(),
        "labels": {str(s): LABELS.get(s, s) for s in Reservation.Status},
        "timezone": config.restaurant.timezone,
        "grace_minutes": config.restaurant.no_show_grace_minutes,
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "tables/page.html", context)
