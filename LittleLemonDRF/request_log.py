"""One structured log line per request: method, path, status, time and user id.

Headers, query strings and bodies are never logged, so tokens and passwords cannot leak here.
"""

import logging
import time

from django.http import HttpRequest
from pythonjsonlogger import json

logger = logging.getLogger("littlelemon.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


class JsonFormatter(json.JsonFormatter):
    """JSON lines; the request Django attaches to error records is reduced to method and path.

    Its repr carries the query string. Only this formatter's output changes: the record itself
    is shared with every other handler (Django's admin emails read record.request).
    """

    def process_log_record(self, log_data):
        request = log_data.get("request")
        if isinstance(request, HttpRequest):
            log_data["request"] = f"{request.method} {request.path}"
        return super().process_log_record(log_data)
