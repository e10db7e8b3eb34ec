"""Dish options, allergen and diet codes, and refunds of orders."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..cache_dependencies import ReportingQuerySet
from .bounds import IDEMPOTENCY_KEY_MAX, NOTE_MAX
from .menu import Cart, MenuItem
from .orders import Order

# The EU's fourteen allergens and the diets a dish may suit, as the API spells them.
ALLERGENS = (
    "celery",
    "crustaceans",
    "eggs",
    "fish",
    "gluten",
    "lupin",
    "milk",
    "molluscs",
    "mustard",
    "nuts",
    "peanuts",
    "sesame",
    "soya",
    "sulphites",
)
DIETS = ("vegetarian", "vegan")
DELTA_MAX = Decimal("999.99")
LINE_NOTE_MAX = Cart._meta.get_field("note").max_length
GROUP_PICKS_MAX = 100
GROUP_RULE = "A group's min is 0 or more, its max at least 1 and at least min."
DELTA_RULE = f"A price delta is at least 0.00 and at most {DELTA_MAX}."


class OptionGroup(models.Model):
    """A question a dish asks ("Size", "Extras"): pick between `min` and `max` of its choices."""

    menuitem = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="option_groups")
    name = models.CharField(max_length=255)
    min = models.PositiveSmallIntegerField(default=0)
    max = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max__gte=1) & Q(max__gte=F("min")) & Q(max__lte=GROUP_PICKS_MAX),
                name="optiongroup_min_max",
                violation_error_message=GROUP_RULE,
            ),
        ]

    def __str__(self):
        return f"{self.menuitem}: {self.name}"


class OptionChoice(models.Model):
    """One answer to a group's question, with what it adds to the dish's price."""

    group = models.ForeignKey(OptionGroup, on_delete=models.CASCADE, related_name="choices")
    name = models.CharField(max_length=255)
    price_delta = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.00"))
    available = models.BooleanField(default=True)
    allergens = models.JSONField(default=list, blank=True)

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_delta__gte=0) & Q(price_delta__lte=DELTA_MAX),
                name="optionchoice_delta_in_range",
                violation_error_message=DELTA_RULE,
            ),
        ]

    def __str__(self):
        return self.name


class Refund(models.Model):
    """Money given back on an order: some of its lines, or an amount."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # [{"id": <order line id>, "quantity": n}], [] for an amount refund.
    lines = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=NOTE_MAX)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(
        max_length=IDEMPOTENCY_KEY_MAX, blank=True, default="", editable=False
    )

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["order", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="refund_idempotency_key_per_order",
            ),
        ]

    def __str__(self):
        return f"Refund of {self.amount} on {self.order}"


__all__ = [
    "ALLERGENS",
    "DELTA_MAX",
    "DELTA_RULE",
    "DIETS",
    "GROUP_PICKS_MAX",
    "GROUP_RULE",
    "LINE_NOTE_MAX",
    "OptionChoice",
    "OptionGroup",
    "Refund",
    "contains_any",
    "free_of",
    "read_picks",
]


def read_picks(lines: list[Cart]) -> list[Cart]:
    """Put each cart line's picked choices on it (Cart.picked) with one query for them all,
    none when no line picked anything."""
    lines = list(lines)
    ids = {pick["id"] for line in lines for pick in line.picks}
    found = OptionChoice.objects.in_bulk(ids) if ids else {}
    for line in lines:
        line._picked = [(p["id"], p["name"], found.get(p["id"])) for p in line.picks]
    return lines


def contains_any(codes, field: str = "allergens") -> Q:
    """Rows whose code list (a JSON array of strings) holds one of `codes`."""
    match = Q(pk__in=[])
    for code in codes:
        match |= Q(**{f"{field}__icontains": f'"{code}"'})
    return match


def free_of(codes) -> Q:
    """Dishes that can be ordered without any of the allergens `codes`: the dish has none of
    them, and each group that asks for picks (min >= 1) offers at least `min` available
    choices free of them."""
    safe_choices = (
        OptionChoice.objects.filter(group=OuterRef("pk"), available=True)
        .exclude(contains_any(codes))
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    short_groups = (
        OptionGroup.objects.filter(menuitem=OuterRef("pk"), min__gte=1)
        .annotate(safe=Coalesce(Subquery(safe_choices), 0))
        .filter(safe__lt=F("min"))
    )
    return ~contains_any(codes) & ~Exists(short_groups)
