"""Orders: placing them from the cart, reading them by role, assigning and delivering."""

from collections.abc import Mapping

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import roles, selectors, services
from ..filters import OrderFilter
from ..pagination import OrderPagination
from ..permissions import (
    IsManagerOnObject,
    IsManagerOrAssignedCrew,
)
from ..serializers import (
    OrderSerializer,
    OrderStatusSerializer,
    OrderUpdateSerializer,
    order_json,
)
from ..throttles import (
    OrderCreateThrottle,
)
from .menu import ID_PATTERN

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
    create=extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: OpenApiResponse(OrderSerializer, "The order placed from the cart."),
            200: OpenApiResponse(OrderSerializer, "A retry: the order first placed with the key."),
        },
    ),
    update=extend_schema(
        request=OrderUpdateSerializer,
        description="Managers and admins: assign a delivery crew member and set the status.",
    ),
    partial_update=extend_schema(
        request=OrderUpdateSerializer,
        description=(
            "Managers and admins may change `delivery_crew` and `status`; the assigned "
            "delivery crew member may change `status` only."
        ),
    ),
    destroy=extend_schema(responses={204: None}),
)
class OrderViewSet(viewsets.ModelViewSet):
    """Orders: customers see their own, delivery crew their assigned ones, managers all."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    pagination_class = OrderPagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        # Scoping here is what turns "someone else's order" into a 404.
        return selectors.order_list_for(self.request.user)

    def get_permissions(self):
        if self.action in ("update", "partial_update"):
            return [IsAuthenticated(), IsManagerOrAssignedCrew()]
        if self.action == "destroy":
            return [IsAuthenticated(), IsManagerOnObject()]
        return [IsAuthenticated()]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(OrderCreateThrottle())
        return throttles

    def list(self, request, *args, **kwargs):
        # Page through ids, then read rows: the count and the page stay cheap queries, and no
        # model instance is built for a page of orders and their lines.
        orders = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        page = self.paginate_queryset(orders.values_list("pk", flat=True))
        data = [order_json(row, lines) for row, lines in selectors.order_rows(list(page))]
        return self.get_paginated_response(data)

    def create(self, request, *args, **kwargs):
        order, created = services.order_place(
            user=request.user, idempotency_key=request.headers.get("Idempotency-Key")
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
        if roles.is_manager(request.user):
            serializer = OrderUpdateSerializer(data=request.data, partial=partial)
        else:
            _check_crew_fields(request, partial)
            serializer = OrderStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.order_update(order=order, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)


def _check_crew_fields(request, partial: bool) -> None:
    if not partial:
        raise PermissionDenied("Delivery crew may only change an order's status, with PATCH.")
    if not isinstance(request.data, Mapping):
        return  # not an object: the serializer answers 400
    other = sorted(set(request.data) - {"status"})
    if other:
        raise PermissionDenied(
            f"Delivery crew may only change an order's status, not {', '.join(other)}."
        )
