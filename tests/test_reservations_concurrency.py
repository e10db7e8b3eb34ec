"""Racing for the last table: real threads, real transactions; PostgreSQL's exclusion
constraint, and SQLite's one writer under a real server.

On PostgreSQL each request runs in its own thread with its own connection and a real token
header (tests/races.py). SQLite's in-memory test database is one connection's, so there the
race runs against gunicorn serving a SQLite file, over HTTP, as `make serve` would.
"""

import json
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest
from django.db import IntegrityError, connection, transaction

from harness import servers
from LittleLemonDRF.models import Reservation
from tests.factories import make_user
from tests.races import RACE_MARKS, THREAD_TIMEOUT, race, statuses
from tests.reservation_setup import RESERVATIONS, evening, hold, iso, make_tables, open_evenings

RACERS = 20


class TestOnPostgreSQL:
    pytestmark = RACE_MARKS

    def test_twenty_customers_racing_for_the_last_table_get_one_reservation(self):
        open_evenings()
        taken, last = make_tables(4, 4)
        hold(make_user(), taken, evening())
        customers = [make_user() for _ in range(RACERS)]
        body = {"start": iso(evening()), "party_size": 2}

        outcomes = race(customers, lambda client: client.post(RESERVATIONS, body))

        assert all(outcome.status < 500 for outcome in outcomes), outcomes
        assert statuses(outcomes) == [201] + [409] * (RACERS - 1), outcomes
        for outcome in outcomes:
            if outcome.status == 409:
                assert outcome.body["alternatives"][0] == iso(evening(at="20:30")), outcome
        assert Reservation.objects.filter(table=last).count() == 1

    def test_the_database_refuses_two_overlapping_holds_of_one_table(self):
        (table,) = make_tables(4)
        guest = make_user()
        hold(guest, table, evening(at="19:00"))
        hold(guest, table, evening(at="20:30"))  # touching is not overlapping
        hold(guest, table, evening(at="19:30"), status=Reservation.Status.CANCELLED)

        with pytest.raises(IntegrityError, match="reservation_no_overlap"), transaction.atomic():
            hold(guest, table, evening(at="20:00"))


# --- SQLite, under a real server ---------------------------------------------------------

SETUP = """
import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo
from django.contrib.auth.models import User
from django.utils import timezone
from LittleLemonDRF.models import Restaurant, ServiceHours, Table
from LittleLemonDRF.services import token_for_login
zone = ZoneInfo("Europe/Rome")
restaurant = Restaurant.load()
restaurant.timezone = "Europe/Rome"
restaurant.slot_minutes = 30
restaurant.save()
Table.objects.all().delete()  # the demo dining room: this race has one table
ServiceHours.objects.filter(fulfilment="table").delete()
for weekday in range(7):
    ServiceHours.objects.create(fulfilment="table", weekday=weekday, opens="18:00", closes="22:00")
Table.objects.create(name="Last", seats=4)
keys = [token_for_login(user=User.objects.create_user(f"racer{{n}}")).key for n in range({n})]
day = timezone.now().astimezone(zone).date() + timedelta(days=3)
start = datetime.combine(day, time(19, 0), tzinfo=zone).isoformat()
print(json.dumps({{"keys": keys, "start": start}}))
"""


def _post(url, key, body):
    request = urllib.request.Request(
        url,
        json.dumps(body).encode(),
        {"Authorization": f"Token {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=THREAD_TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite race; PostgreSQL's is above")
def test_twenty_customers_racing_on_sqlite_get_one_reservation():
    with tempfile.TemporaryDirectory(prefix="littlelemon-race-") as folder:
        env = servers.production_env(database_url=f"sqlite:///{Path(folder) / 'race.sqlite3'}")
        servers.prepare_database(env)
        made = json.loads(
            servers.manage(env, "shell", "-c", SETUP.format(n=RACERS)).strip().splitlines()[-1]
        )
        command = servers.Gunicorn(workers=2, options=("--threads=10",))
        with servers.running(env, command=command, log=Path(folder) / "server.log") as server:
            barrier = Barrier(RACERS)
            body = {"start": made["start"], "party_size": 2}

            def send(key):
                barrier.wait(timeout=THREAD_TIMEOUT)
                return _post(f"{server.url}{RESERVATIONS}", key, body)

            with ThreadPoolExecutor(max_workers=RACERS) as pool:
                outcomes = list(pool.map(send, made["keys"]))

    codes = sorted(code for code, _ in outcomes)
    assert codes == [201] + [409] * (RACERS - 1), outcomes
    assert all("alternatives" in body for code, body in outcomes if code == 409), outcomes
