"""Accounts: Djoser's user routes, adapted, and the login views of Djoser, DRF and simplejwt,
throttled and issuing expiring tokens.

The serializers Djoser is configured with live in serializers/accounts.py (Djoser loads them while
its views module is still importing).
"""

import functools
import math

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from djoser.conf import settings as djoser_settings
from djoser.views import TokenCreateView, UserViewSet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from .. import services
from ..serializers import (
    DetailSerializer,
)
from ..throttles import (
    LoginThrottle,
)

User = get_user_model()


class TokenLoginView(TokenCreateView):
    """Djoser's token login, throttled per address, issuing a fresh key once one expires."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, LoginThrottle]

    def _action(self, serializer):
        token = services.token_for_login(user=serializer.user)
        return Response({"auth_token": token.key}, status=status.HTTP_200_OK)


class ObtainAuthTokenView(ObtainAuthToken):
    """DRF's `obtain_auth_token`, throttled like every login route."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, LoginThrottle]
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # DRF's view names its own

    @extend_schema(
        request=ObtainAuthToken.serializer_class,
        responses={200: inline_serializer("AuthToken", {"token": drf_serializers.CharField()})},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = services.token_for_login(user=serializer.validated_data["user"])
        return Response({"token": token.key})


def login_form(view):
    """A session login form (the admin's, the browsable API's) on the login budget that every
    token login route shares, per client address: past it, the form's POST answers 429."""

    @functools.wraps(view)
    def throttled(request, *args, **kwargs):
        if request.method == "POST":
            throttle = LoginThrottle()
            if not throttle.allow_request(Request(request), None):
                wait = math.ceil(throttle.wait() or 1)
                answer = HttpResponse(
                    f"Too many login attempts from this address. Try again in {wait} seconds.\n",
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                    content_type="text/plain; charset=utf-8",
                )
                answer["Retry-After"] = str(wait)
                return answer
        return view(request, *args, **kwargs)

    return throttled


_JWT_401 = OpenApiResponse(DetailSerializer, "Bad credentials, or an invalid or blacklisted token.")


@extend_schema(responses={401: _JWT_401})
class JWTObtainPairView(TokenObtainPairView):
    """simplejwt's access/refresh pair, throttled like every login route."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, LoginThrottle]


@extend_schema(responses={401: _JWT_401})
class JWTRefreshView(TokenRefreshView):
    """simplejwt's refresh: a new access token for a valid, unblacklisted refresh token."""


@extend_schema(responses={401: _JWT_401})
class JWTBlacklistView(TokenBlacklistView):
    """simplejwt's blacklist: the refresh token can no longer be used."""


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
