"""The menu and what customers do with it before ordering: categories, dishes, ratings, carts."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from ..cache_dependencies import ReportingQuerySet
from .bounds import (
    PRICE_MAX,
    PRICE_MIN,
    PRICE_RULE,
    QUANTITY_MAX,
    QUANTITY_RULE,
    RATING_MAX,
    RATING_MIN,
    RATING_RULE,
    STOCK_MAX,
    STOCK_RULE,
)


class Category(models.Model):
    slug = models.SlugField(max_length=255, unique=True)
    title = models.CharField(max_length=255, db_index=True)

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.title


class MenuItem(models.Model):
    title = models.CharField(max_length=255, db_index=True)
    price = models.DecimalField(max_digits=6, decimal_places=2, db_index=True)
    featured = models.BooleanField(default=False, db_index=True)
    # PROTECT: a category that still lists dishes cannot vanish (the API answers 409).
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="menu_items")
    available = models.BooleanField(
        default=True, db_index=True, help_text='Off when the kitchen has run out ("86").'
    )
    stock = models.PositiveIntegerField(
        null=True, blank=True, help_text="Portions left; empty when not counted."
    )
    # Sorted lists of codes (options.ALLERGENS, options.DIETS), checked by the serializer.
    allergens = models.JSONField(default=list, blank=True)
    diets = models.JSONField(default=list, blank=True)

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=PRICE_MIN) & Q(price__lte=PRICE_MAX),
                name="menuitem_price_in_range",
                violation_error_message=PRICE_RULE,
            ),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0, stock__lte=STOCK_MAX),
                name="menuitem_stock_in_range",
                violation_error_message=STOCK_RULE,
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def orderable(self) -> bool:
        return self.available and (self.stock is None or self.stock > 0)


# The dishes a customer can order now, as a filter.
ORDERABLE = Q(available=True) & (Q(stock__isnull=True) | Q(stock__gt=0))


class Rating(models.Model):
    menuitem = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings"
    )
    rating = models.PositiveSmallIntegerField()

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "menuitem"], name="rating_one_per_user_item"),
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN) & Q(rating__lte=RATING_MAX),
                name="rating_in_range",
                violation_error_message=RATING_RULE,
            ),
        ]

    def __str__(self):
        return f"{self.user} rated {self.menuitem}: {self.rating}"


class Cart(models.Model):
    """One line of a user's cart. Prices are read from the menu, so none is stored here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart_lines"
    )
    menuitem = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="cart_lines")
    quantity = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=200, blank=True, default="")
    # [{"id", "name"}] of the choices picked, by id; the name names a choice deleted since.
    picks = models.JSONField(default=list, blank=True, editable=False)
    # The line's identity beside its dish: its choice ids, sorted, and its note (options.py).
    signature = models.CharField(max_length=2048, blank=True, default="", editable=False)

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "cart line"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "menuitem", "signature"], name="cart_one_line_per_pick"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=QUANTITY_MAX),
                name="cart_quantity_in_range",
                violation_error_message=QUANTITY_RULE,
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.menuitem}"

    @property
    def unit_price(self) -> Decimal:
        """The dish's price now plus the deltas of its picked choices that still exist."""
        return self.menuitem.price + sum(
            (choice.price_delta for _, _, choice in self.picked if choice is not None),
            Decimal("0.00"),
        )

    @property
    def price(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def picked_choices(self) -> list:
        """The picked choices that still exist, in id order."""
        return [choice for _, _, choice in self.picked if choice is not None]

    @property
    def picked(self) -> list[tuple]:
        """(id, name when picked, the OptionChoice now or None once deleted) per pick.

        Read for a whole page by options.read_picks(); a line that picked nothing needs no
        query, and one read alone reads its choices.
        """
        if not hasattr(self, "_picked"):
            from .options import OptionChoice  # options builds on this module

            found = OptionChoice.objects.in_bulk([pick["id"] for pick in self.picks])
            self._picked = [(p["id"], p["name"], found.get(p["id"])) for p in self.picks]
        return self._picked
