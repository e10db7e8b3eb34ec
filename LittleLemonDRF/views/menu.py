"""Categories, menu items and ratings: anyone reads, managers run the menu."""

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets

from .. import selectors, services
from ..caching import CachedReadMixin
from ..conditional import ConditionalRequestMixin
from ..filters import MenuItemFilter, RatingFilter
from ..models import Category, MenuItem
from ..permissions import (
    IsAuthorOrAdminOrReadOnly,
    IsManagerOrReadOnly,
)
from ..serializers import (
    CategorySerializer,
    DetailSerializer,
    MenuItemSerializer,
    RatingSerializer,
)
from ..throttles import (
    RatingCreateThrottle,
)

ID_PATTERN = r"[0-9]+"  # ids in paths; anything else is a 404 before any lookup


@extend_schema_view(
    destroy=extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(DetailSerializer, "The category still has menu items."),
        }
    )
)
class CategoryViewSet(ConditionalRequestMixin, CachedReadMixin, viewsets.ModelViewSet):
    """Menu categories: anyone reads, managers and admins write."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [IsManagerOrReadOnly]
    lookup_value_regex = ID_PATTERN

    def perform_create(self, serializer):
        serializer.instance = services.category_save(category=Category(**serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = services.category_save(
            category=_changed(serializer.instance, serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.category_delete(category=instance)


class MenuItemViewSet(ConditionalRequestMixin, CachedReadMixin, viewsets.ModelViewSet):
    """The menu: anyone reads, managers and admins write (`featured` marks the item of the day)."""

    serializer_class = MenuItemSerializer
    permission_classes = [IsManagerOrReadOnly]
    filterset_class = MenuItemFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.menu_item_list()

    def perform_create(self, serializer):
        serializer.instance = services.menu_item_save(item=MenuItem(**serializer.validated_data))

    def perform_update(self, serializer):
        changes = serializer.validated_data
        services.menu_item_save(item=_changed(serializer.instance, changes), fields=changes)
        # Reload with the rating annotations, so the response shows the real summary.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.menu_item_delete(item=instance)


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

    def perform_update(self, serializer):
        value = serializer.validated_data.get("rating", serializer.instance.rating)
        serializer.instance = services.rating_set(rating=serializer.instance, value=value)

    def perform_destroy(self, instance):
        services.rating_delete(rating=instance)


def _changed(instance, validated_data: dict):
    """The instance with the validated changes applied, ready for its service to save."""
    for name, value in validated_data.items():
        setattr(instance, name, value)
    return instance
