"""Tables of the Little Lemon API, with the invariants the database itself enforces."""

from decimal import Decimal

from django.conf import settings
from django.db import connection, models
from django.db.models import BooleanField, Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

PRICE_MIN = Decimal("0.01")
PRICE_MAX = Decimal("9999.99")
QUANTITY_MAX = 100
STOCK_MAX = 100_000
IDEMPOTENCY_KEY_MAX = 255
NOTE_MAX = 500
RATING_MIN, RATING_MAX = 0, 5

# Each bound's one message: the database constraint reports it (the admin shows it) and the
# API's serializers give the same words.
PRICE_RULE = f"A price is at least {PRICE_MIN} and at most {PRICE_MAX}."
RATING_RULE = f"A rating is a whole number from {RATING_MIN} to {RATING_MAX}."
QUANTITY_RULE = f"A cart line's quantity is a whole number from 1 to {QUANTITY_MAX}."
STOCK_RULE = f"Stock is a whole number from 0 to {STOCK_MAX}, or null when not counted."


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
    available = models.BooleanField(
        default=True, db_index=True, help_text='Off when the kitchen has run out ("86").'
    )
    stock = models.PositiveIntegerField(
        null=True, blank=True, help_text="Portions left; empty when not counted."
    )

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


class OrderQuerySet(models.QuerySet):
    def with_status(self):
        """Orders with the course's `status` as a column, to filter and read in queries."""
        done = Q(state__in=Order.DONE)
        return self.annotate(status=models.ExpressionWrapper(done, output_field=BooleanField()))


class OrderManager(models.Manager.from_queryset(OrderQuerySet)):
    def get_queryset(self):
        return super().get_queryset().with_status()


class Order(models.Model):
    class State(models.TextChoices):
        PLACED = "placed"
        ACCEPTED = "accepted"
        PREPARING = "preparing"
        READY = "ready"
        OUT_FOR_DELIVERY = "out_for_delivery"
        DELIVERED = "delivered"
        PICKED_UP = "picked_up"
        CANCELLED = "cancelled"

    class Fulfilment(models.TextChoices):
        DELIVERY = "delivery"
        PICKUP = "pickup"

    class PaymentMethod(models.TextChoices):
        CASH = "cash"
        CARD = "card"

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid"
        PAID = "paid"
        REFUND_DUE = "refund_due"
        REFUNDED = "refunded"

    # The states in which the course's `status` is true, and those an order ends in.
    DONE = frozenset({State.DELIVERED, State.PICKED_UP})
    FINAL = DONE | {State.CANCELLED}

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
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PLACED, db_index=True
    )
    fulfilment = models.CharField(
        max_length=8, choices=Fulfilment.choices, default=Fulfilment.DELIVERY
    )
    payment_method = models.CharField(
        max_length=4, choices=PaymentMethod.choices, default=PaymentMethod.CASH
    )
    payment_status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    eta = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=NOTE_MAX, blank=True, default="")
    # NULL is "no reason given", which the API shows as null rather than "".
    cancel_reason = models.CharField(max_length=NOTE_MAX, null=True, blank=True)  # noqa: DJ001
    # Wide enough for 100 of a 9999.99 dish on every line of a large order.
    total = models.DecimalField(max_digits=12, decimal_places=2)
    date = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="placed at")
    idempotency_key = models.CharField(
        max_length=IDEMPOTENCY_KEY_MAX, blank=True, default="", editable=False
    )

    # `status` is derived from `state`: a property here, a column in every query.
    objects = OrderManager()

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

    @property
    def status(self) -> bool:
        """The course's flag: delivered, or picked up."""
        return self.state in self.DONE

    @status.setter
    def status(self, done: bool) -> None:
        # For building orders (Order(status=True)) and for the query's column, which agrees
        # with `state`; an existing order moves only through services, which keep history.
        if done:
            pickup = self.fulfilment == self.Fulfilment.PICKUP
            self.state = self.State.PICKED_UP if pickup else self.State.DELIVERED
        elif self.state in self.DONE:
            self.state = self.State.PLACED

    @property
    def is_open(self) -> bool:
        return self.state not in self.FINAL

    @property
    def history_entries(self) -> list["OrderStateChange"]:
        """Every state the order has been in, oldest first, from its placement on.

        The placement is the order itself (placed_at, by its customer); each later move is a
        row. Expects `changes` read (selectors.order_list_for), else reads them.
        """
        changes = getattr(self, "changes", None)
        if changes is None:
            changes = list(self.history.select_related("by"))
        placed = OrderStateChange(state=self.State.PLACED, at=self.created_at, by=self.user)
        return [placed, *changes]


class OrderStateChange(models.Model):
    """One move of an order to another state: who made it, when, and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    state = models.CharField(max_length=16, choices=Order.State.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=NOTE_MAX, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.order} -> {self.state}"


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
    # Whether placing the order took this quantity off the dish's stock (to give it back).
    counted = models.BooleanField(default=False, editable=False)

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


class OrderEvent(models.Model):
    """One change to an order, written in the change's own transaction (an outbox).

    The order stream and the webhook deliverer read these rows, so a change is announced
    exactly when it commits, and a restarted server or deliverer loses nothing. The ids are
    one sequence for the whole system, in the order the changes commit (`append`), so a
    reader that has seen id N has seen every event up to N. Who may see an event is kept on
    the row itself: the customer, the crew member assigned after the change and, when the
    change took the order away from one, the crew member before it.
    """

    class Type(models.TextChoices):
        CREATED = "order.created"
        UPDATED = "order.updated"

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=16, choices=Type.choices)
    # No foreign keys: an event outlives an order deleted as a correction, and its people.
    order_id = models.BigIntegerField(db_index=True)
    customer_id = models.BigIntegerField()
    crew_id = models.BigIntegerField(null=True, blank=True)
    previous_crew_id = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk} {self.type} of order {self.order_id}"

    @classmethod
    def append(cls, **fields) -> "OrderEvent":
        """Write an event as the last write of its change's transaction.

        A sequence hands out ids when rows are written, not when they commit: on PostgreSQL a
        lower id could commit after a higher one, and a reader that had gone past it would
        never see it. A transaction-scoped advisory lock, held from here to the commit, makes
        the commits of events follow their ids (writers wait for each other only between
        their event and their commit). SQLite takes its one write lock at BEGIN anyway.
        """
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_ORDER_LOCK])
        return cls.objects.create(**fields)


EVENT_ORDER_LOCK = 0x4C4C_4556  # the advisory lock key of OrderEvent.append ("LLEV")


WEBHOOK_URL_MAX = 2000


class Webhook(models.Model):
    """An endpoint that receives order events by HTTP POST, signed with its secret."""

    url = models.URLField(max_length=WEBHOOK_URL_MAX)
    events = models.JSONField(default=list, help_text="The event types it receives.")
    secret = models.CharField(max_length=100, editable=False)
    # The secret a rotation replaced, still signing beside the new one until
    # previous_secret_until, so a receiver can switch without losing an event.
    previous_secret = models.CharField(max_length=100, blank=True, default="", editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The newest event when it was registered: it receives the events after that one only.
    after_event_id = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one webhook: pending until a 2xx answers it or its attempts run out."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    # How it went: what the API and the admin show of a delivery, beside what was sent where.
    OUTCOME_FIELDS = (
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OrderEvent, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # NULL is "no error yet", which the API shows as null rather than "".
    last_error = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001
    # When a pending delivery is due (a deliverer's claim pushes it on); NULL once settled.
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-event_id", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event"], name="webhookdelivery_once"),
        ]
        indexes = [
            # What deliverers claim: the pending deliveries that are due, soonest first.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="webhookdelivery_due",
            ),
        ]

    def __str__(self):
        return f"event #{self.event_id} to {self.webhook_id}: {self.status}"
