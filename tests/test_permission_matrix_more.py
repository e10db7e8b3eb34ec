"""Who may do what with the resources the restaurant grew: options, refunds, tables,
reservations and the capstone's booking API. The same table form as test_permission_matrix.py,
over the `world` fixture and a few objects of these resources."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS

from LittleLemonDRF import clock
from LittleLemonDRF.models import (
    OptionChoice,
    OptionGroup,
    Order,
    Refund,
    Reservation,
    Table,
)
from tests.factories import make_order
from tests.test_permission_matrix import EVERYONE, MANAGERS, ROLES, SIGNED_IN, _fill, _label

MANAGERS_CREATE = (401, 403, 403, 201, 201)
MANAGERS_DELETE = (401, 403, 403, 204, 204)
SIGNED_IN_CREATE = (401, 201, 201, 201, 201)

CONTRACT = [
    # --- Options: written and read by managers and admins; everyone reads them in the dish
    ("GET", "/api/option-groups/{group}", None, MANAGERS, None),
    (
        "POST",
        "/api/option-groups",
        {"menuitem_id": "{item}", "name": "Extras", "min": 0, "max": 2},
        MANAGERS_CREATE,
        None,
    ),
    ("PATCH", "/api/option-groups/{group}", {"name": "Sides"}, MANAGERS, None),
    ("DELETE", "/api/option-groups/{group}", None, MANAGERS_DELETE, None),
    ("GET", "/api/option-choices/{choice}", None, MANAGERS, None),
    (
        "POST",
        "/api/option-choices",
        {"group_id": "{group}", "name": "Feta", "price_delta": "1.00"},
        MANAGERS_CREATE,
        None,
    ),
    ("PATCH", "/api/option-choices/{choice}", {"available": False}, MANAGERS, None),
    ("DELETE", "/api/option-choices/{choice}", None, MANAGERS_DELETE, None),
    ("GET", "/api/menu-items/{item}", None, EVERYONE, "menu-item-with-options"),
    # --- Refunds: managers and admins, on an order that was paid
    (
        "POST",
        "/api/orders/{paid_order}/refunds",
        {"reason": "Cold", "amount": "1.00"},
        MANAGERS_CREATE,
        None,
    ),
    # --- Tables: managers and admins
    ("GET", "/api/tables", None, MANAGERS, None),
    ("POST", "/api/tables", {"name": "Garden 9", "seats": 4}, MANAGERS_CREATE, None),
    ("GET", "/api/tables/{table}", None, MANAGERS, None),
    ("PATCH", "/api/tables/{table}", {"seats": 6}, MANAGERS, None),
    ("DELETE", "/api/tables/{free_table}", None, MANAGERS_DELETE, None),
    ("PUT", "/api/tables/{table}", {"name": "Window 10", "seats": 4}, MANAGERS, None),
    # --- Reservations: anyone reads availability, the signed-in book; the owner and managers
    # see one, the owner may only cancel it; managers delete
    (
        "GET",
        "/api/reservations/availability?date={monday}&party_size=2",
        None,
        EVERYONE,
        "reservations-availability",
    ),
    ("GET", "/api/reservations", None, SIGNED_IN, None),
    (
        "POST",
        "/api/reservations",
        {"start": "{monday_evening}", "party_size": 2},
        SIGNED_IN_CREATE,
        None,
    ),
    ("GET", "/api/reservations/{reservation}", None, (401, 200, 404, 200, 200), None),
    (
        "PATCH",
        "/api/reservations/{reservation}",
        {"status": "cancelled"},
        (401, 200, 404, 200, 200),
        "reservations-cancel",
    ),
    (
        "PATCH",
        "/api/reservations/{reservation}",
        {"party_size": 3},
        (401, 403, 404, 200, 200),
        "reservations-party-size",
    ),
    ("DELETE", "/api/reservations/{reservation}", None, (401, 403, 404, 204, 204), None),
    # --- The capstone's booking API: the same rules under the capstone's names
    ("GET", "/restaurant/booking/tables", None, SIGNED_IN, None),
    (
        "POST",
        "/restaurant/booking/tables",
        {"name": "Rossi", "no_of_guests": 2, "booking_date": "{monday_evening}"},
        SIGNED_IN_CREATE,
        None,
    ),
    ("GET", "/restaurant/booking/tables/{reservation}", None, (401, 200, 404, 200, 200), None),
    (
        "PUT",
        "/restaurant/booking/tables/{reservation}",
        {"name": "Rossi", "no_of_guests": 3, "booking_date": "{reservation_start}"},
        (401, 403, 404, 200, 200),
        None,
    ),
    (
        "PATCH",
        "/restaurant/booking/tables/{reservation}",
        {"no_of_guests": 3},
        (401, 403, 404, 200, 200),
        None,
    ),
    (
        "DELETE",
        "/restaurant/booking/tables/{reservation}",
        None,
        (401, 204, 404, 204, 204),
        None,
    ),
    ("GET", "/restaurant/menu/", None, EVERYONE, None),
]


def _matrix():
    params = []
    for method, path, body, statuses, label in CONTRACT:
        for role, expected in zip(ROLES, statuses, strict=True):
            test_id = f"{role}-{method}-{label or _label(path)}-{expected}"
            params.append(pytest.param(role, method, path, body, expected, id=test_id))
    return params


@pytest.fixture
def grown(world):
    """The world with an option group and choice on its dish, a paid order, two tables, the
    customer's reservation of one of them tomorrow evening, and the next Monday evening (the
    world's table hours) at least two days ahead, to book."""
    group = OptionGroup.objects.create(menuitem=world.item, name="Dressing", min=0, max=1)
    choice = OptionChoice.objects.create(group=group, name="Lemon", price_delta=Decimal("0"))
    paid = make_order(world.customer)
    Order.objects.filter(pk=paid.pk).update(payment_status=Order.PaymentStatus.PAID)
    table = Table.objects.create(name="Window 9", seats=4)
    free_table = Table.objects.create(name="Terrace 9", seats=2)
    start = (timezone.now() + timedelta(days=1)).replace(hour=19, minute=0, second=0)
    reservation = Reservation.objects.create(
        user=world.customer,
        name=world.customer.username,
        party_size=2,
        start=start,
        end=start + timedelta(minutes=90),
        table=table,
    )
    zone = clock.config().zone
    today = timezone.now().astimezone(zone).date()
    monday = today + timedelta(days=2 + (-(today.weekday() + 2)) % 7)
    monday_evening = datetime.combine(monday, time(19, 0), zone)
    return {
        **world.refs,
        "monday": monday.isoformat(),
        "monday_evening": monday_evening.isoformat(),
        "reservation_start": reservation.start.astimezone(zone).isoformat(),
        "group": group.pk,
        "choice": choice.pk,
        "paid_order": paid.pk,
        "table": table.pk,
        "free_table": free_table.pk,
        "reservation": reservation.pk,
    }


def _db_state() -> dict:
    return {
        "groups": list(OptionGroup.objects.order_by("id").values()),
        "choices": list(OptionChoice.objects.order_by("id").values()),
        "refunds": list(Refund.objects.order_by("id").values_list("id", "amount")),
        "tables": list(Table.objects.order_by("id").values()),
        "reservations": list(Reservation.objects.order_by("id").values()),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role_client", "method", "path", "body", "expected"), _matrix(), indirect=["role_client"]
)
def test_permission_matrix_of_the_grown_restaurant(
    role_client, method, path, body, expected, grown
):
    before = _db_state()

    response = getattr(role_client, method.lower())(
        path.format(**grown), _fill(body, grown), format="json"
    )

    assert response.status_code == expected, response.content
    if expected == 204:
        assert response.content == b""
    else:
        assert response["Content-Type"].startswith("application/json")
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Token")
    wrote = method not in SAFE_METHODS and expected < 300
    assert (_db_state() != before) == wrote
