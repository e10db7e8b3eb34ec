"""Form bodies take the same defaults as JSON: a field a form leaves out takes its default.

Each writable resource is written once per body format (JSON, form-urlencoded, multipart)
WITHOUT its optional fields, and the stored row must hold the same defaults every time. DRF
reads an absent HTML-form boolean as False; here it must read as left out.
"""

from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model

from LittleLemonDRF import roles
from LittleLemonDRF.models import Cart, Category, MenuItem, Order, Rating, Webhook
from tests.factories import PASSWORD, add_to_cart, make_menu_item, make_order, make_user

User = get_user_model()

FORMATS = ["json", "form", "multipart"]


def send(client, method, path, data, fmt):
    """`data` (a dict; a list value is a repeated field) as a JSON, urlencoded or multipart body."""
    call = getattr(client, method.lower())
    if fmt == "form":
        body = urlencode(data, doseq=True)
        return call(path, body, content_type="application/x-www-form-urlencoded")
    return call(path, data, format=fmt)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_category_from_a_form_derives_its_slug(manager_client, fmt):
    response = send(manager_client, "POST", "/api/categories", {"title": "Soups"}, fmt)

    assert response.status_code == 201, response.content
    assert Category.objects.get(pk=response.json()["id"]).slug == "soups"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_menu_item_from_a_form_is_available_and_not_featured(manager_client, fmt):
    category = make_menu_item().category
    body = {"title": "Lemon Tart", "price": "6.50", "category_id": category.pk}

    response = send(manager_client, "POST", "/api/menu-items", body, fmt)

    assert response.status_code == 201, response.content
    item = MenuItem.objects.get(pk=response.json()["id"])
    assert (item.available, item.featured, item.stock) == (True, False, None)
    assert response.json()["available"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_menu_item_form_without_booleans_leaves_them_as_they_were(manager_client, fmt, method):
    item = make_menu_item(featured=True)
    body = {"price": "7.00"}
    if method == "PUT":
        body |= {"title": item.title, "category_id": item.category_id}

    response = send(manager_client, method, f"/api/menu-items/{item.pk}", body, fmt)

    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert (item.available, item.featured, str(item.price)) == (True, True, "7.00")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_form_can_still_switch_a_dish_off(manager_client, fmt):
    item = make_menu_item()

    response = send(
        manager_client, "PATCH", f"/api/menu-items/{item.pk}", {"available": "false"}, fmt
    )

    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert item.available is False


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_rating_from_a_form(customer_client, customer_user, fmt):
    item = make_menu_item()

    response = send(
        customer_client, "POST", "/api/ratings", {"menuitem_id": item.pk, "rating": 3}, fmt
    )

    assert response.status_code == 201, response.content
    assert Rating.objects.get(user=customer_user, menuitem=item).rating == 3


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["menuitem_id", "menuitem"])
def test_cart_line_from_a_form_holds_one(customer_client, customer_user, fmt, name):
    item = make_menu_item()

    response = send(customer_client, "POST", "/api/cart/menu-items", {name: item.pk}, fmt)

    assert response.status_code == 201, response.content
    assert Cart.objects.get(user=customer_user, menuitem=item).quantity == 1


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_order_from_an_empty_form_is_a_delivery_paid_in_cash(customer_client, customer_user, fmt):
    add_to_cart(customer_user, make_menu_item())

    response = send(customer_client, "POST", "/api/orders", {}, fmt)

    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["id"])
    assert (order.fulfilment, order.payment_method, order.note) == ("delivery", "cash", "")
    assert order.state == "placed"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["delivery_crew", "delivery_crew_id"])
def test_order_patch_form_without_status_assigns_and_keeps_it_open(
    manager_client, customer_user, crew_user, fmt, name
):
    order = make_order(customer_user)

    response = send(manager_client, "PATCH", f"/api/orders/{order.pk}", {name: crew_user.pk}, fmt)

    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert (order.delivery_crew_id, order.state) == (crew_user.pk, "placed")
    assert response.json()["status"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["delivery_crew", "delivery_crew_id"])
def test_order_put_form_without_status_is_refused_as_in_json(
    manager_client, customer_user, crew_user, fmt, name
):
    order = make_order(customer_user)

    response = send(manager_client, "PUT", f"/api/orders/{order.pk}", {name: crew_user.pk}, fmt)

    assert response.status_code == 400, response.content
    assert response.json() == {"status": ["This field is required."]}
    order.refresh_from_db()
    assert order.delivery_crew_id is None


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_order_put_form_with_both_fields_assigns(manager_client, customer_user, crew_user, fmt):
    order = make_order(customer_user)
    body = {"delivery_crew_id": crew_user.pk, "status": "false"}

    response = send(manager_client, "PUT", f"/api/orders/{order.pk}", body, fmt)

    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert (order.delivery_crew_id, order.state) == (crew_user.pk, "placed")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_user_registered_from_a_form_has_no_email(api_client, fmt):
    response = send(
        api_client, "POST", "/api/users", {"username": "formuser", "password": PASSWORD}, fmt
    )

    assert response.status_code == 201, response.content
    user = User.objects.get(username="formuser")
    assert (user.email, user.is_active, user.is_staff) == ("", True, False)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_webhook_from_a_form_takes_its_repeated_events(manager_client, settings, fmt):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    body = {"url": "http://127.0.0.1:9/hook", "events": ["order.created", "order.updated"]}

    response = send(manager_client, "POST", "/api/webhooks", body, fmt)

    assert response.status_code == 201, response.content
    webhook = Webhook.objects.get(pk=response.json()["id"])
    assert sorted(webhook.events) == ["order.created", "order.updated"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("path", "group"),
    [
        ("/api/groups/manager/users", roles.MANAGER),
        ("/api/groups/delivery-crew/users", roles.DELIVERY_CREW),
    ],
)
def test_group_member_added_from_a_form(manager_client, fmt, path, group):
    newcomer = make_user()

    response = send(manager_client, "POST", path, {"username": newcomer.username}, fmt)

    assert response.status_code == 201, response.content
    assert newcomer.groups.filter(name=group).exists()
