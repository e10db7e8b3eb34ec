"""WSGI entry point: `gunicorn LittleLemon.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "LittleLemon.settings")

application = get_wsgi_application()

from LittleLemonDRF.checks import require_static_build  # noqa: E402  (needs the apps loaded)

require_static_build()
