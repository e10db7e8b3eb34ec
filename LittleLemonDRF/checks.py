"""System checks for deployments, and the one refusal to start."""

from django.conf import settings
from django.core.checks import Tags, Warning, register
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
