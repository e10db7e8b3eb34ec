"""The browsable API with a session login."""

from conftest import PASSWORD


def test_session_login_shows_the_customers_orders(page, server, shot):
    page.goto("/api-auth/login/?next=/api/orders")
    page.fill("#id_username", "e2e-customer")
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url("**/api/orders")

    body = page.inner_text(".response-info")
    assert "HTTP 200 OK" in body
    for order_id in server.accounts["orders"]:
        assert f'"id": {order_id},' in body
    assert '"username": "e2e-customer"' in body
    # The navigation bar names the logged-in user.
    assert "e2e-customer" in page.inner_text(".navbar")
    shot("orders")
