"""The floor's one view."""

from rest_framework.response import Response
from rest_framework.views import APIView


class FloorView(APIView):
    """Answers `{"ok": true}`: a DRF view with nothing to authenticate, check or count."""

    def get(self, request):
        return Response({"ok": True})
