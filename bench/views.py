"""The benchmark's yardstick: the same process, middleware, authentication and throttling."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


@extend_schema(exclude=True)
class BaselineView(APIView):
    """Answers `{"ok": true}` and does nothing else: every endpoint is measured against it."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})
