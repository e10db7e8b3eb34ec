"""System checks for deployments."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
