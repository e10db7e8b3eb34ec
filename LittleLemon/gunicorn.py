"""gunicorn settings for production: workers from the environment, JSON logs on stdout.

Access lines come from the app (LittleLemonDRF.request_log), which never logs headers,
query strings or bodies; gunicorn's own access log is off.
"""

import os

from gunicorn import glogging


class Logger(glogging.Logger):
    """gunicorn's logger, with its access line only when an access log is asked for.

    gunicorn builds the fields of an access line for every request whenever logconfig_dict
    is set, even with the access log off, and then drops them: a few percent of a request.
    """

    @property
    def access_log_enabled(self):
        return bool(self.cfg.accesslog)


logger_class = Logger
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = None
errorlog = "-"
certfile = os.environ.get("TLS_CERTFILE") or None
keyfile = os.environ.get("TLS_KEYFILE") or None

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    # gunicorn merges this over its own defaults key by key: root must name our handler.
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
