"""Orders, their lines and the history of their states."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Q
from django.utils import timezone

from ..cache_dependencies import ReportingQuerySet
from .bounds import IDEMPOTENCY_KEY_MAX, NOTE_MAX
from .menu import MenuItem


class OrderQuerySet(ReportingQuerySet):
    def with_status(self):
        """Orders with the course's `status` as a column, to filter and read in queries."""
        done = Q(state__in=Order.DONE)
        return self.annotate(status=models.ExpressionWrapper(done, output_field=BooleanField()))


class OrderManager(models.Manager.from_queryset(OrderQuerySet)):
    def get_queryset(self):
        return super().get_queryset().with_status()


class Order(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled"
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
        PARTIALLY_REFUNDED = "partially_refunded"
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
        max_length=18, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    eta = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=NOTE_MAX, blank=True, default="")
    # NULL is "no reason given", which the API shows as null rather than "".
    cancel_reason = models.CharField(max_length=NOTE_MAX, null=True, blank=True)  # noqa: DJ001
    # Wide enough for 100 of a 9999.99 dish on every line of a large order.
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # The bill (bill.py), fixed at placement from the restaurant's settings of that moment.
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    delivery_fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    tip = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    tax = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_added = models.BooleanField(default=False, editable=False)
    tax_rate = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    refunded = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    date = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="placed at")
    # The slot the order holds (its start), null where its fulfilment had no service hours;
    # a `scheduled` order goes to the kitchen at release_at, fixed when it is placed.
    slot = models.DateTimeField(null=True, blank=True, db_index=True)
    asap = models.BooleanField(default=True, verbose_name="as soon as possible")
    release_at = models.DateTimeField(null=True, blank=True, editable=False)
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
        indexes = [
            # The release of scheduled orders reads only these.
            models.Index(
                fields=["release_at"], condition=Q(state="scheduled"), name="order_release_due"
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
    def refund_list(self) -> list:
        """The refunds, oldest first: as selectors.order_list() read them, else read now."""
        rows = getattr(self, "refund_rows", None)
        return list(self.refunds.select_related("by")) if rows is None else rows

    @property
    def history_entries(self) -> list["OrderStateChange"]:
        """Every state the order has been in, oldest first, from its placement on.

        The placement is the order itself (placed_at, by its customer); each later move is a
        row. Expects `changes` read (selectors.order_list_for), else reads them.
        """
        changes = getattr(self, "changes", None)
        if changes is None:
            changes = list(self.history.select_related("by"))
        # An order placed for later started `scheduled`; only those have a release time.
        first = self.State.PLACED if self.release_at is None else self.State.SCHEDULED
        placed = OrderStateChange(state=first, at=self.created_at, by=self.user)
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

    objects = ReportingQuerySet.as_manager()

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
    # [{"name", "price_delta"}] as picked, and the line's note: copied, like title and price.
    choices = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=200, blank=True, default="")

    objects = ReportingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} x {self.title}"
