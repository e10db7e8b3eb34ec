"""`make serve`'s setup: the menu, the demo accounts and a demo kitchen to play a service."""

from io import StringIO

import pytest
from django.core.management import call_command

from LittleLemonDRF.models import MenuItem

pytestmark = pytest.mark.django_db


def _setup(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_menu", stdout=out)
    call_command("demo_accounts", stdout=out)
    return out.getvalue()


def test_demo_setup_counts_a_few_dishes_and_switches_one_off(settings, api_client):
    output = _setup(settings)

    counted = dict(MenuItem.objects.filter(stock__isnull=False).values_list("title", "stock"))
    assert counted == {"Grilled Fish": 6, "Lamb Souvlaki": 10, "Lemon Dessert": 8, "Baklava": 3}
    assert list(MenuItem.objects.filter(available=False).values_list("title", flat=True)) == [
        "Pasta Primavera"
    ]
    assert "Demo kitchen" in output
    menu = api_client.get("/api/menu-items?orderable=false").json()["results"]
    assert [dish["title"] for dish in menu] == ["Pasta Primavera"]


def test_demo_setup_run_again_keeps_what_was_sold(settings):
    _setup(settings)
    MenuItem.objects.filter(title="Baklava").update(stock=0)

    _setup(settings)

    assert MenuItem.objects.get(title="Baklava").stock == 0


def test_no_demo_kitchen_with_debug_off(settings):
    settings.DEBUG = False
    call_command("seed_menu", stdout=StringIO())
    call_command("demo_accounts", stdout=StringIO())

    assert not MenuItem.objects.filter(stock__isnull=False).exists()
    assert not MenuItem.objects.filter(available=False).exists()
