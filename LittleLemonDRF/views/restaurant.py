"""The restaurant's settings, service hours, closures and the slots they give."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers as drf_serializers
from rest_framework import viewsets
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import caching, clock, services
from ..models import Closure, Restaurant, ServiceHours
from ..permissions import IsManagerOrReadOnly
from ..schema import VALIDATION_ERROR
from ..serializers.restaurant import (
    ClosureSerializer,
    RestaurantSerializer,
    ServiceHoursSerializer,
    SlotQuerySerializer,
    SlotSerializer,
)
from .menu import ID_PATTERN


class RestaurantView(APIView):
    """The one restaurant's settings: anyone reads them, managers and admins change them."""

    permission_classes = [IsManagerOrReadOnly]
    serializer_class = RestaurantSerializer

    @extend_schema(responses=RestaurantSerializer)
    def get(self, request):
        return Response(RestaurantSerializer(clock.config().restaurant).data)

    @extend_schema(request=RestaurantSerializer, responses=RestaurantSerializer)
    def put(self, request):
        return self._change(request, partial=False)

    @extend_schema(request=RestaurantSerializer, responses=RestaurantSerializer)
    def patch(self, request):
        return self._change(request, partial=True)

    def _change(self, request, *, partial: bool):
        change = RestaurantSerializer(Restaurant.load(), data=request.data, partial=partial)
        change.is_valid(raise_exception=True)
        restaurant = services.restaurant_update(changes=change.validated_data)
        return Response(RestaurantSerializer(restaurant).data)


class _SettingsViewSet(viewsets.ModelViewSet):
    """Plain arrays (no pages), anyone reads, managers write through the services."""

    permission_classes = [IsManagerOrReadOnly]
    pagination_class = None
    lookup_value_regex = ID_PATTERN


@extend_schema_view(destroy=extend_schema(responses={204: None}))
class ServiceHoursViewSet(_SettingsViewSet):
    """The weekly periods each fulfilment is served in."""

    queryset = ServiceHours.objects.all()
    serializer_class = ServiceHoursSerializer

    def perform_create(self, serializer):
        serializer.instance = services.service_hours_save(
            hours=ServiceHours(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        hours = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(hours, name, value)
        services.service_hours_save(hours=hours)

    def perform_destroy(self, instance):
        services.service_hours_delete(hours=instance)


@extend_schema_view(destroy=extend_schema(responses={204: None}))
class ClosureViewSet(_SettingsViewSet):
    """Times in which nothing is served."""

    queryset = Closure.objects.all()
    serializer_class = ClosureSerializer

    def perform_create(self, serializer):
        serializer.instance = services.closure_save(closure=Closure(**serializer.validated_data))

    def perform_update(self, serializer):
        closure = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(closure, name, value)
        services.closure_save(closure=closure)

    def perform_destroy(self, instance):
        services.closure_delete(closure=instance)


class SlotListView(APIView):
    """A day's slots of one fulfilment, each with its places and whether it can be taken."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("fulfilment", str, enum=["delivery", "pickup"], required=True),
            OpenApiParameter(
                "date", OpenApiTypes.DATE, description="YYYY-MM-DD; default today, local."
            ),
        ],
        responses={
            200: SlotSerializer(many=True),
            400: OpenApiResponse(
                VALIDATION_ERROR,
                "An unknown fulfilment, a bad date, a day passed or after days_ahead.",
            ),
        },
    )
    def get(self, request):
        # The answer to this query, kept in the shared cache until a place is taken or given
        # back, the clock's settings change, or time alone would change it (a slot turning
        # too soon, a pause or rush ending, the local day ending): then it is computed afresh.
        now = timezone.now()
        names = (caching.CLOCK, caching.SLOTS)
        text = f"slots:{request.META.get('QUERY_STRING', '')}"
        renderer = request.accepted_renderer
        as_bytes = isinstance(renderer, JSONRenderer) and request.accepted_media_type == (
            renderer.media_type
        )
        kept = caching.get(names, text) if as_bytes else None
        if kept is not None and now < kept[0]:
            response = Response(headers={"Content-Type": kept[1]})
            response.content = kept[2]  # rendered: DRF and Django leave it as it is
            return response
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        config = clock.config()
        today = clock.today(config, now)
        day = query.validated_data.get("date") or today
        if day < today:
            raise drf_serializers.ValidationError({"date": ["That day has passed."]})
        if day > clock.last_day(config, now):
            days = config.restaurant.days_ahead
            raise drf_serializers.ValidationError(
                {"date": [f"Slots are offered up to {days} days ahead."]}
            )
        found = clock.slots(query.validated_data["fulfilment"], day, now, config)
        response = Response([SlotSerializer.of(slot) for slot in found])
        if as_bytes:
            tomorrow = datetime.combine(today + timedelta(days=1), time(), tzinfo=config.zone)
            until = min(clock.valid_until(config, found, now), tomorrow)

            def keep(rendered) -> None:
                caching.put(names, text, (until, rendered["Content-Type"], rendered.content))

            response.add_post_render_callback(keep)
        return response
