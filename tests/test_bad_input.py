"""Bad input never breaks the API: always a 4xx with a JSON body, never a 5xx or a redirect.

Paths and bodies use `{name}` placeholders filled from the objects of the `world` fixture, so no
id is hard-coded. Each request is made by a role allowed to make it, so that the answer is about
the input, not about permission.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import (
    PASSWORD,
    add_to_cart,
    make_category,
    make_menu_item,
    make_order,
    make_rating,
    make_user,
)

HUGE = "99999999999999999999"

# (role, method, path) of every route that reads a request body. Routes that ignore the body
# (POST /api/orders, DELETE /api/cart/menu-items, DELETE of one object, token logout) are not
# here: there is no body for them to refuse.
WRITE_ROUTES = [
    ("manager", "POST", "/api/categories"),
    ("manager", "PUT", "/api/categories/{category}"),
    ("manager", "PATCH", "/api/categories/{category}"),
    ("manager", "POST", "/api/menu-items"),
    ("manager", "PUT", "/api/menu-items/{item}"),
    ("manager", "PATCH", "/api/menu-items/{item}"),
    ("customer", "POST", "/api/ratings"),
    ("customer", "PATCH", "/api/ratings/{rating}"),
    ("manager", "POST", "/api/groups/manager/users"),
    ("manager", "DELETE", "/api/groups/manager/users"),
    ("manager", "POST", "/api/groups/delivery-crew/users"),
    ("manager", "DELETE", "/api/groups/delivery-crew/users"),
    ("customer", "POST", "/api/cart/menu-items"),
    ("customer", "PATCH", "/api/cart/menu-items/{line}"),
    ("manager", "PUT", "/api/orders/{order}"),
    ("manager", "PATCH", "/api/orders/{order}"),
    ("crew", "PATCH", "/api/orders/{order}"),
    ("anon", "POST", "/api/users"),
    ("anon", "POST", "/token/login/"),
    ("anon", "POST", "/auth/token/login/"),
    ("anon", "POST", "/api/api-token-auth/"),
    ("anon", "POST", "/api/token/"),
]

# (role, path, paginated) of every list route.
LIST_ROUTES = [
    ("anon", "/api/categories", True),
    ("anon", "/api/menu-items", True),
    ("anon", "/api/ratings", True),
    ("customer", "/api/orders", True),
    ("manager", "/api/orders", True),
    ("customer", "/api/cart/menu-items", False),
    ("manager", "/api/groups/manager/users", False),
    ("manager", "/api/groups/delivery-crew/users", False),
]


def _route_id(role, method, path):
    return f"{role}-{method}-{path.strip('/').replace('/', '-').replace('{', '').replace('}', '')}"


def _routes(routes):
    return [pytest.param(*route, id=_route_id(*route)) for route in routes]


# --- Fixtures and helpers -----------------------------------------------------------------


@pytest.fixture
def client_for(request):
    """`client_for(role)`: a client for anon, customer, crew, manager, admin, or `token` (the
    customer with a real `Authorization: Token` header)."""

    def build(role):
        if role == "anon":
            return APIClient()
        if role == "token":
            token_client = request.getfixturevalue("token_client")
            return token_client(request.getfixturevalue("customer_user"))
        return request.getfixturevalue(f"{role}_client")

    return build


def _fill(value, refs):
    """Replace `{name}` placeholders: a whole-string placeholder by the referenced value."""
    if isinstance(value, dict):
        return {key: _fill(item, refs) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return refs[value[1:-1]]
    return value


def _send_json(client, method, path, body):
    return getattr(client, method.lower())(path, body, format="json")


def _send_raw(client, method, path, raw, content_type):
    return client.generic(method, path, raw, content_type=content_type)


def _assert_json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict)
    return body


# --- Bodies that are not a JSON object ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "method", "path"), _routes(WRITE_ROUTES))
def test_malformed_json_is_a_400_with_detail(client_for, world, role, method, path):
    response = _send_raw(
        client_for(role), method, path.format(**world.refs), "{bad", "application/json"
    )

    body = _assert_json_error(response, 400)
    assert "detail" in body


NOT_AN_OBJECT = {
    "array": "[1, 2]",
    "array-of-field-names": '["username", "status"]',
    "string": '"username"',
    "number": "42",
    "null": "null",
}


def _not_an_object_params():
    params = []
    for route in WRITE_ROUTES:
        for kind, raw in NOT_AN_OBJECT.items():
            test_id = f"{_route_id(*route)}-{kind}"
            params.append(pytest.param(*route, raw, id=test_id))
    return params


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "method", "path", "raw"), _not_an_object_params())
def test_json_that_is_not_an_object_is_a_400(client_for, world, role, method, path, raw):
    response = _send_raw(
        client_for(role), method, path.format(**world.refs), raw, "application/json"
    )

    _assert_json_error(response, 400)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "method", "path"), _routes(WRITE_ROUTES))
def test_plain_text_body_is_a_415(client_for, world, role, method, path):
    response = _send_raw(
        client_for(role), method, path.format(**world.refs), "title=Soup", "text/plain"
    )

    body = _assert_json_error(response, 415)
    assert "detail" in body


# --- Field values of the wrong type or out of range ---------------------------------------

ITEM = {"title": "Lemon Tart", "price": "6.50", "category_id": "{category}"}
RATING = {"menuitem_id": "{unrated_item}", "rating": 4}
CART = {"menuitem_id": "{unrated_item}", "quantity": 1}
ASSIGN = {"delivery_crew": "{crew}", "status": True}

# (role, method, path, body, the field the 400 must name)
WRONG_VALUES = [
    ("manager", "POST", "/api/categories", {"title": {"a": 1}}, "title"),
    ("manager", "POST", "/api/categories", {"title": None}, "title"),
    ("manager", "POST", "/api/categories", {"title": "Soups", "slug": "not a slug!"}, "slug"),
    ("manager", "PATCH", "/api/categories/{category}", {"title": ["Soups"]}, "title"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "price": [1]}, "price"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "price": "abc"}, "price"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "price": "5.555"}, "price"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "price": "0"}, "price"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "price": "-1.00"}, "price"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "price": "10000"}, "price"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "price": "NaN"}, "price"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "price": "Infinity"}, "price"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "price": 1e308}, "price"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "category_id": "abc"}, "category_id"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "category_id": 10**30}, "category_id"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "category_id": -1}, "category_id"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "category_id": [1]}, "category_id"),
    ("manager", "POST", "/api/menu-items", {**ITEM, "featured": "maybe"}, "featured"),
    ("manager", "PATCH", "/api/menu-items/{item}", {"featured": "maybe"}, "featured"),
    ("manager", "PATCH", "/api/menu-items/{item}", {"title": ["Soup"]}, "title"),
    ("manager", "PATCH", "/api/menu-items/{item}", {"price": {"amount": 5}}, "price"),
    ("customer", "POST", "/api/ratings", {**RATING, "rating": 4.5}, "rating"),
    ("customer", "POST", "/api/ratings", {**RATING, "rating": "abc"}, "rating"),
    ("customer", "POST", "/api/ratings", {**RATING, "rating": 6}, "rating"),
    ("customer", "POST", "/api/ratings", {**RATING, "rating": -1}, "rating"),
    ("customer", "POST", "/api/ratings", {**RATING, "rating": 10**30}, "rating"),
    ("customer", "POST", "/api/ratings", {**RATING, "menuitem_id": "abc"}, "menuitem_id"),
    ("customer", "POST", "/api/ratings", {**RATING, "menuitem_id": 10**30}, "menuitem_id"),
    ("customer", "POST", "/api/ratings", {**RATING, "menuitem_id": -1}, "menuitem_id"),
    ("customer", "PATCH", "/api/ratings/{rating}", {"rating": 4.5}, "rating"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "quantity": "abc"}, "quantity"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "quantity": 1.5}, "quantity"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "quantity": 0}, "quantity"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "quantity": -1}, "quantity"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "quantity": 101}, "quantity"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "quantity": 10**30}, "quantity"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "menuitem_id": "abc"}, "menuitem_id"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "menuitem_id": 10**30}, "menuitem_id"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "menuitem_id": -1}, "menuitem_id"),
    ("customer", "POST", "/api/cart/menu-items", {**CART, "menuitem_id": None}, "menuitem_id"),
    ("customer", "PATCH", "/api/cart/menu-items/{line}", {"quantity": "abc"}, "quantity"),
    ("customer", "PATCH", "/api/cart/menu-items/{line}", {"quantity": 0}, "quantity"),
    ("customer", "PATCH", "/api/cart/menu-items/{line}", {"quantity": 10**30}, "quantity"),
    ("manager", "PUT", "/api/orders/{order}", {**ASSIGN, "delivery_crew": "abc"}, "delivery_crew"),
    ("manager", "PUT", "/api/orders/{order}", {**ASSIGN, "delivery_crew": 10**30}, "delivery_crew"),
    ("manager", "PUT", "/api/orders/{order}", {**ASSIGN, "delivery_crew": -1}, "delivery_crew"),
    ("manager", "PUT", "/api/orders/{order}", {**ASSIGN, "status": "maybe"}, "status"),
    ("manager", "PATCH", "/api/orders/{order}", {"delivery_crew": [1]}, "delivery_crew"),
    ("crew", "PATCH", "/api/orders/{order}", {"status": "maybe"}, "status"),
    ("crew", "PATCH", "/api/orders/{order}", {"status": None}, "status"),
    ("manager", "POST", "/api/groups/manager/users", {"username": ["mel"]}, "username"),
    ("manager", "POST", "/api/groups/delivery-crew/users", {"username": None}, "username"),
    ("manager", "DELETE", "/api/groups/manager/users", {"username": {"a": 1}}, "username"),
    (
        "anon",
        "POST",
        "/api/users",
        {"username": ["newcomer"], "password": PASSWORD},
        "username",
    ),
]


def _value_id(role, method, path, body, field):
    return f"{_route_id(role, method, path)}-{field}={json.dumps(body[field])[:24]}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "method", "path", "body", "field"),
    [pytest.param(*row, id=_value_id(*row)) for row in WRONG_VALUES],
)
def test_wrong_field_value_is_a_400_naming_the_field(
    client_for, world, role, method, path, body, field
):
    response = _send_json(
        client_for(role), method, path.format(**world.refs), _fill(body, world.refs)
    )

    assert field in _assert_json_error(response, 400)


# (role, method, path, body, fields the 400 must name)
MISSING_FIELDS = [
    ("manager", "POST", "/api/categories", {}, ["title"]),
    ("manager", "PUT", "/api/categories/{category}", {}, ["title"]),
    ("manager", "POST", "/api/menu-items", {}, ["title", "price", "category_id"]),
    ("manager", "PUT", "/api/menu-items/{item}", {}, ["title", "price", "category_id"]),
    ("manager", "PUT", "/api/menu-items/{item}", {"title": "Soup"}, ["price", "category_id"]),
    ("customer", "POST", "/api/ratings", {}, ["menuitem_id", "rating"]),
    ("customer", "POST", "/api/ratings", {"rating": 3}, ["menuitem_id"]),
    ("customer", "POST", "/api/cart/menu-items", {"quantity": 2}, ["menuitem_id"]),
    ("customer", "PATCH", "/api/cart/menu-items/{line}", {}, ["quantity"]),
    ("manager", "POST", "/api/groups/manager/users", {}, ["username"]),
    ("manager", "POST", "/api/groups/delivery-crew/users", {}, ["username"]),
    ("manager", "DELETE", "/api/groups/manager/users", {}, ["username"]),
    ("manager", "DELETE", "/api/groups/delivery-crew/users", {}, ["username"]),
    ("manager", "PUT", "/api/orders/{order}", {}, ["delivery_crew", "status"]),
    ("manager", "PUT", "/api/orders/{order}", {"status": True}, ["delivery_crew"]),
    ("crew", "PATCH", "/api/orders/{order}", {}, ["status"]),
    ("anon", "POST", "/api/users", {}, ["username", "password"]),
    ("anon", "POST", "/api/users", {"username": "newcomer"}, ["password"]),
    ("anon", "POST", "/api/api-token-auth/", {}, ["username", "password"]),
    ("anon", "POST", "/api/token/", {}, ["username", "password"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "method", "path", "body", "fields"),
    [pytest.param(*row, id=f"{_route_id(*row[:3])}-{'-'.join(row[4])}") for row in MISSING_FIELDS],
)
def test_missing_required_field_is_a_400_naming_it(
    client_for, world, role, method, path, body, fields
):
    response = _send_json(client_for(role), method, path.format(**world.refs), body)

    errors = _assert_json_error(response, 400)
    assert set(fields) <= set(errors), errors


# --- Text: length limit and null bytes ----------------------------------------------------

TITLE_ROUTES = [
    ("manager", "POST", "/api/categories", {}),
    ("manager", "PATCH", "/api/categories/{category}", {}),
    ("manager", "POST", "/api/menu-items", ITEM),
    ("manager", "PUT", "/api/menu-items/{item}", ITEM),
    ("manager", "PATCH", "/api/menu-items/{item}", {}),
]


def _title_routes():
    return [pytest.param(*route, id=_route_id(*route[:3])) for route in TITLE_ROUTES]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "method", "path", "base"), _title_routes())
def test_title_of_256_characters_is_a_400(client_for, world, role, method, path, base):
    body = _fill({**base, "title": "x" * 256}, world.refs)

    response = _send_json(client_for(role), method, path.format(**world.refs), body)

    assert "title" in _assert_json_error(response, 400)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "method", "path", "base"), _title_routes())
def test_title_of_255_characters_is_accepted(client_for, world, role, method, path, base):
    body = _fill({**base, "title": "x" * 255}, world.refs)

    response = _send_json(client_for(role), method, path.format(**world.refs), body)

    assert response.status_code == (201 if method == "POST" else 200), response.content
    assert response.json()["title"] == "x" * 255


NULL_BYTE_BODIES = [
    *[(*route[:3], {**route[3], "title": "Greek\x00Salad"}, "title") for route in TITLE_ROUTES],
    ("manager", "POST", "/api/categories", {"title": "Soups", "slug": "so\x00ups"}, "slug"),
    ("manager", "POST", "/api/groups/manager/users", {"username": "mel\x00member"}, "username"),
    ("manager", "POST", "/api/groups/delivery-crew/users", {"username": "dan\x00"}, "username"),
    ("manager", "DELETE", "/api/groups/manager/users", {"username": "mel\x00"}, "username"),
    (
        "anon",
        "POST",
        "/api/users",
        {"username": "new\x00comer", "password": PASSWORD},
        "username",
    ),
    ("anon", "POST", "/api/users", {"username": "newcomer", "password": "pa\x00ss"}, "password"),
    ("anon", "POST", "/token/login/", {"username": "cora\x00", "password": PASSWORD}, None),
    ("anon", "POST", "/auth/token/login/", {"username": "cora\x00", "password": PASSWORD}, None),
    ("anon", "POST", "/api/api-token-auth/", {"username": "c\x00", "password": PASSWORD}, None),
    ("anon", "POST", "/api/token/", {"username": "cora\x00", "password": PASSWORD}, None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "method", "path", "body", "field"),
    [
        pytest.param(*row, id=f"{_route_id(*row[:3])}-{row[4] or 'credentials'}")
        for row in NULL_BYTE_BODIES
    ],
)
def test_null_byte_in_a_string_field_is_a_400(client_for, world, role, method, path, body, field):
    # SQLite would store the null byte; PostgreSQL refuses it with a ValueError (a 500).
    response = _send_json(
        client_for(role), method, path.format(**world.refs), _fill(body, world.refs)
    )

    errors = _assert_json_error(response, 400)
    if field is not None:
        assert field in errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path"),
    [
        pytest.param("anon", "/api/menu-items?search=Greek%00Salad", id="menu-items-search"),
        pytest.param("anon", "/api/menu-items?category=mai%00ns", id="menu-items-category"),
        pytest.param("anon", "/api/menu-items?ordering=pri%00ce", id="menu-items-ordering"),
        pytest.param("manager", "/api/groups/manager/users?username=mel%00", id="groups-username"),
    ],
)
def test_null_byte_in_a_query_parameter_is_not_a_500(client_for, world, role, path):
    method = "DELETE" if "groups" in path else "GET"

    response = getattr(client_for(role), method.lower())(path)

    assert response.status_code in (200, 400), response.content
    assert isinstance(response.json(), dict)


# --- List query parameters ----------------------------------------------------------------

# (query, status on a paginated list); unpaginated lists ignore these and answer 200.
PAGE_QUERIES = [
    (f"page={HUGE}", 404),
    ("page=abc", 404),
    ("page=0", 404),
    ("page=-1", 404),
    ("page=1.5", 404),
    ("page_size=-1", 200),
    ("page_size=0", 200),
    ("page_size=abc", 200),
    (f"page_size={HUGE}", 200),
    ("page=1&page_size=100000", 200),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "paginated_status"), [pytest.param(*q, id=q[0]) for q in PAGE_QUERIES]
)
@pytest.mark.parametrize(
    ("role", "path", "paginated"),
    [pytest.param(*route, id=f"{route[0]}-{route[1].strip('/')}") for route in LIST_ROUTES],
)
def test_bad_page_parameters_follow_drf(
    client_for, world, role, path, paginated, query, paginated_status
):
    response = client_for(role).get(f"{path}?{query}")

    expected = paginated_status if paginated else 200
    assert response.status_code == expected, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if expected == 404:
        assert "detail" in body
    elif paginated:
        assert set(body) >= {"count", "next", "previous", "results"}
        assert 1 <= len(body["results"]) <= 100
    else:
        assert isinstance(body, list)


# (role, path with query): odd filter and ordering values; ignored (200) or refused (400).
ODD_FILTERS = [
    ("anon", "/api/menu-items?ordering=bogus"),
    ("anon", "/api/menu-items?ordering=price,bogus"),
    ("anon", "/api/menu-items?ordering=-"),
    ("anon", "/api/menu-items?ordering=category__title"),
    ("anon", "/api/menu-items?price_min=abc"),
    ("anon", "/api/menu-items?price_max=1e400"),
    ("anon", "/api/menu-items?price_min=NaN"),
    ("anon", f"/api/menu-items?price_max={HUGE}{HUGE}"),
    ("anon", "/api/menu-items?category_id=abc"),
    ("anon", f"/api/menu-items?category_id={HUGE}"),
    ("anon", "/api/menu-items?category_id=-1"),
    ("anon", "/api/menu-items?featured=maybe"),
    ("anon", "/api/menu-items?search=" + "x" * 1000),
    ("anon", "/api/ratings?menuitem_id=abc"),
    ("anon", f"/api/ratings?menuitem_id={HUGE}"),
    ("customer", "/api/orders?ordering=bogus"),
    ("manager", "/api/orders?ordering=-user"),
    ("manager", "/api/orders?status=maybe"),
    ("manager", "/api/orders?date_after=notadate"),
    ("manager", "/api/orders?date_before=2024-13-45"),
    ("manager", "/api/orders?delivery_crew=abc"),
    ("manager", f"/api/orders?delivery_crew={HUGE}"),
    ("manager", f"/api/orders?user={HUGE}"),
    ("customer", "/api/orders?user=abc"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path"), [pytest.param(*row, id=f"{row[0]}-{row[1][5:45]}") for row in ODD_FILTERS]
)
def test_odd_filter_values_are_ignored_or_a_400(client_for, world, role, path):
    response = client_for(role).get(path)

    assert response.status_code in (200, 400), response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if response.status_code == 200:
        assert "results" in body
    else:
        assert body


# --- Paths --------------------------------------------------------------------------------

# (role, method, path template with {id}, body)
DETAIL_ROUTES = [
    ("manager", "GET", "/api/categories/{id}", None),
    ("manager", "PATCH", "/api/categories/{id}", {"title": "Soups"}),
    ("manager", "DELETE", "/api/categories/{id}", None),
    ("manager", "GET", "/api/menu-items/{id}", None),
    ("manager", "PUT", "/api/menu-items/{id}", ITEM),
    ("manager", "PATCH", "/api/menu-items/{id}", {"featured": True}),
    ("manager", "DELETE", "/api/menu-items/{id}", None),
    ("customer", "GET", "/api/ratings/{id}", None),
    ("customer", "PATCH", "/api/ratings/{id}", {"rating": 3}),
    ("customer", "DELETE", "/api/ratings/{id}", None),
    ("customer", "PATCH", "/api/cart/menu-items/{id}", {"quantity": 2}),
    ("customer", "DELETE", "/api/cart/menu-items/{id}", None),
    ("manager", "GET", "/api/orders/{id}", None),
    ("manager", "PATCH", "/api/orders/{id}", {"status": True}),
    ("manager", "DELETE", "/api/orders/{id}", None),
    ("manager", "DELETE", "/api/groups/manager/users/{id}", None),
    ("manager", "DELETE", "/api/groups/delivery-crew/users/{id}", None),
]

# Ids that match no object: a number too big for any integer column, words, signs, fractions.
UNKNOWN_IDS = [HUGE, "abc", "-1", "1.5", "0x1"]


@pytest.mark.django_db
@pytest.mark.parametrize("unknown_id", UNKNOWN_IDS)
@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [pytest.param(*row, id=_route_id(*row[:3])) for row in DETAIL_ROUTES],
)
def test_unknown_id_in_the_path_is_a_404(client_for, world, role, method, path, body, unknown_id):
    response = _send_json(
        client_for(role), method, path.format(id=unknown_id), _fill(body, world.refs)
    )

    assert "detail" in _assert_json_error(response, 404)


# Per route, how to make an object of its own table (deleted again to free its id).
MAKE_GONE = {
    "categories": lambda world: make_category("Gone"),
    "menu-items": lambda world: make_menu_item("Gone", category=world.category),
    "ratings": lambda world: make_rating(make_user("gone_rater"), world.item),
    "cart": lambda world: add_to_cart(make_user("gone_shopper"), world.item),
    "orders": lambda world: make_order(make_user("gone_buyer"), [(world.item, 1)]),
    "groups": lambda world: make_user("gone_member"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [pytest.param(*row, id=_route_id(*row[:3])) for row in DETAIL_ROUTES],
)
def test_id_of_a_deleted_object_is_a_404(client_for, world, role, method, path, body):
    gone = MAKE_GONE[path.split("/")[2]](world)
    gone_id = gone.pk
    gone.delete()

    response = _send_json(
        client_for(role), method, path.format(id=gone_id), _fill(body, world.refs)
    )

    assert "detail" in _assert_json_error(response, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize(
    "path",
    [
        "/api",
        "/api/",
        "/api/nope",
        "/api/nope/",
        "/api/menu-items/abc/extra",
        "/api/menu-items/1/ratings",
        "/api/groups/chefs/users",
        "/api/cart",
        "/auth/nope/",
        "/token/nope/",
    ],
)
def test_unknown_path_is_a_json_404(api_client, method, path):
    response = getattr(api_client, method.lower())(path)

    assert "detail" in _assert_json_error(response, 404)


# --- Trailing slash -----------------------------------------------------------------------

# (role, method, path without the trailing slash, body, expected status)
SLASH_ROUTES = [
    ("anon", "GET", "/api/categories", None, 200),
    ("manager", "POST", "/api/categories", {"title": "Desserts"}, 201),
    ("anon", "GET", "/api/categories/{category}", None, 200),
    (
        "manager",
        "PUT",
        "/api/categories/{category}",
        {"title": "Starters", "slug": "starters"},
        200,
    ),
    ("manager", "PATCH", "/api/categories/{category}", {"title": "Mains and more"}, 200),
    ("manager", "DELETE", "/api/categories/{empty_category}", None, 204),
    ("anon", "GET", "/api/menu-items", None, 200),
    ("manager", "POST", "/api/menu-items", ITEM, 201),
    ("anon", "GET", "/api/menu-items/{item}", None, 200),
    ("manager", "PUT", "/api/menu-items/{item}", ITEM, 200),
    ("manager", "PATCH", "/api/menu-items/{item}", {"featured": True}, 200),
    ("manager", "DELETE", "/api/menu-items/{item}", None, 204),
    ("anon", "GET", "/api/ratings", None, 200),
    ("customer", "POST", "/api/ratings", RATING, 201),
    ("anon", "GET", "/api/ratings/{rating}", None, 200),
    ("customer", "PATCH", "/api/ratings/{rating}", {"rating": 1}, 200),
    ("customer", "DELETE", "/api/ratings/{rating}", None, 204),
    ("manager", "GET", "/api/groups/manager/users", None, 200),
    ("manager", "POST", "/api/groups/manager/users", {"username": "{outsider_name}"}, 201),
    ("manager", "DELETE", "/api/groups/manager/users/{manager_member}", None, 200),
    ("manager", "DELETE", "/api/groups/manager/users", {"username": "{manager_member_name}"}, 200),
    ("manager", "GET", "/api/groups/delivery-crew/users", None, 200),
    ("manager", "POST", "/api/groups/delivery-crew/users", {"username": "{outsider_name}"}, 201),
    ("manager", "DELETE", "/api/groups/delivery-crew/users/{crew_member}", None, 200),
    (
        "manager",
        "DELETE",
        "/api/groups/delivery-crew/users",
        {"username": "{crew_member_name}"},
        200,
    ),
    ("customer", "GET", "/api/cart/menu-items", None, 200),
    ("customer", "POST", "/api/cart/menu-items", CART, 201),
    ("customer", "DELETE", "/api/cart/menu-items", None, 204),
    ("customer", "PATCH", "/api/cart/menu-items/{line}", {"quantity": 2}, 200),
    ("customer", "DELETE", "/api/cart/menu-items/{line}", None, 204),
    ("customer", "GET", "/api/orders", None, 200),
    ("customer", "POST", "/api/orders", None, 201),
    ("customer", "GET", "/api/orders/{order}", None, 200),
    ("manager", "PUT", "/api/orders/{order}", ASSIGN, 200),
    ("manager", "PATCH", "/api/orders/{order}", {"status": True}, 200),
    ("crew", "PATCH", "/api/orders/{order}", {"status": True}, 200),
    ("manager", "DELETE", "/api/orders/{order}", None, 204),
    ("customer", "GET", "/api/secret", None, 200),
    ("manager", "GET", "/api/manager-view", None, 200),
    ("anon", "GET", "/api/throttle-check", None, 200),
    ("customer", "GET", "/api/throttle-check-auth", None, 200),
    ("anon", "GET", "/api/health", None, 200),
    ("anon", "GET", "/api/schema", None, 200),
    ("customer", "GET", "/auth/users/me", None, 200),
    ("customer", "GET", "/api/users/users/me", None, 200),
    (
        "anon",
        "POST",
        "/api/users",
        {"username": "newcomer", "email": "newcomer@example.com", "password": PASSWORD},
        201,
    ),
    ("anon", "POST", "/token/login", {"username": "{customer_name}", "password": PASSWORD}, 200),
    (
        "anon",
        "POST",
        "/auth/token/login",
        {"username": "{customer_name}", "password": PASSWORD},
        200,
    ),
    ("token", "POST", "/token/logout", None, 204),
    ("token", "POST", "/auth/token/logout", None, 204),
    (
        "anon",
        "POST",
        "/api/api-token-auth",
        {"username": "{customer_name}", "password": PASSWORD},
        200,
    ),
    ("anon", "POST", "/api/token", {"username": "{customer_name}", "password": PASSWORD}, 200),
]


@pytest.mark.django_db
@pytest.mark.parametrize("slash", [pytest.param("", id="no-slash"), pytest.param("/", id="slash")])
@pytest.mark.parametrize(
    ("role", "method", "path", "body", "expected"),
    [pytest.param(*row, id=_route_id(*row[:3])) for row in SLASH_ROUTES],
)
def test_route_answers_the_same_with_and_without_trailing_slash(
    client_for, world, role, method, path, body, expected, slash
):
    # Both spellings must give the contract's status; in particular never a 301/308 redirect.
    url = path.format(**world.refs) + slash

    response = _send_json(client_for(role), method, url, _fill(body, world.refs))

    assert response.status_code == expected, response.content
    if expected == 204:
        assert response.content == b""
    elif path == "/api/schema":
        assert b"openapi" in response.content
    else:
        assert isinstance(response.json(), dict | list)


# --- Bodies a JSON parser chokes on, and file parts ---------------------------------------

DEEP_BODIES = {
    "100000-arrays": "[" * 100_000,
    "100000-objects": '{"a":' * 100_000,
    "33-levels": '{"menuitem_id": ' + "[" * 33 + "]" * 33 + "}",
}


def _deep_params():
    return [
        pytest.param(*route, raw, id=f"{_route_id(*route)}-{kind}")
        for route in WRITE_ROUTES
        for kind, raw in DEEP_BODIES.items()
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "method", "path", "raw"), _deep_params())
def test_json_nested_too_deep_is_a_400_with_detail(client_for, world, role, method, path, raw):
    response = _send_raw(
        client_for(role), method, path.format(**world.refs), raw, "application/json"
    )

    body = _assert_json_error(response, 400)
    assert "nested more than 32 levels" in body["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/users", "/api/ratings", "/api/cart/menu-items"])
def test_json_nested_too_deep_is_never_a_500_for_anonymous_callers(api_client, path):
    response = _send_raw(api_client, "POST", path, "[" * 100_000, "application/json")

    assert response.status_code in (400, 401), response.content
    assert "detail" in response.json()


@pytest.mark.django_db
def test_json_nested_32_levels_is_parsed_and_refused_by_the_field(customer_client, world):
    raw = '{"quantity": 1, "menuitem_id": ' + "[" * 31 + "]" * 31 + "}"

    response = _send_raw(customer_client, "POST", "/api/cart/menu-items", raw, "application/json")

    body = _assert_json_error(response, 400)
    assert list(body) == ["menuitem_id"]


# JSON that parses in Python but that no field can use, each refused by the parser.
STRANGE_JSON = {
    "duplicate-key": ('{"menuitem_id": 1, "menuitem_id": 2}', "appears twice"),
    "float-out-of-range": ('{"menuitem_id": 1e400}', "out of range"),
    "negative-float-out-of-range": ('{"quantity": -1e400}', "out of range"),
    "5000-digit-number": ('{"quantity": ' + "9" * 5000 + "}", "JSON parse error"),
    "nan": ('{"quantity": NaN}', "JSON parse error"),
    "infinity": ('{"quantity": Infinity}', "JSON parse error"),
    "lone-surrogate": ('{"username": "\\ud800"}', "lone surrogate"),
    "lone-surrogate-in-a-key": ('{"\\udfff": 1}', "lone surrogate"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "words"), STRANGE_JSON.values(), ids=list(STRANGE_JSON))
@pytest.mark.parametrize(
    ("role", "method", "path"),
    _routes([("customer", "POST", "/api/cart/menu-items"), ("anon", "POST", "/api/users")]),
)
def test_json_no_field_can_use_is_a_400(client_for, world, role, method, path, raw, words):
    response = _send_raw(client_for(role), method, path, raw, "application/json")

    body = _assert_json_error(response, 400)
    assert words in body["detail"]


@pytest.mark.django_db
def test_a_surrogate_pair_is_text_and_accepted(manager_client):
    response = _send_raw(
        manager_client,
        "POST",
        "/api/categories",
        '{"title": "Soup \\ud83c\\udf5c"}',
        "application/json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["title"] == "Soup \U0001f35c"


def _multipart_with_file(size: int, **fields) -> tuple[bytes, str]:
    boundary = "littlelemonboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + b"\xff" * size
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "method", "path"), _routes(WRITE_ROUTES))
def test_a_file_part_is_a_400_with_detail(client_for, world, role, method, path):
    raw, content_type = _multipart_with_file(10, title="Soups")

    response = _send_raw(client_for(role), method, path.format(**world.refs), raw, content_type)

    body = _assert_json_error(response, 400)
    assert "no endpoint accepts files" in body["detail"]


@pytest.mark.django_db
def test_a_30_mb_file_part_from_anyone_never_reaches_memory_or_disk(api_client, settings, tmp_path):
    # With Django's own handlers, a part this size (over FILE_UPLOAD_MAX_MEMORY_SIZE) would be
    # written to a temporary file in FILE_UPLOAD_TEMP_DIR as it is read.
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    raw, content_type = _multipart_with_file(30 * 1024 * 1024, username="filer")

    response = _send_raw(api_client, "POST", "/api/users", raw, content_type)

    body = _assert_json_error(response, 400)
    assert "photo" in body["detail"]
    assert list(tmp_path.iterdir()) == []
    assert not get_user_model().objects.filter(username="filer").exists()


@pytest.mark.django_db
def test_a_file_part_is_a_400_on_a_django_form_too(admin_user, tmp_path, settings):
    # The admin's login form: Django reads request.POST itself (no DRF parser involved).
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    raw, content_type = _multipart_with_file(1024, username="x", password="y")

    response = Client().generic("POST", "/admin/login/", raw, content_type=content_type)

    assert response.status_code == 400
    assert list(tmp_path.iterdir()) == []
