"""Operations: health for load balancers."""

import logging

from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import (
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger(__name__)


HealthSerializer = inline_serializer(
    "Health", {"database": drf_serializers.CharField(), "cache": drf_serializers.CharField()}
)


@extend_schema(responses={200: HealthSerializer, 503: HealthSerializer})
class HealthView(APIView):
    """Whether the database and the cache answer: 503 when the database does not, 200 with
    `"cache": "unavailable"` when only the cache does not. Never throttled: load balancers
    poll it."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        checks = {"database": _check_database(), "cache": _check_cache()}
        # Without the cache the service goes on from the database (slower, still correct):
        # only the database decides whether this instance can serve.
        serving = checks["database"] == "ok"
        return Response(
            checks, status=status.HTTP_200_OK if serving else status.HTTP_503_SERVICE_UNAVAILABLE
        )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure means "not ok"; the reason goes to the server log
        logger.exception("Health check: the database did not answer")
        return "unavailable"
    return "ok"


def _check_cache() -> str:
    try:
        cache.set("health-check", "ok", 5)
        return "ok" if cache.get("health-check") == "ok" else "unavailable"
    except Exception:  # as above: the health check reports, it does not raise
        logger.exception("Health check: the cache did not answer")
        return "unavailable"
