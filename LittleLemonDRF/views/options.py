"""Dish options: managers and admins write option groups and choices; dishes show them."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from .. import services
from ..models import OptionChoice, OptionGroup
from ..permissions import IsManager
from ..serializers.options import OptionChoiceSerializer, OptionGroupSerializer
from .menu import ID_PATTERN


class _OptionViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Written and read one at a time; a dish lists its options."""

    permission_classes = [IsManager]
    lookup_value_regex = ID_PATTERN


@extend_schema_view(destroy=extend_schema(responses={204: None}))
class OptionGroupViewSet(_OptionViewSet):
    """A dish's option groups ("Size": pick 1 of 1; "Extras": up to 3), for managers."""

    queryset = OptionGroup.objects.prefetch_related("choices")
    serializer_class = OptionGroupSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        choices = data.pop("choices", [])
        serializer.instance = services.option_group_save(group=OptionGroup(**data), choices=choices)

    def perform_update(self, serializer):
        group = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(group, name, value)
        serializer.instance = services.option_group_save(group=group)

    def perform_destroy(self, instance):
        services.option_group_delete(group=instance)


@extend_schema_view(destroy=extend_schema(responses={204: None}))
class OptionChoiceViewSet(_OptionViewSet):
    """One choice of a group; `PATCH {"available": false}` switches it off, for managers."""

    queryset = OptionChoice.objects.all()
    serializer_class = OptionChoiceSerializer

    def perform_create(self, serializer):
        choice = OptionChoice(**serializer.validated_data)
        serializer.instance = services.option_choice_save(choice=choice)

    def perform_update(self, serializer):
        choice = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(choice, name, value)
        serializer.instance = services.option_choice_save(choice=choice)

    def perform_destroy(self, instance):
        services.option_choice_delete(choice=instance)
