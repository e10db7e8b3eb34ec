"""Who may see an order, which of its fields each role may change, and who may delete it.

Plain functions over roles.py, as roles.py is for roles: the order views, permission classes,
filters, selectors, services and the admin all ask here, so changing who may do what to an
order is a change to this module alone.
"""

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q

from . import roles
from .errors import NotAllowed

# Every field of an order that anyone may change through the API.
WRITABLE = frozenset({"delivery_crew", "status"})


@dataclass(frozen=True)
class ChangeRights:
    """What one caller may change on one order, and how."""

    fields: frozenset[str]
    # PATCH may send a subset of `fields`; otherwise every field of `fields` is required.
    partial: bool
    # PUT, which replaces every writable field, is open to the caller.
    replace: bool

    def check(self, sent: Collection[str], *, replacing: bool) -> None:
        """Refuse a change that touches a field the caller may not change."""
        if replacing and not self.replace:
            raise NotAllowed(
                f"You may change only the {_names(self.fields)} of this order, with PATCH."
            )
        other = sorted(set(sent) - self.fields)
        if other:
            raise NotAllowed(
                f"You may change only the {_names(self.fields)} of this order, "
                f"not {', '.join(other)}."
            )


MANAGER_RIGHTS = ChangeRights(fields=WRITABLE, partial=True, replace=True)
CREW_RIGHTS = ChangeRights(fields=frozenset({"status"}), partial=False, replace=False)


def visible(user) -> Q | None:
    """The orders the user may see, as a filter; None means every order."""
    if roles.is_manager(user):
        return None
    if roles.is_delivery_crew(user):
        # Crew members may order food too: their own orders stay visible to them.
        return Q(delivery_crew=user) | Q(user=user)
    return Q(user=user)


def change_rights(user, order) -> ChangeRights | None:
    """What the user may change on an order they can see; None when nothing."""
    if roles.is_manager(user):
        return MANAGER_RIGHTS
    if roles.is_delivery_crew(user) and order.delivery_crew_id == user.pk:
        return CREW_RIGHTS
    return None


def can_change(user, order) -> bool:
    return change_rights(user, order) is not None


def can_delete(user, order) -> bool:
    return roles.is_manager(user)


def can_filter_by_customer(user) -> bool:
    """Whether the `user` filter of the order list applies for this caller."""
    return roles.is_manager(user)


def can_deliver(user) -> bool:
    """Whether an order may be assigned to this user for delivery."""
    return roles.is_delivery_crew(user)


def crew_candidates():
    """The users an order may be assigned to, as a queryset."""
    return roles.members_of(roles.DELIVERY_CREW)


def _names(fields: frozenset[str]) -> str:
    return " and ".join(sorted(fields))
