"""Seed a realistic, deterministic data set for `make bench` into a fresh database."""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from LittleLemonDRF import roles
from LittleLemonDRF.models import (
    STOCK_MAX,
    Cart,
    Category,
    MenuItem,
    Order,
    OrderItem,
    Rating,
    Reservation,
    Restaurant,
    ServiceHours,
    SlotTaken,
    Table,
)

# bench/run.py reads the tokens of this manager and this customer (who has at least 25
# orders and three cart lines); the last WRITERS customers get tokens too, one per wrk
# connection of the write mix.
MANAGER_USERNAME = "bench-manager-001"
CUSTOMER_USERNAME = "bench-customer-00001"
WRITERS = 16
PASSWORD = "bench-Pass-2026!"
BATCH = 5000
# A restaurant does not grow new kinds of dish with its customers: categories do not scale up.
BASE = {"categories": 50, "items": 500, "ratings": 5000, "users": 500, "orders": 20000}
DISHES = "Lemon Tart|Greek Salad|Bruschetta|Grilled Fish|Lamb Souvlaki|Baklava|Pasta".split("|")
# The dining room: seats of the tables, in turn, and how past evenings ended.
TABLES = 40
TABLE_SEATS = (2, 2, 4, 4, 4, 6, 8, 2)
PAST_STATUSES = ("completed", "no_show", "cancelled")
KINDS = "Starters|Mains|Desserts|Drinks|Salads|Soups|Grill|Pasta|Sides|Specials".split("|")


@dataclass(frozen=True)
class Counts:
    categories: int
    items: int
    ratings: int
    users: int
    orders: int

    @classmethod
    def for_scale(cls, scale: float) -> "Counts":
        n = {key: max(1, round(base * scale)) for key, base in BASE.items()}
        n["categories"] = max(1, round(BASE["categories"] * min(scale, 1)))
        n["users"] = max(n["users"], 3)  # a manager, a crew member and a customer at least
        # One rating per (user, dish): there cannot be more ratings than pairs.
        n["ratings"] = min(n["ratings"], n["users"] * n["items"])
        return cls(**n)


class Command(BaseCommand):
    help = "Seed categories, dishes, users, ratings, carts and orders for the benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = 20,000 orders")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed a database that has orders: deletes every order, cart line, rating, "
            "dish and category, and the bench-* users, first",
        )

    def handle(self, *args, scale, seed, force, **options):
        if scale <= 0:
            raise CommandError("--scale must be > 0.")
        if Order.objects.exists() and not force:
            raise CommandError("This database already has orders; use a fresh one or --force.")
        counts = Counts.for_scale(scale)
        with transaction.atomic():
            if force:
                wipe()
            Seeder(random.Random(seed), counts).run()
        # Fresh planner statistics, as autovacuum would gather them in production: without
        # them the first minutes after a bulk load are planned blind (sequential scans).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"Seeded {counts.categories} categories, {counts.items} menu items, "
            f"{counts.users} users, {counts.ratings} ratings, {counts.orders} orders "
            f"({OrderItem.objects.count()} lines), {Cart.objects.count()} cart lines, "
            f"{Token.objects.count()} tokens."
        )


def wipe() -> None:
    Reservation.objects.all().delete()
    Table.objects.all().delete()
    SlotTaken.objects.all().delete()
    ServiceHours.objects.all().delete()
    OrderItem.objects.all().delete()
    Order.objects.all().delete()
    Cart.objects.all().delete()
    Rating.objects.all().delete()
    MenuItem.objects.all().delete()
    Category.objects.all().delete()
    get_user_model().objects.filter(username__startswith="bench-").delete()


class Seeder:
    """Builds the rows with one random.Random, so a seed always gives the same data."""

    def __init__(self, rng: random.Random, counts: Counts):
        self.rng, self.n = rng, counts
        self.today = timezone.localdate()

    def run(self) -> None:
        categories = self.categories()
        items = self.menu_items(categories)
        managers, crew, customers = self.users()
        self.ratings(managers + crew + customers, items)
        self.orders(customers, crew, items)
        self.carts(customers, items)
        self.tokens(managers[0], customers)
        self.pickup_slots()
        self.dining_room(customers)

    def pickup_slots(self) -> None:
        """Pickup at any hour, every day, in 15-minute slots of 20 places, a few of them taken
        over the next week: GET /api/slots has a full day of slots to judge. Delivery keeps no
        hours, so the write mix places its orders as before."""
        ServiceHours.objects.bulk_create(
            ServiceHours(
                fulfilment="pickup", weekday=day, opens="00:00", closes="24:00", capacity=20
            )
            for day in range(7)
        )
        midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        SlotTaken.objects.bulk_create(
            SlotTaken(
                fulfilment="pickup",
                start=midnight + timedelta(minutes=15 * i),
                taken=self.rng.randint(1, 20),
            )
            for i in range(0, 7 * 96, 3)
        )

    def dining_room(self, customers) -> None:
        """40 tables of 2 to 8 seats, reservations taken 12:00 to 23:00 every day, and a week
        behind and a week ahead of bookings: each table turned two or three times an evening,
        lunch at one in three, so GET /api/reservations/availability judges a day of 40 tables
        against about a hundred reservations. Tables and bookings do not scale: a restaurant
        does not get more tables with its customers."""
        tables = Table.objects.bulk_create(
            Table(name=f"Table {i + 1}", seats=TABLE_SEATS[i % len(TABLE_SEATS)])
            for i in range(TABLES)
        )
        ServiceHours.objects.bulk_create(
            ServiceHours(fulfilment="table", weekday=day, opens="12:00", closes="23:00")
            for day in range(7)
        )
        zone = ZoneInfo(Restaurant.load().timezone)
        today = timezone.localdate(timezone=zone)
        rows = []
        for offset in range(-7, 8):
            day = today + timedelta(days=offset)
            for table in tables:
                rows += self.table_day(table, day, zone, customers, past=offset < 0)
        Reservation.objects.bulk_create(rows, batch_size=BATCH)

    def table_day(self, table, day, zone, customers, *, past: bool) -> list[Reservation]:
        """One table's bookings of one day, one after another on the half-hour grid."""
        rng, rows = self.rng, []
        minute = 12 * 60 + 30 * rng.randint(0, 2) if rng.random() < 1 / 3 else 17 * 60
        minute += 30 * rng.randint(0, 3)
        while minute <= 21 * 60 + 30:
            start = datetime.combine(day, time(minute // 60, minute % 60), zone)
            guest = rng.choice(customers)
            status = "confirmed"
            if past:
                status = rng.choices(PAST_STATUSES, weights=(85, 5, 10))[0]
            rows.append(
                Reservation(
                    user_id=guest.pk,
                    name=guest.username,
                    party_size=rng.randint(max(1, table.seats - 2), table.seats),
                    start=start,
                    end=start + timedelta(minutes=90),
                    table_id=table.pk,
                    status=status,
                )
            )
            # The next party comes after this one leaves, or the table rests a while.
            minute += 90 + 30 * rng.randint(0, 4)
            if minute < 17 * 60:
                minute = 17 * 60 + 30 * rng.randint(0, 2)
        return rows

    def categories(self) -> list[Category]:
        titles = [
            f"{KINDS[i % len(KINDS)]} {i // len(KINDS) + 1}" for i in range(self.n.categories)
        ]
        rows = [Category(title=title, slug=slugify(title)) for title in titles]
        return Category.objects.bulk_create(rows, batch_size=BATCH)

    def menu_items(self, categories: list[Category]) -> list[MenuItem]:
        rows = [
            MenuItem(
                title=f"{self.rng.choice(DISHES)} {i + 1}",
                price=Decimal(self.rng.randint(200, 6000)) / 100,
                featured=self.rng.random() < 0.05,
                category=self.category_of(i, categories),
                # Every other dish counted, with more than any run sells: the write mix with
                # counted stock orders these, the plain one the others.
                stock=STOCK_MAX if i % 2 else None,
            )
            for i in range(self.n.items)
        ]
        return MenuItem.objects.bulk_create(rows, batch_size=BATCH)

    def category_of(self, i: int, categories: list[Category]) -> Category:
        """The first category holds a fifth of the menu, as mains do; the rest share the rest.

        Its filtered page (bench/run.py asks for 50 a page) is then full at every scale.
        """
        if i < self.n.items // 5 or len(categories) == 1:
            return categories[0]
        return categories[1 + i % (len(categories) - 1)]

    def users(self):
        """A few managers (1%) and delivery crew (2%); everyone else is a customer."""
        User = get_user_model()
        password = make_password(PASSWORD)  # hashed once: hashing 5,000 times takes minutes
        n_managers = max(1, self.n.users // 100)
        n_crew = max(1, self.n.users // 50)
        n_customers = self.n.users - n_managers - n_crew
        names = (
            [f"bench-manager-{i:03}" for i in range(1, n_managers + 1)]
            + [f"bench-crew-{i:03}" for i in range(1, n_crew + 1)]
            + [f"bench-customer-{i:05}" for i in range(1, n_customers + 1)]
        )
        users = User.objects.bulk_create(
            [
                User(username=name, email=f"{name}@bench.example", password=password)
                for name in names
            ],
            batch_size=BATCH,
        )
        managers, crew = users[:n_managers], users[n_managers : n_managers + n_crew]
        customers = users[n_managers + n_crew :]
        memberships = [(m, roles.MANAGER) for m in managers] + [
            (c, roles.DELIVERY_CREW) for c in crew
        ]
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.GROUPS}
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=groups[g].pk) for u, g in memberships]
        )
        return managers, crew, customers

    def ratings(self, users, items) -> None:
        # Distinct (user, dish) pairs, drawn as distinct numbers below users x dishes.
        pairs = self.rng.sample(range(len(users) * len(items)), self.n.ratings)
        rows = [
            Rating(
                user_id=users[p // len(items)].pk,
                menuitem_id=items[p % len(items)].pk,
                rating=self.rng.choices(range(6), weights=(1, 2, 4, 10, 20, 15))[0],
            )
            for p in pairs
        ]
        Rating.objects.bulk_create(rows, batch_size=BATCH)

    def orders(self, customers, crew, items) -> None:
        """Orders over the last year, most old ones assigned and delivered; 1 to 5 lines each.

        The first customer gets at least 25, so their first page of orders is full.
        """
        owners = [customers[0]] * min(25, self.n.orders)
        owners += self.rng.choices(customers, k=self.n.orders - len(owners))
        for start in range(0, self.n.orders, BATCH):
            batch, lines = [], []
            for owner in owners[start : start + BATCH]:
                order, order_lines = self.order(owner, crew, items)
                batch.append(order)
                lines.append(order_lines)
            Order.objects.bulk_create(batch)
            for order, order_lines in zip(batch, lines, strict=True):
                for line in order_lines:
                    line.order_id = order.pk
            OrderItem.objects.bulk_create([line for ls in lines for line in ls], batch_size=BATCH)

    def order(self, owner, crew, items) -> tuple[Order, list[OrderItem]]:
        rng = self.rng
        age = rng.randint(0, 364)
        lines = []
        for item in rng.sample(items, rng.randint(1, min(5, len(items)))):
            quantity = rng.randint(1, 3)
            lines.append(
                OrderItem(
                    menuitem_id=item.pk,
                    title=item.title,
                    quantity=quantity,
                    unit_price=item.price,
                    price=item.price * quantity,
                )
            )
        assigned = age > 0 and rng.random() < 0.7
        order = Order(
            user_id=owner.pk,
            delivery_crew_id=rng.choice(crew).pk if assigned else None,
            status=assigned and age > 1 and rng.random() < 0.9,
            total=sum(line.price for line in lines),
            date=self.today - timedelta(days=age),
        )
        return order, lines

    def carts(self, customers, items) -> None:
        """The first customer has three lines; one customer in ten has one to four."""
        # The write mix's customers (the last ones) start with empty carts.
        others = customers[1 : max(1, len(customers) - WRITERS)]
        shoppers = [customers[0]] + [c for c in others if self.rng.random() < 0.1]
        rows = []
        for i, user in enumerate(shoppers):
            dishes = self.rng.sample(
                items, min(3 if i == 0 else self.rng.randint(1, 4), len(items))
            )
            rows += [Cart(user=user, menuitem=d, quantity=self.rng.randint(1, 3)) for d in dishes]
        Cart.objects.bulk_create(rows, batch_size=BATCH)

    def tokens(self, manager, customers) -> None:
        writers = customers[1:][-WRITERS:]
        users = [manager, customers[0], *writers]
        Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
