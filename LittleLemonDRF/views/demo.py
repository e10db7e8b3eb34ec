"""The course's demo endpoints, kept small."""

from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..permissions import (
    IsManager,
)
from ..serializers import (
    MessageSerializer,
)
from ..throttles import (
    TenCallsPerMinute,
    UserThrottle,
)


@extend_schema(responses=MessageSerializer)
class SecretView(APIView):
    """Only for signed-in users."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"message": "Some secret message"})


@extend_schema(responses=MessageSerializer)
class ManagerView(APIView):
    """Only for managers and admins."""

    permission_classes = [IsManager]

    def get(self, request):
        return Response({"message": "Only Manager should see this"})


@extend_schema(responses=MessageSerializer)
class ThrottleCheckView(APIView):
    """Open to anyone, throttled by the anonymous (or user) rate."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"message": "successful"})


@extend_schema(responses=MessageSerializer)
class ThrottleCheckAuthView(APIView):
    """Signed-in users, at most ten calls a minute each."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [UserThrottle, TenCallsPerMinute]

    def get(self, request):
        return Response({"message": "message for the logged in users only"})
