"""RateLimit-Policy and RateLimit headers, and throttling while Redis is unreachable.

The throttles' clock is frozen (and moved by hand), so every header value is exact. The same
tests run on the local-memory cache and, when REDIS_URL is set, on Redis; the tests of an
unreachable Redis point the cache at a closed port.
"""

import logging
import os

import pytest
from django.core.cache import caches
from django_redis import get_redis_connection
from rest_framework.throttling import SimpleRateThrottle

from harness.backing import free_port
from LittleLemonDRF import breaker, throttles
from tests.factories import PASSWORD, add_to_cart, make_menu_item, make_menu_items, make_order
from tests.test_throttling import assert_throttled, set_rates

ORDERS = "/api/orders"
CHECK = "/api/throttle-check"
ON_REDIS = bool(os.environ.get("REDIS_URL"))
needs_redis = pytest.mark.skipif(not ON_REDIS, reason="needs Redis: set REDIS_URL")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The throttles' clock, frozen: the windows move only when the test says so."""
    clock = Clock(1_700_000_000.0)
    monkeypatch.setattr(SimpleRateThrottle, "timer", clock)
    return clock


@pytest.fixture(autouse=True)
def redis_health(monkeypatch):
    """Redis assumed up, on a clock of its own, and an empty fallback store, for each test."""
    health = breaker.Breaker(clock=Clock(1000.0))
    monkeypatch.setattr(breaker, "health", health)
    throttles._local.clear()
    yield health
    throttles._local.clear()


def rate_limit(response) -> tuple[str | None, str | None]:
    return response.get("RateLimit-Policy"), response.get("RateLimit")


def login(username="nobody") -> dict:
    return {"username": username, "password": PASSWORD}


# --- What the headers say -----------------------------------------------------------------------


@pytest.mark.django_db
def test_first_request_reports_the_limit_less_itself(api_client, settings):
    set_rates(settings, anon="3/minute")

    response = api_client.get(CHECK)

    assert response.status_code == 200
    assert rate_limit(response) == ('"anon";q=3;w=60', '"anon";r=2;t=0')


@pytest.mark.django_db
def test_last_allowed_request_reports_none_left_and_when_one_is_possible(
    api_client, settings, clock
):
    set_rates(settings, anon="3/minute")
    assert rate_limit(api_client.get(CHECK))[1] == '"anon";r=2;t=0'
    clock.advance(5)
    assert rate_limit(api_client.get(CHECK))[1] == '"anon";r=1;t=0'
    clock.advance(5)

    response = api_client.get(CHECK)

    assert response.status_code == 200
    # The first request, ten seconds ago, leaves the window in 50 seconds.
    assert rate_limit(response) == ('"anon";q=3;w=60', '"anon";r=0;t=50')


@pytest.mark.django_db
def test_429_reports_none_left_and_the_retry_after_as_t(api_client, settings, clock):
    set_rates(settings, anon="3/minute")
    for _ in range(3):
        assert api_client.get(CHECK).status_code == 200
    clock.advance(10.5)

    response = api_client.get(CHECK)

    assert_throttled(response)
    # 49.5 seconds, rounded up, in both headers.
    assert response["Retry-After"] == "50"
    assert rate_limit(response) == ('"anon";q=3;w=60', '"anon";r=0;t=50')


@pytest.mark.django_db
def test_anonymous_requests_report_the_anon_limit(api_client):
    make_menu_items(1)
    first = api_client.get("/api/menu-items")
    # The second answer comes from the menu cache; the headers are the throttle's, not cached.
    second = api_client.get("/api/menu-items")

    assert first.status_code == second.status_code == 200
    assert rate_limit(first) == ('"anon";q=60;w=60', '"anon";r=59;t=0')
    assert rate_limit(second) == ('"anon";q=60;w=60', '"anon";r=58;t=0')


def test_signed_in_reads_report_the_user_limit(customer_client):
    first = customer_client.get(ORDERS)
    second = customer_client.get("/api/menu-items")

    assert first.status_code == second.status_code == 200
    assert rate_limit(first) == ('"user";q=600;w=60', '"user";r=599;t=0')
    assert rate_limit(second) == ('"user";q=600;w=60', '"user";r=598;t=0')


def test_order_post_reports_the_order_limit_and_reads_the_user_limit(
    customer_client, customer_user
):
    add_to_cart(customer_user, make_menu_item())

    placed = customer_client.post(ORDERS)
    listed = customer_client.get(ORDERS)

    assert placed.status_code == 201
    assert rate_limit(placed) == ('"orders";q=10;w=60', '"orders";r=9;t=0')
    # The POST spent one of the user budget as well.
    assert listed.status_code == 200
    assert rate_limit(listed) == ('"user";q=600;w=60', '"user";r=598;t=0')


def test_refusing_throttle_wins_over_an_allowing_one_with_a_longer_wait(
    customer_client, customer_user, settings, clock
):
    set_rates(settings, orders="1/minute", user="2/hour")
    add_to_cart(customer_user, make_menu_item())
    placed = customer_client.post(ORDERS)
    assert placed.status_code == 201
    # Nothing left of the order budget beats one left of the user budget.
    assert rate_limit(placed) == ('"orders";q=1;w=60', '"orders";r=0;t=60')
    clock.advance(1)

    # The order budget refuses (59 s); the user budget allows its last request (3599 s).
    refused = customer_client.post(ORDERS)

    assert_throttled(refused)
    assert refused["Retry-After"] == "59"
    assert rate_limit(refused) == ('"orders";q=1;w=60', '"orders";r=0;t=59')
    clock.advance(60)

    listed = customer_client.get(ORDERS)

    assert_throttled(listed, period_seconds=3600)
    assert listed["Retry-After"] == "3539"
    assert rate_limit(listed) == ('"user";q=2;w=3600', '"user";r=0;t=3539')


def test_ten_per_minute_route_reports_its_own_limit(customer_client):
    response = customer_client.get("/api/throttle-check-auth")

    assert response.status_code == 200
    assert response.json() == {"message": "message for the logged in users only"}
    assert rate_limit(response) == ('"ten_per_minute";q=10;w=60', '"ten_per_minute";r=9;t=0')


@pytest.mark.django_db
def test_every_login_route_reports_the_one_login_budget(api_client, settings):
    set_rates(settings, login="5/minute")
    answers = [
        api_client.post("/auth/token/login/", login()),
        api_client.post("/api/token/", login()),
        api_client.post("/api/api-token-auth/", login()),
        api_client.post("/token/login/", login()),
    ]

    assert [response.status_code for response in answers] == [400, 401, 400, 400]
    assert [rate_limit(response) for response in answers] == [
        ('"login";q=5;w=60', f'"login";r={left};t=0') for left in (4, 3, 2, 1)
    ]


# --- Which responses carry them -----------------------------------------------------------------


def test_errors_after_the_throttles_carry_the_headers(
    customer_client, other_customer_user, customer_user
):
    hidden = make_order(other_customer_user)

    not_found = customer_client.get(f"{ORDERS}/{hidden.pk}")
    invalid = customer_client.post("/api/cart/menu-items", {"quantity": 1})

    assert not_found.status_code == 404
    assert not_found.json() == {"detail": "No Order matches the given query."}
    assert rate_limit(not_found) == ('"user";q=600;w=60', '"user";r=599;t=0')
    assert invalid.status_code == 400
    assert "menuitem_id" in invalid.json()
    assert rate_limit(invalid) == ('"user";q=600;w=60', '"user";r=598;t=0')


@pytest.mark.django_db
def test_refusals_before_the_throttles_carry_no_headers(api_client):
    # DRF checks credentials and permissions first: no throttle decided these.
    anonymous = api_client.get(ORDERS)
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    bad_token = api_client.get("/api/menu-items")

    assert anonymous.status_code == bad_token.status_code == 401
    assert rate_limit(anonymous) == rate_limit(bad_token) == (None, None)


@pytest.mark.django_db
def test_health_and_unknown_paths_carry_no_headers(api_client):
    health = api_client.get("/api/health")
    unknown = api_client.get("/api/no-such-thing")

    assert health.status_code == 200
    assert health.json() == {"database": "ok", "cache": "ok"}
    assert rate_limit(health) == (None, None)
    assert unknown.status_code == 404
    assert rate_limit(unknown) == (None, None)


def test_order_stream_429_carries_the_headers(customer_client, settings, clock):
    set_rates(settings, user="1/minute")
    assert customer_client.get(ORDERS).status_code == 200
    clock.advance(10.6)

    response = customer_client.get("/api/orders/stream")

    assert response.status_code == 429
    assert "detail" in response.json()
    # 49.4 seconds, rounded up, in both headers.
    assert response["Retry-After"] == "50"
    assert rate_limit(response) == ('"user";q=1;w=60', '"user";r=0;t=50')


# --- Redis --------------------------------------------------------------------------------------


@needs_redis
@pytest.mark.django_db
def test_headers_report_the_count_kept_in_redis(api_client, settings):
    set_rates(settings, anon="3/minute")
    first = api_client.get(CHECK)
    second = api_client.get(CHECK)

    key = caches["default"].make_and_validate_key("throttle_anon_127.0.0.1")
    assert get_redis_connection("default").zcard(key) == 2
    assert rate_limit(first) == ('"anon";q=3;w=60', '"anon";r=2;t=0')
    assert rate_limit(second) == ('"anon";q=3;w=60', '"anon";r=1;t=0')


@pytest.fixture
def unreachable_redis(settings):
    """The cache pointed at a Redis port nothing listens on; the configuration it replaced."""
    real = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    return real


@pytest.fixture
def redis_tries(monkeypatch):
    """How many times the throttles asked Redis."""
    tries = []
    hit = throttles._redis_hit

    def counted(*args):
        tries.append(args[1])
        return hit(*args)

    monkeypatch.setattr(throttles, "_redis_hit", counted)
    return tries


def throttle_logs(caplog) -> list[tuple[int, str]]:
    """What was logged about Redis going and coming back (breaker.py decides and says it)."""
    return [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == breaker.__name__
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("unreachable_redis")
def test_unreachable_redis_throttles_in_process_memory(
    api_client, settings, caplog, redis_health, redis_tries
):
    set_rates(settings, anon="3/minute")
    allowed = [api_client.get(CHECK) for _ in range(3)]

    refused = api_client.get(CHECK)

    assert [response.status_code for response in allowed] == [200, 200, 200]
    assert [rate_limit(response)[1] for response in allowed] == [
        '"anon";r=2;t=0',
        '"anon";r=1;t=0',
        '"anon";r=0;t=60',
    ]
    assert_throttled(refused)
    assert refused["Retry-After"] == "60"
    assert rate_limit(refused) == ('"anon";q=3;w=60', '"anon";r=0;t=60')
    # One try of Redis for all four requests, and one warning.
    assert len(redis_tries) == 1
    assert [level for level, _ in throttle_logs(caplog)] == [logging.WARNING]


@pytest.mark.django_db
@pytest.mark.usefixtures("unreachable_redis")
def test_unreachable_redis_is_tried_again_once_a_second(
    api_client, settings, caplog, redis_health, redis_tries
):
    set_rates(settings, anon="100/minute")
    for _ in range(3):
        assert api_client.get(CHECK).status_code == 200
    assert len(redis_tries) == 1
    redis_health.clock.advance(0.5)
    assert api_client.get(CHECK).status_code == 200
    assert len(redis_tries) == 1
    redis_health.clock.advance(0.5)

    response = api_client.get(CHECK)

    assert response.status_code == 200
    assert rate_limit(response) == ('"anon";q=100;w=60', '"anon";r=95;t=0')
    assert len(redis_tries) == 2
    # Still down: no second warning.
    assert [level for level, _ in throttle_logs(caplog)] == [logging.WARNING]


@needs_redis
@pytest.mark.django_db
def test_throttling_returns_to_redis_when_it_answers_again(
    api_client, settings, caplog, redis_health, unreachable_redis
):
    caplog.set_level(logging.INFO, logger=breaker.__name__)
    set_rates(settings, anon="3/minute")
    assert rate_limit(api_client.get(CHECK))[1] == '"anon";r=2;t=0'
    assert rate_limit(api_client.get(CHECK))[1] == '"anon";r=1;t=0'
    settings.CACHES = unreachable_redis  # the configured Redis, which answers
    redis_health.clock.advance(1)

    response = api_client.get(CHECK)

    # Counted in Redis again, which saw none of the requests made while it was away.
    assert response.status_code == 200
    assert rate_limit(response) == ('"anon";q=3;w=60', '"anon";r=2;t=0')
    key = caches["default"].make_and_validate_key("throttle_anon_127.0.0.1")
    assert get_redis_connection("default").zcard(key) == 1
    assert [level for level, _ in throttle_logs(caplog)] == [logging.WARNING, logging.INFO]
