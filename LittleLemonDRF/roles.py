"""Group names and the only functions that decide who is admin, manager or delivery crew."""

from django.contrib.auth import get_user_model

MANAGER = "Manager"
DELIVERY_CREW = "Delivery crew"
GROUPS = (MANAGER, DELIVERY_CREW)


def group_names(user) -> frozenset[str]:
    """The names of the user's groups, cached on the user object: one query per request,
    however many checks run."""
    if not hasattr(user, "_ll_groups"):
        user._ll_groups = frozenset(user.groups.values_list("name", flat=True))
    return user._ll_groups


def know_groups(user, names) -> None:
    """Give the user object its group names, read elsewhere (authentication.py's cache)."""
    user._ll_groups = frozenset(names)


def forget_groups(user) -> None:
    """Drop the cached group names after the user's groups changed."""
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
