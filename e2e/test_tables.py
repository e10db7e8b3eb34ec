"""The tables page driven in the browser: the evening's reservations per table on a timeline,
kept live from the API, for managers only."""

import re
import time
from pathlib import Path

import pytest
from conftest import PASSWORD
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
MANAGER = "e2e-tables-manager"
POLL_MS = 8_000  # the page reads the sheet every 5 seconds
WALL = {"width": 1280, "height": 800}


def tomorrow() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 24 * 3600))


class Host:
    """The host stand's people: a manager, and customers who book through the API."""

    def __init__(self, server):
        self.server = server
        admin = self.token("e2e-admin")
        status, body = server.api(
            "POST", "/api/users", body={"username": MANAGER, "password": PASSWORD}
        )
        assert status == 201, body
        status, body = server.api(
            "POST", "/api/groups/manager/users", token=admin, body={"username": MANAGER}
        )
        assert status == 201, body
        self.manager = self.token(MANAGER)
        self.customer = self.token("e2e-customer")

    def token(self, username):
        status, body = self.server.api(
            "POST", "/token/login/", body={"username": username, "password": PASSWORD}
        )
        assert status == 200, body
        return body["auth_token"]

    def book(self, at, party, name):
        body = {"start": f"{tomorrow()}T{at}:00+00:00", "party_size": party, "name": name}
        status, booking = self.server.api(
            "POST", "/api/reservations", token=self.customer, body=body
        )
        assert status == 201, booking
        return booking

    def move(self, booking, status):
        answer, body = self.server.api(
            "PATCH",
            f"/api/reservations/{booking['id']}",
            token=self.manager,
            body={"status": status},
        )
        assert answer == 200, body
        return body


@pytest.fixture(scope="module")
def host(server):
    return Host(server)


def open_tables(page):
    page.goto("/tables/")
    page.wait_for_url(re.compile(r"/api-auth/login/\?next=/tables/$"))
    page.fill("#id_username", MANAGER)
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url("**/tables/")
    page.fill("#day", tomorrow())
    page.dispatch_event("#day", "change")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")


def booking(page, reservation):
    return page.locator(f"li.booking[data-id='{reservation['id']}']")


def test_an_evening_of_tables_shows_live_and_is_photographed(page, host):
    evening = [
        host.book("18:00", 2, "Rossi"),
        host.book("18:30", 4, "Nakamura"),
        host.book("19:00", 6, "Okafor"),
        host.book("19:00", 2, "Dubois"),
        host.book("19:30", 8, "Lindqvist"),
        host.book("20:00", 4, "García"),
        host.book("20:00", 2, "Kowalski"),
        host.book("20:30", 4, "Haddad"),
        host.book("21:00", 6, "Murphy"),
        host.book("21:30", 2, "Silva"),
    ]
    host.move(evening[0], "seated")
    host.move(evening[1], "cancelled")

    page.set_viewport_size(WALL)
    open_tables(page)
    expect(page.locator("#rows > li")).to_have_count(12)
    for reservation in evening[2:]:
        expect(booking(page, reservation)).to_be_visible()
    expect(booking(page, evening[0])).to_have_attribute("data-status", "seated")

    # Booked through the API while the page is open: it appears without a reload.
    late = host.book("22:00", 4, "Walk-in Yilmaz")
    expect(booking(page, late)).to_be_visible(timeout=POLL_MS)
    expect(booking(page, late)).to_contain_text("Walk-in Yilmaz")

    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "tables.png"), full_page=True)
