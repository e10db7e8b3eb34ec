#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "LittleLemon.settings")
    if sys.argv[1:2] in (["runserver"], ["webhook_receiver"]):
        # Development tools (the server, the local webhook receiver): debug on unless told not,
        # so `python manage.py runserver` works on a fresh clone without a secret key.
        os.environ.setdefault("DJANGO_DEBUG", "1")

    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings: a bad one stops here)
    except ImproperlyConfigured as error:
        # The message names the variable and the fix; a traceback would only bury it.
        sys.exit(f"error: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
