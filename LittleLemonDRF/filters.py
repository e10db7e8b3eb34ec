"""django-filter FilterSets for the list query parameters (documented in the OpenAPI schema)."""

from decimal import Decimal

import django_filters as filters
from django.db.models import F, Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from . import order_policy
from .models import ALLERGENS, DIETS, ORDERABLE, MenuItem, Order, Rating, contains_any, free_of

# Ids are bounded so that an absurd number is a 400, not a database overflow.
ID_MAX = 2**63 - 1


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which leaves the queryset alone when the request sends none
    of the FilterSet's parameters.

    A FilterSet deep-copies its filters and builds a form class on every request; with no
    parameter of its own every filter (ordering included) would leave the queryset as it is.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if (
            filterset_class is None
            or not request.query_params.keys() & filterset_class.base_filters.keys()
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class StableOrderingFilter(filters.OrderingFilter):
    """OrderingFilter that breaks ties by id, so pages never overlap or skip rows.

    Fields whose values may be NULL (an unrated dish's average) sort last either way.
    """

    def __init__(self, *args, nulls_last=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nulls_last = frozenset(nulls_last)

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        field = value.lstrip("-")
        if field not in self.nulls_last:
            return value
        if value.startswith("-"):
            return F(field).desc(nulls_last=True)
        return F(field).asc(nulls_last=True)

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*ordering, "-id" if value[-1].startswith("-") else "id")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.TypedChoiceFilter):
    """`true` or `false`; anything else is a 400 rather than a filter silently dropped."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *args,
            choices=[("true", "true"), ("false", "false")],
            coerce=lambda value: value == "true",
            **kwargs,
        )


def _id_filter(field_name: str, help_text: str) -> filters.NumberFilter:
    return filters.NumberFilter(
        field_name=field_name, min_value=1, max_value=ID_MAX, decimal_places=0, help_text=help_text
    )


class MenuItemFilter(filters.FilterSet):
    category = filters.CharFilter(
        field_name="category__slug", max_length=255, help_text="Category slug."
    )
    category_id = _id_filter("category_id", "Category id.")
    featured = StrictBooleanFilter(help_text="true: only the featured dishes; false: the others.")
    orderable = StrictBooleanFilter(
        method="filter_orderable", help_text="true: only dishes that can be ordered now."
    )
    price_min = filters.NumberFilter(
        field_name="price",
        lookup_expr="gte",
        min_value=Decimal(0),
        max_value=Decimal("99999999"),
        help_text="Lowest price, inclusive.",
    )
    price_max = filters.NumberFilter(
        field_name="price",
        lookup_expr="lte",
        min_value=Decimal(0),
        max_value=Decimal("99999999"),
        help_text="Highest price, inclusive.",
    )
    search = filters.CharFilter(
        method="filter_search", max_length=255, help_text="Words in the title or category title."
    )
    allergen_free = filters.CharFilter(
        method="filter_allergen_free",
        max_length=255,
        help_text=(
            "Comma-separated allergen codes: leaves out every dish that contains one, or that "
            "cannot be ordered without one (a required group whose available choices do)."
        ),
    )
    diet = filters.ChoiceFilter(
        choices=[(code, code) for code in DIETS],
        method="filter_diet",
        help_text="One diet code: only the dishes with that diet.",
    )
    ordering = StableOrderingFilter(
        fields=(("price", "price"), ("title", "title"), ("rating_average", "rating")),
        nulls_last=("rating_average",),
        help_text="price, -price, title, -title, rating (average) or -rating.",
    )

    class Meta:
        model = MenuItem
        fields = [
            "category",
            "category_id",
            "featured",
            "orderable",
            "price_min",
            "price_max",
            "search",
            "allergen_free",
            "diet",
        ]

    def filter_allergen_free(self, queryset, name, value):
        codes = [code.strip() for code in value.split(",") if code.strip()]
        unknown = sorted(set(codes) - set(ALLERGENS))
        if unknown:
            raise ValidationError({name: [f"Unknown allergen code: {unknown[0]}."]})
        return queryset.filter(free_of(codes)) if codes else queryset

    def filter_diet(self, queryset, name, value):
        return queryset.filter(contains_any([value], field="diets"))

    def filter_orderable(self, queryset, name, value):
        return queryset.filter(ORDERABLE) if value else queryset.exclude(ORDERABLE)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(category__title__icontains=value))


class RatingFilter(filters.FilterSet):
    menuitem_id = _id_filter("menuitem_id", "Only ratings of this menu item.")

    class Meta:
        model = Rating
        fields = ["menuitem_id"]


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """One choice, or several separated by commas; an unknown one is a 400."""


class OrderFilter(filters.FilterSet):
    status = StrictBooleanFilter(help_text="true: delivered or picked up; false: not yet.")
    state = ChoiceInFilter(
        choices=Order.State.choices, help_text="One state, or several separated by commas."
    )
    fulfilment = filters.ChoiceFilter(choices=Order.Fulfilment.choices)
    payment_status = filters.ChoiceFilter(choices=Order.PaymentStatus.choices)
    delivery_crew = _id_filter("delivery_crew_id", "Id of the assigned crew member.")
    user = filters.NumberFilter(
        method="filter_user",
        min_value=1,
        max_value=ID_MAX,
        decimal_places=0,
        help_text="Id of the customer (managers and admins only; ignored for others).",
    )
    date_after = filters.DateFilter(
        field_name="date", lookup_expr="gte", help_text="YYYY-MM-DD, inclusive."
    )
    date_before = filters.DateFilter(
        field_name="date", lookup_expr="lte", help_text="YYYY-MM-DD, inclusive."
    )
    ordering = StableOrderingFilter(
        fields=(("date", "date"), ("total", "total"), ("created_at", "placed_at")),
        help_text="date, -date, total, -total, placed_at or -placed_at.",
    )

    class Meta:
        model = Order
        fields = [
            "status",
            "state",
            "fulfilment",
            "payment_status",
            "delivery_crew",
            "user",
            "date_after",
            "date_before",
        ]

    def filter_user(self, queryset, name, value):
        if order_policy.can_filter_by_customer(self.request.user):
            return queryset.filter(user_id=value)
        return queryset
