"""The outbox of order events that the stream and the webhooks read."""

from django.db import connection, models
from django.utils import timezone


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
        RESERVATION_CREATED = "reservation.created"
        RESERVATION_UPDATED = "reservation.updated"

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=24, choices=Type.choices)
    # No foreign keys: an event outlives an order deleted as a correction, and its people.
    # An event is about an order or, for the reservation types, a reservation: the other is
    # NULL, so order readers (the stream) find no order for a reservation's event.
    order_id = models.BigIntegerField(db_index=True, null=True, blank=True)
    reservation_id = models.BigIntegerField(db_index=True, null=True, blank=True)
    customer_id = models.BigIntegerField()
    crew_id = models.BigIntegerField(null=True, blank=True)
    previous_crew_id = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        if self.reservation_id is not None:
            return f"#{self.pk} {self.type} of reservation {self.reservation_id}"
        return f"#{self.pk} {self.type} of order {self.order_id}"

    @classmethod
    def append(cls, **fields) -> "OrderEvent":
        """Write an event as the last write of its change's transaction.

        A sequence hands out ids when rows are written, not when they commit: on PostgreSQL a
        lower id could commit after a higher one, and a reader that had gone past it would
        never see it. A transaction-scoped advisory lock, held from here to the commit, makes
        the commits of events follow their ids (writers wait for each other only between
        their event and their commit). SQLite takes its one write lock at BEGIN anyway.

        The job that fans the event out to webhooks is enqueued here too, in the same
        transaction: it commits with the change, or neither does.
        """
        from ..webhooks.deliverer import fan_out_event  # the webhooks import these models

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_ORDER_LOCK])
        event = cls.objects.create(**fields)
        fan_out_event.enqueue(event.pk)
        return event


EVENT_ORDER_LOCK = 0x4C4C_4556  # the advisory lock key of OrderEvent.append ("LLEV")
