"""One throttle class per scope; rates are read per request so settings overrides apply."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _LiveRateMixin:
    def get_rate(self):
        # DRF binds the rate table when the class is defined; reading it per request lets
        # override_settings in tests (and a reloaded configuration) take effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AnonThrottle(_LiveRateMixin, AnonRateThrottle):
    """Anonymous requests, per client address (`anon`)."""


class UserThrottle(_LiveRateMixin, UserRateThrottle):
    """Authenticated requests, per user (`user`)."""


class RatingCreateThrottle(_LiveRateMixin, UserRateThrottle):
    """Posting ratings, per user (`ratings`)."""

    scope = "ratings"


class OrderCreateThrottle(_LiveRateMixin, UserRateThrottle):
    """Placing orders, per user (`orders`)."""

    scope = "orders"


class LoginThrottle(_LiveRateMixin, SimpleRateThrottle):
    """Every token login route shares one budget per client address, failed attempts too."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TenCallsPerMinute(UserRateThrottle):
    """The course's custom throttle: a fixed ten calls a minute per user."""

    scope = "ten_per_minute"
    rate = "10/minute"
