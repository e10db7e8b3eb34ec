"""The kitchen board page: who may open it, the transition table it carries, no outside files."""

import json
import re
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from LittleLemonDRF import order_policy

BOARD = "/kitchen/"
# Orders for later wait in their own column first, ordered by slot.
OPEN_STATES = ["scheduled", "placed", "accepted", "preparing", "ready", "out_for_delivery"]
URL = re.compile(r"""https?://([^/\s"'<>)]+)""")
STATIC = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")
SETTINGS = Path(__file__).resolve().parent.parent / "LittleLemon" / "settings.py"


def browser_for(user) -> Client:
    """A browser with a session login, as the board's users have."""
    client = Client()
    client.force_login(user)
    return client


def json_in(html: str, script_id: str):
    match = re.search(
        rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"the page carries no {script_id}"
    return json.loads(match[1])


def moves_in(html: str) -> list[dict]:
    return json_in(html, "kitchen-moves")


def outside_hosts(text: str) -> set[str]:
    return {host for host in URL.findall(text) if host != "testserver"}


@pytest.fixture
def manager_browser(manager_user):
    return browser_for(manager_user)


def test_anonymous_is_sent_to_the_login_page(db):
    response = Client().get(BOARD)
    assert response.status_code == 302
    assert response["Location"] == "/api-auth/login/?next=/kitchen/"


@pytest.mark.parametrize("role", ["customer_user", "crew_user"])
def test_customers_and_crew_are_refused(request, role):
    response = browser_for(request.getfixturevalue(role)).get(BOARD)
    assert response.status_code == 403
    assert b"kitchen-moves" not in response.content


@pytest.mark.parametrize("role", ["manager_user", "admin_user"])
def test_managers_and_admins_see_a_column_per_open_state(request, role):
    response = browser_for(request.getfixturevalue(role)).get(BOARD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert re.findall(r'<section class="column" data-state="(\w+)"', html) == OPEN_STATES
    assert "csrftoken" in response.cookies  # the script's PATCH requests send it back


def test_the_page_carries_the_transition_table_of_order_policy(manager_browser):
    response = manager_browser.get(BOARD)
    assert response.status_code == 200
    expected = [
        {
            "from": start,
            "to": to,
            "fulfilment": move.fulfilment,
            "needs_crew": move.needs_crew,
            "needs_reason": move.needs_reason,
        }
        for (start, to), move in order_policy.MOVES.items()
        if order_policy.MANAGER in move.who
    ]
    table = moves_in(response.content.decode())
    assert table == expected
    ready_out = {"from": "ready", "to": "out_for_delivery"}
    assert [row for row in table if ready_out.items() <= row.items()] == [
        {**ready_out, "fulfilment": "delivery", "needs_crew": True, "needs_reason": False}
    ]


def test_the_page_and_its_files_come_from_this_host_only(manager_browser):
    response = manager_browser.get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert outside_hosts(html) == set()
    files = sorted(set(STATIC.findall(html)))
    assert files == [
        "/static/favicon.svg",
        "/static/kitchen/announce.js",
        "/static/kitchen/board.css",
        "/static/kitchen/board.js",
    ]
    for path in files:
        answer = manager_browser.get(path)
        assert answer.status_code == 200, path
        body = b"".join(answer.streaming_content).decode()
        assert body.strip(), path
        # An SVG names its XML namespace with a URL that is never fetched.
        body = body.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert outside_hosts(body) == set(), path
        # CSS may pull files in by itself; the board's has no need to.
        assert "@import" not in body, path
        assert "url(" not in body, path


def test_the_board_reads_and_moves_orders_through_the_api_paths(manager_browser):
    html = manager_browser.get(BOARD).content.decode()
    assert 'data-orders-url="/api/orders"' in html
    assert 'data-stream-url="/api/orders/stream"' in html
    assert 'data-cancelled="cancelled"' in html


def test_posting_to_the_board_is_not_allowed(manager_browser):
    response = manager_browser.post(BOARD)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_the_page_carries_the_minutes_a_card_turns_amber_and_red(manager_browser):
    response = manager_browser.get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-amber-minutes="10"' in html
    assert 'data-red-minutes="20"' in html
    with override_settings(KITCHEN_AMBER_MINUTES=5, KITCHEN_RED_MINUTES=15):
        html = manager_browser.get(BOARD).content.decode()
    assert 'data-amber-minutes="5"' in html
    assert 'data-red-minutes="15"' in html


def test_the_page_names_the_button_for_every_state(manager_browser):
    response = manager_browser.get(BOARD)
    assert response.status_code == 200
    labels = json_in(response.content.decode(), "kitchen-labels")
    assert labels["accepted"] == "Accept"
    assert labels["picked_up"] == "Picked up"
    # Every state an order can be moved to has words on its button.
    assert {str(to) for _, to in order_policy.MOVES} <= set(labels)


def test_the_favicon_is_served_to_anyone(db):
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert "max-age=86400" in response["Cache-Control"]


def run_settings(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DJANGO_DEBUG", "1")
    return runpy.run_path(str(SETTINGS))


def test_the_amber_and_red_minutes_come_from_the_environment(monkeypatch):
    settings = run_settings(monkeypatch, KITCHEN_AMBER_MINUTES="7", KITCHEN_RED_MINUTES="12")
    assert (settings["KITCHEN_AMBER_MINUTES"], settings["KITCHEN_RED_MINUTES"]) == (7, 12)


@pytest.mark.parametrize(("amber", "red"), [("20", "10"), ("15", "15"), ("0", "10")])
def test_red_before_amber_stops_the_start(monkeypatch, amber, red):
    with pytest.raises(ImproperlyConfigured, match="KITCHEN_AMBER_MINUTES must be at least 1"):
        run_settings(monkeypatch, KITCHEN_AMBER_MINUTES=amber, KITCHEN_RED_MINUTES=red)
