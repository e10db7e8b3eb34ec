"""Who may do what: the API's role rules as one table of (role, method, path, status).

Each contract row below lists the status for the five roles in the order of ROLES. A path or
body value `{name}` is filled in from the objects built by the `world` fixture, so no id is
ever hard-coded. `{my_line}` is the caller's own cart line.
"""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.permissions import SAFE_METHODS

from LittleLemonDRF.models import (
    Cart,
    Category,
    Closure,
    MenuItem,
    Order,
    OrderItem,
    Rating,
    Restaurant,
    ServiceHours,
)
from tests.factories import (
    PASSWORD,
)

User = get_user_model()

ROLES = ("anon", "customer", "crew", "manager", "admin")
EVERYONE = (200, 200, 200, 200, 200)
SIGNED_IN = (401, 200, 200, 200, 200)
MANAGERS = (401, 403, 403, 200, 200)

MENU_ITEM_BODY = {"title": "Lemon Tart", "price": "6.50", "category_id": "{category}"}

# (method, path template, body, statuses for ROLES, label for the test id or None)
CONTRACT = [
    # --- Menu: categories
    ("GET", "/api/categories", None, EVERYONE, None),
    ("POST", "/api/categories", {"title": "Desserts"}, (401, 403, 403, 201, 201), None),
    ("GET", "/api/categories/{category}", None, EVERYONE, None),
    (
        "PUT",
        "/api/categories/{category}",
        {"title": "Starters", "slug": "starters"},
        MANAGERS,
        None,
    ),
    ("PATCH", "/api/categories/{category}", {"title": "Mains and more"}, MANAGERS, None),
    ("DELETE", "/api/categories/{empty_category}", None, (401, 403, 403, 204, 204), None),
    (
        "DELETE",
        "/api/categories/{category}",
        None,
        (401, 403, 403, 409, 409),
        "categories-with-items",
    ),
    # --- Menu: menu items
    ("GET", "/api/menu-items", None, EVERYONE, None),
    ("POST", "/api/menu-items", MENU_ITEM_BODY, (401, 403, 403, 201, 201), None),
    ("GET", "/api/menu-items/{item}", None, EVERYONE, None),
    (
        "PUT",
        "/api/menu-items/{item}",
        {"title": "Lemon Cake", "price": "7.00", "category_id": "{category}"},
        MANAGERS,
        None,
    ),
    ("PATCH", "/api/menu-items/{item}", {"featured": True}, MANAGERS, None),
    ("DELETE", "/api/menu-items/{item}", None, (401, 403, 403, 204, 204), None),
    # --- Ratings: `rating` was written by the customer; crew and manager are other users
    ("GET", "/api/ratings", None, EVERYONE, None),
    (
        "POST",
        "/api/ratings",
        {"menuitem_id": "{unrated_item}", "rating": 4},
        (401, 201, 201, 201, 201),
        None,
    ),
    ("GET", "/api/ratings/{rating}", None, EVERYONE, None),
    ("PATCH", "/api/ratings/{rating}", {"rating": 2}, (401, 200, 403, 403, 200), None),
    ("DELETE", "/api/ratings/{rating}", None, (401, 204, 403, 403, 204), None),
    # --- Cart: each role acts on their own cart; `other_line` belongs to another customer
    ("GET", "/api/cart/menu-items", None, SIGNED_IN, None),
    (
        "POST",
        "/api/cart/menu-items",
        {"menuitem_id": "{unrated_item}", "quantity": 2},
        (401, 201, 201, 201, 201),
        None,
    ),
    ("DELETE", "/api/cart/menu-items", None, (401, 204, 204, 204, 204), None),
    ("PATCH", "/api/cart/menu-items/{my_line}", {"quantity": 3}, SIGNED_IN, None),
    ("DELETE", "/api/cart/menu-items/{my_line}", None, (401, 204, 204, 204, 204), None),
    (
        "PATCH",
        "/api/cart/menu-items/{other_line}",
        {"quantity": 3},
        (401, 404, 404, 404, 404),
        None,
    ),
    ("DELETE", "/api/cart/menu-items/{other_line}", None, (401, 404, 404, 404, 404), None),
    # --- Orders: `own_order` is the customer's, assigned to the crew user;
    # `other_order` is another customer's, unassigned
    ("GET", "/api/orders", None, SIGNED_IN, None),
    ("POST", "/api/orders", None, (401, 201, 201, 201, 201), None),
    ("GET", "/api/orders/{own_order}", None, SIGNED_IN, None),
    ("GET", "/api/orders/{other_order}", None, (401, 404, 404, 200, 200), None),
    (
        "PUT",
        "/api/orders/{own_order}",
        {"delivery_crew": "{crew}", "status": True},
        (401, 403, 403, 200, 200),
        None,
    ),
    (
        "PATCH",
        "/api/orders/{own_order}",
        {"status": True},
        (401, 403, 200, 200, 200),
        "orders-own_order-status",
    ),
    (
        "PATCH",
        "/api/orders/{own_order}",
        {"delivery_crew": None, "status": True},
        (401, 403, 403, 200, 200),
        "orders-own_order-crew-and-status",
    ),
    ("DELETE", "/api/orders/{own_order}", None, (401, 403, 403, 204, 204), None),
    (
        "PUT",
        "/api/orders/{other_order}",
        {"delivery_crew": "{crew}", "status": True},
        (401, 404, 404, 200, 200),
        None,
    ),
    (
        "PATCH",
        "/api/orders/{other_order}",
        {"status": True},
        (401, 404, 404, 200, 200),
        None,
    ),
    ("DELETE", "/api/orders/{other_order}", None, (401, 404, 404, 204, 204), None),
    # --- The restaurant: `hours` serve tables, `closure` is a day ahead
    ("GET", "/api/restaurant", None, EVERYONE, None),
    ("PATCH", "/api/restaurant", {"name": "Little Lemon Bistro"}, MANAGERS, None),
    ("PUT", "/api/restaurant", {"name": "Lemon", "prep_minutes": 40}, MANAGERS, None),
    ("GET", "/api/service-hours", None, EVERYONE, None),
    (
        "POST",
        "/api/service-hours",
        {"fulfilment": "pickup", "weekday": 5, "opens": "11:00", "closes": "22:00", "capacity": 4},
        (401, 403, 403, 201, 201),
        None,
    ),
    ("GET", "/api/service-hours/{hours}", None, EVERYONE, None),
    ("PATCH", "/api/service-hours/{hours}", {"closes": "23:00"}, MANAGERS, None),
    ("DELETE", "/api/service-hours/{hours}", None, (401, 403, 403, 204, 204), None),
    ("GET", "/api/closures", None, EVERYONE, None),
    (
        "POST",
        "/api/closures",
        {"starts": "2031-01-01T00:00:00+01:00", "ends": "2031-01-02T00:00:00+01:00"},
        (401, 403, 403, 201, 201),
        None,
    ),
    ("PATCH", "/api/closures/{closure}", {"reason": "Stocktaking"}, MANAGERS, None),
    ("DELETE", "/api/closures/{closure}", None, (401, 403, 403, 204, 204), None),
    ("GET", "/api/slots?fulfilment=delivery", None, EVERYONE, "slots"),
    # --- Course demo endpoints
    ("GET", "/api/secret", None, SIGNED_IN, None),
    ("GET", "/api/manager-view", None, MANAGERS, None),
    # --- Accounts
    (
        "POST",
        "/api/users",
        {"username": "newcomer", "email": "newcomer@example.com", "password": PASSWORD},
        (201, 201, 201, 201, 201),
        None,
    ),
    ("GET", "/auth/users/me/", None, SIGNED_IN, None),
    ("GET", "/api/users/users/me/", None, SIGNED_IN, None),
]

# --- Groups: the same five rows for both role groups
for _slug, _member in (("manager", "manager_member"), ("delivery-crew", "crew_member")):
    _users = f"/api/groups/{_slug}/users"
    CONTRACT += [
        ("GET", _users, None, MANAGERS, None),
        ("POST", _users, {"username": "{outsider_name}"}, (401, 403, 403, 201, 201), None),
        ("DELETE", _users + "/{" + _member + "}", None, MANAGERS, None),
        (
            "DELETE",
            _users,
            {"username": "{" + _member + "_name}"},
            MANAGERS,
            f"groups-{_slug}-users-by-username-body",
        ),
        (
            "DELETE",
            _users + "?username={" + _member + "_name}",
            None,
            MANAGERS,
            f"groups-{_slug}-users-by-username-query",
        ),
    ]


def _label(path: str) -> str:
    return (
        path.removeprefix("/api/")
        .strip("/")
        .replace("{", "")
        .replace("}", "")
        .replace("/", "-")
        .replace("?", "-")
        .replace("=", "-")
    )


def _matrix():
    params = []
    for method, path, body, statuses, label in CONTRACT:
        for role, expected in zip(ROLES, statuses, strict=True):
            test_id = f"{role}-{method}-{label or _label(path)}-{expected}"
            params.append(pytest.param(role, method, path, body, expected, id=test_id))
    return params


MATRIX = _matrix()


def _refs_for(world, client) -> dict:
    """The world's references, with `my_line` the caller's own line (the customer's for anon)."""
    user = getattr(client, "user", world.customer)
    return {**world.refs, "my_line": world.lines[user.pk]}


def _fill(body, refs):
    """Replace every body value that is exactly `{name}` by the referenced id or name."""
    if body is None:
        return None
    return {
        key: refs[value[1:-1]]
        if isinstance(value, str) and value.startswith("{") and value.endswith("}")
        else value
        for key, value in body.items()
    }


def _db_state() -> dict:
    """Everything a request in the matrix could change."""
    return {
        "categories": list(Category.objects.order_by("id").values()),
        "menu_items": list(MenuItem.objects.order_by("id").values()),
        "ratings": list(Rating.objects.order_by("id").values()),
        "cart": list(Cart.objects.order_by("id").values()),
        "orders": list(Order.objects.order_by("id").values()),
        "order_items": list(OrderItem.objects.order_by("id").values()),
        "restaurant": list(Restaurant.objects.values()),
        "service_hours": list(ServiceHours.objects.order_by("id").values()),
        "closures": list(Closure.objects.order_by("id").values()),
        "users": list(User.objects.order_by("id").values_list("id", "username")),
        "memberships": list(
            User.groups.through.objects.order_by("id").values_list("user_id", "group_id")
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role_client", "method", "path", "body", "expected"), MATRIX, indirect=["role_client"]
)
def test_permission_matrix(role_client, method, path, body, expected, world):
    refs = _refs_for(world, role_client)
    before = _db_state()

    response = getattr(role_client, method.lower())(
        path.format(**refs), _fill(body, refs), format="json"
    )

    assert response.status_code == expected, response.content
    if expected == 204:
        assert response.content == b""
    else:
        assert response["Content-Type"].startswith("application/json")
        assert isinstance(response.json(), dict | list)
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Token")
    # A refused or read-only request leaves the database as it was; an allowed write changes it.
    wrote = method not in SAFE_METHODS and expected < 300
    assert (_db_state() != before) == wrote
