"""What a cache depends on is declared once (cache_dependencies.DEPENDENCIES), and the
declaration is right: every model a cached answer's shape reads is declared for its cache,
and a plain ORM write outside every service shows in the very next read, on the local cache
and (with REDIS_URL set, as `make test-postgres` runs it) on Redis."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from LittleLemonDRF import caching, roles
from LittleLemonDRF.cache_dependencies import DEPENDENCIES
from LittleLemonDRF.models import Cart, Category, MenuItem, Order, OrderItem, Rating
from LittleLemonDRF.serializers import (
    CartLineSerializer,
    CategorySerializer,
    MenuItemSerializer,
    OrderSerializer,
    OrderSummarySerializer,
)
from tests.factories import (
    add_to_cart,
    client_for,
    make_menu_item,
    make_order,
    make_rating,
    make_user,
)

MENU_ITEMS, CATEGORIES, CART, ORDERS = (
    "/api/menu-items",
    "/api/categories",
    "/api/cart/menu-items",
    "/api/orders",
)

# Every shape a cached answer is built from, with the namespaces that answer is kept under
# (the views pass the same to caching.cached_response). A new cached answer adds its shape.
SHAPES = [
    (CategorySerializer, (caching.MENU,)),
    (MenuItemSerializer, (caching.MENU,)),
    (OrderSummarySerializer, (caching.ORDERS,)),
    (OrderSerializer, (caching.ORDERS,)),
    (CartLineSerializer, (caching.CART, caching.MENU)),
]

# What a shape reads that is not a model field (a property, a method field, a prefetched
# list), as the model paths it is computed from. The first path is the one a nested
# serializer of that field reads. A property's own queries are checked against these below.
COMPUTED = {
    (MenuItem, "rating"): ["ratings.rating"],
    (MenuItem, "orderable"): ["available", "stock"],
    (Order, "status"): ["state"],
    (Order, "lines"): ["items"],
    (Order, "history_entries"): ["history", "created_at", "user.username"],
    (Cart, "unit_price"): ["menuitem.price"],
    (Cart, "price"): ["menuitem.price", "quantity"],
    # The caller's moves: the order's side of them (the caller's side is the page's scope).
    (Order, "moves"): ["state", "fulfilment", "delivery_crew", "user"],
    (Order, "refund_list"): ["refunds", "refunds.by.username"],
    # The picks are kept on the line; the choices they name are read as they are now.
    (Cart, "picked_choices"): ["menuitem.option_groups.choices", "picks"],
}

NULLING = (models.SET_NULL, models.SET_DEFAULT)


@dataclass(frozen=True)
class Need:
    """What a shape needs its cache to declare: every row of a model ("rows"), one field of
    rows it reaches by reference ("field"), or only the deletion of rows it refers to and
    that a deletion nulls ("deletion")."""

    model: type
    kind: str
    field: str = ""
    where: str = ""

    def met_by(self, declared: list) -> bool:
        if self.kind == "rows":
            return any(reads.fields is None for reads in declared)
        if self.kind == "field":
            return self.field == self.model._meta.pk.name or any(
                reads.fields is None or self.field in reads.fields for reads in declared
            )
        return bool(declared)


def _needs(serializer, model, where: str):
    """Every Need of `serializer` (a shape of `model` rows) and its nested shapes."""
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        here = f"{where}.{name}"
        nested = field.child if isinstance(field, serializers.ListSerializer) else field
        nested = nested if isinstance(nested, serializers.BaseSerializer) else None
        if field.source == "*":
            if isinstance(field, serializers.SerializerMethodField):
                yield from _path_needs(model, name, nested, here)
            elif nested is not None:
                yield from _needs(nested, model, here)
            continue
        yield from _path_needs(model, field.source, nested, here)


def _path_needs(model, path: str, nested, where: str):
    """The Needs of reading `path` (dotted) from `model` rows, then `nested` on its end."""
    steps = path.split(".")
    for i, step in enumerate(steps):
        if (model, step) in COMPUTED:
            first, *others = COMPUTED[(model, step)]
            rest = ".".join([first, *steps[i + 1 :]])
            yield from _path_needs(model, rest, nested, where)
            for other in others:
                yield from _path_needs(model, other, None, where)
            return
        try:
            field = model._meta.get_field(step)
        except FieldDoesNotExist:
            raise AssertionError(
                f"{where}: {model.__name__}.{step} is not a model field. Say in COMPUTED "
                "which model paths it is computed from, and declare them for its cache."
            ) from None
        if not field.is_relation:
            yield Need(model, "field", field.name, where)
            continue
        if field.many_to_one or (field.one_to_one and field.concrete):
            yield Need(model, "field", field.name, where)
            if field.remote_field.on_delete in NULLING:
                yield Need(field.related_model, "deletion", where=where)
        else:  # rows that refer to this one, or a many-to-many: any of them may come or go
            yield Need(field.related_model, "rows", where=where)
        model = field.related_model
    if nested is not None:
        shaped = getattr(getattr(nested, "Meta", None), "model", model)
        assert shaped is model, f"{where}: shapes {shaped.__name__} rows, reads {model.__name__}"
        yield from _needs(nested, model, where)


def _declared(namespaces) -> dict:
    declared = {}
    for namespace in namespaces:
        for reads in DEPENDENCIES[namespace]:
            declared.setdefault(apps.get_model(reads.model), []).append(reads)
    return declared


@pytest.mark.parametrize(("shape", "namespaces"), SHAPES, ids=[s.__name__ for s, _ in SHAPES])
def test_every_model_a_cached_shape_reads_is_declared_for_its_cache(shape, namespaces):
    model = shape.Meta.model
    needs = [Need(model, "rows", where=shape.__name__)]
    needs += _needs(shape(), model, shape.__name__)
    declared = _declared(namespaces)

    missing = {
        f"{need.where}: {need.model._meta.label} ({need.kind} {need.field})".rstrip()
        for need in needs
        if not need.met_by(declared.get(need.model, []))
    }

    assert not missing, (
        f"Declare these in cache_dependencies.DEPENDENCIES under {namespaces}:\n"
        + "\n".join(sorted(missing))
    )
    assert {need.model for need in needs} >= {model}


def test_the_walk_finds_the_couplings_nobody_sees(db):
    # Deleting a dish nulls order lines' menuitem_id; usernames show on orders.
    needs = set(_needs(OrderSummarySerializer(), Order, "Order"))
    kinds = {(need.model, need.kind, need.field) for need in needs}

    assert (MenuItem, "deletion", "") in kinds
    assert (apps.get_model("auth.User"), "field", "username") in kinds
    assert (OrderItem, "rows", "") in kinds


def _tables_read(read) -> set:
    tables = {model._meta.db_table: model for model in apps.get_models()}
    with CaptureQueriesContext(connection) as queries:
        read()
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    return {model for table, model in tables.items() if f'"{table}"' in sql}


def _models_on(model, paths) -> set:
    reached = {model}
    for path in paths:
        current = model
        for step in path.split("."):
            field = current._meta.get_field(step)
            if field.is_relation:
                current = field.related_model
                reached.add(current)
    return reached


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize(
    ("model", "name"),
    [key for key in COMPUTED if isinstance(getattr(key[0], key[1], None), property)],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_a_computed_property_reads_only_what_computed_names(model, name):
    row = model._base_manager.order_by("pk").first()
    assert row is not None, f"the world has no {model.__name__}"

    read = _tables_read(lambda: getattr(row, name))

    unnamed = read - _models_on(model, COMPUTED[(model, name)])
    assert not unnamed, (
        f"{model.__name__}.{name} reads {sorted(m.__name__ for m in unnamed)}: add them to "
        "its COMPUTED paths, and declare them for the caches of the shapes that read it."
    )


# --- Plain ORM writes, outside every service ---------------------------------------------------


@pytest.fixture
def dish(db):
    return make_menu_item("Greek Salad", "12.50")


def _menu(api_client) -> dict:
    response = api_client.get(MENU_ITEMS)
    assert response.status_code == 200, response.content
    return {item["title"]: item for item in response.json()["results"]}


def _cart(client) -> list:
    response = client.get(CART)
    assert response.status_code == 200, response.content
    return [
        (line["menuitem"]["title"], line["quantity"], line["price"]) for line in response.json()
    ]


def _orders(client) -> list:
    response = client.get(ORDERS)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_queryset_update_of_a_dish_shows_on_the_menu(api_client, dish):
    assert _menu(api_client)["Greek Salad"]["price"] == "12.50"

    MenuItem.objects.filter(pk=dish.pk).update(price=Decimal("9.75"))

    assert _menu(api_client)["Greek Salad"]["price"] == "9.75"


def test_a_saved_category_shows_on_its_dishes_and_the_category_list(api_client, dish):
    assert _menu(api_client)["Greek Salad"]["category"]["title"] != "Mezze"
    api_client.get(CATEGORIES)
    category = Category.objects.get(pk=dish.category_id)
    category.title = "Mezze"

    category.save()

    assert _menu(api_client)["Greek Salad"]["category"]["title"] == "Mezze"
    titles = [row["title"] for row in api_client.get(CATEGORIES).json()["results"]]
    assert titles == ["Mezze"]


def test_bulk_created_dishes_and_ratings_show_at_once(api_client, dish):
    assert _menu(api_client)["Greek Salad"]["rating"] == {"average": None, "count": 0}

    MenuItem.objects.bulk_create([MenuItem(title="Baklava", price="5.75", category=dish.category)])
    Rating.objects.bulk_create(
        [Rating(user=make_user(), menuitem=dish, rating=value) for value in (5, 3)]
    )

    menu = _menu(api_client)
    assert menu["Baklava"]["price"] == "5.75"
    assert menu["Greek Salad"]["rating"] == {"average": 4.0, "count": 2}


def test_a_queryset_delete_of_ratings_shows_on_the_menu(api_client, dish):
    make_rating(make_user(), dish, 5)
    assert _menu(api_client)["Greek Salad"]["rating"]["count"] == 1

    Rating.objects.filter(menuitem=dish).delete()

    assert _menu(api_client)["Greek Salad"]["rating"] == {"average": None, "count": 0}


def test_queryset_writes_to_cart_lines_show_in_their_owners_cart_only(
    customer_client, customer_user, other_customer_client, other_customer_user, dish
):
    add_to_cart(customer_user, dish, 1)
    add_to_cart(other_customer_user, dish, 2)
    assert _cart(customer_client) == [("Greek Salad", 1, "12.50")]
    assert _cart(other_customer_client) == [("Greek Salad", 2, "25.00")]

    Cart.objects.filter(user=customer_user).update(quantity=3)

    assert _cart(customer_client) == [("Greek Salad", 3, "37.50")]
    assert _cart(other_customer_client) == [("Greek Salad", 2, "25.00")]
    Cart.objects.filter(user=other_customer_user).delete()
    assert _cart(other_customer_client) == []
    assert _cart(customer_client) == [("Greek Salad", 3, "37.50")]


def test_a_line_moved_to_another_user_leaves_one_cart_and_joins_the_other(
    customer_client, customer_user, other_customer_client, other_customer_user, dish
):
    add_to_cart(customer_user, dish, 1)
    assert len(_cart(customer_client)) == 1
    assert _cart(other_customer_client) == []

    Cart.objects.filter(user=customer_user).update(user=other_customer_user)

    assert _cart(customer_client) == []
    assert _cart(other_customer_client) == [("Greek Salad", 1, "12.50")]


def test_a_dish_deleted_by_queryset_leaves_carts_and_order_lines_at_once(
    manager_client, customer_client, customer_user, other_customer_user, dish
):
    make_order(customer_user, [(dish, 1)])
    add_to_cart(other_customer_user, dish, 1)
    other_client = client_for(other_customer_user)
    assert _orders(manager_client)[0]["items"][0]["menuitem_id"] == dish.pk
    assert len(_cart(other_client)) == 1

    MenuItem.objects.filter(pk=dish.pk).delete()

    assert _orders(manager_client)[0]["items"][0]["menuitem_id"] is None
    assert _cart(other_client) == []
    assert "Greek Salad" not in _menu(customer_client)


def test_orders_written_by_queryset_show_on_the_next_page(manager_client, customer_user, dish):
    order = make_order(customer_user, [(dish, 2)])
    assert _orders(manager_client)[0]["state"] == "placed"
    assert manager_client.get(ORDERS).json()["count"] == 1

    Order.objects.filter(pk=order.pk).update(state=Order.State.ACCEPTED)
    assert _orders(manager_client)[0]["state"] == "accepted"
    OrderItem.objects.filter(order=order).update(quantity=5)
    assert _orders(manager_client)[0]["items"][0]["quantity"] == 5
    Order.objects.bulk_create([Order(user=customer_user, total="1.00", date=order.date)])
    assert manager_client.get(ORDERS).json()["count"] == 2
    Order.objects.filter(pk=order.pk).delete()
    assert [row["total"] for row in _orders(manager_client)] == ["1.00"]


def test_a_user_renamed_by_save_shows_on_their_orders(manager_client, customer_user, dish):
    make_order(customer_user, [(dish, 1)])
    assert _orders(manager_client)[0]["user"]["username"] == customer_user.username

    customer_user.username = "renamed"
    customer_user.save(update_fields=["username"])

    assert _orders(manager_client)[0]["user"]["username"] == "renamed"


def test_a_login_saves_the_user_without_forgetting_order_pages(customer_user, dish):
    make_order(customer_user, [(dish, 1)])
    version = caching._version(caching.ORDERS)

    customer_user.save(update_fields=["last_login"])

    assert caching._version(caching.ORDERS) == version


def test_a_group_added_in_the_shell_shows_in_the_next_order_page(
    token_client, manager_client, customer_user, dish
):
    driver = make_user("dina_driver")
    client = token_client(driver)
    order = make_order(customer_user, [(dish, 1)])
    assert _orders(client) == []

    driver.groups.add(Group.objects.get_or_create(name=roles.DELIVERY_CREW)[0])  # m2m_changed
    Order.objects.filter(pk=order.pk).update(delivery_crew=driver)

    assert [row["id"] for row in _orders(client)] == [order.pk]


@pytest.mark.django_db(transaction=True)
def test_a_committed_queryset_update_shows_in_the_next_read(api_client):
    dish = make_menu_item("Greek Salad", "12.50")
    assert _menu(api_client)["Greek Salad"]["price"] == "12.50"

    with transaction.atomic():
        MenuItem.objects.filter(pk=dish.pk).update(price=Decimal("8.00"))
        # Read inside the writing transaction: the change shows already.
        assert _menu(api_client)["Greek Salad"]["price"] == "8.00"

    assert _menu(api_client)["Greek Salad"]["price"] == "8.00"
