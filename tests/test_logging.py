"""Request and error logs: one JSON line per request, never a token or a password."""

import json
import logging

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from LittleLemonDRF.request_log import JsonFormatter
from tests.factories import PASSWORD, make_menu_item, make_user


@pytest.fixture
def log_lines():
    """Everything logged during the test, formatted as the production JSON lines."""
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    fmt = settings.LOGGING["formatters"]["json"]
    handler.setFormatter(JsonFormatter(fmt["format"], rename_fields=fmt["rename_fields"]))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.mark.django_db
def test_each_request_is_one_json_line_with_method_path_status_and_user(log_lines, api_client):
    user = make_user("logged_lou")
    make_menu_item()
    api_client.force_authenticate(user)
    api_client.get("/api/menu-items?search=salad")
    records = [json.loads(line) for line in log_lines if '"littlelemon.request"' in line]
    assert len(records) == 1
    assert records[0]["method"] == "GET"
    assert records[0]["path"] == "/api/menu-items"  # no query string
    assert records[0]["status"] == 200
    assert records[0]["user_id"] == user.pk
    assert records[0]["duration_ms"] >= 0


@pytest.mark.django_db
def test_tokens_and_passwords_never_reach_the_logs(log_lines):
    make_user("secret_sam")
    client = APIClient(raise_request_exception=False)
    token = client.post(
        "/auth/token/login/", {"username": "secret_sam", "password": PASSWORD}, format="json"
    ).json()["auth_token"]
    client.post("/auth/token/login/", {"username": "secret_sam", "password": "wrong-" + PASSWORD})
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    client.get(f"/api/menu-items?token={token}&password={PASSWORD}")
    client.post("/api/orders")  # 400: empty cart, logged as a warning
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    client.get("/api/orders")  # 401
    logged = "\n".join(log_lines)
    assert log_lines
    assert token not in logged
    assert PASSWORD not in logged
    assert "not-a-real-key" not in logged


@pytest.mark.django_db
def test_a_server_error_is_logged_with_its_traceback_but_not_the_query(log_lines, monkeypatch):
    def broken():
        raise RuntimeError("menu selector broke")

    monkeypatch.setattr("LittleLemonDRF.selectors.menu_item_list", broken)
    client = APIClient(raise_request_exception=False)
    response = client.get(f"/api/menu-items?password={PASSWORD}")
    assert response.status_code == 500
    errors = [json.loads(line) for line in log_lines if '"ERROR"' in line]
    assert any("menu selector broke" in record.get("exc_info", "") for record in errors)
    assert PASSWORD not in "\n".join(log_lines)


def _gunicorn_logger(**overrides):
    """The logger gunicorn makes from LittleLemon/gunicorn.py, with settings given on top."""
    from gunicorn.config import Config

    import LittleLemon.gunicorn as conf

    cfg = Config()
    for name in cfg.settings:
        if hasattr(conf, name):
            cfg.set(name, getattr(conf, name))
    for name, value in overrides.items():
        cfg.set(name, value)
    return cfg.logger_class(cfg)


def test_gunicorn_builds_no_access_line_the_app_already_writes(monkeypatch):
    from LittleLemon.gunicorn import Logger

    logger = _gunicorn_logger()
    assert isinstance(logger, Logger)

    def atoms(*args):
        raise AssertionError("access fields built for a log that is off")

    monkeypatch.setattr(logger, "atoms", atoms)
    logger.access(None, None, {}, None)  # returns before building anything
    assert logger.access_log_enabled is False


def test_gunicorn_access_log_still_works_when_asked_for(tmp_path):
    logger = _gunicorn_logger(accesslog=str(tmp_path / "access.log"))
    assert logger.access_log_enabled is True
