"""Webhook registration and its rules: who may, what a URL may point at, what lists show."""

import os
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from LittleLemonDRF import webhooks
from LittleLemonDRF.models import Webhook, WebhookDelivery
from tests.factories import add_to_cart, make_menu_item
from tests.test_settings import load_settings

WEBHOOKS = "/api/webhooks"
PUBLIC_URL = "http://93.184.215.14/hooks/little-lemon"  # a literal public address: no DNS
BOTH = ["order.created", "order.updated"]
SHOWN = {"id", "url", "events", "created", "created_by"}
DELIVERY_FIELDS = {
    "id",
    "event_id",
    "event",
    "status",
    "attempts",
    "last_status_code",
    "last_error",
    "next_attempt_at",
    "delivered_at",
}


@pytest.fixture(autouse=True)
def _public_only(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False


@pytest.fixture
def register(manager_client):
    """Register a webhook as the manager; its 201 body."""

    def register(url=PUBLIC_URL, events=BOTH):
        response = manager_client.post(WEBHOOKS, {"url": url, "events": events})
        assert response.status_code == 201, response.content
        return response.json()

    return register


@pytest.fixture
def order_events(customer_user, place_order, advance):
    """Place an order through the API and move it on: (order id, 1 created + n updated)."""

    def order_events(*moves):
        add_to_cart(customer_user, make_menu_item(), 1)
        order_id = place_order()
        advance(order_id, *moves)
        return order_id

    return order_events


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role_client", "expected"),
    [("manager", 201), ("admin", 201), ("crew", 403), ("customer", 403), ("anon", 401)],
    indirect=["role_client"],
)
def test_registration_by_role(role_client, expected):
    response = role_client.post(WEBHOOKS, {"url": PUBLIC_URL, "events": BOTH})
    assert response.status_code == expected
    assert Webhook.objects.count() == (1 if expected == 201 else 0)
    if expected == 401:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role_client", "refused"),
    [("manager", None), ("admin", None), ("crew", 403), ("customer", 403), ("anon", 401)],
    indirect=["role_client"],
)
@pytest.mark.parametrize(
    ("method", "path", "ok"),
    [
        ("get", "", 200),
        ("get", "/{id}", 200),
        ("get", "/{id}/deliveries", 200),
        ("post", "/{id}/secret", 200),
        ("delete", "/{id}", 204),
    ],
)
def test_every_route_by_role(register, role_client, refused, method, path, ok):
    hook = register()
    for slash in ("", "/"):
        if method == "delete" and slash == "/" and not refused:
            hook = register()  # the first one is gone
        url = f"{WEBHOOKS}{path.format(id=hook['id'])}{slash}"
        response = getattr(role_client, method)(url)
        assert response.status_code == (refused or ok), url
    assert Webhook.objects.filter(pk=hook["id"]).exists() == (method != "delete" or bool(refused))


# --- Registration -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slash", ["", "/"])
def test_manager_registers_a_webhook_and_sees_its_secret_once(manager_client, manager_user, slash):
    response = manager_client.post(
        WEBHOOKS + slash, {"url": PUBLIC_URL, "events": ["order.created"]}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == SHOWN | {"secret"}
    assert body["url"] == PUBLIC_URL
    assert body["events"] == ["order.created"]
    assert body["created_by"] == {"id": manager_user.pk, "username": manager_user.username}
    assert len(body["secret"]) >= 32
    stored = Webhook.objects.get(pk=body["id"])
    assert stored.secret == body["secret"]
    one = manager_client.get(f"{WEBHOOKS}/{body['id']}").json()
    assert set(one) == SHOWN
    assert body["secret"] not in str(one)


@pytest.mark.django_db
def test_each_webhook_gets_its_own_secret(register):
    assert register()["secret"] != register()["secret"]


@pytest.mark.django_db
def test_registration_accepts_a_form_body(manager_client):
    response = manager_client.post(
        WEBHOOKS,
        {"url": PUBLIC_URL, "events": ["order.created", "order.updated"]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["events"] == BOTH


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": BOTH}, "url"),
        ({"url": "", "events": BOTH}, "url"),
        ({"url": None, "events": BOTH}, "url"),
        ({"url": 5, "events": BOTH}, "url"),
        ({"url": ["http://93.184.215.14/"], "events": BOTH}, "url"),
        ({"url": "not a url", "events": BOTH}, "url"),
        ({"url": "ftp://93.184.215.14/x", "events": BOTH}, "url"),
        ({"url": "file:///etc/passwd", "events": BOTH}, "url"),
        ({"url": "javascript:alert(1)", "events": BOTH}, "url"),
        ({"url": "http://93.184.215.14:99999/", "events": BOTH}, "url"),
        ({"url": "http://93.184.215.14:0/", "events": BOTH}, "url"),
        ({"url": "http://[::1/", "events": BOTH}, "url"),
        ({"url": "http://93.184.215.14/\nHost: evil", "events": BOTH}, "url"),
        ({"url": "http://93.184.215.14/" + "a" * 2000, "events": BOTH}, "url"),
        ({"url": PUBLIC_URL}, "events"),
        ({"url": PUBLIC_URL, "events": []}, "events"),
        ({"url": PUBLIC_URL, "events": None}, "events"),
        ({"url": PUBLIC_URL, "events": "order.created"}, "events"),
        ({"url": PUBLIC_URL, "events": ["order.deleted"]}, "events"),
        ({"url": PUBLIC_URL, "events": ["order.created", "order.created"]}, "events"),
        ({"url": PUBLIC_URL, "events": ["order.created", "nope"]}, "events"),
        ({"url": PUBLIC_URL, "events": [5]}, "events"),
        ({"url": PUBLIC_URL, "events": [["order.created"]]}, "events"),
        ({"url": PUBLIC_URL, "events": {"order.created": True}}, "events"),
    ],
)
def test_bad_input_is_a_400_on_its_field(manager_client, body, field):
    response = manager_client.post(WEBHOOKS, body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Webhook.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[], ["x"], "text", 5])
def test_a_body_that_is_not_an_object_is_a_400(manager_client, body):
    response = manager_client.post(WEBHOOKS, body)
    assert response.status_code == 400
    assert Webhook.objects.count() == 0


@pytest.mark.django_db
def test_malformed_json_is_a_400(manager_client):
    response = manager_client.post(WEBHOOKS, "{", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.django_db
def test_a_url_of_2000_characters_is_accepted(register):
    url = PUBLIC_URL + "/" + "a" * (2000 - len(PUBLIC_URL) - 1)
    assert len(url) == 2000
    assert register(url=url)["url"] == url


# --- Where a webhook may point ----------------------------------------------------------------

NOT_PUBLIC = [
    "http://127.0.0.1/hook",  # loopback
    "http://127.8.9.10:8080/hook",
    "http://[::1]/hook",
    "http://10.1.2.3/hook",  # private
    "http://172.16.0.5/hook",
    "http://192.168.1.20/hook",
    "http://[fc00::1]/hook",  # unique local
    "http://169.254.169.254/latest/meta-data/",  # link-local (cloud metadata)
    "http://[fe80::1]/hook",
    "http://224.0.0.1/hook",  # multicast
    "http://[ff02::1]/hook",
    "http://0.0.0.0/hook",  # unspecified
    "http://[::]/hook",
    "http://100.64.0.1/hook",  # shared address space (carrier NAT)
    "http://240.0.0.1/hook",  # reserved
    "http://198.18.0.1/hook",  # benchmarking
    "http://192.0.2.1/hook",  # documentation
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "http://[2002:7f00:1::]/hook",  # 6to4 around loopback
    "http://localhost:8000/hook",  # a name that resolves to 127.0.0.1
    "https://LOCALHOST/hook",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_a_url_that_is_not_public_is_a_400(manager_client, url):
    response = manager_client.post(WEBHOOKS, {"url": url, "events": BOTH})
    assert response.status_code == 400, response.content
    assert "public addresses only" in response.json()["url"][0]
    assert Webhook.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_allow_private_lets_such_urls_register(manager_client, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    response = manager_client.post(WEBHOOKS, {"url": url, "events": BOTH})
    assert response.status_code == 201, response.content
    assert Webhook.objects.get().url == url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["http://93.184.215.14/hook", "https://8.8.8.8:8443/x?y=1", "http://[2606:4700::1111]/"],
)
def test_public_addresses_register(register, url):
    assert register(url=url)["url"] == url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("http://localhost:8000/hook", "localhost resolves to a loopback address"),
        ("https://LOCALHOST/hook", "localhost resolves to a loopback address"),
        ("http://127.8.9.10:8080/hook", "127.8.9.10 is a loopback address"),
        ("http://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("http://[fe80::1]/hook", "fe80::1 is a link-local address"),
        ("http://0.0.0.0/hook", "0.0.0.0 is an unspecified address"),
        ("http://100.64.0.1/hook", "100.64.0.1 is a reserved address"),
        ("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1 is a loopback address"),
    ],
)
def test_the_refusal_names_the_host_given_and_the_kind_never_a_resolved_address(
    manager_client, url, detail
):
    response = manager_client.post(WEBHOOKS, {"url": url, "events": BOTH})
    assert response.status_code == 400
    assert response.json() == {"url": [f"{detail}; webhooks go to public addresses only."]}
    if "resolves" in detail:
        for address in ("127.0.0.1", "::1"):
            assert address not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("allow", [False, True])
def test_a_host_that_does_not_resolve_is_a_400(manager_client, settings, allow):
    settings.WEBHOOK_ALLOW_PRIVATE = allow
    url = "https://no-such-host.invalid/hook"
    response = manager_client.post(WEBHOOKS, {"url": url, "events": BOTH})
    assert response.status_code == 400
    assert response.json() == {"url": ["The host no-such-host.invalid could not be resolved."]}


# --- Reading and removing ---------------------------------------------------------------------


@pytest.mark.django_db
def test_list_is_paginated_and_never_shows_secrets(manager_client, register):
    made = [register(), register(events=["order.updated"])]
    response = manager_client.get(WEBHOOKS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [hook["id"] for hook in body["results"]] == [made[0]["id"], made[1]["id"]]
    for hook in body["results"]:
        assert set(hook) == SHOWN
    for secret in (hook["secret"] for hook in made):
        assert secret not in response.content.decode()
    assert manager_client.get(WEBHOOKS, {"page": 9}).status_code == 404


@pytest.mark.django_db
def test_another_managers_webhooks_are_visible_to_admins(admin_client, register):
    hook = register()
    response = admin_client.get(f"{WEBHOOKS}/{hook['id']}")
    assert response.status_code == 200
    assert response.json()["url"] == PUBLIC_URL


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/999999", "/abc", "/999999/deliveries", "/-1"])
def test_unknown_webhook_is_a_404(manager_client, path):
    response = manager_client.get(WEBHOOKS + path)
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.django_db
def test_delete_removes_the_webhook_and_its_deliveries(manager_client, register, order_events):
    hook = register()
    order_events("accepted")
    assert webhooks.fan_out() == 2
    response = manager_client.delete(f"{WEBHOOKS}/{hook['id']}")
    assert response.status_code == 204
    assert manager_client.get(f"{WEBHOOKS}/{hook['id']}").status_code == 404
    assert WebhookDelivery.objects.count() == 0
    assert manager_client.delete(f"{WEBHOOKS}/{hook['id']}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_webhook_is_not_edited(manager_client, register, method):
    hook = register()
    response = getattr(manager_client, method)(f"{WEBHOOKS}/{hook['id']}", {"events": BOTH})
    assert response.status_code == 405
    assert Webhook.objects.get().events == BOTH


# --- Rotating the secret ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role_client", "expected"),
    [("manager", 200), ("admin", 200), ("crew", 403), ("customer", 403), ("anon", 401)],
    indirect=["role_client"],
)
def test_secret_rotation_by_role(register, role_client, expected):
    hook = register()
    response = role_client.post(f"{WEBHOOKS}/{hook['id']}/secret")
    assert response.status_code == expected
    stored = Webhook.objects.get(pk=hook["id"])
    if expected == 200:
        assert response.json() == {"secret": stored.secret}
        assert stored.secret != hook["secret"]
    else:
        assert (stored.secret, stored.previous_secret) == (hook["secret"], "")
        assert "secret" not in response.json()


@pytest.mark.django_db
def test_manager_rotates_a_secret_and_the_old_one_signs_for_24_hours(manager_client, register):
    hook = register()
    before = timezone.now()
    response = manager_client.post(f"{WEBHOOKS}/{hook['id']}/secret", {"ignored": True})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"secret"}
    assert body["secret"].startswith("whsec_")
    assert len(body["secret"]) >= 32
    stored = Webhook.objects.get(pk=hook["id"])
    assert (stored.secret, stored.previous_secret) == (body["secret"], hook["secret"])
    overlap = stored.previous_secret_until - before
    assert timedelta(hours=24) <= overlap < timedelta(hours=24, seconds=30)
    shown = manager_client.get(f"{WEBHOOKS}/{hook['id']}").content.decode()
    assert body["secret"] not in shown
    assert hook["secret"] not in shown


@pytest.mark.django_db
def test_signing_secrets_are_new_then_old_until_the_24_hours_are_up(register):
    hook = Webhook.objects.get(pk=register()["id"])
    first = hook.secret
    rotated_at = timezone.now()
    hook = webhooks.webhook_rotate_secret(webhook=hook, now=rotated_at)
    end = rotated_at + timedelta(hours=24)
    assert webhooks.signing_secrets(hook, rotated_at) == [hook.secret, first]
    assert webhooks.signing_secrets(hook, end - timedelta(microseconds=1)) == [hook.secret, first]
    assert webhooks.signing_secrets(hook, end) == [hook.secret]
    assert webhooks.signing_secrets(hook, end + timedelta(days=30)) == [hook.secret]


@pytest.mark.django_db
def test_a_second_rotation_within_24_hours_keeps_only_the_latest_previous_secret(
    manager_client, register
):
    hook = register()
    path = f"{WEBHOOKS}/{hook['id']}/secret"
    second = manager_client.post(path).json()["secret"]
    third = manager_client.post(path).json()["secret"]
    assert len({hook["secret"], second, third}) == 3
    stored = Webhook.objects.get(pk=hook["id"])
    assert (stored.secret, stored.previous_secret) == (third, second)
    assert webhooks.signing_secrets(stored, timezone.now()) == [third, second]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/999999/secret", "/abc/secret"])
def test_rotating_an_unknown_webhook_is_a_404(manager_client, path):
    response = manager_client.post(WEBHOOKS + path)
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_the_secret_is_only_rotated_by_post(manager_client, register, method):
    hook = register()
    response = getattr(manager_client, method)(f"{WEBHOOKS}/{hook['id']}/secret")
    assert response.status_code == 405
    assert Webhook.objects.get().secret == hook["secret"]


# --- Deliveries -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deliveries_list_newest_event_first_with_every_field(
    manager_client, register, order_events
):
    hook = register()
    first = order_events("accepted")  # created, updated
    second = order_events()  # created
    assert webhooks.fan_out() == 3
    response = manager_client.get(f"{WEBHOOKS}/{hook['id']}/deliveries")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    rows = body["results"]
    assert all(set(row) == DELIVERY_FIELDS for row in rows)
    ids = [row["event_id"] for row in rows]
    assert ids == sorted(ids, reverse=True)
    assert [row["event"] for row in rows] == ["order.created", "order.updated", "order.created"]
    assert {row["status"] for row in rows} == {"pending"}
    assert {row["attempts"] for row in rows} == {0}
    assert all(row["next_attempt_at"] for row in rows)
    assert {row["last_status_code"] for row in rows} == {None}
    assert {row["last_error"] for row in rows} == {None}
    assert {row["delivered_at"] for row in rows} == {None}
    events = WebhookDelivery.objects.filter(webhook_id=hook["id"]).select_related("event")
    assert {d.event.order_id for d in events} == {first, second}


@pytest.mark.django_db
def test_deliveries_are_paginated(manager_client, register, order_events):
    hook = register(events=["order.created"])
    for _ in range(3):
        order_events()
    webhooks.fan_out()
    page = manager_client.get(f"{WEBHOOKS}/{hook['id']}/deliveries/", {"page_size": 2}).json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"] is not None


@pytest.mark.django_db
def test_a_webhook_gets_only_its_events_after_registration(manager_client, register, order_events):
    order_events("accepted")  # before any webhook: nobody receives these
    created_only = register(events=["order.created"])
    updated_only = register(events=["order.updated"])
    order_events("accepted", "preparing")
    assert webhooks.fan_out() == 3
    assert webhooks.fan_out() == 0  # nothing twice
    kinds = {
        hook["id"]: [
            row["event"]
            for row in manager_client.get(f"{WEBHOOKS}/{hook['id']}/deliveries").json()["results"]
        ]
        for hook in (created_only, updated_only)
    }
    assert kinds == {
        created_only["id"]: ["order.created"],
        updated_only["id"]: ["order.updated", "order.updated"],
    }


@pytest.mark.django_db
def test_no_delivery_is_made_or_sent_inside_a_request(register, order_events):
    register()
    order_events("accepted", "preparing")
    assert WebhookDelivery.objects.count() == 0  # only a deliverer fans out and sends


@pytest.mark.django_db
def test_deliveries_list_query_count_is_flat(
    admin_client, register, order_events, django_assert_num_queries
):
    hook = register()
    for _ in range(3):
        order_events("accepted")
    webhooks.fan_out()
    # 1: the webhook; 2: count for pagination; 3: the page, joined to its events
    with django_assert_num_queries(3):
        response = admin_client.get(f"{WEBHOOKS}/{hook['id']}/deliveries")
    assert len(response.json()["results"]) == 6


@pytest.mark.django_db
def test_webhook_list_query_count_is_flat(admin_client, register, django_assert_num_queries):
    for _ in range(3):
        register()
    # 1: count for pagination; 2: the page, joined to who registered each
    with django_assert_num_queries(2):
        response = admin_client.get(WEBHOOKS)
    assert response.json()["count"] == 3


# --- Settings ---------------------------------------------------------------------------------

SECRET = {"DJANGO_SECRET_KEY": "s" * 50}


@pytest.fixture
def no_webhook_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("WEBHOOK_"):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("no_webhook_env")
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, (30, 8, False)),
        (
            {"WEBHOOK_RETRY_BASE": "1", "WEBHOOK_MAX_ATTEMPTS": "3", "WEBHOOK_ALLOW_PRIVATE": "1"},
            (1, 3, True),
        ),
    ],
)
def test_webhook_settings_come_from_the_environment(env, expected):
    loaded = load_settings(**SECRET, **env)
    names = ("WEBHOOK_RETRY_BASE", "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_ALLOW_PRIVATE")
    assert tuple(loaded[name] for name in names) == expected


@pytest.mark.usefixtures("no_webhook_env")
@pytest.mark.parametrize(
    "env",
    [
        {"WEBHOOK_MAX_ATTEMPTS": "0"},
        {"WEBHOOK_MAX_ATTEMPTS": "-2"},
        {"WEBHOOK_RETRY_BASE": "soon"},
        {"WEBHOOK_ALLOW_PRIVATE": "maybe"},
    ],
)
def test_a_bad_webhook_setting_stops_start_up(env):
    with pytest.raises(ImproperlyConfigured, match="WEBHOOK_"):
        load_settings(**SECRET, **env)


# --- Admin ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_shows_webhooks_without_secrets_and_deliveries_read_only(
    admin_user, register, order_events
):
    hook = register()
    order_events()
    webhooks.fan_out()
    browser = Client()
    browser.force_login(admin_user)
    for path in ("/admin/LittleLemonDRF/webhook/", f"/admin/LittleLemonDRF/webhook/{hook['id']}/"):
        page = browser.get(path, follow=True)
        assert page.status_code == 200
        assert PUBLIC_URL in page.content.decode()
        assert hook["secret"] not in page.content.decode()
    delivery = WebhookDelivery.objects.get()
    for path in (
        "/admin/LittleLemonDRF/webhookdelivery/",
        f"/admin/LittleLemonDRF/webhookdelivery/{delivery.pk}/change/",
    ):
        assert browser.get(path).status_code == 200
    for model in ("webhook", "webhookdelivery"):
        assert browser.get(f"/admin/LittleLemonDRF/{model}/add/").status_code == 403
    change = browser.post(
        f"/admin/LittleLemonDRF/webhookdelivery/{delivery.pk}/change/", {"status": "delivered"}
    )
    assert change.status_code == 403
    assert WebhookDelivery.objects.get().status == "pending"
