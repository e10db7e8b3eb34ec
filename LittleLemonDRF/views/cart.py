"""The caller's own cart."""

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import caching, selectors, services
from ..models import read_picks
from ..serializers import (
    CartAddSerializer,
    CartLineSerializer,
    CartQuantitySerializer,
)


class CartViewSet(viewsets.GenericViewSet):
    """The caller's own cart: one line per dish, picks and note, priced from the menu as it is
    now."""

    serializer_class = CartLineSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None

    def get_queryset(self):
        return selectors.cart_lines_for(self.request.user)

    @extend_schema(responses=CartLineSerializer(many=True))
    def list(self, request):
        # Kept until the cart or the menu changes (caching.py).
        return caching.cached_response(
            request,
            lambda: Response(self.get_serializer(self._lines(), many=True).data),
            (caching.cart(request.user.pk), caching.MENU),
            tagged=False,
        )

    @extend_schema(
        request=CartAddSerializer,
        responses={
            201: OpenApiResponse(CartLineSerializer, "A new line."),
            200: OpenApiResponse(CartLineSerializer, "Added to the existing line for the dish."),
        },
    )
    def create(self, request):
        serializer = CartAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line, created = services.cart_add_item(
            user=request.user,
            menuitem=serializer.validated_data["menuitem_id"],
            quantity=serializer.validated_data["quantity"],
            choices=serializer.validated_data["choices"],
            note=serializer.validated_data["note"],
        )
        return Response(
            self.get_serializer(line).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _lines(self):
        return read_picks(self.get_queryset())  # the picked choices of every line at once

    @extend_schema(operation_id="api_cart_menu_items_clear", request=None, responses={204: None})
    def clear(self, request):
        services.cart_clear(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=CartQuantitySerializer, responses=CartLineSerializer)
    def partial_update(self, request, pk=None):
        line = self.get_object()
        serializer = CartQuantitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line = services.cart_set_quantity(line=line, quantity=serializer.validated_data["quantity"])
        return Response(self.get_serializer(line).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.cart_remove_line(line=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
