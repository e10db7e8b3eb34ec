"""OpenAPI schema generation: the error responses each operation can give, documented.

drf-spectacular documents the success responses it can see; the errors below come from DRF's
machinery (authentication, permissions, throttles, parsers, filters, pagination) and would
otherwise be missing from the schema. Every response of a throttled operation also documents
the RateLimit headers (throttles.py). Operations are tagged by resource and summed up in a
line each here, from their path and method, rather than by decorating every view.
"""

import re

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny

from .serializers import DetailSerializer


def _errors_by_key(depth: int) -> dict:
    """Messages by field name or item index, nested `depth` deep: a list of objects with
    lists in them (an order's items and their choices) is reported item by item, then field
    by field."""
    messages = {"type": "array", "items": {"type": "string"}}
    inner = messages if depth == 1 else {"anyOf": [messages, _errors_by_key(depth - 1)]}
    return {"type": "object", "additionalProperties": inner}


VALIDATION_ERROR = {
    "type": "object",
    "description": (
        'Validation errors as {"field": ["message", ...]}, or {"detail": "message"} for a '
        "request-level error (malformed body, a business rule)."
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}},
            # A list field's errors by item index, a nested object's by field name, and
            # deeper for lists of objects (an order's items, their choices; a refund's lines).
            _errors_by_key(3),
        ]
    },
}

BODY_METHODS = {"POST", "PUT", "PATCH"}

# Sent on every response that the throttles decided; authentication and permission failures
# are answered before they run.
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "description": (
            "The tightest rate limit that applies to the request (IETF "
            'draft-ietf-httpapi-ratelimit-headers): `"<scope>";q=<requests>;w=<window in '
            'seconds>`, such as `"user";q=600;w=60`. Absent when authentication or permissions '
            "refused the request first."
        ),
        "schema": {"type": "string"},
        "example": '"user";q=600;w=60',
    },
    "RateLimit": {
        "description": (
            'What is left of that limit: `"<scope>";r=<requests left, this one counted>;'
            "t=<seconds until a request is allowed again, 0 while some are left>`. On a 429, "
            "r is 0 and t equals Retry-After."
        ),
        "schema": {"type": "string"},
        "example": '"user";r=599;t=0',
    },
}


def rate_limit_refs() -> dict:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}


# (path prefix, tag): the first match wins, so a longer prefix comes before a shorter one.
# The tags' order and descriptions are SPECTACULAR_SETTINGS["TAGS"] in settings.py.
TAG_PREFIXES = [
    ("/api/throttle-check", "course demo"),
    ("/api/secret", "course demo"),
    ("/api/manager-view", "course demo"),
    ("/api/users", "accounts"),
    ("/api/api-token-auth", "accounts"),
    ("/api/token", "accounts"),
    ("/auth/", "accounts"),
    ("/token/", "accounts"),
    ("/api/categories", "menu"),
    ("/api/menu-items", "menu"),
    ("/api/option-groups", "menu"),
    ("/api/option-choices", "menu"),
    ("/api/ratings", "ratings"),
    ("/api/cart", "cart"),
    ("/api/orders", "orders"),
    ("/api/groups", "groups"),
    ("/api/webhooks", "webhooks"),
    ("/api/restaurant", "restaurant"),
    ("/api/service-hours", "restaurant"),
    ("/api/closures", "restaurant"),
    ("/api/slots", "restaurant"),
    ("/api/tables", "reservations"),
    ("/api/reservations", "reservations"),
    ("/restaurant/", "capstone"),
    ("/api/health", "operations"),
]

# What one item and the collection are called, by the path segment that names the resource.
NOUNS = {
    "categories": ("a category", "categories"),
    "menu-items": ("a menu item", "menu items"),
    "option-groups": ("a dish's option group", "option groups"),
    "option-choices": ("an option choice", "option choices"),
    "ratings": ("a rating", "ratings"),
    "orders": ("an order", "orders"),
    "webhooks": ("a webhook endpoint", "webhook endpoints"),
    "service-hours": ("a service period", "service hours"),
    "closures": ("a closure", "closures"),
    "tables": ("a table", "tables"),
    "reservations": ("a reservation", "reservations"),
    "users": ("a user", "users"),
}

# Operations that are not plain create/read/update/delete, by method and path (no slashes at
# the ends, parameters as {name}); Djoser's routes are the same under /auth and /api/users.
SUMMARIES = {
    ("POST", "api/users"): "Register a user",
    ("POST", "api/api-token-auth"): "Log in for a token (DRF's obtain_auth_token)",
    ("POST", "api/token"): "Log in for a JWT access and refresh pair",
    ("POST", "api/token/refresh"): "Refresh a JWT access token",
    ("POST", "api/token/blacklist"): "Revoke a JWT refresh token",
    ("POST", "token/login"): "Log in for a token",
    ("POST", "token/logout"): "Log out: the token stops working",
    ("GET", "users"): "List users (only yourself unless admin)",
    ("POST", "users"): "Register a user",
    ("GET", "users/me"): "Get the signed-in user",
    ("PUT", "users/me"): "Replace the signed-in user's details",
    ("PATCH", "users/me"): "Update the signed-in user's details",
    ("DELETE", "users/me"): "Delete the signed-in user's account",
    ("POST", "users/activation"): "Activate an account",
    ("POST", "users/resend_activation"): "Send the activation email again",
    ("POST", "users/reset_password"): "Email a password reset link",
    ("POST", "users/reset_password_confirm"): "Set a new password from a reset link",
    ("POST", "users/reset_username"): "Email a username reset link",
    ("POST", "users/reset_username_confirm"): "Set a new username from a reset link",
    ("POST", "users/set_password"): "Change your password",
    ("POST", "users/set_username"): "Change your username",
    ("GET", "api/cart/menu-items"): "List the lines of your cart",
    ("POST", "api/cart/menu-items"): "Add a dish to your cart",
    ("DELETE", "api/cart/menu-items"): "Empty your cart",
    ("GET", "api/cart/menu-items/{id}"): "Get a line of your cart",
    ("PATCH", "api/cart/menu-items/{id}"): "Change a cart line's quantity",
    ("DELETE", "api/cart/menu-items/{id}"): "Remove a line from your cart",
    ("POST", "api/ratings"): "Rate a dish",
    ("POST", "api/orders"): "Place an order from your cart, or from the items sent",
    ("PATCH", "api/orders/{id}"): "Move an order, assign its crew or record its payment",
    ("POST", "api/orders/{id}/refunds"): "Refund lines or an amount of a paid order",
    ("GET", "api/orders/stream"): "Order changes as Server-Sent Events",
    ("GET", "api/groups/manager/users"): "List the managers",
    ("POST", "api/groups/manager/users"): "Make a user a manager",
    ("DELETE", "api/groups/manager/users"): "Remove a manager, by username",
    ("DELETE", "api/groups/manager/users/{user_id}"): "Remove a manager, by id",
    ("GET", "api/groups/delivery-crew/users"): "List the delivery crew",
    ("POST", "api/groups/delivery-crew/users"): "Add a user to the delivery crew",
    ("DELETE", "api/groups/delivery-crew/users"): "Remove a crew member, by username",
    ("DELETE", "api/groups/delivery-crew/users/{user_id}"): "Remove a crew member, by id",
    ("POST", "api/webhooks"): "Register a webhook endpoint",
    ("GET", "api/webhooks/{id}/deliveries"): "List a webhook endpoint's deliveries",
    ("POST", "api/webhooks/{id}/secret"): "Rotate a webhook endpoint's secret",
    ("GET", "api/health"): "Check the database and the cache",
    ("GET", "api/restaurant"): "Get the restaurant's settings",
    ("PUT", "api/restaurant"): "Replace the restaurant's settings",
    ("PATCH", "api/restaurant"): "Change some of the restaurant's settings",
    ("GET", "api/slots"): "List a day's slots for delivery or pickup",
    ("GET", "api/reservations/availability"): "List the starts a party can book on a day",
    ("POST", "api/reservations"): "Book a table",
    ("PATCH", "api/reservations/{id}"): "Move a reservation, change its table, size or time",
    ("GET", "restaurant/booking/tables"): "Capstone: list bookings",
    ("POST", "restaurant/booking/tables"): "Capstone: book a table",
    ("GET", "restaurant/booking/tables/{id}"): "Capstone: get a booking",
    ("PUT", "restaurant/booking/tables/{id}"): "Capstone: replace a booking",
    ("PATCH", "restaurant/booking/tables/{id}"): "Capstone: update a booking",
    ("DELETE", "restaurant/booking/tables/{id}"): "Capstone: cancel a booking",
    ("GET", "restaurant/menu"): "Capstone: list the menu",
    ("GET", "api/secret"): "Course demo: a message for any signed-in user",
    ("GET", "api/manager-view"): "Course demo: a message for managers",
    ("GET", "api/throttle-check"): "Course demo: throttled at the anonymous rate",
    ("GET", "api/throttle-check-auth"): "Course demo: throttled at ten calls a minute",
}
CRUD = {
    ("GET", False): "List {many}",
    ("POST", False): "Create {one}",
    ("GET", True): "Get {one}",
    ("PUT", True): "Replace {one}",
    ("PATCH", True): "Update {one}",
    ("DELETE", True): "Delete {one}",
}


def tag_for(path: str) -> str | None:
    """The resource tag of an operation's path, or None when no prefix names it."""
    return next((tag for prefix, tag in TAG_PREFIXES if path.startswith(prefix)), None)


def summary_for(method: str, path: str) -> str | None:
    """A one-line summary from the tables above, or None when they do not cover the path."""
    key = path.strip("/")
    for candidate in (key, re.sub(r"^(auth|api/users)/", "", key)):
        if (method, candidate) in SUMMARIES:
            return SUMMARIES[method, candidate]
    segments = key.split("/")
    detail = segments[-1].startswith("{")
    noun = NOUNS.get(segments[-2] if detail else segments[-1])
    template = CRUD.get((method, detail))
    if noun is None or template is None:
        return None
    return template.format(one=noun[0], many=noun[1])


class AutoSchema(openapi.AutoSchema):
    def get_tags(self):
        # A path no prefix names yet gets its first segment after /api/ as its tag, shown
        # after the listed ones; tests/test_schema_tags.py asks for it to be listed.
        return [tag_for(self.path) or self.path.removeprefix("/api/").split("/")[0]]

    def get_summary(self):
        # An explicit @extend_schema(summary=...) still wins.
        return super().get_summary() or summary_for(self.method, self.path)

    def get_operation_id(self):
        operation_id = super().get_operation_id()
        name = getattr(self.view, "collection_delete_name", None)
        if name and self.method == "DELETE" and not self._has_path_parameters():
            operation_id = operation_id.removesuffix("destroy") + name
        return operation_id

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, response in self._error_responses():
                responses.setdefault(code, self._get_response_for_code(response, code))
        return responses

    def get_operation(self, *args, **kwargs):
        # Here rather than in _get_response_bodies: subclasses add responses of their own there.
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self.view.get_throttles():
            self._add_rate_limit_headers(operation["responses"])
        return operation

    def _add_rate_limit_headers(self, responses):
        for name, header in RATE_LIMIT_HEADERS.items():
            component = ResolvedComponent(name, ResolvedComponent.HEADER, header, name)
            self.registry.register_on_missing(component)
        for response in responses.values():
            response.setdefault("headers", {}).update(rate_limit_refs())

    def _error_responses(self):
        view = self.view
        detail = DetailSerializer
        if self.method in BODY_METHODS | {"DELETE"} or self._reads_query_values():
            yield "400", OpenApiResponse(VALIDATION_ERROR, "Invalid input.")
        if view.get_authenticators():
            yield "401", OpenApiResponse(detail, "Missing, invalid or expired credentials.")
            if not all(isinstance(p, AllowAny) for p in view.get_permissions()):
                yield "403", OpenApiResponse(detail, "Signed in, but not allowed.")
        if self._has_path_parameters() or self._is_paginated_list():
            yield "404", OpenApiResponse(detail, "Not found, not visible to you, or no such page.")
        if self.method in BODY_METHODS:
            yield "415", OpenApiResponse(detail, "Unsupported media type.")
        if view.get_throttles():
            yield "429", OpenApiResponse(detail, "Throttled; see Retry-After and RateLimit.")

    def _reads_query_values(self):
        """A filterset, or query parameters of its own (a date, a party size) that a view
        checks: a bad value is a 400."""
        if getattr(self.view, "filterset_class", None):
            return True
        return any(parameter.get("in") == "query" for parameter in self._get_parameters())

    def _has_path_parameters(self):
        return "{" in self.path

    def _is_paginated_list(self):
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None


class TokenDestroyViewSchema(OpenApiViewExtension):
    """Djoser's logout view takes no body and returns none; say so instead of guessing."""

    target_class = "djoser.views.TokenDestroyView"

    def view_replacement(self):
        class Fixed(self.target_class):
            @extend_schema(request=None, responses={204: None})
            def post(self, request):
                return super().post(request)

        return Fixed


def add_order_stream(result, generator, request, public):
    """Document GET /api/orders/stream, an async view the generator does not see; it counts
    against the user throttle, so its responses carry the RateLimit headers too."""
    detail = {"$ref": "#/components/schemas/Detail"}
    errors = {
        code: {
            "description": why,
            "headers": rate_limit_refs(),
            "content": {"application/json": {"schema": detail}},
        }
        for code, why in [
            ("400", "Last-Event-ID (or last_event_id) is not a whole number."),
            ("401", "Missing, invalid or expired credentials."),
            (
                "429",
                "Throttled (opening a stream counts as one request), or the caller already "
                "holds STREAM_MAX_PER_USER open streams; see Retry-After.",
            ),
        ]
    }
    last_event_id = {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Replay every event after this id (24 hours at most), then go live.",
    }
    result["components"].setdefault("headers", {}).update(RATE_LIMIT_HEADERS)
    result["paths"]["/api/orders/stream"] = {
        "get": {
            "operationId": "api_orders_stream",
            "tags": [tag_for("/api/orders/stream")],
            "summary": summary_for("GET", "/api/orders/stream"),
            "description": (
                "Changes to the orders the caller may see (the scope of GET /api/orders: "
                "managers every order, crew the orders assigned to them, including the event "
                "that takes one away, everyone their own). Each event: `id` (one growing "
                "sequence; webhooks carry the same ids), `event` (`order.created` or "
                "`order.updated`), `data` (the order as GET /api/orders/{id} shows it when the "
                "event is sent, with the `moves` of the stream's caller; webhook deliveries, "
                "which have no caller, carry `moves: []`. The event that takes an order away "
                "from a crew member shows "
                "that crew member only `{id, delivery_crew}`, and is the last of that order "
                "they get). A `: keep-alive` comment at once and at least every 15 seconds. "
                "The server ends the stream within 15 seconds of the caller's credential "
                "ceasing to work or role changing, and drops a client that stops reading once "
                "STREAM_BACKLOG events wait for it; reconnect with Last-Event-ID. Token, JWT "
                "or session login."
            ),
            "parameters": [
                {"in": "header", "name": "Last-Event-ID", **last_event_id},
                {
                    "in": "query",
                    "name": "last_event_id",
                    **last_event_id,
                    "description": "As the Last-Event-ID header, which wins when both come.",
                },
            ],
            "security": [{"tokenAuth": []}, {"jwtAuth": []}, {"cookieAuth": []}],
            "responses": {
                "200": {
                    "description": "The stream, open until the client leaves.",
                    "headers": rate_limit_refs(),
                    "content": {"text/event-stream": {"schema": {"type": "string"}}},
                },
                **errors,
            },
        }
    }
    return result
