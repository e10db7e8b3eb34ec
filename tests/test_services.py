"""Direct tests of the business rules in LittleLemonDRF.services."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token

from LittleLemonDRF import roles, services
from LittleLemonDRF.errors import CartLineTooLarge, EmptyCart, NotDeliveryCrew
from LittleLemonDRF.models import Cart, Order
from tests.factories import add_to_cart, make_menu_item, make_order

User = get_user_model()

pytestmark = pytest.mark.django_db


# --- order_place --------------------------------------------------------------------------------


def test_order_place_with_empty_cart_raises_empty_cart(customer_user):
    with pytest.raises(EmptyCart):
        services.order_place(user=customer_user)

    assert not Order.objects.filter(user=customer_user).exists()


def test_order_place_copies_prices_and_empties_cart(customer_user):
    dish = make_menu_item("Pasta", "7.50")
    add_to_cart(customer_user, dish, 3)

    order, created = services.order_place(user=customer_user)

    assert created is True
    assert order.total == Decimal("22.50")
    assert order.status is False
    assert order.date == timezone.localdate()
    line = order.items.get()
    assert (line.title, line.unit_price, line.price, line.quantity) == (
        "Pasta",
        Decimal("7.50"),
        Decimal("22.50"),
        3,
    )
    assert not Cart.objects.filter(user=customer_user).exists()


def test_order_place_same_idempotency_key_twice_returns_first_order(customer_user):
    add_to_cart(customer_user, make_menu_item(price="4.00"))
    first, first_created = services.order_place(user=customer_user, idempotency_key="abc")
    add_to_cart(customer_user, make_menu_item(price="9.00"))

    again, again_created = services.order_place(user=customer_user, idempotency_key="abc")

    assert first_created is True
    assert again_created is False
    assert again.pk == first.pk
    assert Order.objects.filter(user=customer_user).count() == 1
    assert Cart.objects.filter(user=customer_user).count() == 1  # the retry left the cart alone


def test_order_place_expired_idempotency_key_places_new_order(customer_user):
    add_to_cart(customer_user, make_menu_item())
    first, _ = services.order_place(user=customer_user, idempotency_key="abc")
    Order.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - services.IDEMPOTENCY_WINDOW - datetime.timedelta(minutes=1)
    )
    add_to_cart(customer_user, make_menu_item())

    second, created = services.order_place(user=customer_user, idempotency_key="abc")

    assert created is True
    assert second.pk != first.pk
    assert Order.objects.filter(user=customer_user).count() == 2


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_order_place_rejects_bad_idempotency_key(customer_user, key):
    add_to_cart(customer_user, make_menu_item())

    with pytest.raises(services.BadIdempotencyKey):
        services.order_place(user=customer_user, idempotency_key=key)

    assert not Order.objects.filter(user=customer_user).exists()
    assert Cart.objects.filter(user=customer_user).count() == 1


# --- cart_add_item --------------------------------------------------------------------------


def test_cart_add_item_creates_a_new_line(customer_user):
    dish = make_menu_item()

    line, created = services.cart_add_item(user=customer_user, menuitem=dish, quantity=2)

    assert created is True
    assert line.quantity == 2
    assert Cart.objects.get(user=customer_user).pk == line.pk


def test_cart_add_item_merges_with_existing_line(customer_user):
    dish = make_menu_item()
    services.cart_add_item(user=customer_user, menuitem=dish, quantity=2)

    line, created = services.cart_add_item(user=customer_user, menuitem=dish, quantity=5)

    assert created is False
    assert line.quantity == 7
    assert Cart.objects.filter(user=customer_user).count() == 1


def test_cart_add_item_up_to_100_is_allowed(customer_user):
    dish = make_menu_item()
    services.cart_add_item(user=customer_user, menuitem=dish, quantity=99)

    line, _ = services.cart_add_item(user=customer_user, menuitem=dish, quantity=1)

    assert line.quantity == 100


def test_cart_add_item_past_100_raises_and_keeps_line(customer_user):
    dish = make_menu_item()
    services.cart_add_item(user=customer_user, menuitem=dish, quantity=99)

    with pytest.raises(CartLineTooLarge):
        services.cart_add_item(user=customer_user, menuitem=dish, quantity=2)

    assert Cart.objects.get(user=customer_user, menuitem=dish).quantity == 99


def test_cart_add_item_keeps_users_apart(customer_user, other_customer_user):
    dish = make_menu_item()
    services.cart_add_item(user=customer_user, menuitem=dish, quantity=3)

    _, created = services.cart_add_item(user=other_customer_user, menuitem=dish, quantity=1)

    assert created is True
    assert Cart.objects.get(user=customer_user).quantity == 3
    assert Cart.objects.get(user=other_customer_user).quantity == 1


# --- order_update ---------------------------------------------------------------------------


def test_order_update_rejects_non_crew_user(customer_user, other_customer_user):
    order = make_order(customer_user)

    with pytest.raises(NotDeliveryCrew):
        services.order_update(order=order, delivery_crew=other_customer_user)

    order.refresh_from_db()
    assert order.delivery_crew_id is None


def test_order_update_assigns_crew_and_status(customer_user, crew_user):
    order = make_order(customer_user)

    services.order_update(order=order, delivery_crew=crew_user, status=True)

    order.refresh_from_db()
    assert order.delivery_crew_id == crew_user.pk
    assert order.status is True


def test_order_update_with_none_unassigns(customer_user, crew_user):
    order = make_order(customer_user, delivery_crew=crew_user)

    services.order_update(order=order, delivery_crew=None)

    order.refresh_from_db()
    assert order.delivery_crew_id is None


# --- groups ---------------------------------------------------------------------------------


def test_group_add_user_reports_whether_it_added(customer_user):
    assert services.group_add_user(group_name=roles.DELIVERY_CREW, user=customer_user) is True
    assert services.group_add_user(group_name=roles.DELIVERY_CREW, user=customer_user) is False

    assert roles.is_delivery_crew(User.objects.get(pk=customer_user.pk))


def test_group_remove_user_reports_whether_it_removed(crew_user):
    assert services.group_remove_user(group_name=roles.DELIVERY_CREW, user=crew_user) is True
    assert services.group_remove_user(group_name=roles.DELIVERY_CREW, user=crew_user) is False

    assert not roles.is_delivery_crew(User.objects.get(pk=crew_user.pk))


# --- token_for_login --------------------------------------------------------------------------


def test_token_for_login_reuses_a_live_token(customer_user):
    first = services.token_for_login(user=customer_user)

    again = services.token_for_login(user=customer_user)

    assert again.key == first.key
    assert Token.objects.filter(user=customer_user).count() == 1


def test_token_for_login_replaces_an_expired_token(customer_user, settings):
    settings.TOKEN_TTL = datetime.timedelta(days=30)
    old = services.token_for_login(user=customer_user)
    Token.objects.filter(pk=old.pk).update(created=timezone.now() - datetime.timedelta(days=31))

    fresh = services.token_for_login(user=customer_user)

    assert fresh.key != old.key
    assert not Token.objects.filter(key=old.key).exists()
    assert Token.objects.get(user=customer_user).key == fresh.key


def test_token_for_login_never_expires_with_ttl_zero(customer_user, settings):
    settings.TOKEN_TTL = None
    old = services.token_for_login(user=customer_user)
    Token.objects.filter(pk=old.pk).update(created=timezone.now() - datetime.timedelta(days=400))

    again = services.token_for_login(user=customer_user)

    assert again.key == old.key
