"""Cache-Control for answers that a shared cache must never keep.

An answer to a signed-in caller is theirs alone (`private`); an answer that carries a token is
not to be stored anywhere (`no-store`). Directives a view set already are kept (the order
stream's `no-cache`, the menu's validators); anonymous answers are left as the view made them.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control
from django.utils.functional import LazyObject

from .middleware import ResponseMiddleware

# The routes whose answers hold a token or a JWT, by URL name.
TOKEN_ROUTES = frozenset({"login", "token-login", "api-token-auth", "jwt-create", "jwt-refresh"})


class CacheHeadersMiddleware(ResponseMiddleware):
    def finish(self, request, response):
        return _with_cache_control(request, response)


def _with_cache_control(request, response):
    match = request.resolver_match
    if match is not None and match.url_name in TOKEN_ROUTES:
        patch_cache_control(response, no_store=True, private=True)
    elif _signed_in(request):
        patch_cache_control(response, private=True)
    return response


def _signed_in(request) -> bool:
    """Credentials were sent, or a view authenticated the caller (DRF sets request.user)."""
    if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    user = getattr(request, "user", None)
    # A user no view asked for is still Django's lazy object: leave it unevaluated (no query,
    # and none at all from an async view). DRF replaces it with the user it authenticated.
    return user is not None and not isinstance(user, LazyObject) and user.is_authenticated
