"""Viewsets and small APIViews that wire serializers, selectors and services together."""

import logging
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.shortcuts import get_object_or_404
from djoser.views import TokenCreateView
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from . import roles, selectors, services
from .caching import CachedReadMixin
from .filters import MenuItemFilter, OrderFilter, RatingFilter
from .models import Category
from .pagination import OrderPagination
from .permissions import (
    IsAuthorOrAdminOrReadOnly,
    IsManager,
    IsManagerOnObject,
    IsManagerOrAssignedCrew,
    IsManagerOrReadOnly,
)
from .serializers import (
    CartAddSerializer,
    CartLineSerializer,
    CartQuantitySerializer,
    CategorySerializer,
    DetailSerializer,
    GroupMemberSerializer,
    MenuItemSerializer,
    MessageSerializer,
    OrderSerializer,
    OrderStatusSerializer,
    OrderUpdateSerializer,
    RatingSerializer,
    UsernameSerializer,
    order_json,
)
from .throttles import (
    LoginThrottle,
    OrderCreateThrottle,
    RatingCreateThrottle,
    TenCallsPerMinute,
    UserThrottle,
)

User = get_user_model()
logger = logging.getLogger(__name__)

ID_PATTERN = r"[0-9]+"


# --- Menu ---------------------------------------------------------------------------------


@extend_schema_view(
    destroy=extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(DetailSerializer, "The category still has menu items."),
        }
    )
)
class CategoryViewSet(CachedReadMixin, viewsets.ModelViewSet):
    """Menu categories: anyone reads, managers and admins write."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [IsManagerOrReadOnly]
    lookup_value_regex = ID_PATTERN

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer)

    @staticmethod
    def _save(serializer):
        # The validator checks the slug first; the unique index settles a concurrent twin.
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:
            raise ValidationError({"slug": ["A category with this slug already exists."]}) from None


class MenuItemViewSet(CachedReadMixin, viewsets.ModelViewSet):
    """The menu: anyone reads, managers and admins write (`featured` marks the item of the day)."""

    serializer_class = MenuItemSerializer
    permission_classes = [IsManagerOrReadOnly]
    filterset_class = MenuItemFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.menu_item_list()

    def perform_update(self, serializer):
        serializer.save()
        # Reload with the rating annotations, so the response shows the real summary.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


# --- Ratings ------------------------------------------------------------------------------


class RatingViewSet(viewsets.ModelViewSet):
    """Ratings of dishes, 0 to 5: anyone reads, signed-in users rate, authors edit their own."""

    serializer_class = RatingSerializer
    permission_classes = [IsAuthorOrAdminOrReadOnly]
    filterset_class = RatingFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.rating_list()

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(RatingCreateThrottle())
        return throttles

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.rating_create(
            user=self.request.user, menuitem=data["menuitem"], rating=data["rating"]
        )


# --- Groups -------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(responses=GroupMemberSerializer(many=True)),
    post=extend_schema(
        request=UsernameSerializer,
        responses={
            200: OpenApiResponse(GroupMemberSerializer, "The user was a member already."),
            201: OpenApiResponse(GroupMemberSerializer, "The user was added."),
            404: OpenApiResponse(DetailSerializer, "No user has that username."),
        },
    ),
    delete=extend_schema(
        request=UsernameSerializer,
        parameters=[OpenApiParameter("username", str, description="Instead of the body.")],
        responses={
            200: DetailSerializer,
            404: OpenApiResponse(DetailSerializer, "No such user, or not a member."),
        },
    ),
)
class GroupMembersView(APIView):
    """Members of one role group; managers and admins list, add and remove them."""

    permission_classes = [IsManager]
    group_name = None
    # Names DELETE on this collection path apart from DELETE of one member in the schema.
    collection_delete_name = "remove_by_username"

    def get(self, request):
        members = roles.members_of(self.group_name).order_by("id")
        return Response(GroupMemberSerializer(members, many=True).data)

    def post(self, request):
        user = self._user_named(request.data)
        added = services.group_add_user(group_name=self.group_name, user=user)
        return Response(
            GroupMemberSerializer(user).data,
            status=status.HTTP_201_CREATED if added else status.HTTP_200_OK,
        )

    def delete(self, request):
        # The username comes in the body or, for clients that send no DELETE body, the query.
        source = request.data or request.query_params
        return _remove_member(self.group_name, self._user_named(source))

    @staticmethod
    def _user_named(data):
        serializer = UsernameSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        return get_object_or_404(User, username=serializer.validated_data["username"])


@extend_schema_view(
    delete=extend_schema(
        responses={
            200: DetailSerializer,
            404: OpenApiResponse(DetailSerializer, "No such user, or not a member."),
        }
    )
)
class GroupMemberView(APIView):
    """One member of a role group, by user id."""

    permission_classes = [IsManager]
    group_name = None

    def delete(self, request, user_id: int):
        return _remove_member(self.group_name, get_object_or_404(User, pk=user_id))


def _remove_member(group_name: str, user) -> Response:
    if not services.group_remove_user(group_name=group_name, user=user):
        return Response(
            {"detail": f"{user.username} is not in the {group_name} group."},
            status=status.HTTP_404_NOT_FOUND,
        )
    return Response({"detail": f"{user.username} was removed from the {group_name} group."})


# --- Cart ---------------------------------------------------------------------------------


class CartViewSet(viewsets.GenericViewSet):
    """The caller's own cart: one line per dish, priced from the menu as it is now."""

    serializer_class = CartLineSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None

    def get_queryset(self):
        return selectors.cart_lines_for(self.request.user)

    @extend_schema(responses=CartLineSerializer(many=True))
    def list(self, request):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

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
        )
        return Response(
            self.get_serializer(line).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

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
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Orders -------------------------------------------------------------------------------


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


# --- Accounts -----------------------------------------------------------------------------


class TokenLoginView(TokenCreateView):
    """Djoser's token login, throttled per address, issuing a fresh key once one expires."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, LoginThrottle]

    def _action(self, serializer):
        token = services.token_for_login(user=serializer.user)
        return Response({"auth_token": token.key}, status=status.HTTP_200_OK)


class ObtainAuthTokenView(ObtainAuthToken):
    """DRF's `obtain_auth_token`, throttled like every login route."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, LoginThrottle]

    @extend_schema(
        request=ObtainAuthToken.serializer_class,
        responses={200: inline_serializer("AuthToken", {"token": drf_serializers.CharField()})},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = services.token_for_login(user=serializer.validated_data["user"])
        return Response({"token": token.key})


_JWT_401 = OpenApiResponse(DetailSerializer, "Bad credentials, or an invalid or blacklisted token.")


@extend_schema(responses={401: _JWT_401})
class JWTObtainPairView(TokenObtainPairView):
    """simplejwt's access/refresh pair, throttled like every login route."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, LoginThrottle]


@extend_schema(responses={401: _JWT_401})
class JWTRefreshView(TokenRefreshView):
    """simplejwt's refresh: a new access token for a valid, unblacklisted refresh token."""


@extend_schema(responses={401: _JWT_401})
class JWTBlacklistView(TokenBlacklistView):
    """simplejwt's blacklist: the refresh token can no longer be used."""


# --- Course demo endpoints ----------------------------------------------------------------


@extend_schema(responses=MessageSerializer)
class SecretView(APIView):
    """Only for signed-in users."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"message": "Some secret message"})


@extend_schema(responses=MessageSerializer)
class ManagerView(APIView):
    """Only for managers and admins."""

    permission_classes = [IsManager]

    def get(self, request):
        return Response({"message": "Only Manager should see this"})


@extend_schema(responses=MessageSerializer)
class ThrottleCheckView(APIView):
    """Open to anyone, throttled by the anonymous (or user) rate."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"message": "successful"})


@extend_schema(responses=MessageSerializer)
class ThrottleCheckAuthView(APIView):
    """Signed-in users, at most ten calls a minute each."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [UserThrottle, TenCallsPerMinute]

    def get(self, request):
        return Response({"message": "message for the logged in users only"})


# --- Operations ---------------------------------------------------------------------------


@extend_schema(exclude=True)
class BenchBaselineView(APIView):
    """The benchmark's yardstick: the same process and middleware, no work. Bench only."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


HealthSerializer = inline_serializer(
    "Health", {"database": drf_serializers.CharField(), "cache": drf_serializers.CharField()}
)


@extend_schema(responses={200: HealthSerializer, 503: HealthSerializer})
class HealthView(APIView):
    """Whether the database and the cache answer. Never throttled: load balancers poll it."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        checks = {"database": _check_database(), "cache": _check_cache()}
        healthy = all(value == "ok" for value in checks.values())
        return Response(
            checks, status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE
        )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure means "not ok"; the reason goes to the server log
        logger.exception("Health check: the database did not answer")
        return "unavailable"
    return "ok"


def _check_cache() -> str:
    try:
        cache.set("health-check", "ok", 5)
        return "ok" if cache.get("health-check") == "ok" else "unavailable"
    except Exception:  # as above: the health check reports, it does not raise
        logger.exception("Health check: the cache did not answer")
        return "unavailable"
