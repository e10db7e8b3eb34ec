"""Tables, reservations, the starts a party can book, and the capstone's booking API."""

from collections.abc import Mapping

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import reservation_policy
from ..errors import PartyTooLarge, StartRefused
from ..models import MenuItem, Reservation, Table
from ..pagination import PageNumberPagination
from ..permissions import IsManager
from ..serializers.reservations import (
    BOOKING_NAMES,
    AvailabilityQuerySerializer,
    AvailableStartSerializer,
    BookingSerializer,
    CapstoneMenuItemSerializer,
    ReservationCreateSerializer,
    ReservationListQuerySerializer,
    ReservationSerializer,
    ReservationUpdateSerializer,
    TableSerializer,
)
from ..services import reservations as services
from .menu import ID_PATTERN
from .orders import IDEMPOTENCY_HEADER, MOVE_CONFLICT

NO_TABLE = inline_serializer(
    "NoTableFree",
    {
        "detail": drf_serializers.CharField(),
        "alternatives": drf_serializers.ListField(
            child=drf_serializers.DateTimeField(),
            help_text="Up to 3 starts of that day a booking would get now, nearest first.",
        ),
    },
)
NO_TABLE_409 = OpenApiResponse(
    NO_TABLE, "No table is free then, the restaurant is closed, or takes no reservations."
)
MOVE_409 = OpenApiResponse(
    MOVE_CONFLICT,
    "The reservation cannot make that move now (a final status, a no-show before the grace "
    "time, a guest's cancel once it has started), or the chosen table cannot take it.",
)


def _names(data) -> set[str]:
    """The field names a body sends (none for a body that is not an object)."""
    return set(data) if isinstance(data, Mapping) else set()


class CanDeleteReservation(BasePermission):
    def has_object_permission(self, request, view, obj):
        return reservation_policy.can_delete(request.user, obj)


@extend_schema_view(
    destroy=extend_schema(
        description="Only a table with no reservation ahead; 409 otherwise.",
        responses={204: None},
    )
)
class TableViewSet(viewsets.ModelViewSet):
    """The dining room's tables: managers and admins only."""

    serializer_class = TableSerializer
    permission_classes = [IsManager]
    queryset = Table.objects.order_by("id")
    pagination_class = None
    lookup_value_regex = ID_PATTERN

    def perform_create(self, serializer):
        serializer.instance = services.table_save(table=Table(**serializer.validated_data))

    def perform_update(self, serializer):
        table = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(table, name, value)
        serializer.instance = services.table_save(table=table)

    def perform_destroy(self, instance):
        services.table_delete(table=instance)


@extend_schema(
    parameters=[AvailabilityQuerySerializer],
    responses={200: AvailableStartSerializer(many=True)},
    description=(
        "The day's starts, oldest first, at which a table fits the party if booked now: "
        "within the table hours, outside closures, after the lead time and within the days "
        "ahead. A party larger than the largest active table is a 400."
    ),
)
class AvailabilityView(APIView):
    """The starts of a day at which a party can book: the rule a booking itself follows."""

    permission_classes = [AllowAny]

    def get(self, request):
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day, party_size = query.validated_data["date"], query.validated_data["party_size"]
        starts = services.available_starts(day, party_size)
        return Response(AvailableStartSerializer([{"start": s} for s in starts], many=True).data)


@extend_schema_view(
    list=extend_schema(parameters=[ReservationListQuerySerializer]),
    create=extend_schema(
        request=ReservationCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: OpenApiResponse(ReservationSerializer, "Booked: the table it holds."),
            200: OpenApiResponse(ReservationSerializer, "A retry: the first with the key."),
            409: NO_TABLE_409,
        },
    ),
    partial_update=extend_schema(
        request=ReservationUpdateSerializer,
        description=(
            "The guest may only cancel (`status: cancelled`) a confirmed reservation that has "
            "not started. Managers move confirmed > seated > completed, confirmed > no_show "
            "(from start + no_show_grace_minutes), confirmed or seated > cancelled, and may "
            "change `table`, `party_size` and `start` (checked as a booking is), `name`, "
            "`phone` and `note`."
        ),
        responses={200: ReservationSerializer, 409: MOVE_409},
    ),
    destroy=extend_schema(responses={204: None}),
)
class ReservationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Reservations: guests see their own, managers and admins every one (the service sheet)."""

    serializer_class = ReservationSerializer
    pagination_class = PageNumberPagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        # Scoping here is what turns "someone else's reservation" into a 404.
        return services.reservation_list_for(self.request.user).order_by("start", "id")

    def get_permissions(self):
        if self.action == "destroy":
            return [IsAuthenticated(), CanDeleteReservation()]
        return [IsAuthenticated()]

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        query = ReservationListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if "date" in query.validated_data:
            since, until = services.local_day_bounds(query.validated_data["date"])
            queryset = queryset.filter(start__gte=since, start__lt=until)
        if "status" in query.validated_data:
            queryset = queryset.filter(status=query.validated_data["status"])
        return queryset

    def create(self, request, *args, **kwargs):
        booking = ReservationCreateSerializer(data=request.data)
        booking.is_valid(raise_exception=True)
        reservation, created = services.reservation_book(
            user=request.user,
            idempotency_key=request.headers.get("Idempotency-Key"),
            **booking.validated_data,
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=reservation.pk)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def partial_update(self, request, *args, **kwargs):
        reservation = self.get_object()
        reservation_policy.check_fields(request.user, reservation, _names(request.data))
        change = ReservationUpdateSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        services.reservation_update(
            reservation=reservation, by=request.user, **change.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=reservation.pk)).data)

    def perform_destroy(self, instance):
        services.reservation_delete(reservation=instance)


# --- The capstone's booking API --------------------------------------------------------------

# A reservation's field names as the capstone's clients know them, for its error messages.
BOOKING_FIELDS = {"start": "booking_date", "party_size": "no_of_guests"}
BOOKING_ERRORS = {StartRefused: "booking_date", PartyTooLarge: "no_of_guests"}


@extend_schema_view(
    list=extend_schema(description="Your bookings (a manager's: every one), a plain array."),
    create=extend_schema(responses={201: BookingSerializer, 409: NO_TABLE_409}),
    update=extend_schema(responses={200: BookingSerializer, 409: NO_TABLE_409}),
    partial_update=extend_schema(responses={200: BookingSerializer, 409: NO_TABLE_409}),
    destroy=extend_schema(
        description="Cancels the booking, as PATCH status cancelled does.",
        responses={204: None, 409: MOVE_409},
    ),
)
class BookingViewSet(viewsets.GenericViewSet):
    """The Little Lemon capstone's Booking: a reservation under the capstone's names, with the
    same rules, errors and authentication."""

    serializer_class = BookingSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return services.reservation_list_for(self.request.user).order_by("start", "id")

    def handle_exception(self, exc):
        if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
            exc = ValidationError({BOOKING_FIELDS.get(k, k): v for k, v in exc.detail.items()})
        for kind, field in BOOKING_ERRORS.items():
            if isinstance(exc, kind):
                exc = ValidationError({field: [exc.message]})
        return super().handle_exception(exc)

    def list(self, request):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        booking = self.get_serializer(data=request.data)
        booking.is_valid(raise_exception=True)
        reservation, created = services.reservation_book(
            user=request.user,
            idempotency_key=request.headers.get("Idempotency-Key"),
            **booking.validated_data,
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(reservation).data, status=code)

    def update(self, request, pk=None, partial=False):
        reservation = self.get_object()
        sent = {BOOKING_NAMES.get(name, name) for name in _names(request.data)}
        reservation_policy.check_fields(request.user, reservation, sent)
        change = self.get_serializer(reservation, data=request.data, partial=partial)
        change.is_valid(raise_exception=True)
        reservation = services.reservation_update(
            reservation=reservation, by=request.user, **change.validated_data
        )
        return Response(self.get_serializer(reservation).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    def destroy(self, request, pk=None):
        services.reservation_update(
            reservation=self.get_object(), by=request.user, status=Reservation.Status.CANCELLED
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses={200: CapstoneMenuItemSerializer(many=True)})
class CapstoneMenuView(APIView):
    """The menu as the capstone's clients read it: a plain array."""

    permission_classes = [AllowAny]

    def get(self, request):
        dishes = MenuItem.objects.order_by("id").only("id", "title", "price", "stock")
        return Response(CapstoneMenuItemSerializer(dishes, many=True).data)
