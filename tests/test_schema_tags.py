"""The OpenAPI schema as a map: every operation under one resource tag, with a one-line summary."""

import pytest

DEMO_PATHS = {"/api/secret", "/api/manager-view", "/api/throttle-check", "/api/throttle-check-auth"}
RESOURCE_TAGS = [
    "accounts",
    "menu",
    "ratings",
    "cart",
    "orders",
    "groups",
    "restaurant",
    "reservations",
    "capstone",
    "webhooks",
    "operations",
]
DEMO_TAG = "course demo"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_tags_are_listed_in_a_newcomers_order_with_descriptions(schema):
    tags = schema["tags"]

    assert [tag["name"] for tag in tags] == [*RESOURCE_TAGS, DEMO_TAG]
    assert all(tag["description"] for tag in tags)


def test_every_operation_has_one_listed_tag_and_a_one_line_summary(schema):
    found = list(operations(schema))
    untagged = [
        f"{method.upper()} {path}: {operation.get('tags')}"
        for path, method, operation in found
        if len(operation.get("tags", [])) != 1
        or operation["tags"][0] not in [*RESOURCE_TAGS, DEMO_TAG]
    ]
    unsummed = [
        f"{method.upper()} {path}"
        for path, method, operation in found
        if not operation.get("summary") or "\n" in operation["summary"]
    ]

    assert len(found) > 60
    assert untagged == []
    assert unsummed == []


def test_course_demo_routes_carry_only_the_demo_tag(schema):
    tagged = {
        path.rstrip("/"): operation["tags"]
        for path, method, operation in operations(schema)
        if path.rstrip("/") in DEMO_PATHS
    }
    demo_elsewhere = [
        path
        for path, method, operation in operations(schema)
        if DEMO_TAG in operation["tags"] and path.rstrip("/") not in DEMO_PATHS
    ]

    assert tagged == {path: [DEMO_TAG] for path in DEMO_PATHS}
    assert demo_elsewhere == []


@pytest.mark.parametrize(
    ("method", "path", "tag"),
    [
        ("post", "/auth/token/login/", "accounts"),
        ("post", "/api/users/", "accounts"),
        ("get", "/api/menu-items/", "menu"),
        ("get", "/api/categories/{id}/", "menu"),
        ("post", "/api/ratings/", "ratings"),
        ("delete", "/api/cart/menu-items/", "cart"),
        ("get", "/api/orders/stream", "orders"),
        ("get", "/api/groups/manager/users/", "groups"),
        ("get", "/api/webhooks/{id}/deliveries/", "webhooks"),
        ("get", "/api/health/", "operations"),
        ("get", "/api/slots/", "restaurant"),
        ("post", "/api/reservations/", "reservations"),
        ("get", "/restaurant/booking/tables/", "capstone"),
    ],
)
def test_each_resource_lands_under_its_tag(schema, method, path, tag):
    assert schema["paths"][path][method]["tags"] == [tag]


def test_served_schema_is_grouped_by_tag(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    body = response.json()
    assert body["paths"]["/api/cart/menu-items/"]["post"]["tags"] == ["cart"]
    assert body["paths"]["/api/cart/menu-items/"]["post"]["summary"] == "Add a dish to your cart"
