"""WSGI entry point: `gunicorn LittleLemon.wsgi`."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "LittleLemon.settings")

try:
    application = get_wsgi_application()

    from LittleLemonDRF.checks import require_static_build  # needs the apps loaded

    require_static_build()
except ImproperlyConfigured as error:
    # One line naming the fix, not a traceback. Exit status 4 is gunicorn's "app failed to
    # load": its arbiter stops rather than starting one failing worker after another.
    print(f"error: {error}", file=sys.stderr, flush=True)
    sys.exit(4)
