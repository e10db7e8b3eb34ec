"""The tables page driven in the browser: the evening's reservations per table on a timeline,
kept live from the API, for managers only."""

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import PASSWORD, manage_shell
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
MANAGER = "e2e-tables-manager"
POLL_MS = 8_000  # the page reads the sheet every 5 seconds
WALL = {"width": 1280, "height": 800}

# An evening in service, written straight to the database: the API takes no booking in the
# past, and seated, done and no-show parties are past ones. (start, table, party, name, status)
EVENING = [
    ("17:30", "Window 1", 2, "Rossi", "completed"),
    ("18:00", "Garden 1", 4, "Nakamura", "completed"),
    ("18:45", "Garden 2", 3, "Okafor", "seated"),
    ("19:00", "Terrace 1", 6, "Lindqvist", "seated"),
    ("19:00", "Garden 3", 4, "Brennan", "no_show"),
    ("19:30", "Window 2", 2, "Dubois", "seated"),
    ("19:45", "Family 1", 8, "García family", "seated"),
    ("19:45", "Window 3", 2, "Kowalski", "confirmed"),
    ("20:00", "Garden 4", 4, "Haddad", "cancelled"),
    ("20:30", "Garden 1", 4, "Murphy", "confirmed"),
    ("20:30", "Window 4", 2, "Silva", "confirmed"),
    ("21:00", "Terrace 2", 5, "Abebe", "confirmed"),
    ("21:00", "Garden 3", 4, "Moreau", "confirmed"),
    ("21:30", "Window 1", 2, "Ivanova", "confirmed"),
]
# The browser's clock during the evening: 20:05 in the restaurant's zone (the demo's, UTC).
SERVICE_TIME = "20:05"

WRITE_EVENING = """
import json
from datetime import datetime, timedelta
from django.contrib.auth.models import User
from LittleLemonDRF import clock
from LittleLemonDRF.models import Reservation, Table
customer = User.objects.get(username="e2e-customer")
day = datetime.fromisoformat({day!r}).date()
ids = {{}}
for at, table, party, name, status in json.loads({evening!r}):
    start = datetime.combine(day, datetime.strptime(at, "%H:%M").time(), clock.config().zone)
    reservation = Reservation.objects.create(
        user=customer, name=name, party_size=party, start=start,
        end=start + timedelta(minutes=90), table=Table.objects.get(name=table), status=status,
    )
    ids[name] = reservation.pk
print(json.dumps(ids))
"""


def tomorrow() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 24 * 3600))


class Host:
    """The host stand's people: a manager, and customers who book through the API."""

    def __init__(self, server):
        self.server = server
        self.manager = server.new_manager(MANAGER)
        self.customer = server.token("e2e-customer")
        code = WRITE_EVENING.format(day=tomorrow(), evening=json.dumps(EVENING))
        self.evening = json.loads(manage_shell(server, code).strip().splitlines()[-1])

    def book(self, at, party, name):
        body = {"start": f"{tomorrow()}T{at}:00+00:00", "party_size": party, "name": name}
        status, booking = self.server.api(
            "POST", "/api/reservations", token=self.customer, body=body
        )
        assert status == 201, booking
        return booking

    def reservation(self, pk):
        status, body = self.server.api("GET", f"/api/reservations/{pk}", token=self.manager)
        assert status == 200, body
        return body


@pytest.fixture(scope="module")
def host(server):
    return Host(server)


def sign_in(page, username):
    page.goto("/tables/")
    page.wait_for_url(re.compile(r"/api-auth/login/\?next=/tables/$"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")


def open_evening(page):
    """The manager's page on tomorrow's sheet, the browser's clock at SERVICE_TIME of it."""
    hours, minutes = map(int, SERVICE_TIME.split(":"))
    day = datetime.fromisoformat(tomorrow()).replace(hour=hours, minute=minutes, tzinfo=UTC)
    page.clock.set_fixed_time(day)
    sign_in(page, MANAGER)
    page.wait_for_url("**/tables/")
    expect(page.locator("#day")).to_have_value(tomorrow())
    expect(page.locator("#live")).to_have_attribute("data-state", "live")


def bar(page, pk):
    return page.locator(f"li.booking[data-id='{pk}']")


def test_the_evening_in_service_shows_each_table_and_state_and_is_photographed(page, host):
    page.set_viewport_size(WALL)
    open_evening(page)

    expect(page.locator("#rows > li")).to_have_count(12)
    for _, table, _, name, status in EVENING:
        booking = bar(page, host.evening[name])
        expect(booking).to_have_attribute("data-status", status)
        expect(booking).to_contain_text(name)
        row = page.locator("#rows > li", has=page.locator("h2", has_text=table))
        expect(row.locator(f"li.booking[data-id='{host.evening[name]}']")).to_have_count(1)
    expect(bar(page, host.evening["Brennan"])).to_contain_text("no-show")
    # Kowalski is 20 minutes past the start and still expected: late, and may be a no-show.
    late = bar(page, host.evening["Kowalski"])
    expect(late).to_have_attribute("data-late", "true")
    expect(late).to_contain_text("late 20′")
    expect(late.locator("button[data-to='no_show']")).to_be_visible()
    expect(bar(page, host.evening["Murphy"]).locator("button[data-to='no_show']")).to_have_count(0)
    expect(page.locator("#now")).to_be_visible()
    expect(page.locator("#now")).to_contain_text(SERVICE_TIME)
    expect(page.locator("#summary [data-status='seated'] b")).to_have_text("4")
    expect(page.locator("#summary [data-status='no_show'] b")).to_have_text("1")

    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "tables.png"), full_page=True)


def test_a_booking_made_through_the_api_appears_without_a_reload(page, host):
    open_evening(page)
    walk_in = host.book("22:00", 4, "Walk-in Yilmaz")

    booking = bar(page, walk_in["id"])
    expect(booking).to_be_visible(timeout=POLL_MS)
    expect(booking).to_contain_text("Walk-in Yilmaz")
    expect(booking).to_have_attribute("data-status", "confirmed")
    row = page.locator("#rows > li", has=page.locator("h2", has_text=walk_in["table"]["name"]))
    expect(row.locator(f"li.booking[data-id='{walk_in['id']}']")).to_have_count(1)


def test_seating_a_party_from_the_page_moves_it_through_the_api(page, host):
    booking = host.book("22:30", 2, "Seat-me Costa")
    open_evening(page)

    bar(page, booking["id"]).locator("button[data-to='seated']").click()

    expect(bar(page, booking["id"])).to_have_attribute("data-status", "seated")
    assert host.reservation(booking["id"])["status"] == "seated"


def test_a_customer_is_refused_the_page(page, page_problems, host):
    sign_in(page, "e2e-customer")
    page.wait_for_url("**/tables/")
    response = page.reload()
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("for managers and admins")
    expect(page.locator("#rows")).to_have_count(0)

    # Chromium logs the refused page (a 403) as a console error: that one was expected.
    errors = page_problems.console_errors
    errors[:] = [error for error in errors if not ("403" in error and "/tables/" in error)]


def test_an_anonymous_visitor_is_sent_to_sign_in(page):
    response = page.goto("/tables/")
    assert response.status == 200
    assert re.search(r"/api-auth/login/\?next=/tables/$", page.url)
    expect(page.locator("#id_username")).to_be_visible()


def test_the_day_after_shows_no_now_line(page, host):
    open_evening(page)
    after = (datetime.fromisoformat(tomorrow()) + timedelta(days=1)).date().isoformat()
    page.fill("#day", after)
    page.dispatch_event("#day", "change")
    expect(page.locator("#now")).to_be_hidden()
    expect(page.locator("li.booking")).to_have_count(0)
