"""The restaurant run from the Django admin, checked through the API."""

import re
from pathlib import Path

from conftest import PASSWORD
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_admin_makes_a_manager_whose_token_creates_a_menu_item(page, server, shot, admin_login):
    admin_login()

    # Users → Add: a new account.
    page.click("#content-main a[href$='/auth/user/add/']")
    page.fill("#id_username", "e2e-new-manager")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/auth/user/\d+/change/$"))

    # On the user's change page: Groups → Manager.
    page.select_option("#id_groups_from", label="Manager")
    page.click("#id_groups_add")
    assert page.locator("#id_groups_to option").all_inner_texts() == ["Manager"]
    page.locator("#id_groups_to").scroll_into_view_if_needed()
    shot("user-groups")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/auth/user/")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # The Tokens admin: add one for the new manager and read its key from the list.
    page.goto("/admin/")
    page.click("#content-main a:text-is('Tokens')")
    page.wait_for_url("**/admin/authtoken/tokenproxy/")
    page.click("a.addlink")
    page.select_option("#id_user", label="e2e-new-manager")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/authtoken/tokenproxy/")
    page.fill("#searchbar", "e2e-new-manager")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/admin/authtoken/tokenproxy/?q=e2e-new-manager")
    row = page.locator("#result_list tbody tr")
    assert row.count() == 1
    key = row.locator(".field-key").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{40}", key), key
    shot("tokens")

    # The token is a manager's: it may add to the menu.
    status, categories = server.api("GET", "/api/categories")
    assert status == 200
    category = categories["results"][0]
    status, item = server.api(
        "POST",
        "/api/menu-items",
        token=key,
        body={"title": "E2E Lemon Tart", "price": "6.50", "category_id": category["id"]},
    )
    assert status == 201, item
    assert item["title"] == "E2E Lemon Tart"
    assert item["price"] == "6.50"
    assert item["category"]["id"] == category["id"]


def test_orders_admin_assigns_crew_and_marks_delivered(page, server, shot, admin_login):
    order_id = server.accounts["orders"][0]
    crew_token = server.accounts["crew_token"]
    # Not theirs yet: the crew member cannot see the order.
    assert server.api("GET", f"/api/orders/{order_id}", token=crew_token)[0] == 404

    admin_login()
    page.click("#content-main a:text-is('Orders')")
    page.wait_for_url(re.compile(r"/admin/LittleLemonDRF/order/$", re.IGNORECASE))
    changelist_url = page.url

    def run_action(label, message):
        page.check(f"input.action-select[value='{order_id}']")
        page.select_option("select[name=action]", label=label)
        page.click("button[name=index]")
        # The action answers with a redirect to the same list, now with a message.
        expect(page.locator(".messagelist")).to_contain_text(message)
        assert page.url == changelist_url

    run_action("Assign selected orders to e2e-crew", "1 order(s) assigned to e2e-crew.")
    run_action("Mark selected orders as delivered", "1 order(s) marked as delivered.")

    row = page.locator("#result_list tbody tr", has=page.locator(f"[value='{order_id}']"))
    assert row.locator(".field-delivery_crew").inner_text() == "e2e-crew"
    assert row.locator(".field-status img").get_attribute("alt") == "True"
    page.click("#toggle-nav-sidebar")  # room for every column in the picture
    expect(page.locator("#nav-sidebar")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    shot("changelist")

    # The order's page: its lines are read-only history.
    row.locator(".field-id a").click()
    page.wait_for_url(re.compile(rf"/order/{order_id}/change/$"))
    assert page.locator(".inline-group input[name$='-quantity']").count() == 0
    assert page.locator(".inline-group td.field-title p").count() >= 1
    page.locator("#items-group").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "order-admin.png"))

    # The API shows the change to the crew member.
    status, order = server.api("GET", f"/api/orders/{order_id}", token=crew_token)
    assert status == 200, order
    assert order["delivery_crew"] == {"id": server.accounts["crew_id"], "username": "e2e-crew"}
    assert order["status"] is True


ORDER_FILTERS = [
    "By state",
    "By fulfilment",
    "By payment status",
    "By payment method",
    "By date",
    "By delivery crew",
]
ORDER_ACTIONS = [
    "Delete selected orders",
    "Mark selected orders as delivered",
    "Mark selected orders as paid",
    "Mark selected orders as refunded",
    # One per state the transition table leads to, in the table's order: a scheduled
    # order's release (placed) and cancellation come first.
    "Move selected orders to placed",
    "Move selected orders to cancelled",
    "Move selected orders to accepted",
    "Move selected orders to preparing",
    "Move selected orders to ready",
    "Move selected orders to out for delivery",
    "Move selected orders to delivered",
    "Move selected orders to picked up",
    "Assign selected orders to e2e-crew",
]


def customer_token(server):
    return server.token("e2e-customer")


def place_orders(server, *choices):
    """The suite's customer orders once per entry of `choices` (the POST body); the ids."""
    token = customer_token(server)
    status, menu = server.api("GET", "/api/menu-items?orderable=true")
    assert status == 200, menu
    dishes = [dish["id"] for dish in menu["results"]]
    ids = []
    for number, body in enumerate(choices):
        line = {"menuitem_id": dishes[number % len(dishes)], "quantity": 1 + number % 3}
        status, answer = server.api("POST", "/api/cart/menu-items", token=token, body=line)
        assert status in (200, 201), answer
        status, order = server.api("POST", "/api/orders", token=token, body=body)
        assert status == 201, order
        ids.append(order["id"])
    return ids


def test_orders_admin_has_the_lifecycle_filters_and_actions(page, server, admin_login):
    pickup, card, late = place_orders(
        server,
        {"fulfilment": "pickup"},
        {"payment_method": "card", "note": "Leave at the door"},
        {},
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    admin_login()
    page.goto("/admin/LittleLemonDRF/order/")

    filters = page.locator("#changelist-filter summary")
    assert [text.strip() for text in filters.all_inner_texts()] == ORDER_FILTERS
    options = page.locator("select[name=action] option").all_inner_texts()
    assert options[1:] == ORDER_ACTIONS  # after the empty choice
    expect(page.locator("#searchbar")).to_be_visible()
    expect(page.locator("nav.toplinks")).to_be_visible()  # the date drill-down

    # Two orders accepted at once, then the pickup taken through to the customer.
    for order_id in (pickup, card):
        page.check(f"input.action-select[value='{order_id}']")
    page.select_option("select[name=action]", label="Move selected orders to accepted")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("2 order(s) moved to accepted.")
    for state in ("preparing", "ready", "picked up"):
        page.check(f"input.action-select[value='{pickup}']")
        page.select_option("select[name=action]", label=f"Move selected orders to {state}")
        page.click("button[name=index]")
        expect(page.locator(".messagelist")).to_contain_text(
            f"1 order(s) moved to {state.replace(' ', '_')}."
        )
    page.check(f"input.action-select[value='{card}']")
    page.select_option("select[name=action]", label="Mark selected orders as paid")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("1 order(s) marked as paid.")

    # A move the lifecycle does not have is refused, and the page says why.
    page.check(f"input.action-select[value='{late}']")
    page.select_option("select[name=action]", label="Move selected orders to delivered")
    page.click("button[name=index]")
    expect(page.locator(".messagelist .warning")).to_contain_text(f"#{late}")

    # The state filter keeps the accepted order only.
    page.locator("#changelist-filter a:text-is('Accepted')").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator(".field-id")).to_have_text(str(card))
    expect(rows.locator(".field-payment_status")).to_have_text("Paid")

    # The API tells the same story.
    status, order = server.api("GET", f"/api/orders/{pickup}", token=server.accounts["crew_token"])
    assert status == 404, order  # not the crew member's: the admin changed only its state
    status, order = server.api("GET", f"/api/orders/{late}", token=customer_token(server))
    assert status == 200, order
    assert order["state"] == "placed"

    page.goto("/admin/LittleLemonDRF/order/")
    if page.locator("#nav-sidebar").is_visible():
        page.click("#toggle-nav-sidebar")  # room for every column in the picture
    expect(page.locator("#nav-sidebar")).to_be_hidden()
    pickup_row = page.locator("#result_list tbody tr", has=page.locator(f"[value='{pickup}']"))
    expect(pickup_row.locator(".field-state")).to_have_text(re.compile("picked up", re.I))
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "orders-admin.png"), full_page=True)
