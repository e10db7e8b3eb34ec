"""Properties of the one rule: every start availability offers is one a booking takes, and
every other start of the grid is refused; the grid follows the wall clock on the days the
clocks change."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from LittleLemonDRF import clock
from LittleLemonDRF.errors import NoTableFree
from LittleLemonDRF.models import Reservation
from LittleLemonDRF.services import reservations as services
from tests.factories import make_user
from tests.reservation_setup import evening, hold, make_tables, open_evenings

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def _books(user, start, party_size) -> bool:
    """Whether a booking at `start` is taken; nothing of it is kept."""
    try:
        with transaction.atomic():
            services.reservation_book(user=user, start=start, party_size=party_size)
            raise Rollback
    except Rollback:
        return True
    except NoTableFree:
        return False


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    holds=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 7), st.sampled_from([60, 90, 150])),
        max_size=8,
    ),
    party_size=st.integers(1, 6),
)
def test_availability_offers_exactly_the_starts_a_booking_takes(db, holds, party_size):
    Reservation.objects.all().delete()
    if not clock.config().periods("table"):
        open_evenings()
        make_tables(2, 4, 6)
    tables = list(services.read_book(evening(), evening()).tables)
    guest = make_user()
    grid = services.day_starts(clock.config(), evening().astimezone(clock.config().zone).date())
    for table_index, slot, minutes in holds:
        start = grid[slot]
        book = services.read_book(start, start + timedelta(minutes=minutes))
        if book.free(tables[table_index], start, start + timedelta(minutes=minutes)):
            hold(guest, tables[table_index], start, minutes=minutes)

    offered = services.available_starts(grid[0].date(), party_size)

    assert set(offered) <= set(grid)
    for start in grid:
        assert _books(guest, start, party_size) == (start in offered), start


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 3, 28), ["01:00", "01:30", "03:00", "03:30"]),  # 02:00 to 03:00 never is
        (date(2027, 10, 31), ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_the_grid_follows_rome_s_wall_clock_when_the_clocks_change(db, day, expected):
    open_evenings("01:00", "04:00")

    starts = services.day_starts(clock.config(), day)

    assert [s.strftime("%H:%M") for s in starts] == expected
    assert all(b > a for a, b in zip(starts, starts[1:], strict=False))
