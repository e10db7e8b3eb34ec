"""DRF's token authentication, refusing tokens that have expired (models.ApiToken)."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .models import ApiToken


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once the key is older than TOKEN_TTL."""

    model = ApiToken

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token.expired:
            raise AuthenticationFailed("Token has expired.")
        return user, token
