"""Orders: placing them from the cart, reading them by role, assigning and delivering."""

from collections.abc import Mapping

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import order_policy, selectors, services
from ..filters import OrderFilter
from ..pagination import OrderPagination
from ..permissions import CanChangeOrder, CanDeleteOrder
from ..serializers import OrderSerializer, OrderUpdateSerializer
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
        # Page through ids, then read that page as rows (selectors.order_rows).
        ids = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        page = self.paginate_queryset(ids.values_list("pk", flat=True))
        order = self.get_serializer()
        rows = selectors.order_rows(
            list(page),
            paths=order.value_paths(),
            line_paths=order.fields["items"].child.value_paths(),
        )
        return self.get_paginated_response([order.from_row(row) for row in rows])

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
        rights = order_policy.change_rights(request.user, order)
        sent = request.data.keys() if isinstance(request.data, Mapping) else ()
        partial = kwargs.get("partial", False)
        rights.check(sent, replacing=not partial)
        serializer = OrderUpdateSerializer(
            data=request.data, partial=partial and rights.partial, fields=rights.fields
        )
        serializer.is_valid(raise_exception=True)
        services.order_update(order=order, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)

    def perform_destroy(self, instance):
        services.order_delete(order=instance)
