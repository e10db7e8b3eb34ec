"""Dish options: writing groups and choices, and the rules a line's picks must follow.

check_line() is the one judge of a line (a dish, a quantity, picks and a note), for the cart
and for an order placed in one request alike.
"""

from collections import Counter

from django.db import transaction

from ..errors import CartLineTooLarge, ChoicesRefused, NotOrderable, StockShort
from ..models import QUANTITY_MAX, MenuItem, OptionChoice, OptionGroup


def option_group_save(*, group: OptionGroup, choices: list[dict] = ()) -> OptionGroup:
    """Save a group, with new choices on creation."""
    with transaction.atomic():
        group.save()
        OptionChoice.objects.bulk_create(OptionChoice(group=group, **data) for data in choices)
    return group


def option_group_delete(*, group: OptionGroup) -> None:
    group.delete()


def option_choice_save(*, choice: OptionChoice) -> OptionChoice:
    choice.allergens = sorted(set(choice.allergens))
    choice.save()
    return choice


def option_choice_delete(*, choice: OptionChoice) -> None:
    choice.delete()


def signature(choice_ids: list[int], note: str) -> str:
    """A cart line's identity beside its dish: the same picks and note are the same line.

    "" when it picked nothing and has no note; otherwise "<sorted ids>|<note>", so a line
    without picks starts with "|" (Cart.picked reads no choice for it).
    """
    if not choice_ids and not note:
        return ""
    return ",".join(map(str, sorted(choice_ids))) + "|" + note


def check_line(*, menuitem: MenuItem, quantity: int, choice_ids: list[int]) -> list[OptionChoice]:
    """The picked choices, in id order, when the line may be ordered; else the rule it breaks.

    The dish must be orderable, the quantity within stock and the line's bound, and the picks
    must satisfy every group of the dish.
    """
    if not menuitem.orderable:
        raise NotOrderable(menuitem.title)
    if quantity > QUANTITY_MAX:
        raise CartLineTooLarge()
    if menuitem.stock is not None and quantity > menuitem.stock:
        raise StockShort(menuitem.title, menuitem.stock)
    return check_picks(menuitem=menuitem, choice_ids=choice_ids)


def check_picks(*, menuitem: MenuItem, choice_ids: list[int]) -> list[OptionChoice]:
    repeated = [pk for pk, n in Counter(choice_ids).items() if n > 1]
    if repeated:
        raise ChoicesRefused(f"Choice {repeated[0]} is picked more than once.")
    groups = list(menuitem.option_groups.prefetch_related("choices"))
    if not groups and not choice_ids:
        return []
    by_id = {choice.pk: (group, choice) for group in groups for choice in group.choices.all()}
    for pk in choice_ids:
        if pk not in by_id:
            raise ChoicesRefused(f"Choice {pk} is not an option of {menuitem.title}.")
        group, choice = by_id[pk]
        if not choice.available:
            raise ChoicesRefused(f"{group.name}: {choice.name} is not available right now.")
    picked = Counter(by_id[pk][0].pk for pk in choice_ids)
    for group in groups:
        if not group.min <= picked[group.pk] <= group.max:
            raise ChoicesRefused(f"{group.name}: {_how_many(group)}.")
    return sorted((by_id[pk][1] for pk in choice_ids), key=lambda choice: choice.pk)


def _how_many(group: OptionGroup) -> str:
    if group.min == group.max:
        return f"pick exactly {group.min}"
    if group.min == 0:
        return f"pick at most {group.max}"
    return f"pick from {group.min} to {group.max}"
