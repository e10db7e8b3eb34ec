"""Tables of the Little Lemon API, with the invariants the database itself enforces."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

PRICE_MIN = Decimal("0.01")
PRICE_MAX = Decimal("9999.99")
QUANTITY_MAX = 100
IDEMPOTENCY_KEY_MAX = 255
RATING_MIN, RATING_MAX = 0, 5

# Each bound's one message: the database constraint reports it (the admin shows it) and the
# API's serializers give the same words.
PRICE_RULE = f"A price is at least {PRICE_MIN} and at most {PRICE_MAX}."
RATING_RULE = f"A rating is a whole number from {RATING_MIN} to {RATING_MAX}."
QUANTITY_RULE = f"A cart line holds at most {QUANTITY_MAX} of a dish."


class Category(models.Model):
    slug = models.SlugField(max_length=255, unique=True)
    title = models.CharField(max_length=255, db_index=True)

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

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=PRICE_MIN) & Q(price__lte=PRICE_MAX),
                name="menuitem_price_in_range",
                violation_error_message=PRICE_RULE,
            ),
        ]

    def __str__(self):
        return self.title


class Rating(models.Model):
    menuitem = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings"
    )
    rating = models.PositiveSmallIntegerField()

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

    class Meta:
        ordering = ["id"]
        verbose_name = "cart line"
        constraints = [
            models.UniqueConstraint(fields=["user", "menuitem"], name="cart_one_line_per_item"),
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
        return self.menuitem.price

    @property
    def price(self) -> Decimal:
        return self.menuitem.price * self.quantity


class Order(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orders"
    )
    delivery_crew = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    status = models.BooleanField(default=False, db_index=True, help_text="True once delivered.")
    # Wide enough for 100 of a 9999.99 dish on every line of a large order.
    total = models.DecimalField(max_digits=12, decimal_places=2)
    date = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(
        max_length=IDEMPOTENCY_KEY_MAX, blank=True, default="", editable=False
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_idempotency_key_per_user",
            ),
        ]

    def __str__(self):
        return f"Order #{self.pk} by {self.user}"


class OrderItem(models.Model):
    """An order line: title and unit price are copied so menu edits never rewrite history."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    menuitem = models.ForeignKey(
        MenuItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="order_items"
    )
    title = models.CharField(max_length=255)
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(max_digits=6, decimal_places=2)
    price = models.DecimalField(max_digits=9, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "menuitem"], name="orderitem_one_per_item"),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.title}"


class ApiToken(Token):
    """DRF's token, with the rule that it expires TOKEN_TTL after it was issued."""

    class Meta:
        proxy = True

    @property
    def expired(self) -> bool:
        ttl = settings.TOKEN_TTL
        return ttl is not None and self.created < timezone.now() - ttl
