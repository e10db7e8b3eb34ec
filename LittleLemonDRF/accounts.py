"""Djoser's account routes, adapted: JSON errors, no 500s on odd input, an honest schema.

The serializers Djoser is configured with live in serializers.py (Djoser loads them while
its views module is still importing).
"""

from django.contrib.auth import get_user_model
from djoser.conf import settings as djoser_settings
from djoser.views import UserViewSet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

User = get_user_model()

_NO_CONTENT = extend_schema(responses={204: None})


@extend_schema_view(
    activation=_NO_CONTENT,
    set_password=_NO_CONTENT,
    set_username=_NO_CONTENT,
    reset_password=_NO_CONTENT,
    reset_password_confirm=_NO_CONTENT,
    reset_username=_NO_CONTENT,
    reset_username_confirm=_NO_CONTENT,
)
class AccountViewSet(UserViewSet):
    """Djoser's user routes (register, me, passwords, usernames, activation)."""

    queryset = User.objects.order_by("id")

    def get_object(self):
        # /users/me/ has no id in the URL; DRF's OPTIONS handler looks the object up anyway.
        if self.lookup_field not in self.kwargs:
            return self.request.user
        return super().get_object()

    @_NO_CONTENT
    @action(["post"], detail=False)
    def resend_activation(self, request, *args, **kwargs):
        if not djoser_settings.SEND_ACTIVATION_EMAIL:
            # Djoser answers this with an empty 400; say why, in JSON.
            return Response(
                {"detail": "Account activation is not enabled on this server."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return super().resend_activation(request, *args, **kwargs)
