"""DRF's token authentication, refusing expired tokens, with the token looked up in the cache.

Every authenticated request asks who its key belongs to. DRF answers with one ORM query
(token joined to user), about 270 us of a 760 us menu read on SQLite, most of it building the
SQL. Here the answer is kept in the shared cache under the key, in the "tokens" namespace of
caching.py, and rebuilt from it without a query: the user with the fields authentication needs
(the rest, the password included, loads from the database if anything asks for it, and a save
writes only the loaded fields), and the names of their groups, which every role check of the
request reads (roles.py): one query less wherever a role decides (orders, groups, the menu's
writes).

Revocation is exact: any save or deletion of a token or a user (logout, rotation, a user
deactivated or deleted, whoever does it: our services, Djoser, DRF's token admin, Django's
admin), and any change of a group or of its members, bumps the namespace now and again
at commit, so the next request, on any worker, reads the database again. Those writers are
not all ours, so the bump hangs on the models' signals (apps.py). A Redis outage is covered
as every cached value is (caching.py).
"""

from django.contrib.auth import get_user_model
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from . import caching, roles
from .models import ApiToken

# What a request needs of its user without a query; the other fields load when asked for.
# In the model's field order, as Model.from_db takes a subset of them.
USER_FIELDS = tuple(
    field.attname
    for field in get_user_model()._meta.concrete_fields
    if field.attname in ("id", "username", "is_active", "is_staff", "is_superuser")
)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once the key is older than TOKEN_TTL."""

    model = ApiToken

    def authenticate_credentials(self, key):
        user, token = _cached(key) or _remembered(*super().authenticate_credentials(key))
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        if token.expired:
            raise AuthenticationFailed("Token has expired.")
        return user, token


def _cached(key: str):
    entry = caching.get(caching.TOKENS, key)
    if entry is None:
        return None
    user_values, created, groups = entry
    user = get_user_model().from_db("default", USER_FIELDS, user_values)
    roles.know_groups(user, groups)
    token = ApiToken.from_db("default", ("key", "user_id", "created"), (key, user.pk, created))
    token.user = user
    return user, token


def _remembered(user, token):
    values = tuple(getattr(user, field) for field in USER_FIELDS)
    caching.put(caching.TOKENS, token.key, (values, token.created, roles.group_names(user)))
    return user, token


def forget_tokens(sender, created=False, update_fields=None, **kwargs) -> None:
    """A token, a user or a group changed: no key's cached answer may be used again (apps.py;
    memberships change through services.group_add_user and group_remove_user).

    Except where no answer can have changed: a new token, user or group (no key's answer
    holds it yet), and a user's save of fields not kept here (a login's `last_login`).
    """
    if created:
        return
    if sender is get_user_model() and update_fields and not set(update_fields) & set(USER_FIELDS):
        return
    caching.invalidate(caching.TOKENS)
