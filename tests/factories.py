"""Plain factory functions: each makes one object with sensible defaults and returns it."""

import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from LittleLemonDRF import services
from LittleLemonDRF.models import Cart, Category, MenuItem, Order

User = get_user_model()
_seq = itertools.count(1)

PASSWORD = "Lemon-pass-2026!"


def make_user(username=None, *, groups=(), password=PASSWORD, **fields):
    user = User.objects.create_user(
        username=username or f"user{next(_seq)}",
        email=fields.pop("email", None) or f"u{next(_seq)}@example.com",
        password=password,
        **fields,
    )
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def make_category(title=None, slug=None):
    n = next(_seq)
    title = title or f"Category {n}"
    return services.category_save(category=Category(title=title, slug=slug or f"category-{n}"))


def make_menu_item(title=None, price="9.99", *, category=None, featured=False):
    item = MenuItem(
        title=title or f"Dish {next(_seq)}",
        price=Decimal(price),
        category=category or make_category(),
        featured=featured,
    )
    return services.menu_item_save(item=item)


def make_menu_items(count, *, category=None, price="5.00"):
    """Many dishes in one statement, for tests that need hundreds."""
    category = category or make_category()
    items = MenuItem.objects.bulk_create(
        MenuItem(title=f"Dish {next(_seq)}", price=Decimal(price), category=category)
        for _ in range(count)
    )
    return items


def make_rating(user, menuitem, rating=4):
    return services.rating_create(user=user, menuitem=menuitem, rating=rating)


def add_to_cart(user, menuitem, quantity=1):
    return Cart.objects.create(user=user, menuitem=menuitem, quantity=quantity)


def make_order(user, lines=None, *, delivery_crew=None, status=False) -> Order:
    """Place an order through the service, from a cart filled with `lines` [(item, qty)]."""
    for menuitem, quantity in lines or [(make_menu_item(), 1)]:
        add_to_cart(user, menuitem, quantity)
    order, _ = services.order_place(user=user)
    if delivery_crew is not None or status:
        services.order_update(order=order, delivery_crew=delivery_crew, status=status)
    return order


def client_for(user) -> APIClient:
    """A client that acts as `user` (force_authenticate); the user is kept on `client.user`."""
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


def gone_id(obj) -> int:
    """The id of an object that existed and was deleted: an id no row has."""
    pk = obj.pk
    obj.delete()
    return pk


def client_with_token(key: str) -> APIClient:
    """A client that sends `Authorization: Token <key>`, a key the test already has."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def client_with_bearer(access: str) -> APIClient:
    """A client that sends `Authorization: Bearer <access>`, a JWT access token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client
