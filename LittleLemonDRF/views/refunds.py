"""Refunds of an order, made by managers and admins."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .. import selectors, services
from ..permissions import IsManager
from ..serializers import DetailSerializer
from ..serializers.options import RefundCreateSerializer, RefundSerializer
from .orders import IDEMPOTENCY_HEADER


class OrderRefundsView(GenericAPIView):
    """Give money back on a paid order: some of its lines, or an amount."""

    permission_classes = [IsManager]
    serializer_class = RefundSerializer

    def get_queryset(self):
        return selectors.orders_visible_to(self.request.user)

    @extend_schema(
        request=RefundCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: RefundSerializer,
            200: OpenApiResponse(RefundSerializer, "A retry: the refund first made with the key."),
            409: OpenApiResponse(
                DetailSerializer,
                "The order is not paid, or the refund goes beyond what was paid or a line's "
                "quantity; nothing was recorded.",
            ),
        },
    )
    def post(self, request, pk):
        order = self.get_object()
        asked = RefundCreateSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        refund, created = services.refund_make(
            order=order,
            by=request.user,
            idempotency_key=request.headers.get("Idempotency-Key"),
            **asked.validated_data,
        )
        return Response(
            RefundSerializer(refund).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
