"""ASGI entry point: `uvicorn LittleLemon.asgi:application`."""

import os
import sys

from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "LittleLemon.settings")

try:
    application = get_asgi_application()

    from LittleLemonDRF.checks import require_static_build  # needs the apps loaded

    require_static_build()
except ImproperlyConfigured as error:
    # One line naming the fix, not a traceback (the status as wsgi.py's, for the same reason).
    print(f"error: {error}", file=sys.stderr, flush=True)
    sys.exit(4)
