"""make bench: requests per second of the main endpoints, against a bare-DRF floor.

Seeds a fresh database (`manage.py seed_bench`, under bench.settings), counts the queries of
each request in process, and starts two gunicorns through harness/servers.py with the same
settings (BENCH_WORKERS sync workers: 3 with Redis, 1 without; debug off, pinned to CPU 0,
on free ports): the app, and the floor (bench/floor, a project with one DRF view and nothing
else). wrk (pinned to CPU 1) loads the floor and each endpoint in turn for BENCH_SECONDS;
every figure is a ratio to the floor's requests/s of the same run, judged against the goals.
The one-request order places orders of three lines (one with a choice picked, counted stock)
with `items` in one POST each, beside the write mix's cart flow, in orders placed per second.
The during-writes reads (menu_during_writes, orders_during_writes) are loaded while the
counted write mix runs beside them on connections of its own, and are also given as a ratio
to the same read measured quiet (menu_anon, orders_manager).
Prints a table and writes bench/results/<date>-<db>[-x<scale>].json with a PNG chart.
BENCH_ONLY=name,... runs the floor, the in-app baseline and those endpoints only, and writes
nothing. Run it with `make bench` (`python -m bench.run` from the project folder).

SQLite in a temporary directory by default; with DATABASE_URL (PostgreSQL, a database whose
name contains "bench", dropped and created again) and REDIS_URL, PostgreSQL + Redis.
"""

import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from harness import servers

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "1"))
# Rounds over every endpoint, each figure the median of its rounds: one run on a shared
# machine can be 20% off, most often for the write mix. Interleaved, so the floor and the
# endpoints are measured over the same minutes.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
# With Redis, three sync workers on the one core the server gets: gunicorn's 2 x cores + 1
# and the production default (WEB_CONCURRENCY). One worker leaves the core idle while it waits
# on PostgreSQL and Redis, a quarter of the time in the write mix. Without Redis, one: the
# local-memory cache (response cache, throttle counts) is private to a process.
WORKERS = int(os.environ.get("BENCH_WORKERS", "3" if os.environ.get("REDIS_URL") else "1"))
# BENCH_ONLY=name,name runs the floor, the baseline and those endpoints, prints the table and
# writes no result files: for trying a change, not for the record.
ONLY = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
# Eight connections keep the one worker busy while wrk waits on answers. Reads use one wrk
# thread; the write mix one thread per connection, since each connection is its own customer.
CONNECTIONS = 8
# Throttling stays on (its cache reads and writes are part of every request) at the helper's
# lifted rates, which no benchmark reaches.
THROTTLE_RATE = servers.UNTHROTTLED
# The production gunicorn settings, as `make serve-prod` runs them, for the app and the floor
# alike. Both stay up for the whole run, each idle while the other is loaded, both on CPU 0:
# an idle gunicorn wakes about once a second, a fraction of a percent of the core, well
# inside the spread between rounds; stopping the floor between its turns would instead
# measure a cold server each round.
SERVER = servers.Gunicorn(
    workers=WORKERS, config="python:LittleLemon.gunicorn", options=("--worker-class=sync",)
)
FLOOR_SERVER = replace(SERVER, app="bench.floor.wsgi")
FLOOR_PATH = "/floor"
# The goals. A read, in requests/s as a ratio to the floor's in the same run (an orders page
# is 20 orders with their lines).
TARGETS = {"menu_anon": 0.70, "menu_token": 0.60, "menu_filtered": 0.55}
TARGETS |= {"orders_manager": 0.25, "orders_customer": 0.25, "cart": 0.50, "slots": 0.50}
TARGETS |= {"availability": 0.50}
# The write mix, in orders placed per second, on production's stack (PostgreSQL + Redis) only.
WRITE_MIX_TARGET = 150.0
# The 99th percentile latency of every read loaded on its own, at CONNECTIONS connections.
P99_LIMIT_MS = 25.0
SERVER_LOG = BENCH / "server.log"
SHORT = {
    "baseline": "in-app\nbaseline",
    "menu_anon": "menu\nanonymous",
    "menu_token": "menu\ntoken",
    "menu_filtered": "menu filtered\n(category, -price, 50)",
    "orders_manager": "orders\nmanager",
    "orders_customer": "orders\ncustomer",
    "cart": "cart\ncustomer",
    "slots": "slots\na day",
    "availability": "tables free\na day of 40",
    "write_mix": "write mix\n(3 adds + 1 order)",
    "write_mix_counted": "write mix,\ncounted stock",
    "one_request_order": "one-request\norder (3 lines,\ncounted stock)",
    "menu_during_writes": "menu\nanonymous\nwhile writing",
    "orders_during_writes": "orders\nmanager\nwhile writing",
}


@dataclass
class Endpoint:
    name: str
    label: str
    path: str
    token: str | None = None  # "manager", "customer", or None for anonymous
    # A read measured while the counted write mix runs beside it: the name of the same read
    # measured quiet, which its figures are compared with.
    quiet: str | None = None

    @property
    def write_mix(self) -> bool:
        """Writes that place orders, counted in orders placed per second."""
        return self.name.startswith("write_mix") or self.one_request

    @property
    def one_request(self) -> bool:
        """Orders placed in one request each, their lines in `items`."""
        return self.name == "one_request_order"

    @property
    def yardstick(self) -> bool:
        """The floor and the in-app baseline: what the endpoints are compared with."""
        return self.name in ("floor", "baseline")

    @property
    def read(self) -> bool:
        """A read loaded on its own at CONNECTIONS connections: the p99 goal applies."""
        return not (self.yardstick or self.write_mix or self.during_writes)

    @property
    def during_writes(self) -> bool:
        """Measured while the write mix (counted stock) runs beside it on its own connections."""
        return self.quiet is not None

    def dishes(self, fx: dict) -> list[int]:
        """The dishes the write mix adds: counted ones for the counted mix, else uncounted."""
        counted = self.name in ("write_mix_counted", "one_request_order")
        return fx["counted_items"] if counted else fx["items"]


def booking_day() -> str:
    """The day after tomorrow: booked by seed_bench, and wholly ahead in any restaurant's
    zone, so every start of it is judged."""
    return (date.today() + timedelta(days=2)).isoformat()


def endpoints(slug: str) -> list[Endpoint]:
    return [
        Endpoint("floor", "GET /floor (bare DRF, its own gunicorn)", FLOOR_PATH),
        Endpoint("baseline", "GET /api/bench/baseline (in-app)", "/api/bench/baseline"),
        Endpoint("menu_anon", "GET /api/menu-items (anonymous)", "/api/menu-items"),
        Endpoint("menu_token", "GET /api/menu-items (token)", "/api/menu-items", "customer"),
        Endpoint(
            "menu_filtered",
            "GET /api/menu-items?category&ordering&page_size=50",
            f"/api/menu-items?category={slug}&ordering=-price&page_size=50",
        ),
        Endpoint("orders_manager", "GET /api/orders (manager)", "/api/orders", "manager"),
        Endpoint("orders_customer", "GET /api/orders (customer)", "/api/orders", "customer"),
        Endpoint("cart", "GET /api/cart/menu-items (customer)", "/api/cart/menu-items", "customer"),
        Endpoint(
            "slots",
            "GET /api/slots?fulfilment=pickup (anonymous; a day of 96 slots)",
            "/api/slots?fulfilment=pickup",
        ),
        Endpoint(
            "availability",
            "GET /api/reservations/availability (anonymous; 40 tables)",
            f"/api/reservations/availability?date={booking_day()}&party_size=4",
        ),
        Endpoint("write_mix", "write mix: 3 cart adds + 1 order", "/api/orders", "writers"),
        Endpoint(
            "write_mix_counted",
            "write mix, counted stock: 3 cart adds + 1 order",
            "/api/orders",
            "writers",
        ),
        Endpoint(
            "one_request_order",
            "one-request order: 3 lines in items, counted stock",
            "/api/orders",
            "writers",
        ),
        Endpoint(
            "menu_during_writes",
            "GET /api/menu-items (anonymous) during writes",
            "/api/menu-items",
            quiet="menu_anon",
        ),
        Endpoint(
            "orders_during_writes",
            "GET /api/orders (manager) during writes",
            "/api/orders",
            "manager",
            quiet="orders_manager",
        ),
    ]


# --- Environment --------------------------------------------------------------------------


def ensure_wrk() -> str:
    if wrk := shutil.which("wrk"):
        return wrk
    apt = shutil.which("apt-get")
    if not apt or os.geteuid() != 0:
        sys.exit("make bench needs wrk: install it (apt-get install wrk, brew install wrk).")
    print("wrk is missing: installing it with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if subprocess.run([apt, "install", "-y", "wrk"], **quiet).returncode != 0:
        subprocess.run([apt, "update"], **quiet)
        if subprocess.run([apt, "install", "-y", "wrk"], **quiet).returncode != 0:
            sys.exit("make bench needs wrk, and `apt-get install -y wrk` failed: install it.")
    return shutil.which("wrk") or sys.exit("wrk was installed but is not on PATH.")


def fresh_database(workdir: Path) -> tuple[str, str]:
    """A URL of an empty database and its kind, sqlite or postgres."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}", "sqlite"
    replace_bench_database(url, "make bench runs on SQLite (leave it unset) or PostgreSQL.")
    return url, "postgres"


def replace_bench_database(url: str, not_postgres: str) -> None:
    """Drop and create the PostgreSQL database of `url`, only if its name says it is a bench's."""
    import dj_database_url

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        sys.exit(f"DATABASE_URL: {not_postgres}")
    if "bench" not in cfg["NAME"]:
        sys.exit(f"Refusing to drop database {cfg['NAME']!r}: its name must contain 'bench'.")
    servers.create_database(url, replace=True)


def server_env(database_url: str) -> dict[str, str]:
    """A production-like run under bench.settings, logging at production's level, INFO."""
    return servers.production_env(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL"),
        settings="bench.settings",
        throttle_rate=THROTTLE_RATE,
        log_level="INFO",
    )


def settle(database_url: str, db: str) -> None:
    """Write the bulk load out before measuring, so its disk writes do not land mid-run.

    Ten times the data is hundreds of megabytes of WAL: the checkpoints it triggers would
    otherwise write their pages out, paced over minutes, while the endpoints are measured.
    """
    if db == "postgres":
        import psycopg

        try:
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            print("  (no CHECKPOINT: the role needs pg_checkpoint; figures may be noisier)")
    os.sync()


def manage(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    print(servers.manage(env, *args), end="")
    return time.monotonic() - started


# --- In process: fixtures and queries per request -------------------------------------------


def fixtures() -> dict:
    """Tokens, a category slug and dish ids from the seeded database."""
    from rest_framework.authtoken.models import Token

    from bench.management.commands import seed_bench
    from LittleLemonDRF.models import Category, MenuItem

    tokens = dict(Token.objects.values_list("user__username", "key"))
    writers = [key for name, key in sorted(tokens.items()) if name.startswith("bench-customer-")]
    writers.remove(tokens[seed_bench.CUSTOMER_USERNAME])
    return {
        "manager": tokens[seed_bench.MANAGER_USERNAME],
        "customer": tokens[seed_bench.CUSTOMER_USERNAME],
        "writers": writers,
        "slug": Category.objects.order_by("id").values_list("slug", flat=True)[0],
        "items": _dishes(MenuItem.objects.filter(stock__isnull=True)),
        "counted_items": _dishes(MenuItem.objects.filter(stock__isnull=False)),
        "option": option_dish(),
    }


def option_dish() -> tuple[int, int]:
    """The dish the one-request order picks a choice on, and the choice: the first counted
    dish, given an "Extras" group (none to two of three) when it has none. Optional, so the
    cart flow's mix still adds the dish without picks."""
    from LittleLemonDRF import services
    from LittleLemonDRF.models import MenuItem, OptionChoice, OptionGroup

    dish = MenuItem.objects.filter(stock__isnull=False).order_by("id").first()
    if not OptionGroup.objects.filter(menuitem=dish).exists():
        extras = [
            {"name": name, "price_delta": delta}
            for name, delta in (("Extra cheese", 1), ("Bacon", "1.50"), ("Avocado", 2))
        ]
        group = OptionGroup(menuitem=dish, name="Extras", min=0, max=2)
        services.option_group_save(group=group, choices=extras)
    choice = OptionChoice.objects.filter(group__menuitem=dish).order_by("id").last()
    return dish.pk, choice.pk


def _dishes(menu) -> list[int]:
    return list(menu.order_by("id").values_list("id", flat=True)[:300])


def queries_per_request(endpoint: Endpoint, fx: dict) -> float:
    """Queries of one request after a warm-up one (one write-mix cycle: its mean)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    token = fx["writers"][-1] if endpoint.write_mix else fx.get(endpoint.token or "")
    client = Client(headers={"Authorization": f"Token {token}"} if token else {})
    client.defaults["HTTP_HOST"] = "127.0.0.1"
    steps = [("get", endpoint.path, None)]
    if endpoint.one_request:
        steps = [("post", "/api/orders", one_request_body(fx, 0))]
    elif endpoint.write_mix:
        steps = [
            ("post", "/api/cart/menu-items", {"menuitem_id": i, "quantity": 1})
            for i in endpoint.dishes(fx)[:3]
        ]
        steps.append(("post", "/api/orders", None))

    def run():
        for method, path, body in steps:
            if method == "get":
                response = client.get(path)
            else:
                response = client.post(path, body, content_type="application/json")
            if not 200 <= response.status_code < 300:
                answer = f"{response.status_code}: {response.content[:300]!r}"
                sys.exit(f"{method.upper()} {path} answered {answer}")

    run()
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured) / len(steps)


def one_request_body(fx: dict, turn: int) -> dict:
    """POST /api/orders's body in the one-request order (as bench/wrk/one_request_order.lua):
    the dish with options and its choice, and two more counted dishes taken in turn."""
    dish, choice = fx["option"]
    others = [i for i in fx["counted_items"] if i != dish]
    first, second = (others[(2 * turn + n) % len(others)] for n in range(2))
    items = [{"menuitem_id": dish, "quantity": 1, "choices": [choice]}]
    items += [{"menuitem_id": first, "quantity": 1}, {"menuitem_id": second, "quantity": 2}]
    return {"items": items}


# --- wrk ----------------------------------------------------------------------------------


def wrk(wrk_bin: str, url: str, endpoint: Endpoint, fx: dict, seconds: int, workdir: Path) -> dict:
    """One wrk run of the endpoint; a during-writes read runs with the counted write mix
    loading the server beside it, and its figures carry that mix's orders."""
    if not endpoint.during_writes:
        return _wait(_wrk(wrk_bin, url, endpoint, fx, seconds, workdir), endpoint)
    writes = next(e for e in endpoints(fx["slug"]) if e.name == "write_mix_counted")
    writer = _wrk(wrk_bin, url, writes, fx, seconds, workdir)
    reads = _wait(_wrk(wrk_bin, url, endpoint, fx, seconds, workdir), endpoint)
    return reads | {"orders_placed": _wait(writer, writes)["orders_placed"]}


def _wrk(wrk_bin, url, endpoint: Endpoint, fx: dict, seconds: int, workdir: Path):
    env = {**os.environ, "BENCH_WRK_DIR": str(BENCH / "wrk")}
    threads = 1
    if endpoint.write_mix:
        tokens = workdir / "writers.txt"
        tokens.write_text("\n".join(fx["writers"]) + "\n")
        dishes = ",".join(map(str, endpoint.dishes(fx)))
        env |= {"BENCH_TOKENS_FILE": str(tokens), "BENCH_ITEMS": dishes}
        threads, script = CONNECTIONS, "write_mix.lua"
        if endpoint.one_request:
            env["BENCH_OPTION"] = "{}:{}".format(*fx["option"])
            script = "one_request_order.lua"
    else:
        env["BENCH_TOKEN"] = fx[endpoint.token] if endpoint.token else ""
        script = "read.lua"
    command = [
        *servers.pinned(1),
        wrk_bin,
        f"-t{threads}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout=30s",
        "--latency",
        f"--script={BENCH / 'wrk' / script}",
        f"{url}{endpoint.path}",
    ]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait(process: subprocess.Popen, endpoint: Endpoint) -> dict:
    stdout, stderr = process.communicate()
    for line in stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.removeprefix("BENCH_RESULT "))
    sys.exit(f"wrk failed for {endpoint.path}:\n{stdout}\n{stderr}")


# --- Figures ------------------------------------------------------------------------------


@dataclass
class Figures:
    name: str
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    queries_per_request: float | None  # None for the floor, which is not the app
    rounds_per_second: list[float]
    ratio_to_floor: float = 0.0
    ratio_to_baseline: float = 0.0
    quiet: str | None = None  # a during-writes read: the same read measured quiet
    ratio_to_quiet: float | None = None  # ... and this one's requests/s over that one's
    orders_per_second: float | None = None
    target_ratio: float | None = None
    target_orders_per_second: float | None = None
    p99_limit_ms: float | None = None
    goals: dict[str, bool] = field(default_factory=dict)  # each goal of the endpoint: met?


def figures(
    endpoint: Endpoint, rounds: list[dict], queries: float | None, production: bool
) -> Figures:
    """The median round (by orders placed for the write mix); errors of every round.

    `production`: PostgreSQL + Redis, the stack the write mix's goal is set on.
    """

    def per_second(raw: dict) -> float:
        count = raw["orders_placed"] if endpoint.write_mix else raw["requests"]
        return count / (raw["duration_us"] / 1e6)

    ranked = sorted(rounds, key=per_second)
    raw = ranked[len(ranked) // 2]
    seconds = raw["duration_us"] / 1e6
    return Figures(
        name=endpoint.name,
        label=endpoint.label,
        requests_per_second=round(raw["requests"] / seconds, 1),
        p50_ms=round(raw["p50_us"] / 1000, 2),
        p99_ms=round(raw["p99_us"] / 1000, 2),
        requests=raw["requests"],
        non_2xx=sum(r["non2xx"] for r in rounds),
        socket_errors=sum(r["socket_errors"] + r["timeouts"] for r in rounds),
        queries_per_request=None if queries is None else round(queries, 2),
        rounds_per_second=[round(per_second(r), 1) for r in rounds],
        quiet=endpoint.quiet,
        orders_per_second=(
            round(raw["orders_placed"] / seconds, 1)
            if endpoint.write_mix or endpoint.during_writes
            else None
        ),
        target_ratio=TARGETS.get(endpoint.name),
        target_orders_per_second=(
            WRITE_MIX_TARGET
            if endpoint.name in ("write_mix", "one_request_order") and production
            else None
        ),
        p99_limit_ms=P99_LIMIT_MS if endpoint.read else None,
    )


def compare(rows: list[Figures]) -> None:
    """Each row's ratios to the floor, to the in-app baseline and, for a during-writes read,
    to the same read quiet (when it was measured too); and whether its goals hold."""
    by_name = {r.name: r for r in rows}
    floor = by_name["floor"].requests_per_second
    baseline = by_name["baseline"].requests_per_second
    for r in rows:
        r.ratio_to_floor = round(r.requests_per_second / floor, 3)
        r.ratio_to_baseline = round(r.requests_per_second / baseline, 3)
        if quiet := by_name.get(r.quiet):
            r.ratio_to_quiet = round(r.requests_per_second / quiet.requests_per_second, 3)
        if r.target_ratio is not None:
            r.goals[f"ratio >= {r.target_ratio:.2f}"] = r.ratio_to_floor >= r.target_ratio
        if r.p99_limit_ms is not None:
            r.goals[f"p99 < {r.p99_limit_ms:g} ms"] = r.p99_ms < r.p99_limit_ms
        if r.target_orders_per_second is not None:
            met = r.orders_per_second >= r.target_orders_per_second
            r.goals[f"orders/s >= {r.target_orders_per_second:g}"] = met


def missed_goals(rows: list[Figures]) -> list[str]:
    return [f"{r.name}: {goal}" for r in rows for goal, met in r.goals.items() if not met]


def print_table(rows: list[Figures]) -> None:
    print(
        f"\n{'endpoint':<52} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7} "
        f"{'queries':>7} {'÷floor':>7} {'÷in-app':>7}  {'rounds (req/s)':<20}  goals"
    )
    for r in rows:
        queries = "" if r.queries_per_request is None else f"{r.queries_per_request:.2f}"
        rounds = " / ".join(f"{x:.0f}" for x in r.rounds_per_second)
        goals = ", ".join(f"{g} {'pass' if met else 'FAIL'}" for g, met in r.goals.items())
        if r.name in ("write_mix", "one_request_order") and r.target_orders_per_second is None:
            goals = f"orders/s >= {WRITE_MIX_TARGET:g}: set on PostgreSQL + Redis only"
        print(
            f"{r.label:<52} {r.requests_per_second:>8.1f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} "
            f"{r.non_2xx:>7} {queries:>7} {r.ratio_to_floor:>7.3f} {r.ratio_to_baseline:>7.3f}"
            f"  {rounds:<20}  {goals}"
        )
        if r.orders_per_second is not None:
            placed = "  orders placed per second" + (" beside it" if r.quiet else "")
            print(f"{placed:<52} {r.orders_per_second:>8.1f}")
        if r.ratio_to_quiet is not None:
            print(f"{f'  ÷ the same read quiet ({r.quiet})':<52} {r.ratio_to_quiet:>8.3f}")
    judged = sum(len(r.goals) for r in rows)
    missed = missed_goals(rows)
    print(
        f"\nrounds: per second, orders for the write mix; the median is shown. "
        f"Goals met: {judged - len(missed)} of {judged}"
        + (f"; missed: {'; '.join(missed)}" if missed else "")
    )


def chart(rows: list[Figures], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r.name != "floor"]
    fig, ax = plt.subplots(figsize=(max(10, len(rows)), 5))  # an inch a bar keeps labels apart
    xs = list(range(len(rows)))
    bars = ax.bar(xs, [r.ratio_to_floor for r in rows], color="#4a7c59", width=0.6)
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle=":", label="bare-DRF floor")
    for x, r in zip(xs, rows, strict=True):
        if r.target_ratio:
            ax.hlines(r.target_ratio, x - 0.4, x + 0.4, colors="#c0392b", linestyles="--")
            ax.text(
                x + 0.42,
                r.target_ratio,
                f"{r.target_ratio:.2f}",
                va="center",
                fontsize=7,
                color="#c0392b",
            )
    ax.plot([], [], color="#c0392b", linestyle="--", label="target ratio")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_xticks(xs, [SHORT[r.name] for r in rows], fontsize=8)
    ax.set_ylabel("requests/s ÷ the floor's requests/s")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def machine() -> dict:
    """What the figures were measured on: they compare only within one machine."""
    from importlib.metadata import version

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "system": platform.platform(),
        "python": platform.python_version(),
        "django": version("django"),
        "djangorestframework": version("djangorestframework"),
        "gunicorn": version("gunicorn"),
    }


def git_commit() -> str:
    out = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip()


# --- Main ---------------------------------------------------------------------------------


def main() -> None:
    started = time.monotonic()
    wrk_bin = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="littlelemon-bench-"))
    try:
        run(wrk_bin, workdir, started)
    except servers.ServerFailed as error:
        sys.exit(f"{error}\n(the app server's whole log: {SERVER_LOG})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(wrk_bin: str, workdir: Path, started: float) -> None:
    database_url, db = fresh_database(workdir)
    env = server_env(database_url)
    # The in-process part (queries per request) runs under the server's environment exactly.
    os.environ.clear()
    os.environ.update(env)
    cache = "Redis" if env.get("REDIS_URL") else "local-memory cache"
    print(f"make bench: {db} + {cache}, scale {SCALE:g}, {SECONDS} s per endpoint")
    print(f"  throttling on, every THROTTLE_* lifted to {THROTTLE_RATE} so nothing answers 429")
    timings = {"migrate_s": manage(env, "migrate", "--noinput", "--verbosity=0")}
    timings["seed_s"] = manage(env, "seed_bench", f"--scale={SCALE:g}")
    settle(database_url, db)

    import django

    django.setup()
    logging.disable(logging.INFO)  # the request lines belong to the server's log, not here
    from django.db import connections

    fx = fixtures()
    plan = endpoints(fx["slug"])
    if ONLY:
        unknown = set(ONLY) - {e.name for e in plan}
        if unknown:
            sys.exit(f"BENCH_ONLY: no endpoint named {', '.join(sorted(unknown))}")
        plan = [e for e in plan if e.yardstick or e.name in ONLY]
    # The floor is another project: the app's settings cannot serve it in process.
    queries = {e.name: queries_per_request(e, fx) for e in plan if e.name != "floor"}
    connections.close_all()

    raw = {e.name: [] for e in plan}
    with (
        servers.running(env, command=SERVER, cpu=0, log=SERVER_LOG) as app,
        servers.running(
            env, command=FLOOR_SERVER, cpu=0, log=workdir / "floor.log", health=FLOOR_PATH
        ) as floor,
    ):
        for round_ in range(1, ROUNDS + 1):
            for endpoint in plan:
                print(f"  round {round_}/{ROUNDS}: {endpoint.label} ...", flush=True)
                url = floor.url if endpoint.name == "floor" else app.url
                if WARMUP and round_ == 1:
                    wrk(wrk_bin, url, endpoint, fx, WARMUP, workdir)
                raw[endpoint.name].append(wrk(wrk_bin, url, endpoint, fx, SECONDS, workdir))

    production = db == "postgres" and bool(env.get("REDIS_URL"))
    rows = [figures(e, raw[e.name], queries.get(e.name), production) for e in plan]
    compare(rows)
    print_table(rows)
    if ONLY:
        return

    suffix = "" if SCALE == 1 else f"-x{SCALE:g}"
    stem = f"{date.today().isoformat()}-{db}{suffix}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    timings["total_s"] = time.monotonic() - started
    result = {
        "date": date.today().isoformat(),
        "database": db,
        "cache": "redis" if env.get("REDIS_URL") else "locmem",
        "scale": SCALE,
        "seconds_per_endpoint": SECONDS,
        "rounds": ROUNDS,
        "commit": git_commit(),
        "machine": machine(),
        "server": f"gunicorn, {WORKERS} sync worker(s), debug off"
        + (", CPU 0" if servers.pinned(0) else ""),
        "floor": f"{FLOOR_SERVER.app} under the same gunicorn settings, up beside the app and "
        "idle while the app is loaded: one DRF APIView, startproject's middleware, "
        "no authentication, permission or throttle classes, the JSON renderer only",
        "load": f"wrk -c{CONNECTIONS}, -t1 for reads, -t{CONNECTIONS} for the write mix"
        + (", CPU 1" if servers.pinned(1) else ""),
        "throttle_rates": THROTTLE_RATE,
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "goals_missed": missed_goals(rows),
        "endpoints": [asdict(r) for r in rows],
    }
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    chart(
        rows,
        f"Little Lemon API, {db}, scale {SCALE:g}, {stem[:10]}: ratio to the bare-DRF floor",
        RESULTS / f"{stem}.png",
    )
    print(
        f"\nseed {timings['seed_s']:.1f} s, total {timings['total_s']:.0f} s; "
        f"wrote bench/results/{stem}.json and .png"
    )
    problems = [r.label for r in rows if r.non_2xx or r.socket_errors]
    if problems:
        sys.exit(f"non-2xx answers or socket errors: {', '.join(problems)} (see {SERVER_LOG})")


if __name__ == "__main__":
    main()
