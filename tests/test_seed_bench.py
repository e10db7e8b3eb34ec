"""`manage.py seed_bench`: the benchmark's data set, at a tiny scale."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from rest_framework.authtoken.models import Token

from LittleLemonDRF import roles
from LittleLemonDRF.models import (
    Cart,
    Category,
    MenuItem,
    Order,
    Rating,
    Reservation,
    ServiceHours,
    Table,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def _bench_app(settings):
    # The command belongs to the bench app, which only bench.settings installs.
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]


def seed(*args):
    out = StringIO()
    call_command("seed_bench", "--scale=0.02", *args, stdout=out)
    return out.getvalue()


def test_seed_bench_creates_the_scaled_counts():
    output = seed()

    assert Category.objects.count() == 1
    assert MenuItem.objects.count() == 10
    assert User.objects.count() == 10
    assert Rating.objects.count() == 100
    assert Order.objects.count() == 400
    assert output.startswith("Seeded 1 categories, 10 menu items, 10 users, 100 ratings")
    assert len(output.strip().splitlines()) == 1


def test_seed_bench_orders_have_one_to_five_lines_and_their_sum_as_total():
    seed()

    orders = Order.objects.annotate(lines=Count("items"), line_sum=Sum("items__price"))
    assert {o.lines for o in orders} <= {1, 2, 3, 4, 5}
    assert all(o.total == o.line_sum for o in orders)
    assert orders.filter(delivery_crew__isnull=False).exists()
    assert orders.filter(status=True).exists()
    assert orders.values("date").distinct().count() > 1


def test_seed_bench_gives_the_bench_accounts_roles_tokens_orders_and_a_cart():
    seed()

    manager = User.objects.get(username="bench-manager-001")
    customer = User.objects.get(username="bench-customer-00001")
    assert manager.groups.filter(name=roles.MANAGER).exists()
    assert User.objects.filter(groups__name=roles.DELIVERY_CREW).exists()
    assert Token.objects.filter(user__in=[manager, customer]).count() == 2
    assert Order.objects.filter(user=customer).count() >= 20
    assert Cart.objects.filter(user=customer).count() == 3


def test_seed_bench_refuses_a_database_with_orders_unless_forced():
    seed()

    with pytest.raises(CommandError, match="already has orders"):
        seed()
    assert Order.objects.count() == 400

    seed("--force")
    assert Order.objects.count() == 400
    assert User.objects.count() == 10


def test_seed_bench_is_deterministic():
    seed()
    first = list(Order.objects.order_by("id").values_list("total", "date", "status"))

    seed("--force")
    again = list(Order.objects.order_by("id").values_list("total", "date", "status"))
    assert again == first


def test_seed_bench_fills_the_first_category_with_a_fifth_of_the_menu():
    seed("--scale=0.1")  # 5 categories, 50 dishes

    dishes = list(
        Category.objects.order_by("id").annotate(n=Count("menu_items")).values_list("n", flat=True)
    )
    assert dishes[0] == 10  # the category bench/run.py filters on
    assert sum(dishes) == 50
    assert all(n > 0 for n in dishes)


def test_seed_bench_sets_a_dining_room_of_40_tables_never_double_booked():
    seed()

    tables = Table.objects.all()
    assert tables.count() == 40
    assert ServiceHours.objects.filter(fulfilment="table").count() == 7
    held = Reservation.objects.filter(status__in=["confirmed", "seated"]).order_by("start")
    assert held.count() > 40 * 7
    by_table = {}
    for reservation in held:
        assert reservation.party_size <= reservation.table.seats
        previous = by_table.get(reservation.table_id)
        assert previous is None or previous.end <= reservation.start
        by_table[reservation.table_id] = reservation
