"""Tables and reservations: which table a party gets when, booking, moving, cancelling.

One rule decides whether a party can have a table at a start (`offered`): the list of
available starts, the alternatives a refusal offers and the booking itself all ask it, so
the list never offers what a booking refuses. Capacity is the database's: on PostgreSQL an
exclusion constraint refuses two holds of one table at overlapping times (a booking that
loses a race for a table looks again); on SQLite every write transaction begins IMMEDIATE,
so bookings run one after the other.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from .. import clock, reservation_policy
from ..clock.slots import local_time
from ..errors import NoTableFree, PartyTooLarge, StartRefused, TableInUse, TableRefused
from ..models import OrderEvent, Reservation, Table
from ..models.tables import NO_OVERLAP
from .idempotency import check_key, earlier

TABLE = "table"  # the fulfilment whose service hours take reservations
ALTERNATIVES = 3
# Attempts at a booking that keeps losing its table to others at the same moment.
ATTEMPTS = 5
HOLDING = sorted(Reservation.HOLDING)


# --- The one rule: which table a party gets at a start --------------------------------------


@dataclass(frozen=True)
class Book:
    """The active tables, smallest first (lowest id on a tie), and their holds over a
    stretch of time: what every answer about free tables reads, in two queries."""

    tables: list[Table]
    holds: dict[int, list[tuple[datetime, datetime]]]

    @property
    def largest(self) -> int:
        return max((table.seats for table in self.tables), default=0)

    def free(self, table: Table, start: datetime, end: datetime) -> bool:
        return not any(s < end and start < e for s, e in self.holds.get(table.pk, ()))

    def table_for(self, start: datetime, end: datetime, party_size: int) -> Table | None:
        for table in self.tables:
            if table.seats >= party_size and self.free(table, start, end):
                return table
        return None


def read_book(since: datetime, until: datetime, *, excluding: int | None = None) -> Book:
    tables = list(Table.objects.filter(active=True).order_by("seats", "id"))
    holds = Reservation.objects.filter(
        status__in=HOLDING, table__isnull=False, start__lt=until, end__gt=since
    )
    if excluding is not None:
        holds = holds.exclude(pk=excluding)
    found: dict[int, list[tuple[datetime, datetime]]] = {}
    for table_id, start, end in holds.values_list("table_id", "start", "end"):
        found.setdefault(table_id, []).append((start, end))
    return Book(tables, found)


def held_for(config: clock.Config) -> timedelta:
    return timedelta(minutes=config.restaurant.reservation_minutes)


def day_starts(config: clock.Config, day: date) -> list[datetime]:
    """The local day's reservation starts: each `table` period's opens, then every
    slot_minutes while before closes (a table is held past closing), oldest first."""
    step, zone = config.restaurant.slot_minutes, config.zone
    starts = {
        start
        for period in config.periods(TABLE, day.weekday())
        for minute in range(period.opens, period.closes, step)
        if (start := local_time(day, minute, zone)) is not None
    }
    return sorted(starts)


def _closed(config: clock.Config, start: datetime) -> bool:
    return any(starts <= start < ends for starts, ends in config.closures)


def _last_day(config: clock.Config, now: datetime) -> date:
    days = config.restaurant.reservation_days_ahead
    return now.astimezone(config.zone).date() + timedelta(days=days)


def _earliest(config: clock.Config, now: datetime) -> datetime:
    return now + timedelta(minutes=config.restaurant.reservation_lead_minutes)


def offered(
    config: clock.Config, book: Book, start: datetime, party_size: int, now: datetime
) -> Table | None:
    """The table a party of `party_size` gets at `start` (a start of the grid) if it books
    now, or None: not in a closure, not too soon nor too far, and a table free throughout."""
    if _closed(config, start) or start < _earliest(config, now):
        return None
    if start.astimezone(config.zone).date() > _last_day(config, now):
        return None
    return book.table_for(start, start + held_for(config), party_size)


def available_starts(
    day: date, party_size: int, *, now: datetime | None = None, excluding: int | None = None
) -> list[datetime]:
    """The day's starts at which a party of `party_size` could book now, oldest first.

    Refuses a party larger than the largest active table, as a booking does.
    """
    config, now = clock.config(), now or timezone.now()
    starts = day_starts(config, day)
    if not starts:
        book = read_book(now, now)
        _check_party(book, party_size)
        return []
    book = read_book(starts[0], starts[-1] + held_for(config), excluding=excluding)
    _check_party(book, party_size)
    return [s for s in starts if offered(config, book, s, party_size, now)]


def alternatives(
    start: datetime, party_size: int, *, now: datetime, excluding: int | None = None
) -> list[datetime]:
    """Up to three starts of the same local day a booking would get now, nearest first."""
    day = start.astimezone(clock.config().zone).date()
    found = available_starts(day, party_size, now=now, excluding=excluding)
    found.sort(key=lambda s: (abs(s - start), s))
    return found[:ALTERNATIVES]


def _check_party(book: Book, party_size: int) -> None:
    if party_size > book.largest:
        raise PartyTooLarge(book.largest)


def check_start(config: clock.Config, start: datetime, now: datetime) -> None:
    """Refuse a start that no booking could have, whoever asks and whenever (a 400); a start
    that is fine but closed, or has no table, is a conflict decided later."""
    if timezone.is_naive(start):
        raise StartRefused("Give the time with its offset, such as 2026-05-01T19:30:00+02:00.")
    if not config.periods(TABLE):
        raise NoTableFree([], "The restaurant takes no reservations.")
    if start < now:
        raise StartRefused("That time has passed.")
    local = start.astimezone(config.zone)
    if local.date() > _last_day(config, now):
        days = config.restaurant.reservation_days_ahead
        raise StartRefused(f"Reservations are taken up to {days} days ahead.")
    if start not in day_starts(config, local.date()):
        step = config.restaurant.slot_minutes
        raise StartRefused(
            "Reservations start within the table hours, at their opening time and every "
            f"{step} minutes after it."
        )
    if start < _earliest(config, now):
        lead = config.restaurant.reservation_lead_minutes
        raise StartRefused(f"Reservations are taken at least {lead} minutes ahead.")


def _no_table(start: datetime, party_size: int, now: datetime, excluding=None) -> NoTableFree:
    found = alternatives(start, party_size, now=now, excluding=excluding)
    config = clock.config()
    message = (
        "The restaurant is closed then."
        if _closed(config, start)
        else "No table is free for that party at that time."
    )
    return NoTableFree([local_iso(config, s) for s in found], message)


def local_iso(config: clock.Config, moment: datetime) -> str:
    return moment.astimezone(config.zone).isoformat()


# --- Booking ----------------------------------------------------------------------------


def reservation_book(
    *,
    user,
    start: datetime,
    party_size: int,
    name: str = "",
    phone: str = "",
    note: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Reservation, bool]:
    """Book the smallest free active table with enough seats; True when a reservation was
    made, False for a retry with the same idempotency key (the first one comes back)."""
    check_key(idempotency_key)
    config, now = clock.config(), now or timezone.now()
    check_start(config, start, now)
    mine = Reservation.objects.filter(user=user)
    fields = {
        "user": user,
        "name": name or user.get_username(),
        "phone": phone,
        "note": note,
        "party_size": party_size,
        "start": start,
        "end": start + held_for(config),
        "idempotency_key": idempotency_key or "",
    }
    try:
        with transaction.atomic():
            previous = earlier(mine, idempotency_key, now=now)
            if previous is not None:
                return previous, False
            reservation = _hold(config, fields, now=now)
            _announce(reservation, OrderEvent.Type.RESERVATION_CREATED)
            return reservation, True
    except IntegrityError:
        # A request with the same key won the race to the unique constraint.
        previous = earlier(mine, idempotency_key, now=now)
        if previous is None:
            raise
        return previous, False


def _hold(config: clock.Config, fields: dict, *, now: datetime) -> Reservation:
    """Make the reservation with the table `offered` names; a loss to a booking that took
    the table meanwhile (the exclusion constraint) looks again."""
    start, party_size = fields["start"], fields["party_size"]
    for _ in range(ATTEMPTS):
        book = read_book(start, fields["end"])
        _check_party(book, party_size)
        table = offered(config, book, start, party_size, now)
        if table is None:
            break
        try:
            with transaction.atomic():  # a savepoint: the transaction survives a loss
                return Reservation.objects.create(**fields, table=table)
        except IntegrityError as error:
            if NO_OVERLAP not in str(error):
                raise
    raise _no_table(start, party_size, now)


def _save(instance: Reservation, fields: dict) -> Reservation:
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save(update_fields=sorted(fields))
    return instance


def _announce(reservation: Reservation, kind: str) -> None:
    """Record the change as an event, the last write of its transaction (OrderEvent.append);
    webhooks deliver it."""
    OrderEvent.append(type=kind, reservation_id=reservation.pk, customer_id=reservation.user_id)


# --- Changing ---------------------------------------------------------------------------

_UNSET = object()


def reservation_update(
    *,
    reservation: Reservation,
    by=None,
    status=_UNSET,
    table=_UNSET,
    party_size=_UNSET,
    start=_UNSET,
    now: datetime | None = None,
    **details,
) -> Reservation:
    """Change a reservation as `by` asks: its status (reservation_policy.MOVES), its table,
    party size or start (checked as a booking is), its name, phone or note. `by` None is the
    system. The row is locked, so two changes of one reservation are judged in turn."""
    config, now = clock.config(), now or timezone.now()
    grace = timedelta(minutes=config.restaurant.no_show_grace_minutes)
    with transaction.atomic():
        reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
        fields = dict(details)
        if status is not _UNSET and status != reservation.status:
            reservation_policy.check_move(by, reservation, status, now=now, grace=grace)
            fields["status"] = status
        if {table, party_size, start} != {_UNSET}:
            fields |= _placement(config, reservation, table, party_size, start, now)
        if fields:
            reservation = _place(config, reservation, fields, now)
            _announce(reservation, OrderEvent.Type.RESERVATION_UPDATED)
    return reservation


def _placement(config, reservation, table, party_size, start, now) -> dict:
    if not reservation.holds_table:
        raise TableRefused(f"A {reservation.status} reservation cannot be moved.")
    fields = {}
    if start is not _UNSET and start != reservation.start:
        check_start(config, start, now)
        fields |= {"start": start, "end": start + (reservation.end - reservation.start)}
    if party_size is not _UNSET:
        fields["party_size"] = party_size
    if table is not _UNSET:
        fields["table"] = table
    return fields


def _place(config, reservation: Reservation, fields: dict, now: datetime) -> Reservation:
    """Save the change; one that moves the reservation keeps its table where that still
    fits (a chosen table must), else takes the smallest free one that fits."""
    if not {"start", "party_size", "table"} & set(fields):
        return _save(reservation, fields)
    start = fields.get("start", reservation.start)
    end = fields.get("end", reservation.end)
    party_size = fields.get("party_size", reservation.party_size)
    book = read_book(start, end, excluding=reservation.pk)
    _check_party(book, party_size)
    if "start" in fields and _closed(config, start):
        raise _no_table(start, party_size, now, reservation.pk)
    table = fields.get("table", reservation.table)
    if table is not None and table.active and table.seats >= party_size:
        if book.free(table, start, end):
            return _save_held(reservation, fields | {"table": table}, start, party_size, now)
    if "table" in fields:
        raise TableRefused(
            f"Table {table.name} cannot take a party of {party_size} then: it is taken, "
            "too small or inactive."
        )
    choice = book.table_for(start, end, party_size)
    if choice is None:
        raise _no_table(start, party_size, now, reservation.pk)
    return _save_held(reservation, fields | {"table": choice}, start, party_size, now)


def _save_held(reservation, fields, start, party_size, now) -> Reservation:
    try:
        with transaction.atomic():
            return _save(reservation, fields)
    except IntegrityError as error:
        if NO_OVERLAP not in str(error):
            raise
    raise _no_table(start, party_size, now, reservation.pk)


def reservation_delete(*, reservation: Reservation) -> None:
    """Delete a reservation (a manager's correction); it frees its table at once."""
    reservation.delete()


# --- Tables -------------------------------------------------------------------------------


def table_save(*, table: Table) -> Table:
    table.full_clean(validate_unique=False, validate_constraints=False)
    table.save()
    return table


def table_delete(*, table: Table, now: datetime | None = None) -> None:
    """Delete a table that nothing ahead holds; the past reservations it had keep no table."""
    now = now or timezone.now()
    with transaction.atomic():
        table = Table.objects.select_for_update().get(pk=table.pk)
        if table.reservations.filter(status__in=HOLDING, end__gt=now).exists():
            raise TableInUse()
        table.delete()


def no_show_counts(user_ids) -> dict[int, int]:
    """How many no-shows each of these customers has: one query."""
    rows = (
        Reservation.objects.filter(user_id__in=user_ids, status=Reservation.Status.NO_SHOW)
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    return dict(rows)


# --- Reads ----------------------------------------------------------------------------------


def reservation_list_for(user):
    """The reservations the user may see (reservation_policy), with user and table joined."""
    reservations = Reservation.objects.select_related("user", "table")
    if not user.is_authenticated:
        return reservations.none()
    scope = reservation_policy.visible(user)
    return reservations if scope is None else reservations.filter(scope)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants a local day of the restaurant starts and ends (23 or 25 hours apart on
    the days the clocks change)."""
    zone = clock.config().zone
    start = datetime.combine(day, datetime.min.time()).replace(tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(tzinfo=zone)
    return start, end
