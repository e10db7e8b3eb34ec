"""Group names and the only functions that decide who is admin, manager or delivery crew."""

import json

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


# How each database aggregates names into a JSON array.
_JSON_ARRAY_OF = {"postgresql": "json_agg", "sqlite": "json_group_array", "mysql": "JSON_ARRAYAGG"}


def groups_sql(user_id: str, using: str = "default") -> str:
    """A SQL column that reads, in the statement that reads a user, the names of the groups of
    the user whose id is the column `user_id`, as a JSON array (authentication.py)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    through = get_user_model().groups.through._meta
    group = Group._meta
    return (
        f"(SELECT {_JSON_ARRAY_OF[connection.vendor]}(g.{quote(group.get_field('name').column)})"
        f" FROM {quote(through.db_table)} m JOIN {quote(group.db_table)} g"
        f" ON g.{quote(group.pk.column)} = m.{quote(through.get_field('group').column)}"
        f" WHERE m.{quote(through.get_field('user').column)} = {user_id})"
    )


def know_groups(user, names) -> None:
    """Give the user object its groups, read as groups_sql's column: a JSON array, as text
    or already parsed, or null for none."""
    if isinstance(names, str | bytes):
        names = json.loads(names)
    user._ll_groups = frozenset(name for name in names or () if name in GROUPS)


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
