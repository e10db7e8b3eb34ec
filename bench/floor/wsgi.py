"""WSGI entry point of the floor: `gunicorn bench.floor.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

# Set, not defaulted: the bench starts the floor with the app's environment, whose
# DJANGO_SETTINGS_MODULE names the app's settings.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor.settings"

application = get_wsgi_application()
