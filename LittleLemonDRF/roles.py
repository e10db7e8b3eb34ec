"""Group names and the only functions that decide who is admin, manager or delivery crew."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections

MANAGER = "Manager"
DELIVERY_CREW = "Delivery crew"
GROUPS = (MANAGER, DELIVERY_CREW)


def group_names(user) -> frozenset[str]:
    """The user's role groups (of GROUPS), read once per user object: one query per request,
    however many checks run."""
    if not hasattr(user, "_ll_groups"):
        names = user.groups.filter(name__in=GROUPS).values_list("name", flat=True)
        user._ll_groups = frozenset(names)
    return user._ll_groups


def memberships_sql(user_id: str, using: str = "default") -> tuple[list[str], list[str]]:
    """SQL columns that read, in the statement that reads a user, whether the user whose id
    is the column `user_id` is in each of GROUPS; and their parameters (authentication.py)."""
    quote = connections[using].ops.quote_name
    through = get_user_model().groups.through._meta
    group = Group._meta
    member = (
        f"EXISTS (SELECT 1 FROM {quote(through.db_table)} m"
        f" JOIN {quote(group.db_table)} g"
        f" ON g.{quote(group.pk.column)} = m.{quote(through.get_field('group').column)}"
        f" WHERE m.{quote(through.get_field('user').column)} = {user_id}"
        f" AND g.{quote(group.get_field('name').column)} = %s)"
    )
    return [member] * len(GROUPS), list(GROUPS)


def know_memberships(user, flags) -> None:
    """Give the user object its role groups, read as memberships_sql's columns."""
    user._ll_groups = frozenset(name for name, member in zip(GROUPS, flags, strict=True) if member)


def forget_groups(user) -> None:
    """Drop the role groups read onto this user object after their groups changed."""
    user.__dict__.pop("_ll_groups", None)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


def is_manager(user) -> bool:
    """Managers, and admins, who may do everything a manager may."""
    return is_admin(user) or bool(user and user.is_authenticated and MANAGER in group_names(user))


def is_delivery_crew(user) -> bool:
    return bool(user and user.is_authenticated and DELIVERY_CREW in group_names(user))


def members_of(group_name: str):
    """The users in a role group, as a queryset."""
    return get_user_model().objects.filter(groups__name=group_name)
