"""Orders: placing them from the cart, reading them by role, assigning and delivering."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import caching, order_policy, selectors, services
from ..conditional import ConditionalRequestMixin
from ..filters import OrderFilter
from ..pagination import OrderPagination
from ..permissions import CanChangeOrder, CanDeleteOrder
from ..serializers import (
    OrderCreateSerializer,
    OrderItemSerializer,
    OrderSerializer,
    OrderSummarySerializer,
    OrderUpdateSerializer,
)
from ..throttles import (
    OrderCreateThrottle,
)
from .menu import ID_PATTERN

MOVE_409 = (
    "The order cannot make that move now (`allowed` lists where you may move it), the new "
    "slot cannot be taken (`next_available`), or the payment change is not one this order "
    "can make now (`detail` alone)."
)
MOVE_CONFLICT = inline_serializer(
    "OrderMoveConflict",
    {
        "detail": drf_serializers.CharField(),
        "allowed": drf_serializers.ListField(child=drf_serializers.CharField()),
    },
)
UNAVAILABLE = inline_serializer(
    "OrderItemsUnavailable",
    {
        "detail": drf_serializers.CharField(),
        "unavailable": inline_serializer(
            "UnavailableLine",
            {
                "menuitem_id": drf_serializers.IntegerField(),
                "title": drf_serializers.CharField(),
                "requested": drf_serializers.IntegerField(),
                "left": drf_serializers.IntegerField(),
            },
            many=True,
        ),
    },
)

# Placing or moving an order for a slot that cannot be taken (services.order_place,
# clock.hold_slot): nothing changed.
SLOT_UNAVAILABLE = inline_serializer(
    "SlotUnavailable",
    {
        "detail": drf_serializers.CharField(),
        "next_available": drf_serializers.DateTimeField(
            allow_null=True,
            help_text="The first slot that can be taken after the one refused, or null.",
        ),
    },
)


def _conflicts(name: str, *shapes) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name=name, serializers=list(shapes), resource_type_field_name=None
    )


# One shape for a change's 409: a move (`allowed`), a slot (`next_available`) or a payment
# change (`detail` alone). One object with optional fields rather than a oneOf, which a body
# with `detail` alone would match twice.
MOVE_OR_SLOT = inline_serializer(
    "OrderChangeConflict",
    {
        "detail": drf_serializers.CharField(),
        "allowed": drf_serializers.ListField(
            child=drf_serializers.CharField(),
            required=False,
            help_text="A move: the states you may move the order to now.",
        ),
        "next_available": drf_serializers.DateTimeField(
            allow_null=True,
            required=False,
            help_text="A slot: the first that can be taken after the one refused, or null.",
        ),
    },
)


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    description=(
        "Optional, at most 255 characters. A retried POST with the same key within 24 hours "
        "returns the first order (200) instead of placing another."
    ),
)


@extend_schema_view(
    list=extend_schema(responses=OrderSummarySerializer(many=True)),
    create=extend_schema(
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: OpenApiResponse(OrderSerializer, "The order placed from the cart."),
            200: OpenApiResponse(OrderSerializer, "A retry: the order first placed with the key."),
            409: OpenApiResponse(
                _conflicts("OrderPlacementConflict", UNAVAILABLE, SLOT_UNAVAILABLE),
                "A dish is switched off or short of stock, or the slot is full, closed, paused "
                "or too soon; nothing changed.",
            ),
        },
    ),
    update=extend_schema(
        request=OrderUpdateSerializer,
        description=(
            "Managers and admins: assign a delivery crew member and set the status (as in "
            "the course), and optionally move the order (`state`, `eta`, `reason`) or its "
            "payment."
        ),
        responses={200: OrderSerializer, 409: OpenApiResponse(MOVE_OR_SLOT, MOVE_409)},
    ),
    partial_update=extend_schema(
        request=OrderUpdateSerializer,
        description=(
            "Managers and admins may change every field; the assigned delivery crew member "
            "`state`, `status` and `payment_status`; the customer only `state: cancelled` "
            "(with an optional `reason`) on a placed order. Moves follow the transition "
            "table: placed > accepted > preparing > ready > out_for_delivery > delivered "
            "(pickup: ready > picked_up); cancelled from any open state (a reason required "
            "once accepted)."
        ),
        responses={200: OrderSerializer, 409: OpenApiResponse(MOVE_OR_SLOT, MOVE_409)},
    ),
    destroy=extend_schema(responses={204: None}),
)
class OrderViewSet(ConditionalRequestMixin, viewsets.ModelViewSet):
    """Orders: customers see their own, delivery crew their assigned ones, managers all."""

    etag_actions = ("retrieve",)  # a single order; the list is not tagged
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    pagination_class = OrderPagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        # Scoping here is what turns "someone else's order" into a 404.
        return selectors.order_list_for(self.request.user)

    def get_permissions(self):
        if self.action in ("update", "partial_update"):
            return [IsAuthenticated(), CanChangeOrder()]
        if self.action == "destroy":
            return [IsAuthenticated(), CanDeleteOrder()]
        return [IsAuthenticated()]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(OrderCreateThrottle())
        return throttles

    def list(self, request, *args, **kwargs):
        # Kept until an order changes, for everyone who sees the same orders (caching.py).
        return caching.cached_response(
            request,
            lambda: self._list_page(request),
            caching.ORDERS,
            scope=order_policy.visibility_key(request.user),
            tagged=False,
        )

    def _list_page(self, request):
        # Page through ids, then read that page as rows (selectors.order_rows).
        ids = self.filter_queryset(selectors.orders_visible_to(request.user))
        page = self.paginate_queryset(ids.values_list("pk", flat=True))
        rows = selectors.order_rows(
            list(page),
            paths=OrderSummarySerializer.value_paths(),
            line_paths=OrderItemSerializer.value_paths(),
        )
        viewer = order_policy.Viewer.of(request.user)
        orders = [OrderSummarySerializer.from_row(row, viewer) for row in rows]
        return self.get_paginated_response(orders)

    def create(self, request, *args, **kwargs):
        choices = OrderCreateSerializer(data=request.data)
        choices.is_valid(raise_exception=True)
        order, created = services.order_place(
            user=request.user,
            idempotency_key=request.headers.get("Idempotency-Key"),
            **choices.validated_data,
        )
        if not created:  # a retry: the first order, read back with its lines
            order = self.get_queryset().get(pk=order.pk)
        return Response(
            self.get_serializer(order).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def update(self, request, *args, **kwargs):
        order = self.get_object()
        partial = kwargs.get("partial", False)
        asked = OrderUpdateSerializer.names_sent(request.data)
        # A change the caller may not make is a 403 before its values are read (a 400 would
        # tell them about fields that are not theirs); the service asks the same policy again.
        order_policy.check_fields(request.user, order, asked, replacing=not partial)
        # Values are read for the fields the caller may change.
        change = OrderUpdateSerializer(
            data=request.data,
            partial=partial,
            fields=order_policy.fields_allowed(request.user, order),
        )
        change.is_valid(raise_exception=True)
        services.order_update(
            order=order,
            by=request.user,
            replacing=not partial,
            asked=asked,
            **change.validated_data,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)

    def perform_destroy(self, instance):
        services.order_delete(order=instance)
