"""Settings for the Little Lemon API, driven by environment variables.

A fresh checkout runs as is (SQLite, local-memory cache); production differs only in the
environment: see README.md, "Configuration".
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Small readers of our own: django-environ reads an unknown boolean spelling as False, and no
# reader library parses DRF rates or "30d" durations into what DRF and TOKEN_TTL expect.
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean; a spelling we do not know is an error, never a silent False."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: use one of 1/0, true/false, yes/no, on/off.")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number.") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a number >= 0.")
    return value


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "": "seconds"}


def env_duration(name: str, default: str) -> timedelta | None:
    """`90s`, `12h`, `30d` (a bare number is seconds); `0` means no limit (None)."""
    raw = os.environ.get(name, default)
    match = _DURATION.match(raw)
    if not match:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a number with s, m, h or d.")
    amount, unit = int(match[1]), match[2]
    return timedelta(**{_DURATION_UNITS[unit]: amount}) if amount else None


_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as `60/minute`, checked at start-up rather than per request."""
    rate = os.environ.get(name, default).strip()
    if not _RATE.match(rate):
        raise ImproperlyConfigured(f"{name}={rate!r}: expected a rate such as 60/minute.")
    return rate


# Off unless asked for; manage.py turns it on for runserver, and `make serve` sets it.
DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off: set it to a long random "
            'string (python -c "import secrets; print(secrets.token_urlsafe(50))"), or set '
            "DJANGO_DEBUG=1 for development."
        )
    SECRET_KEY = "django-insecure-development-key-only-used-while-debug-is-on"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "djoser",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "LittleLemonDRF",
]

MIDDLEWARE = [
    "LittleLemonDRF.request_log.RequestLogMiddleware",  # outermost: times and logs everything
    "LittleLemonDRF.cache_headers.CacheHeadersMiddleware",  # private / no-store answers
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "LittleLemonDRF.throttles.RateLimitHeadersMiddleware",  # RateLimit headers of the throttles
]

ROOT_URLCONF = "LittleLemon.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],  # project overrides of third-party templates
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "LittleLemon.wsgi.application"

# Persistent connections: opening a PostgreSQL connection per request costs more than most
# requests. Health checks drop a connection the server closed in the meantime.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite allows one writer: wait for the lock instead of failing with "database is locked",
    # and take the write lock at BEGIN so a read-then-write transaction cannot deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "littlelemon",
            "OPTIONS": {
                # Redis down is a slower service, not a failing one: a cache read that cannot
                # reach it misses and the answer comes from the database, a write is skipped
                # (the throttles fall back on their own, see throttles.py).
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # Its connections ask breaker.py whether to try Redis after a failure, and are
                # counted: invalidations missed meanwhile are made up for on every
                # (re)connection (caching.py).
                "CONNECTION_POOL_CLASS": "LittleLemonDRF.breaker.GuardedPool",
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "littlelemon",
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic builds them (a writable place when the checkout is not).
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No endpoint takes files: a file part in a multipart body is a 400 before any of it is kept
# in memory or on disk (LittleLemonDRF.parsers).
FILE_UPLOAD_HANDLERS = ["LittleLemonDRF.parsers.RefuseFilesUploadHandler"]

# --- Email (password and username resets) ----------------------------------------------
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}
_EMAIL_FORMS = "smtp://user:password@host:587, smtps://user:password@host:465 or console://"


def email_settings(name: str, url: str) -> dict[str, object]:
    """Django's EMAIL_* settings from an email URL; anything we do not know is an error.

    smtp:// sends with STARTTLS (port 587 unless given; `?tls=0` for a local relay without
    it), smtps:// with TLS from the first byte (port 465); `?from=` sets the sender and
    `?timeout=` the seconds to wait for the server (10). Messages never repeat the URL: it
    holds a password.
    """
    parts = urlsplit(url)
    if parts.scheme not in _EMAIL_BACKENDS:
        raise ImproperlyConfigured(f"{name}: unknown scheme {parts.scheme!r}; use {_EMAIL_FORMS}.")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(options) - {"from", "tls", "timeout"}
    if unknown:
        raise ImproperlyConfigured(f"{name}: unknown option(s) {', '.join(sorted(unknown))}.")
    conf: dict[str, object] = {"EMAIL_BACKEND": _EMAIL_BACKENDS[parts.scheme]}
    if "from" in options:
        conf["DEFAULT_FROM_EMAIL"] = conf["SERVER_EMAIL"] = options["from"]
    if parts.scheme == "console":
        return conf
    try:
        port = parts.port
        timeout = int(options.get("timeout", "10"))
    except ValueError:
        raise ImproperlyConfigured(f"{name}: the port and timeout must be numbers.") from None
    tls = options.get("tls", "1").lower()
    if not parts.hostname or tls not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name}: expected {_EMAIL_FORMS} (tls=1 or tls=0).")
    ssl = parts.scheme == "smtps"
    return conf | {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if ssl else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": ssl,
        "EMAIL_USE_TLS": not ssl and tls in _TRUE,
        "EMAIL_TIMEOUT": timeout,
    }


# Unset: the console, which writes password-reset links to the log. Fine while debugging;
# with debug off `check --deploy` refuses it unless chosen as console:// (checks.py).
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip()
vars().update(email_settings("EMAIL_URL", EMAIL_URL or "console://"))

# --- Security (what `manage.py check --deploy` asks for once debug is off) ---------------
NUM_PROXIES = env_int("NUM_PROXIES", 0)
if NUM_PROXIES:
    # Only trust the scheme a proxy reports when a proxy is known to sit in front.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# HSTS preload is a promise about a whole domain that only its owner can make; see README.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# --- API ------------------------------------------------------------------------------
TOKEN_TTL = env_duration("TOKEN_TTL", "30d")
# The order stream sends a comment at least this often, so proxies keep the connection open.
STREAM_KEEPALIVE_SECONDS = env_int("STREAM_KEEPALIVE_SECONDS", 15)
# An open stream checks its caller's credential and role this often, and ends once they fail
# or change; it renews its place among the caller's STREAM_MAX_PER_USER as it does.
STREAM_RECHECK_SECONDS = env_int("STREAM_RECHECK_SECONDS", 5)
if not 1 <= STREAM_RECHECK_SECONDS <= 10:
    # Above 10 the stream's place (a 15-second lease) could lapse while it is open.
    raise ImproperlyConfigured("STREAM_RECHECK_SECONDS must be from 1 to 10.")
STREAM_MAX_PER_USER = env_int("STREAM_MAX_PER_USER", 5)
# A client that stops reading is dropped once this many events wait for it.
STREAM_BACKLOG = env_int("STREAM_BACKLOG", 1000)
if STREAM_MAX_PER_USER < 1 or STREAM_BACKLOG < 1:
    raise ImproperlyConfigured("STREAM_MAX_PER_USER and STREAM_BACKLOG must be at least 1.")
# Webhook deliveries: a failed attempt is retried WEBHOOK_RETRY_BASE seconds later, doubled at
# each attempt, WEBHOOK_MAX_ATTEMPTS attempts in all. Loopback and private targets only when
# allowed (local development, tests): elsewhere they would reach inside the network.
WEBHOOK_RETRY_BASE = env_int("WEBHOOK_RETRY_BASE", 30)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
if WEBHOOK_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("WEBHOOK_MAX_ATTEMPTS must be at least 1 (the first try).")
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
# Background jobs (LittleLemonDRF.jobs): a table in this database, so a job commits or rolls
# back with the change it follows, and `manage.py worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The kitchen board: a card's age turns amber, then red, this many minutes after placing.
KITCHEN_AMBER_MINUTES = env_int("KITCHEN_AMBER_MINUTES", 10)
KITCHEN_RED_MINUTES = env_int("KITCHEN_RED_MINUTES", 20)
if not 0 < KITCHEN_AMBER_MINUTES < KITCHEN_RED_MINUTES:
    raise ImproperlyConfigured(
        "KITCHEN_AMBER_MINUTES must be at least 1 and below KITCHEN_RED_MINUTES."
    )

REST_FRAMEWORK = {
    # Token first: DRF takes WWW-Authenticate from the first class, so a 401 says "Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "LittleLemonDRF.authentication.ExpiringTokenAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # A strict JSON parser: bodies nested too deep, duplicate keys, 1e400 are a 400 (parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "LittleLemonDRF.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["LittleLemonDRF.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "LittleLemonDRF.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "LittleLemonDRF.throttles.AnonThrottle",
        "LittleLemonDRF.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("THROTTLE_ANON", "60/minute"),
        "user": env_rate("THROTTLE_USER", "600/minute"),
        "ratings": env_rate("THROTTLE_RATINGS", "10/minute"),
        "orders": env_rate("THROTTLE_ORDERS", "10/minute"),
        "login": env_rate("THROTTLE_LOGIN", "10/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "EXCEPTION_HANDLER": "LittleLemonDRF.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "LittleLemonDRF.schema.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Tokens carry a hash of the password they were issued under: a password change ends every
    # access and refresh token issued before it (authentication.py).
    "CHECK_REVOKE_TOKEN": True,
    "TOKEN_REFRESH_SERIALIZER": "LittleLemonDRF.authentication.RevocableRefreshSerializer",
}

DJOSER = {
    "LOGIN_FIELD": "username",
    "HIDE_USERS": True,
    # A password change through Djoser ends the session and token it was made with; the other
    # tokens go too (authentication.py).
    "LOGOUT_ON_PASSWORD_CHANGE": True,
    "PASSWORD_RESET_CONFIRM_URL": "password/reset/confirm/{uid}/{token}",
    "USERNAME_RESET_CONFIRM_URL": "username/reset/confirm/{uid}/{token}",
    "ACTIVATION_URL": "activate/{uid}/{token}",
    "SERIALIZERS": {
        "user": "LittleLemonDRF.serializers.AccountSerializer",
        "current_user": "LittleLemonDRF.serializers.AccountSerializer",
        "user_create": "LittleLemonDRF.serializers.AccountCreateSerializer",
        "activation": "LittleLemonDRF.serializers.ActivationSerializer",
        "password_reset_confirm": "LittleLemonDRF.serializers.PasswordResetConfirmSerializer",
        "username_reset_confirm": "LittleLemonDRF.serializers.UsernameResetConfirmSerializer",
        "password_reset": "LittleLemonDRF.serializers.EmailResetSerializer",
        "username_reset": "LittleLemonDRF.serializers.EmailResetSerializer",
        "resend_activation": "LittleLemonDRF.serializers.EmailResetSerializer",
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Little Lemon API",
    "DESCRIPTION": (
        "Menu, ratings, cart and orders of the Little Lemon restaurant. Authenticate with "
        "`Authorization: Token <key>` (from `POST /auth/token/login/`) or "
        "`Authorization: Bearer <jwt>` (from `POST /api/token/`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # One tag per resource, in the order a newcomer meets them; schema.py tags each operation
    # by its path. Swagger UI, ReDoc and Insomnia's folders follow this list.
    "TAGS": [
        {"name": "accounts", "description": "Register, log in for a token or a JWT, log out."},
        {"name": "menu", "description": "Categories and menu items: anyone reads, managers edit."},
        {"name": "ratings", "description": "Rate a dish from 0 to 5, once per dish."},
        {"name": "cart", "description": "Your own cart, priced from the menu as it is now."},
        {"name": "orders", "description": "Place, follow and move orders; the live order stream."},
        {"name": "groups", "description": "Managers and delivery crew: who is in each group."},
        {
            "name": "restaurant",
            "description": "Settings, service hours, closures, and the slots orders are taken for.",
        },
        {
            "name": "reservations",
            "description": "Tables, the starts a party can book, and reservations.",
        },
        {"name": "capstone", "description": "The Little Lemon capstone's booking API and menu."},
        {"name": "webhooks", "description": "Endpoints that receive order events by HTTP POST."},
        {"name": "operations", "description": "Health of the database and the cache."},
        {
            "name": "course demo",
            "description": "The course's small demonstration routes, kept as they were.",
        },
    ],
    # Webhooks name the event types as `events` and as a delivery's `event`: one enum.
    "ENUM_NAME_OVERRIDES": {
        "OrderEventTypeEnum": "LittleLemonDRF.models.OrderEvent.Type",
        # An order's `state` and its `moves` name the same states: one enum.
        "OrderStateEnum": "LittleLemonDRF.models.Order.State",
        "ReservationStatusEnum": "LittleLemonDRF.models.Reservation.Status",
        # Orders are delivered or picked up; service hours also serve tables.
        "FulfilmentEnum": "LittleLemonDRF.models.Order.Fulfilment",
        "ServiceFulfilmentEnum": "LittleLemonDRF.models.ServiceHours.Fulfilment",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "LittleLemonDRF.schema.add_order_stream",
    ],
}

# JSON lines on stdout in production (one per request, plus errors); plain text while
# debugging. Neither ever contains headers, query strings or bodies.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "LittleLemonDRF.request_log.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # runserver prints its own request lines while debugging.
        "littlelemon.request": {"level": "WARNING" if DEBUG else "INFO"},
        # The job engine logs every job's start and end; while debugging (make serve) the
        # periodic jobs would fill the terminal every few seconds.
        "django_tasks": {"level": "WARNING" if DEBUG else "INFO"},
    },
}
