"""Writes to accounts: login tokens, group membership, and what follows a user's change."""

from django.contrib.auth.models import Group

from .. import roles
from ..models import (
    ApiToken,
)


def token_for_login(*, user) -> ApiToken:
    """The user's token, replaced by a fresh key when the old one has expired."""
    token, created = ApiToken.objects.get_or_create(user=user)
    if not created and token.expired:
        token.delete()
        token = ApiToken.objects.create(user=user)
    return token


# --- Users and groups -----------------------------------------------------------------------


def group_add_user(*, group_name: str, user) -> bool:
    """Put the user in the group; False when they were a member already."""
    group = Group.objects.get_or_create(name=group_name)[0]
    if group.user_set.filter(pk=user.pk).exists():
        return False
    group.user_set.add(user)
    roles.forget_groups(user)
    return True


def group_remove_user(*, group_name: str, user) -> bool:
    """Take the user out of the group; False when they were not a member."""
    group = Group.objects.get_or_create(name=group_name)[0]
    if not group.user_set.filter(pk=user.pk).exists():
        return False
    group.user_set.remove(user)
    roles.forget_groups(user)
    return True
