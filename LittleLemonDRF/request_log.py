"""One structured log line per request: method, path, status, time and user id.

Headers, query strings and bodies are never logged, so tokens and passwords cannot leak here.
"""

import logging
import time

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


class DropRequestObject(logging.Filter):
    """Django attaches the request to error records; its repr carries the query string."""

    def filter(self, record):
        if hasattr(record, "request"):
            record.request = f"{record.request.method} {record.request.path}"
        return True
