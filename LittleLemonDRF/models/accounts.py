"""Credentials the project adds to what Django and DRF keep."""

from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token


class ApiToken(Token):
    """DRF's token, with the rule that it expires TOKEN_TTL after it was issued."""

    class Meta:
        proxy = True

    @property
    def expired(self) -> bool:
        ttl = settings.TOKEN_TTL
        return ttl is not None and self.created < timezone.now() - ttl
