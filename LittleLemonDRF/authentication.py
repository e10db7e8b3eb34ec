"""Who a request's credentials belong to, read from the database on every request.

No credential, user or role is kept in a cache. A token deleted or rotated, a user
deactivated or deleted, a group joined or left is seen by the very next request, in every
worker, process and host, whoever made the change and however (the API, the admin, another
process's `manage.py`, a shell, a queryset update): that request reads the rows. One query
answers a token: the token joined to its user, with the user's role groups read in the same
statement (roles.groups_sql). That statement is written once per database rather than
built by the ORM on every request: building it is most of a token request's cost.

A change of password revokes every credential the user holds:
- tokens: deleted in the same transaction as the user's save that changes the stored password
  hash (`revoke_tokens_on_password_change`, on the user model's save signals, which Djoser's
  set_password and reset_password_confirm, the admin, `changepassword` and a shell all pass);
- simplejwt access and refresh tokens carry a hash of the password they were issued under
  (`CHECK_REVOKE_TOKEN`), checked on every use and on refresh (`RevocableRefreshSerializer`);
- sessions: Django's own session hash, also derived from the password.
"""

import functools

from django.contrib.auth import get_user_model
from django.db import connections
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from . import roles
from .models import ApiToken

REVOKED = "Token is invalid or has been revoked."


# What a request needs of its user; the other fields load from the database if asked for,
# and a save writes only the loaded ones. In the model's field order, as Model.from_db takes
# a subset of them.
USER_FIELDS = tuple(
    field.attname
    for field in get_user_model()._meta.concrete_fields
    if field.attname in ("id", "username", "is_active", "is_staff", "is_superuser")
)
_FLAGS = ("is_active", "is_staff", "is_superuser")  # booleans: SQLite hands back 0 and 1


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once the key is older than TOKEN_TTL."""

    model = ApiToken

    def authenticate_credentials(self, key):
        found = _read_token(key)
        if found is None:
            raise AuthenticationFailed("Invalid token.")
        user, token = found
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        if token.expired:
            raise AuthenticationFailed("Token has expired.")
        return user, token


def _read_token(key: str, using: str = "default"):
    """(user, token) for the key, the user knowing their role groups; None for no such key."""
    sql, converters = _token_statement(using)
    with _cursor(using) as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    created = row[1]
    for convert in converters:
        created = convert(created, ApiToken._meta.get_field("created"), connections[using])
    values = row[2 : 2 + len(USER_FIELDS)]
    values = [bool(v) if f in _FLAGS else v for f, v in zip(USER_FIELDS, values, strict=True)]
    user = get_user_model().from_db(using, USER_FIELDS, values)
    roles.know_groups(user, row[-1])
    token = ApiToken.from_db(using, ("key", "user_id", "created"), (row[0], user.pk, created))
    token.user = user
    return user, token


def _cursor(using: str):
    """A cursor for the credentials query. On PostgreSQL one that binds on the server and
    prepares the statement, once per connection: Django binds on the client, so PostgreSQL
    would plan it on every request, which costs more than running it."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    cursor = _PreparingCursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    return wrap(cursor)


try:
    import psycopg

    class _PreparingCursor(psycopg.Cursor):
        def execute(self, query, params=None, **options):
            return super().execute(query, params, prepare=True, **options)

except ImportError:  # no PostgreSQL driver: SQLite only
    _PreparingCursor = None


@functools.cache
def _token_statement(using: str):
    """The SQL of the one credentials query, and the converters of the token's `created`
    (SQLite hands back text)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    token, user = ApiToken._meta, get_user_model()._meta
    user_id = f"u.{quote(user.pk.column)}"
    columns = [
        f"t.{quote(token.get_field('key').column)}",
        f"t.{quote(token.get_field('created').column)}",
        *(f"u.{quote(user.get_field(name).column)}" for name in USER_FIELDS),
        roles.groups_sql(user_id, using),
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(token.db_table)} t"
        f" JOIN {quote(user.db_table)} u ON {user_id} = t.{quote(token.get_field('user').column)}"
        f" WHERE t.{quote(token.get_field('key').column)} = %s"
    )
    created = token.get_field("created")
    column = created.get_col("t")
    converters = [*connection.ops.get_db_converters(column), *created.get_db_converters(connection)]
    return sql, converters


class RevocableRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, refusing a refresh token issued under another password than the
    user's current one, or whose user is gone (simplejwt checks neither on refresh)."""

    def validate(self, attrs):
        refresh = RefreshToken(attrs["refresh"])
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not user.is_active:
            raise AuthenticationFailed("No active account found for the given token.")
        claim = refresh.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM)
        if claim != get_md5_hash_password(user.password):
            raise AuthenticationFailed(REVOKED, code="token_not_valid")
        return super().validate(attrs)


def remember_stored_password(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save of the user model: note whether this save changes the stored password hash."""
    instance._ll_password_changed = False
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._ll_password_changed = stored is not None and stored != instance.password


def revoke_tokens_on_password_change(sender, instance, **kwargs) -> None:
    """post_save of the user model: a new password ends every token the user held."""
    if getattr(instance, "_ll_password_changed", False):
        instance._ll_password_changed = False
        ApiToken.objects.filter(user=instance).delete()
