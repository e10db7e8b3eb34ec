"""Dish options, allergens and diets: written by managers, embedded in every dish, picked in
the cart, copied into orders as they were."""

from decimal import Decimal

import pytest

from LittleLemonDRF.models import OptionChoice, OptionGroup, Order
from tests.factories import make_menu_item, make_menu_items

MENU_ITEMS = "/api/menu-items"
GROUPS = "/api/option-groups"
CHOICES = "/api/option-choices"
CART = "/api/cart/menu-items"
ORDERS = "/api/orders"


def burger_with_options(manager_client, price="10.00"):
    """A burger asking for a cooking (1 of 2) and up to 2 extras; returns (dish, choices)."""
    dish = make_menu_item("Burger", price)
    cooking = manager_client.post(
        GROUPS,
        {
            "menuitem_id": dish.pk,
            "name": "Cooking",
            "min": 1,
            "max": 1,
            "position": 0,
            "choices": [
                {"name": "medium", "price_delta": "0.00"},
                {"name": "well done", "price_delta": "0.00"},
            ],
        },
        format="json",
    )
    extras = manager_client.post(
        GROUPS,
        {
            "menuitem_id": dish.pk,
            "name": "Extras",
            "min": 0,
            "max": 2,
            "position": 1,
            "choices": [
                {"name": "extra cheese", "price_delta": "1.00", "allergens": ["milk"]},
                {"name": "bacon", "price_delta": "1.50"},
            ],
        },
        format="json",
    )
    assert cooking.status_code == 201
    assert extras.status_code == 201
    choices = {c["name"]: c["id"] for g in (cooking, extras) for c in g.json()["choices"]}
    return dish, choices


# --- Writing options --------------------------------------------------------------------------


@pytest.mark.django_db
def test_manager_creates_a_group_with_choices_and_the_dish_shows_it(manager_client, api_client):
    dish, choices = burger_with_options(manager_client)

    response = api_client.get(f"{MENU_ITEMS}/{dish.pk}")

    assert response.status_code == 200
    groups = response.json()["option_groups"]
    assert [g["name"] for g in groups] == ["Cooking", "Extras"]
    assert groups[1]["choices"][0] == {
        "id": choices["extra cheese"],
        "name": "extra cheese",
        "price_delta": "1.00",
        "available": True,
        "allergens": ["milk"],
    }
    listed = api_client.get(MENU_ITEMS).json()["results"]
    assert listed[0]["option_groups"] == groups


@pytest.mark.django_db
def test_customer_cannot_write_options(customer_client):
    dish = make_menu_item()

    response = customer_client.post(
        GROUPS, {"menuitem_id": dish.pk, "name": "Size", "min": 1, "max": 1}, format="json"
    )

    assert response.status_code == 403
    assert not OptionGroup.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("low", "high", "field"), [(2, 1, "max"), (0, 0, "max"), (-1, 1, "min"), (1, 101, "max")]
)
def test_a_group_needs_min_within_max(manager_client, low, high, field):
    dish = make_menu_item()

    response = manager_client.post(
        GROUPS, {"menuitem_id": dish.pk, "name": "Size", "min": low, "max": high}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not OptionGroup.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("delta", ["-0.01", "1000.00", "1.005"])
def test_a_choice_price_delta_is_0_to_999_99_with_two_places(manager_client, delta):
    dish, _ = burger_with_options(manager_client)
    group = OptionGroup.objects.get(menuitem=dish, name="Extras")

    response = manager_client.post(
        CHOICES, {"group_id": group.pk, "name": "gold leaf", "price_delta": delta}, format="json"
    )

    assert response.status_code == 400
    assert "price_delta" in response.json()


@pytest.mark.django_db
def test_unknown_allergen_or_diet_code_is_a_400(manager_client):
    dish = make_menu_item()

    allergen = manager_client.patch(
        f"{MENU_ITEMS}/{dish.pk}", {"allergens": ["gluten", "kryptonite"]}, format="json"
    )
    diet = manager_client.patch(f"{MENU_ITEMS}/{dish.pk}", {"diets": ["carnivore"]}, format="json")

    assert allergen.status_code == 400
    assert "allergens" in allergen.json()
    assert diet.status_code == 400
    assert "diets" in diet.json()


@pytest.mark.django_db
def test_allergens_and_diets_are_stored_sorted_without_repeats(manager_client):
    dish = make_menu_item()

    response = manager_client.patch(
        f"{MENU_ITEMS}/{dish.pk}",
        {"allergens": ["milk", "gluten", "milk"], "diets": ["vegan", "vegetarian"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["allergens"] == ["gluten", "milk"]
    assert response.json()["diets"] == ["vegan", "vegetarian"]


@pytest.mark.django_db
def test_manager_switches_a_choice_off_and_deletes_a_group(manager_client, api_client):
    dish, choices = burger_with_options(manager_client)

    off = manager_client.patch(f"{CHOICES}/{choices['bacon']}", {"available": False}, format="json")
    group = OptionGroup.objects.get(name="Cooking")
    deleted = manager_client.delete(f"{GROUPS}/{group.pk}")

    assert off.status_code == 200
    assert off.json()["available"] is False
    assert deleted.status_code == 204
    groups = api_client.get(f"{MENU_ITEMS}/{dish.pk}").json()["option_groups"]
    assert [g["name"] for g in groups] == ["Extras"]
    assert groups[0]["choices"][1]["available"] is False


# --- In the cart ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cart_line_carries_choices_and_note_and_prices_the_deltas(manager_client, customer_client):
    dish, choices = burger_with_options(manager_client)

    response = customer_client.post(
        CART,
        {
            "menuitem_id": dish.pk,
            "quantity": 2,
            "choices": [choices["extra cheese"], choices["medium"]],
            "note": "no onions",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["unit_price"] == "11.00"
    assert body["price"] == "22.00"
    assert body["note"] == "no onions"
    assert [c["name"] for c in body["choices"]] == ["medium", "extra cheese"]
    assert customer_client.get(CART).json() == [body]


@pytest.mark.django_db
def test_same_dish_choices_and_note_add_up_others_make_a_new_line(manager_client, customer_client):
    dish, choices = burger_with_options(manager_client)
    line = {"menuitem_id": dish.pk, "choices": [choices["medium"]], "note": "no onions"}

    first = customer_client.post(CART, line, format="json")
    again = customer_client.post(CART, {**line, "quantity": 2}, format="json")
    other_note = customer_client.post(CART, {**line, "note": ""}, format="json")
    other_pick = customer_client.post(
        CART, {**line, "choices": [choices["well done"]]}, format="json"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["quantity"] == 3
    assert (other_note.status_code, other_pick.status_code) == (201, 201)
    assert len(customer_client.get(CART).json()) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("picks", "named"),
    [
        ([], "Cooking"),
        (["medium", "well done"], "Cooking"),
        (["medium", "extra cheese", "bacon", "extra cheese"], "more than once"),
        (["medium", "foreign"], "not an option"),
        (["medium", "switched off"], "Extras"),
    ],
)
def test_every_invalid_pick_is_a_400_on_choices_naming_the_group(
    manager_client, customer_client, picks, named
):
    dish, choices = burger_with_options(manager_client)
    extras = OptionGroup.objects.get(menuitem=dish, name="Extras")
    choices["switched off"] = OptionChoice.objects.create(
        group=extras, name="truffle", available=False
    ).pk
    other_dish, other_choices = burger_with_options(manager_client)
    choices["foreign"] = other_choices["bacon"]

    response = customer_client.post(
        CART, {"menuitem_id": dish.pk, "choices": [choices[p] for p in picks]}, format="json"
    )

    assert response.status_code == 400
    assert named in response.json()["choices"][0]
    assert not customer_client.get(CART).json()


# --- In the order -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_lines_keep_choices_and_note_whatever_happens_to_the_options_after(
    manager_client, customer_client
):
    dish, choices = burger_with_options(manager_client)
    customer_client.post(
        CART,
        {
            "menuitem_id": dish.pk,
            "choices": [choices["medium"], choices["extra cheese"]],
            "note": "no onions",
        },
        format="json",
    )
    placed = customer_client.post(ORDERS)
    assert placed.status_code == 201
    order_id = placed.json()["id"]
    before = customer_client.get(f"{ORDERS}/{order_id}").json()

    for choice_id in choices.values():
        manager_client.patch(
            f"{CHOICES}/{choice_id}", {"name": "renamed", "price_delta": "9.99"}, format="json"
        )
    for group in OptionGroup.objects.all():
        manager_client.patch(f"{GROUPS}/{group.pk}", {"name": "renamed"}, format="json")
        assert manager_client.delete(f"{GROUPS}/{group.pk}").status_code == 204

    after = customer_client.get(f"{ORDERS}/{order_id}").json()
    assert not OptionChoice.objects.exists()
    assert after["items"] == before["items"]
    assert after["items"][0]["choices"] == [
        {"name": "medium", "price_delta": "0.00"},
        {"name": "extra cheese", "price_delta": "1.00"},
    ]
    assert after["items"][0]["note"] == "no onions"
    assert after["total"] == "11.00"


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["switched off", "deleted"])
def test_a_choice_gone_since_the_cart_is_the_stock_409(manager_client, customer_client, how):
    dish, choices = burger_with_options(manager_client)
    customer_client.post(
        CART, {"menuitem_id": dish.pk, "choices": [choices["medium"]]}, format="json"
    )
    if how == "deleted":
        manager_client.delete(f"{CHOICES}/{choices['medium']}")
    else:
        manager_client.patch(f"{CHOICES}/{choices['medium']}", {"available": False}, format="json")

    response = customer_client.post(ORDERS)

    assert response.status_code == 409
    assert response.json()["unavailable"] == [
        {
            "menuitem_id": dish.pk,
            "title": "Burger",
            "requested": 1,
            "left": 0,
            "choice_id": choices["medium"],
            "choice": "medium",
        }
    ]
    assert not Order.objects.exists()
    assert len(customer_client.get(CART).json()) == 1


# --- Filters ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_allergen_free_leaves_out_dishes_that_contain_one_or_need_one(manager_client, api_client):
    burger, _ = burger_with_options(manager_client)
    bread = make_menu_item("Bread")
    manager_client.patch(f"{MENU_ITEMS}/{bread.pk}", {"allergens": ["gluten"]}, format="json")
    pizza = make_menu_item("Pizza")
    manager_client.post(
        GROUPS,
        {
            "menuitem_id": pizza.pk,
            "name": "Cheese",
            "min": 1,
            "max": 1,
            "choices": [
                {"name": "mozzarella", "price_delta": "0.00", "allergens": ["milk"]},
                {"name": "vegan", "price_delta": "0.00", "available": False},
            ],
        },
        format="json",
    )

    free = api_client.get(MENU_ITEMS, {"allergen_free": "milk,gluten"})
    unknown = api_client.get(MENU_ITEMS, {"allergen_free": "milk,air"})

    assert free.status_code == 200
    # The burger's milk is an optional extra; the pizza's only available cheese has milk.
    assert [d["title"] for d in free.json()["results"]] == ["Burger"]
    assert unknown.status_code == 400
    assert "allergen_free" in unknown.json()


@pytest.mark.django_db
def test_diet_keeps_the_dishes_with_that_diet(manager_client, api_client):
    salad, soup = make_menu_item("Salad"), make_menu_item("Soup")
    manager_client.patch(f"{MENU_ITEMS}/{salad.pk}", {"diets": ["vegetarian", "vegan"]})
    manager_client.patch(f"{MENU_ITEMS}/{soup.pk}", {"diets": ["vegetarian"]}, format="json")

    vegan = api_client.get(MENU_ITEMS, {"diet": "vegan"})
    unknown = api_client.get(MENU_ITEMS, {"diet": "paleo"})

    assert [d["title"] for d in vegan.json()["results"]] == ["Salad"]
    assert unknown.status_code == 400


# --- Query budget -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("dishes", [3, 100])
def test_menu_page_with_options_reads_in_flat_queries(
    api_client, django_assert_num_queries, dishes
):
    items = make_menu_items(dishes)
    groups = OptionGroup.objects.bulk_create(
        OptionGroup(menuitem=item, name=f"Group {n}", min=0, max=2, position=n)
        for item in items
        for n in range(3)
    )
    OptionChoice.objects.bulk_create(
        OptionChoice(group=group, name=f"Choice {n}", price_delta=Decimal("0.50"))
        for group in groups
        for n in range(5)
    )

    # 1: COUNT; 2: the page of dishes with category and ratings; 3: their groups; 4: choices
    with django_assert_num_queries(4):
        response = api_client.get(MENU_ITEMS, {"page_size": 100})

    assert response.status_code == 200
    page = response.json()["results"]
    assert len(page) == dishes
    assert all(len(d["option_groups"]) == 3 for d in page)
    assert all(len(g["choices"]) == 5 for d in page for g in d["option_groups"])
