"""Categories, menu items and ratings: anyone reads, managers run the menu."""

from django.db import IntegrityError, transaction
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from .. import selectors, services
from ..caching import CachedReadMixin
from ..filters import MenuItemFilter, RatingFilter
from ..models import Category
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
