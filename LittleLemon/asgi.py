"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "LittleLemon.settings")

application = get_asgi_application()

from LittleLemonDRF.checks import require_static_build  # noqa: E402  (needs the apps loaded)

require_static_build()
