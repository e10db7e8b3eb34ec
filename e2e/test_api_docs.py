"""Swagger UI and ReDoc, served by the app itself."""

import json

from playwright.sync_api import expect


def reveal(page, selector: str, steps: int = 60):
    """Scroll down until `selector` is on the page: Swagger UI renders operations only as
    they come into view."""
    for _ in range(steps):
        if page.locator(selector).count():
            page.locator(selector).scroll_into_view_if_needed()
            return page.locator(selector)
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} never appeared on the page")


def test_swagger_ui_authorize_and_try_it_out(page, server, shot):
    token = server.accounts["crew_token"]
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title:has-text('Little Lemon API')")

    # Authorize → tokenAuth (apiKey): "Token <key>".
    page.click(".scheme-container button.authorize")
    scheme = page.locator(".dialog-ux .auth-container", has_text="tokenAuth")
    scheme.locator("input[type=text]").fill(f"Token {token}")
    scheme.locator("button.authorize").click()
    expect(scheme.locator("button", has_text="Logout")).to_be_visible()
    shot("authorize")
    page.click(".dialog-ux button.btn-done")
    expect(page.locator(".scheme-container button.authorize.locked")).to_be_visible()

    # GET /api/menu-items/ → Try it out → Execute.
    operation = reveal(page, "#operations-menu-api_menu_items_list")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    with page.expect_response(lambda r: "/api/menu-items/" in r.url) as answer:
        operation.locator("button.execute").click()
    response = answer.value
    assert response.request.headers.get("authorization") == f"Token {token}"
    assert response.status == 200

    live = operation.locator(".live-responses-table tr.response")
    live.wait_for()
    assert live.locator(".response-col_status").inner_text().strip() == "200"
    shown = json.loads(live.locator(".response-col_description pre").first.inner_text())
    assert shown["count"] > 0
    assert shown["results"][0]["title"]
    # The picture: the curl command (with the header), the request URL and the 200.
    operation.locator(".curl-command").evaluate("el => el.scrollIntoView({block: 'start'})")
    shot("try-it-out")


def test_redoc_renders_the_operations(page, page_problems, shot):
    page.goto("/api/redoc/")
    page.get_by_role("heading", name="Little Lemon API").first.wait_for()
    page.get_by_role("heading", name="api_menu_items_list").first.wait_for()
    shot("redoc")
    # Checked here rather than at teardown, so that the known problem is this test's xfail.
    page_problems.check()
