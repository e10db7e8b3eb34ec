"""allergen_free by property: every dish it returns can be ordered free of the allergens, and
no dish it leaves out could be. Menus are generated; the answers come through the API, and
what "could be ordered" means is worked out here by trying every valid set of picks."""

import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from LittleLemonDRF.models import Cart, MenuItem, OptionChoice, OptionGroup
from tests.factories import client_for, make_category, make_user

CODES = ("gluten", "milk", "nuts")
allergens = st.lists(st.sampled_from(CODES), unique=True, max_size=2)
choice = st.fixed_dictionaries({"allergens": allergens, "available": st.booleans()})
group = st.integers(min_value=0, max_value=2).flatmap(
    lambda low: st.fixed_dictionaries(
        {
            "min": st.just(low),
            "max": st.integers(min_value=max(low, 1), max_value=3),
            "choices": st.lists(choice, min_size=1, max_size=3),
        }
    )
)
dish = st.fixed_dictionaries({"allergens": allergens, "groups": st.lists(group, max_size=2)})


def _build(spec, category):
    item = MenuItem.objects.create(
        title="Dish", price=Decimal("9.00"), category=category, allergens=sorted(spec["allergens"])
    )
    groups = []
    for position, group_spec in enumerate(spec["groups"]):
        row = OptionGroup.objects.create(
            menuitem=item,
            name=f"Group {position}",
            min=group_spec["min"],
            max=group_spec["max"],
            position=position,
        )
        choices = [
            OptionChoice.objects.create(
                group=row,
                name=f"Choice {n}",
                price_delta=Decimal("0.00"),
                available=c["available"],
                allergens=sorted(c["allergens"]),
            )
            for n, c in enumerate(group_spec["choices"])
        ]
        groups.append((row, choices))
    return item, groups


def _free_picks(item, groups, avoided):
    """A valid set of picks (each group within min..max, available choices only) whose
    allergens, with the dish's, avoid `avoided`; None when there is none."""
    if set(item.allergens) & avoided:
        return None
    per_group = []
    for row, choices in groups:
        ways = [
            picked
            for size in range(row.min, row.max + 1)
            for picked in itertools.combinations([c for c in choices if c.available], size)
            if not any(set(c.allergens) & avoided for c in picked)
        ]
        if not ways:
            return None
        per_group.append(ways[0])
    return [c.pk for picked in per_group for c in picked]


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(dish, min_size=1, max_size=3),
    avoided=st.sets(st.sampled_from(CODES), min_size=1),
)
def test_allergen_free_returns_exactly_the_dishes_orderable_without_them(specs, avoided):
    category = make_category()
    customer = make_user()
    client = client_for(customer)
    built = [_build(spec, category) for spec in specs]
    try:
        response = client.get(
            "/api/menu-items",
            {"allergen_free": ",".join(sorted(avoided)), "category_id": category.pk},
        )
        assert response.status_code == 200
        returned = {row["id"] for row in response.json()["results"]}
        for item, groups in built:
            picks = _free_picks(item, groups, avoided)
            assert (item.pk in returned) == (picks is not None), (item.allergens, groups)
            if picks is not None:
                # And the API takes that order: the cart line avoids every allergen asked.
                added = client.post(
                    "/api/cart/menu-items",
                    {"menuitem_id": item.pk, "choices": picks},
                    format="json",
                )
                assert added.status_code == 201, added.json()
    finally:
        Cart.objects.filter(user=customer).delete()
        MenuItem.objects.filter(category=category).delete()
        category.delete()
        customer.delete()
