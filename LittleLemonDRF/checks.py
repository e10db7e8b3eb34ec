"""System checks for deployments, and the one refusal to start."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """Throttle counters and cached menu pages must be shared by every worker."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The cache is private to each process, so throttle counters and cached menu "
                "pages are not shared between workers.",
                hint="Set REDIS_URL unless the API runs as a single process.",
                id="littlelemon.W001",
            )
        ]
    return []


@register(deploy=True)
def email_configured(app_configs, **kwargs):
    """Password-reset links must go to the user, not to the log where the console writes."""
    if settings.DEBUG or getattr(settings, "EMAIL_URL", ""):
        return []
    return [
        Error(
            "EMAIL_URL is not set, so email goes to the console backend: password-reset "
            "links would be written to the server's log, where anyone reading it could use "
            "them.",
            hint=(
                "Set EMAIL_URL, e.g. smtp://user:password@host:587, or console:// if "
                "writing email to the log is what you want."
            ),
            id="littlelemon.E001",
        )
    ]


def require_static_build() -> None:
    """Refuse to serve (wsgi.py, asgi.py) when the pages' static files were never built.

    With debug off, pages name their static files through collectstatic's manifest (hashed
    names, served by WhiteNoise). Without it, every page that links one (the admin, Swagger
    UI, ReDoc, the browsable API, the kitchen board) would answer 500; better not to start.
    """
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if settings.DEBUG or manifest is None or staticfiles_storage.exists(manifest):
        return
    raise ImproperlyConfigured(
        f"The static files are not built in {settings.STATIC_ROOT}: run "
        "`python manage.py collectstatic --noinput` before starting the server."
    )
