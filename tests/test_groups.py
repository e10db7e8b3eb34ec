"""Group membership endpoints: /api/groups/manager/users and /api/groups/delivery-crew/users."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from LittleLemonDRF import roles
from LittleLemonDRF.models import MenuItem
from tests.factories import make_category, make_user

User = get_user_model()

# (path prefix, group name): every contract rule holds for both groups.
GROUPS = [
    pytest.param("/api/groups/manager/users", roles.MANAGER, id="manager"),
    pytest.param("/api/groups/delivery-crew/users", roles.DELIVERY_CREW, id="delivery-crew"),
]


def _in_group(user, group_name) -> bool:
    return User.objects.filter(pk=user.pk, groups__name=group_name).exists()


@pytest.fixture
def manager_or_admin_client(request):
    """Indirect parametrisation: `manager` or `admin`."""
    return request.getfixturevalue(f"{request.param}_client")


BOTH_CALLERS = pytest.mark.parametrize(
    "manager_or_admin_client", ["manager", "admin"], indirect=True
)


# --- GET ------------------------------------------------------------------------------------


@BOTH_CALLERS
@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_or_admin_lists_group_members(manager_or_admin_client, path, group):
    first = make_user("member_one", groups=[group])
    second = make_user("member_two", groups=[group])
    make_user("outsider")

    response = manager_or_admin_client.get(path)

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    members = {row["id"]: row for row in body}
    assert members[first.pk] == {"id": first.pk, "username": "member_one", "email": first.email}
    assert members[second.pk]["username"] == "member_two"
    assert "outsider" not in {row["username"] for row in body}
    assert all(set(row) == {"id", "username", "email"} for row in body)


@pytest.mark.parametrize("role_client", ["customer", "crew"], indirect=True)
@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_customer_and_crew_cannot_list_group_members(role_client, path, group):
    response = role_client.get(path)

    assert response.status_code == 403
    assert "detail" in response.json()


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_anonymous_cannot_list_group_members(api_client, path, group, db):
    response = api_client.get(path)

    assert response.status_code == 401
    assert "detail" in response.json()
    assert response.has_header("WWW-Authenticate")


@pytest.mark.parametrize("role_client", ["customer", "crew"], indirect=True)
@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_customer_and_crew_cannot_add_group_members(role_client, path, group):
    target = make_user("hopeful")

    response = role_client.post(path, {"username": "hopeful"})

    assert response.status_code == 403
    assert not _in_group(target, group)


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_anonymous_cannot_add_group_members(api_client, path, group, db):
    target = make_user("hopeful")

    response = api_client.post(path, {"username": "hopeful"})

    assert response.status_code == 401
    assert not _in_group(target, group)


# --- POST -----------------------------------------------------------------------------------


@BOTH_CALLERS
@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_or_admin_adds_user_to_group(manager_or_admin_client, path, group):
    target = make_user("newbie")

    response = manager_or_admin_client.post(path, {"username": "newbie"})

    assert response.status_code == 201
    assert response.json() == {"id": target.pk, "username": "newbie", "email": target.email}
    assert _in_group(target, group)


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_adding_existing_member_gets_200(manager_client, path, group):
    target = make_user("already", groups=[group])

    response = manager_client.post(path, {"username": "already"})

    assert response.status_code == 200
    assert response.json()["id"] == target.pk
    assert _in_group(target, group)
    assert User.objects.filter(groups__name=group, pk=target.pk).count() == 1


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_adding_unknown_username_gets_404(manager_client, path, group):
    response = manager_client.post(path, {"username": "nobody_by_that_name"})

    assert response.status_code == 404
    assert "detail" in response.json()
    assert not User.objects.filter(username="nobody_by_that_name").exists()


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_adding_without_username_gets_400(manager_client, path, group):
    members_before = User.objects.filter(groups__name=group).count()

    response = manager_client.post(path, {})

    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.filter(groups__name=group).count() == members_before


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_adds_user_with_form_encoded_body(manager_client, path, group):
    target = make_user("formy")

    response = manager_client.post(
        path, "username=formy", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 201
    assert _in_group(target, group)


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_adds_user_with_trailing_slash(manager_client, path, group):
    target = make_user("slashy")

    response = manager_client.post(f"{path}/", {"username": "slashy"})

    assert response.status_code == 201
    assert _in_group(target, group)


# --- DELETE ---------------------------------------------------------------------------------


@BOTH_CALLERS
@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_or_admin_removes_member_by_id(manager_or_admin_client, path, group):
    target = make_user("leaving", groups=[group])

    response = manager_or_admin_client.delete(f"{path}/{target.pk}")

    assert response.status_code == 200
    assert isinstance(response.json()["detail"], str)
    assert not _in_group(target, group)
    assert User.objects.filter(pk=target.pk).exists()  # out of the group, not deleted


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_removing_unknown_user_id_gets_404(manager_client, path, group):
    ghost = make_user("ghost")
    ghost_id = ghost.pk
    ghost.delete()

    response = manager_client.delete(f"{path}/{ghost_id}")

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_removing_non_member_by_id_gets_404(manager_client, path, group):
    outsider = make_user("outsider")
    member = make_user("stays", groups=[group])

    response = manager_client.delete(f"{path}/{outsider.pk}")

    assert response.status_code == 404
    assert "detail" in response.json()
    assert _in_group(member, group)
    assert not _in_group(outsider, group)


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_removes_member_by_username_in_body(manager_client, path, group):
    target = make_user("bodyleaver", groups=[group])

    response = manager_client.delete(path, {"username": "bodyleaver"})

    assert response.status_code == 200
    assert "detail" in response.json()
    assert not _in_group(target, group)


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_removes_member_by_username_query_param(manager_client, path, group):
    target = make_user("queryleaver", groups=[group])

    response = manager_client.delete(f"{path}?username=queryleaver")

    assert response.status_code == 200
    assert "detail" in response.json()
    assert not _in_group(target, group)


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_removing_non_member_by_username_gets_404(manager_client, path, group):
    make_user("notmember")

    response = manager_client.delete(path, {"username": "notmember"})

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_removing_unknown_username_gets_404(manager_client, path, group):
    response = manager_client.delete(f"{path}?username=nobody_by_that_name")

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_manager_removing_without_username_gets_400(manager_client, path, group):
    member = make_user("stays", groups=[group])

    response = manager_client.delete(path)

    assert response.status_code == 400
    assert "username" in response.json()
    assert _in_group(member, group)


@pytest.mark.parametrize("role_client", ["customer", "crew"], indirect=True)
@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_customer_and_crew_cannot_remove_group_members(role_client, path, group):
    target = make_user("safe", groups=[group])

    response = role_client.delete(f"{path}/{target.pk}")

    assert response.status_code == 403
    assert _in_group(target, group)


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_anonymous_cannot_remove_group_members(api_client, path, group, db):
    target = make_user("safe", groups=[group])

    response = api_client.delete(f"{path}/{target.pk}")

    assert response.status_code == 401
    assert _in_group(target, group)


# --- Effect of membership ---------------------------------------------------------------------


def test_user_made_manager_through_api_can_create_menu_items(manager_client):
    promoted = make_user("promoted")
    category = make_category()

    response = manager_client.post("/api/groups/manager/users", {"username": "promoted"})
    assert response.status_code == 201

    # Group names are cached on user objects: load the user again for the new client.
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=promoted.pk))
    response = client.post(
        "/api/menu-items",
        {"title": "Promotion Pasta", "price": "11.00", "category_id": category.pk},
    )

    assert response.status_code == 201
    assert MenuItem.objects.filter(title="Promotion Pasta", category=category).exists()


def test_user_removed_from_manager_group_can_no_longer_create_menu_items(manager_client):
    demoted = make_user("demoted", groups=[roles.MANAGER])
    category = make_category()

    response = manager_client.delete(f"/api/groups/manager/users/{demoted.pk}")
    assert response.status_code == 200

    client = APIClient()
    client.force_authenticate(User.objects.get(pk=demoted.pk))
    response = client.post(
        "/api/menu-items", {"title": "Demoted Dish", "price": "11.00", "category_id": category.pk}
    )

    assert response.status_code == 403
    assert not MenuItem.objects.filter(title="Demoted Dish").exists()
