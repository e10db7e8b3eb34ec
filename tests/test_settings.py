"""Configuration from the environment: the helpers in LittleLemon/settings.py and start-up checks.

The helpers are called directly; the settings module as a whole is executed afresh with
runpy (never reloaded in place); `manage.py` itself runs in a subprocess for the few checks
that need a real start-up.
"""

import os
import runpy
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from harness.processes import OUR_VARIABLES, PROJECT, clean_environ, project_python
from LittleLemon.settings import env_bool, env_duration, env_int, env_list, env_rate
from LittleLemonDRF import checks

SETTINGS_FILE = PROJECT / "LittleLemon" / "settings.py"


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(OUR_VARIABLES):
            monkeypatch.delenv(name)
    return monkeypatch


def load_settings(**env) -> dict:
    """Run settings.py from scratch under exactly `env` (on top of a clean environment)."""
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.startswith(OUR_VARIABLES):
                del os.environ[name]
        os.environ.update(env)
        return runpy.run_path(str(SETTINGS_FILE))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def manage(*args, **env) -> subprocess.CompletedProcess:
    return project_python("manage.py", *args, **env)


# --- env_bool -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("True", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_reads_known_spellings(clean_env, raw, expected):
    clean_env.setenv("LL_TEST_FLAG", raw)
    assert env_bool("LL_TEST_FLAG", not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_falls_back_to_default_when_unset(clean_env, default):
    clean_env.delenv("LL_TEST_FLAG", raising=False)
    assert env_bool("LL_TEST_FLAG", default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled", "tru"])
def test_env_bool_rejects_unknown_spelling(clean_env, raw):
    clean_env.setenv("LL_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="LL_TEST_FLAG"):
        env_bool("LL_TEST_FLAG", False)


# --- env_duration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("5m", timedelta(minutes=5)),
        ("12h", timedelta(hours=12)),
        ("30d", timedelta(days=30)),
        ("45", timedelta(seconds=45)),
        ("0", None),
        ("0d", None),
    ],
)
def test_env_duration_parses_amount_and_unit(clean_env, raw, expected):
    clean_env.setenv("LL_TEST_TTL", raw)
    assert env_duration("LL_TEST_TTL", "30d") == expected


def test_env_duration_uses_default_when_unset(clean_env):
    clean_env.delenv("LL_TEST_TTL", raising=False)
    assert env_duration("LL_TEST_TTL", "30d") == timedelta(days=30)


@pytest.mark.parametrize("raw", ["abc", "1w", "-5s", "1.5h", "d", "30 days", ""])
def test_env_duration_rejects_garbage(clean_env, raw):
    clean_env.setenv("LL_TEST_TTL", raw)
    with pytest.raises(ImproperlyConfigured, match="LL_TEST_TTL"):
        env_duration("LL_TEST_TTL", "30d")


# --- env_rate, env_int, env_list ------------------------------------------------------------


@pytest.mark.parametrize("raw", ["60/minute", "10/min", "5/s", "1000/hour", "1/day", " 3/m "])
def test_env_rate_accepts_drf_rates(clean_env, raw):
    clean_env.setenv("LL_TEST_RATE", raw)
    assert env_rate("LL_TEST_RATE", "60/minute") == raw.strip()


@pytest.mark.parametrize("raw", ["garbage", "60", "60/fortnight", "/minute", "ten/minute", ""])
def test_env_rate_rejects_garbage(clean_env, raw):
    clean_env.setenv("LL_TEST_RATE", raw)
    with pytest.raises(ImproperlyConfigured, match="LL_TEST_RATE"):
        env_rate("LL_TEST_RATE", "60/minute")


def test_env_rate_uses_default_when_unset(clean_env):
    clean_env.delenv("LL_TEST_RATE", raising=False)
    assert env_rate("LL_TEST_RATE", "60/minute") == "60/minute"


@pytest.mark.parametrize("raw", ["many", "-1", "1.5"])
def test_env_int_rejects_non_counts(clean_env, raw):
    clean_env.setenv("LL_TEST_INT", raw)
    with pytest.raises(ImproperlyConfigured, match="LL_TEST_INT"):
        env_int("LL_TEST_INT", 0)


def test_env_int_reads_a_count_or_the_default(clean_env):
    clean_env.setenv("LL_TEST_INT", "2")
    assert env_int("LL_TEST_INT", 0) == 2
    clean_env.setenv("LL_TEST_INT", "")
    assert env_int("LL_TEST_INT", 7) == 7


def test_env_list_splits_on_commas_and_drops_blanks(clean_env):
    clean_env.setenv("LL_TEST_HOSTS", " example.com, ,api.example.com,")
    assert env_list("LL_TEST_HOSTS", "localhost") == ["example.com", "api.example.com"]


# --- The settings module as a whole (executed afresh, in process) ---------------------------


def test_debug_off_without_secret_key_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load_settings(DJANGO_DEBUG="0")


def test_debug_is_off_by_default_so_secret_key_is_required():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load_settings()


def test_debug_on_without_secret_key_uses_a_development_key():
    loaded = load_settings(DJANGO_DEBUG="1")
    assert loaded["DEBUG"] is True
    assert loaded["SECRET_KEY"]


def test_defaults_match_the_contract():
    loaded = load_settings(DJANGO_SECRET_KEY="k" * 50 + secrets.token_hex(5))
    assert loaded["DEBUG"] is False
    assert loaded["TOKEN_TTL"] == timedelta(days=30)
    assert loaded["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert loaded["NUM_PROXIES"] == 0
    assert loaded["REST_FRAMEWORK"]["NUM_PROXIES"] == 0
    assert loaded["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"] == {
        "anon": "60/minute",
        "user": "600/minute",
        "ratings": "10/minute",
        "orders": "10/minute",
        "login": "10/minute",
    }
    assert loaded["SECURE_SSL_REDIRECT"] is True


def test_environment_overrides_token_ttl_rates_and_hosts():
    loaded = load_settings(
        DJANGO_DEBUG="1",
        TOKEN_TTL="0",
        THROTTLE_LOGIN="3/minute",
        DJANGO_ALLOWED_HOSTS="example.com,api.example.com",
    )
    assert loaded["TOKEN_TTL"] is None
    assert loaded["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]["login"] == "3/minute"
    assert loaded["ALLOWED_HOSTS"] == ["example.com", "api.example.com"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("TOKEN_TTL", "forever"), ("THROTTLE_LOGIN", "lots"), ("NUM_PROXIES", "one")],
)
def test_bad_value_is_refused_at_start_up(name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(DJANGO_DEBUG="1", **{name: value})


# --- manage.py in a subprocess (slow: keep these few) ---------------------------------------


def test_manage_check_without_secret_key_with_debug_off_fails_naming_the_variable():
    result = manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_manage_check_with_unknown_debug_spelling_fails_clearly():
    result = manage("check", DJANGO_DEBUG="maybe", DJANGO_SECRET_KEY=secrets.token_urlsafe(45))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: DJANGO_DEBUG='maybe'")


def test_manage_check_deploy_passes_with_production_settings():
    secret_key = secrets.token_urlsafe(45)
    assert len(secret_key) == 60
    result = manage(
        "check",
        "--deploy",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="example.com",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="smtp://mailer:secret@mail.example.com:587",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_manage_check_deploy_warns_when_workers_would_not_share_the_cache():
    result = manage(
        "check",
        "--deploy",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45),
        DJANGO_ALLOWED_HOSTS="example.com",
    )
    assert "littlelemon.W001" in result.stdout + result.stderr
    assert "REDIS_URL" in result.stdout + result.stderr


def test_manage_check_deploy_fails_without_email_url_naming_it():
    result = manage(
        "check",
        "--deploy",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45),
        DJANGO_ALLOWED_HOSTS="example.com",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 1
    assert "littlelemon.E001" in result.stderr
    assert "EMAIL_URL is not set" in result.stderr


def test_manage_check_deploy_accepts_the_console_when_chosen():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45),
        DJANGO_ALLOWED_HOSTS="example.com",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="console://",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


# --- Start-up as a newcomer meets it ----------------------------------------------------------


def test_manage_check_with_debug_off_and_no_key_says_so_in_one_line():
    result = manage("check", DJANGO_DEBUG="0")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: DJANGO_SECRET_KEY is required")
    assert "DJANGO_DEBUG=1" in result.stderr


def test_runserver_on_a_fresh_clone_serves_with_debug_on(tmp_path):
    # No DJANGO_DEBUG and no DJANGO_SECRET_KEY, as after `git clone`.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = clean_environ() | {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    log = tmp_path / "runserver.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=PROJECT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        status, body = _get_when_up(f"http://127.0.0.1:{port}/api/health", process, log)
        # Debug's own 404 page is HTML listing the routes: only debug mode answers it so.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=5)
        debug_page = missing.value.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert status == 200
    assert '"database":"ok"' in body.replace(" ", "")
    assert missing.value.code == 404
    assert "DEBUG = True" in debug_page


def _get_when_up(url, process, log, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"runserver exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"runserver did not answer within {timeout} s:\n{log.read_text()}")


# --- EMAIL_URL ----------------------------------------------------------------------------------

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


def test_email_goes_to_the_console_by_default_while_debugging():
    loaded = load_settings(DJANGO_DEBUG="1")
    assert loaded["EMAIL_BACKEND"] == CONSOLE
    assert loaded["EMAIL_URL"] == ""


def test_smtp_email_url_sends_with_starttls():
    loaded = load_settings(
        DJANGO_DEBUG="1", EMAIL_URL="smtp://mailer%40example.com:p%2Fss@mail.example.com"
    )
    assert loaded["EMAIL_BACKEND"] == SMTP
    assert (loaded["EMAIL_HOST"], loaded["EMAIL_PORT"]) == ("mail.example.com", 587)
    assert (loaded["EMAIL_HOST_USER"], loaded["EMAIL_HOST_PASSWORD"]) == (
        "mailer@example.com",
        "p/ss",
    )
    assert (loaded["EMAIL_USE_TLS"], loaded["EMAIL_USE_SSL"]) == (True, False)
    assert loaded["EMAIL_TIMEOUT"] == 10


def test_smtps_email_url_uses_tls_from_the_first_byte_and_sets_the_sender():
    loaded = load_settings(
        DJANGO_DEBUG="1",
        EMAIL_URL="smtps://u:p@mail.example.com?from=orders@littlelemon.example&timeout=5",
    )
    assert (loaded["EMAIL_PORT"], loaded["EMAIL_USE_SSL"], loaded["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )
    assert loaded["DEFAULT_FROM_EMAIL"] == loaded["SERVER_EMAIL"] == "orders@littlelemon.example"
    assert loaded["EMAIL_TIMEOUT"] == 5


def test_smtp_to_a_local_relay_can_go_without_tls():
    loaded = load_settings(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50, EMAIL_URL="smtp://localhost:25?tls=0"
    )
    assert (loaded["EMAIL_HOST"], loaded["EMAIL_PORT"], loaded["EMAIL_USE_TLS"]) == (
        "localhost",
        25,
        False,
    )


def test_console_email_url_is_the_console():
    loaded = load_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50, EMAIL_URL="console://")
    assert loaded["EMAIL_BACKEND"] == CONSOLE
    assert loaded["EMAIL_URL"] == "console://"


@pytest.mark.parametrize(
    "url",
    [
        "smpt://u:hunter2@mail.example.com",
        "smtp://u:hunter2@mail.example.com?tsl=1",
        "smtp://u:hunter2@mail.example.com?tls=maybe",
        "smtp://u:hunter2@mail.example.com:port",
        "smtp://u:hunter2@:587",
    ],
)
def test_bad_email_url_is_refused_without_repeating_the_password(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL") as refused:
        load_settings(DJANGO_DEBUG="1", EMAIL_URL=url)
    assert "hunter2" not in str(refused.value)


def test_deploy_check_wants_email_url_only_with_debug_off(settings):
    settings.DEBUG, settings.EMAIL_URL = False, ""
    assert [error.id for error in checks.email_configured(None)] == ["littlelemon.E001"]
    settings.EMAIL_URL = "console://"
    assert checks.email_configured(None) == []
    settings.DEBUG, settings.EMAIL_URL = True, ""
    assert checks.email_configured(None) == []
