"""make bench-stream: the order stream under load, in the production configuration.

A fresh PostgreSQL database (DATABASE_URL, a name containing "bench", dropped and created
again) seeded by `seed_bench --scale=0.1`, Redis (REDIS_URL, its database emptied first), the
API on gunicorn (3 sync workers, production's settings) and the stream on uvicorn
(STREAM_WORKERS, 1), both pinned to CPU 0 with throttles lifted. This process, pinned to
CPU 1 like wrk, opens STREAM_SUBSCRIBERS (1000) streams as a manager, waits until each has
its first `: keep-alive`, then places STREAM_ORDERS (30) orders as a customer, one every
STREAM_PACE seconds (0.2), and times each order's `order.created` at every subscriber from
the moment its POST answered 201 (by then it has committed). Last, wrk loads each of two
reads, the anonymous menu and the manager's orders page (bench/run.py's menu_anon and
orders_manager), for BENCH_SECONDS (10) before the streams open, while they are open, and
after they close; each read's ratio is "while" over the mean of the two others. Prints a table
and writes bench/results/<date>-stream.json with a PNG chart; the servers' logs go to the
temporary directory it prints. Run it with `make bench-stream`.
"""

import asyncio
import http.client
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bench import run as bench
from harness import servers

DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/littlelemon_bench_stream"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6")
SUBSCRIBERS = int(os.environ.get("STREAM_SUBSCRIBERS", "1000"))
ORDERS = int(os.environ.get("STREAM_ORDERS", "30"))
PACE = float(os.environ.get("STREAM_PACE", "0.2"))
STREAM_WORKERS = int(os.environ.get("STREAM_WORKERS", "1"))
SECONDS = bench.SECONDS
SCALE = 0.1  # 2,000 orders: the stream reads new events only, the table's size is beside it
# Streams opened at once: enough to connect 1000 in seconds, few enough for the listen backlog.
CONNECT_AT_ONCE = 100
CONNECT_TIMEOUT = 60  # seconds for every stream to get its first keep-alive
ARRIVAL_TIMEOUT = 10  # seconds after the last order for its event to reach everyone
GOAL_P99_MS = 1000
GOAL_RATIO = 0.80  # for each read: requests/s with the streams open over without
API_SERVER = servers.Gunicorn(
    workers=3, config="python:LittleLemon.gunicorn", options=("--worker-class=sync",)
)
STREAM_SERVER = servers.Uvicorn(workers=STREAM_WORKERS)
# The reads loaded before, with and after the streams, as bench/run.py defines them (neither
# is the filtered menu, so no category slug is needed). Their tokens come from ACCOUNTS.
READS = [e for e in bench.endpoints(slug="") if e.name in ("menu_anon", "orders_manager")]
PHASES = ("before", "with", "after")
LOGS = Path(tempfile.gettempdir()) / "littlelemon-bench-stream"
# The tokens of seed_bench's manager and of its last customer (one of the write mix's, whose
# cart starts empty), and a dish without counted stock.
ACCOUNTS = """
import json
from rest_framework.authtoken.models import Token
from bench.management.commands import seed_bench
from LittleLemonDRF.models import MenuItem

tokens = dict(Token.objects.values_list("user__username", "key"))
customers = sorted(n for n in tokens if n.startswith("bench-customer-"))
dishes = MenuItem.objects.filter(stock__isnull=True).order_by("id")
print(json.dumps({
    "manager": tokens[seed_bench.MANAGER_USERNAME],
    "customer": tokens[customers[-1]],
    "dish": dishes.values_list("id", flat=True).first(),
}))
"""


# --- Subscribers --------------------------------------------------------------------------


@dataclass(eq=False)
class Subscriber:
    """One open stream: when each order's `order.created` arrived (monotonic seconds)."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    arrivals: dict[int, float] = field(default_factory=dict)
    closed: str | None = None  # why the stream ended early
    task: asyncio.Task | None = None

    async def pump(self, chunked: bool) -> None:
        buffer, fields = b"", {}
        try:
            while data := await (self._chunk() if chunked else self.reader.read(65536)):
                now = time.monotonic()
                *lines, buffer = (buffer + data).split(b"\n")
                for line in lines:
                    self._line(line.rstrip(b"\r"), fields, now)
            self.closed = "the server closed the stream"
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            self.closed = f"{type(error).__name__}: {error}"

    async def _chunk(self) -> bytes:
        """One chunk of a `Transfer-Encoding: chunked` body; b"" at its end."""
        size = int((await self.reader.readline()).split(b";")[0], 16)
        data = await self.reader.readexactly(size + 2)
        return data[:-2]

    def _line(self, line: bytes, fields: dict, now: float) -> None:
        if line.startswith(b":"):
            self.connected.set()
        elif line:
            name, _, value = line.partition(b": ")
            fields[name] = value
        elif fields:
            if fields.get(b"event") == b"order.created":
                self.arrivals[json.loads(fields[b"data"])["id"]] = now
            fields.clear()

    def close(self) -> None:
        if self.task:
            self.task.cancel()
        self.writer.close()


async def subscribe(port: int, token: str) -> Subscriber:
    """A stream opened as `token`, reading on a task of its own once the headers are in."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
    writer.write(
        f"GET /api/orders/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Token {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    status = await reader.readline()
    headers = []
    while (line := await reader.readline()) not in (b"\r\n", b""):
        headers.append(line.decode("latin-1").strip().lower())
    if b" 200 " not in status:
        writer.close()
        raise ConnectionError(f"answered {status.decode('latin-1').strip()}")
    subscriber = Subscriber(reader, writer)
    chunked = "transfer-encoding: chunked" in headers
    subscriber.task = asyncio.get_running_loop().create_task(subscriber.pump(chunked))
    return subscriber


async def open_streams(port: int, token: str, count: int) -> tuple[list[Subscriber], Counter]:
    """`count` streams, CONNECT_AT_ONCE at a time; those that got their first keep-alive,
    and why the others failed."""
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    failures: Counter = Counter()

    async def one() -> Subscriber | None:
        async with gate:
            subscriber = None
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT):  # for the answer and the keep-alive
                    subscriber = await subscribe(port, token)
                    await subscriber.connected.wait()
                return subscriber
            except TimeoutError:
                if subscriber:
                    subscriber.close()
                failures[f"no answer or no keep-alive within {CONNECT_TIMEOUT} s"] += 1
            except OSError as error:
                failures[f"{type(error).__name__}: {error}"[:120]] += 1
            return None

    opened = await asyncio.gather(*(one() for _ in range(count)))
    return [s for s in opened if s is not None], failures


# --- Orders -------------------------------------------------------------------------------


@dataclass
class Placed:
    order_id: int
    sent: float  # monotonic seconds when the POST went out
    answered: float  # ... and when its 201 came back: the order has committed by then


class Customer:
    """A customer placing orders through the API on one kept-alive connection."""

    def __init__(self, port: int, token: str, dish: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token, self.dish = token, dish

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        payload = None if body is None else json.dumps(body)
        if payload:
            headers["Content-Type"] = "application/json"
        self.conn.request("POST", path, body=payload, headers=headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read() or b"null")

    def place(self) -> Placed:
        status, body = self.post("/api/cart/menu-items", {"menuitem_id": self.dish, "quantity": 1})
        if status not in (200, 201):
            raise OrderFailed(f"POST /api/cart/menu-items answered {status}: {body}")
        sent = time.monotonic()
        status, body = self.post("/api/orders")
        answered = time.monotonic()
        if status != 201:
            raise OrderFailed(f"POST /api/orders answered {status}: {body}")
        return Placed(body["id"], sent, answered)


class OrderFailed(Exception):
    """The API refused or failed an order: counted, and the run goes on."""


async def place_orders(customer: Customer, count: int) -> tuple[list[Placed], Counter]:
    """`count` orders, one every PACE seconds (or at once after a slower one); those placed,
    and why the others failed."""
    placed, failures, start = [], Counter(), time.monotonic()
    for i in range(count):
        await asyncio.sleep(max(0, start + i * PACE - time.monotonic()))
        try:
            placed.append(await asyncio.to_thread(customer.place))
        except (OrderFailed, OSError, http.client.HTTPException) as error:
            failures[str(error)[:120]] += 1
            customer.conn.close()  # a fresh connection for the next one
    return placed, failures


async def await_arrivals(subscribers: list[Subscriber], placed: list[Placed]) -> None:
    """Until every subscriber has every order's event, or ARRIVAL_TIMEOUT has passed."""
    wanted = {p.order_id for p in placed}
    deadline = time.monotonic() + ARRIVAL_TIMEOUT
    while time.monotonic() < deadline:
        if all(wanted <= s.arrivals.keys() for s in subscribers):
            return
        await asyncio.sleep(0.1)


# --- Figures ------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile of some values."""
    ranked = sorted(values)
    return ranked[max(0, min(len(ranked) - 1, round(pct / 100 * len(ranked) + 0.5) - 1))]


def latencies(subscribers: list[Subscriber], placed: list[Placed]) -> dict:
    """Milliseconds from each order's 201 (and from its POST going out) to each arrival."""
    from_201, from_post, missing = [], [], 0
    for s in subscribers:
        for p in placed:
            if (at := s.arrivals.get(p.order_id)) is None:
                missing += 1
                continue
            from_201.append((at - p.answered) * 1000)
            from_post.append((at - p.sent) * 1000)
    post_ms = [(p.answered - p.sent) * 1000 for p in placed]
    return {
        "pairs": len(subscribers) * len(placed),
        "missing": missing,
        "from_201_ms": _summary(from_201),
        "from_post_ms": _summary(from_post),
        "post_orders_ms": _summary(post_ms),
        "samples_from_201_ms": [round(x, 1) for x in from_201],
    }


def _summary(values: list[float]) -> dict:
    """p50, p99 and max in milliseconds; None for each when nothing arrived."""
    if not values:
        return dict.fromkeys(("p50", "p99", "max"))
    return {
        "p50": round(percentile(values, 50), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values), 1),
    }


def _ms(value: float | None, width: int = 8) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.1f}"


def read_each(wrk_bin: str, url: str, accounts: dict, workdir: Path, seconds: int) -> dict:
    """One wrk run of each read in turn, as bench/run.py measures it: req/s, p50, p99."""
    figures = {}
    for endpoint in READS:
        raw = bench.wrk(wrk_bin, url, endpoint, accounts, seconds, workdir)
        figures[endpoint.name] = {
            "requests_per_second": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
            "p50_ms": round(raw["p50_us"] / 1000, 2),
            "p99_ms": round(raw["p99_us"] / 1000, 2),
            "non_2xx": raw["non2xx"],
            "socket_errors": raw["socket_errors"] + raw["timeouts"],
        }
    return figures


def by_read(phases: dict[str, dict]) -> dict:
    """Each read's figures before, with and after the streams, and its ratio: requests/s
    with the streams open over the mean of before and after."""
    reads = {}
    for endpoint in READS:
        read = {"label": endpoint.label} | {p: phases[p][endpoint.name] for p in PHASES}
        without = (read["before"]["requests_per_second"] + read["after"]["requests_per_second"]) / 2
        read["ratio"] = round(read["with"]["requests_per_second"] / without, 3)
        reads[endpoint.name] = read
    return reads


def process_usage(pid: int) -> dict:
    """Resident memory (MiB) and thread count of the stream server's process, from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "rss_mib": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
        "threads": int(fields["Threads"]),
    }


def database_connections(url: str) -> int:
    """Connections open to the benchmark's database, as PostgreSQL counts them."""
    import dj_database_url
    import psycopg

    name = dj_database_url.parse(url)["NAME"]
    with psycopg.connect(url, autocommit=True) as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        return conn.execute(query, [name]).fetchone()[0] - 1  # this one left out


def print_table(result: dict) -> None:
    lat = result["latency"]
    f201, fpost = lat["from_201_ms"], lat["from_post_ms"]
    print(f"\nsubscribers connected   {result['subscribers']['connected']} of {SUBSCRIBERS}")
    for reason, count in result["subscribers"]["failures"].items():
        print(f"  failed: {count} x {reason}")
    print(f"orders placed           {len(result['orders'])} of {ORDERS}, one every {PACE:g} s")
    for reason, count in result["order_failures"].items():
        print(f"  failed: {count} x {reason}")
    print(f"events missing          {lat['missing']} of {lat['pairs']} (subscriber, order) pairs")
    print(f"{'delivery latency, ms':<24}{'p50':>8}{'p99':>8}{'max':>8}")
    for label, s in (("  from the 201", f201), ("  from the POST", fpost)):
        print(f"{label:<24}{_ms(s['p50'])}{_ms(s['p99'])}{_ms(s['max'])}")
    post = lat["post_orders_ms"]
    print(f"{'  POST /api/orders':<24}{_ms(post['p50'])}{_ms(post['p99'])}{_ms(post['max'])}")
    print(f"{'reads':<24}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}")
    for read in result["reads"].values():
        print(f"  {read['label']}")
        for phase in PHASES:
            r = read[phase]
            rps, p50, p99 = r["requests_per_second"], r["p50_ms"], r["p99_ms"]
            print(f"{f'    {phase} the streams':<24}{rps:>8.1f}{p50:>8.2f}{p99:>8.2f}")
        print(f"    ratio (with / mean of without)  {read['ratio']:.3f}  (goal >= {GOAL_RATIO})")
    usage = result["stream_server_open"]
    print(f"stream server with the streams open: {usage}")


def chart(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = sorted(result["latency"]["samples_from_201_ms"])
    reads = result["reads"]
    fig, (cdf, bars) = plt.subplots(1, 2, figsize=(11, 4.5), width_ratios=(3, 2))
    if samples:
        cdf.plot(samples, [(i + 1) / len(samples) for i in range(len(samples))], color="#4a7c59")
    else:
        cdf.text(0.5, 0.5, "no event arrived", transform=cdf.transAxes, ha="center")
    cdf.axvline(GOAL_P99_MS, color="#c0392b", linestyle="--", linewidth=1, label="goal: p99 < 1 s")
    cdf.axhline(0.99, color="grey", linestyle=":", linewidth=0.8)
    cdf.set_xlabel("order committed (201) → its event at a subscriber, ms")
    cdf.set_ylabel("share of (subscriber, order) pairs")
    cdf.set_title(
        f"{result['subscribers']['connected']} of {result['subscribers']['requested']} "
        f"subscribers × {len(result['orders'])} orders: "
        f"p50 {_ms(result['latency']['from_201_ms']['p50'], 0)} ms, "
        f"p99 {_ms(result['latency']['from_201_ms']['p99'], 0)} ms, "
        f"{result['latency']['missing']} of {result['latency']['pairs']} events missing",
        fontsize=9,
    )
    cdf.legend(loc="lower right", fontsize=8)
    phases = (
        ("before", -0.27, "#9bb7a4", "no streams (before)"),
        ("with", 0, "#4a7c59", f"{result['subscribers']['connected']} streams open"),
        ("after", 0.27, "#c9dbcf", "no streams (after)"),
    )
    xs = range(len(reads))
    for phase, offset, color, label in phases:
        values = [read[phase]["requests_per_second"] for read in reads.values()]
        at = [x + offset for x in xs]
        drawn = bars.bar(at, values, 0.25, label=label, color=color)
        bars.bar_label(drawn, fmt="%.0f", fontsize=7)
    ticks = [f"{bench.SHORT[name]}\nratio {read['ratio']:.2f}" for name, read in reads.items()]
    bars.set_xticks(list(xs), ticks, fontsize=8)
    bars.set_ylabel("requests/s")
    bars.legend(loc="upper right", fontsize=7)
    bars.set_title(f"reads: with the streams ÷ without (goal ≥ {GOAL_RATIO:.2f})", fontsize=9)
    fig.suptitle(f"Little Lemon order stream under load, {result['date']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- Main ---------------------------------------------------------------------------------


def fresh_database() -> None:
    bench.replace_bench_database(
        DATABASE_URL, "make bench-stream runs on PostgreSQL, production's."
    )


def empty_redis() -> None:
    """Cached menu pages of an earlier run carry the same versions as this run's: drop them."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    if min(needed, hard) < needed:
        print(f"  open-file limit {hard} < {needed}: some streams will fail to open")


def main() -> None:
    wrk_bin = bench.ensure_wrk()
    if len(servers.pinned(1)) and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})  # this process beside wrk, away from the servers
    raise_file_limit(SUBSCRIBERS + 256)
    LOGS.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="littlelemon-bench-stream-"))
    try:
        run(wrk_bin, workdir)
    except servers.ServerFailed as error:
        sys.exit(f"{error}\n(the servers' logs: {LOGS})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(wrk_bin: str, workdir: Path) -> None:
    fresh_database()
    empty_redis()
    # Every subscriber is the same manager: their limit of open streams is lifted to fit.
    env = bench.server_env(DATABASE_URL) | {
        "REDIS_URL": REDIS_URL,
        "STREAM_MAX_PER_USER": str(SUBSCRIBERS),
    }
    print(f"make bench-stream: PostgreSQL + Redis, {SUBSCRIBERS} subscribers, {ORDERS} orders")
    bench.manage(env, "migrate", "--noinput", "--verbosity=0")
    bench.manage(env, "seed_bench", f"--scale={SCALE:g}")
    accounts = json.loads(servers.manage(env, "shell", "-c", ACCOUNTS).strip().splitlines()[-1])
    api = servers.start(env, command=API_SERVER, cpu=0, log=LOGS / "gunicorn.log")
    stream = servers.start(env, command=STREAM_SERVER, cpu=0, log=LOGS / "uvicorn.log")
    try:
        api.wait_healthy()
        stream.wait_healthy()
        result = asyncio.run(measure(wrk_bin, api, stream, accounts, workdir))
    finally:
        servers.stop(api, stream)
    report(result)


async def measure(wrk_bin, api: servers.Server, stream: servers.Server, accounts, workdir):
    def reads(seconds: int = SECONDS) -> dict:
        return read_each(wrk_bin, api.url, accounts, workdir, seconds)

    print(f"  reads without streams ({len(READS)} x {SECONDS} s) ...", flush=True)
    await asyncio.to_thread(reads, bench.WARMUP or 1)
    phases = {"before": await asyncio.to_thread(reads)}
    idle = {**process_usage(stream.process.pid), "db_connections": _connections()}

    print(f"  opening {SUBSCRIBERS} streams ...", flush=True)
    started = time.monotonic()
    subscribers, failures = await open_streams(stream.port, accounts["manager"], SUBSCRIBERS)
    opened_s = time.monotonic() - started
    print(f"  {len(subscribers)} open in {opened_s:.1f} s; placing {ORDERS} orders ...", flush=True)
    usage = {**process_usage(stream.process.pid), "db_connections": _connections()}
    customer = Customer(api.port, accounts["customer"], accounts["dish"])
    placed, order_failures = await place_orders(customer, ORDERS)
    await await_arrivals(subscribers, placed)
    early = Counter(s.closed for s in subscribers if s.closed)

    print(f"  reads with the streams open ({len(READS)} x {SECONDS} s) ...", flush=True)
    phases["with"] = await asyncio.to_thread(reads)
    for s in subscribers:
        s.close()
    await asyncio.sleep(2)  # the server notices the closed streams and lets them go
    print(f"  reads after closing them ({len(READS)} x {SECONDS} s) ...", flush=True)
    phases["after"] = await asyncio.to_thread(reads)
    return {
        "subscribers": {
            "requested": SUBSCRIBERS,
            "connected": len(subscribers),
            "open_seconds": round(opened_s, 1),
            "failures": dict(failures),
            "closed_early": dict(early),
        },
        "stream_server_idle": idle,
        "stream_server_open": usage,
        "orders": [p.order_id for p in placed],
        "order_failures": dict(order_failures),
        "latency": latencies(subscribers, placed),
        "reads": by_read(phases),
    }


def _connections() -> int | None:
    try:
        return database_connections(DATABASE_URL)
    except Exception:  # a diagnostic only: the figures do not depend on it
        return None


def report(result: dict) -> None:
    today = date.today().isoformat()
    result = {
        "date": today,
        "commit": bench.git_commit(),
        "machine": {"cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count()},
        "servers": f"gunicorn, 3 sync workers + uvicorn, {STREAM_WORKERS} worker(s), debug off"
        + (", CPU 0" if servers.pinned(0) else ""),
        "client": "one asyncio process and wrk -c8 -t1" + (", CPU 1" if servers.pinned(1) else ""),
        "pace_seconds": PACE,
        "seconds_per_read_run": SECONDS,
        **result,
    }
    print_table(result)
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    (bench.RESULTS / f"{today}-stream.json").write_text(json.dumps(result, indent=1) + "\n")
    chart(result, bench.RESULTS / f"{today}-stream.png")
    print(f"\nwrote bench/results/{today}-stream.json and .png (servers' logs: {LOGS})")
    lat = result["latency"]
    problems = []
    if result["subscribers"]["connected"] < SUBSCRIBERS:
        problems.append(f"{SUBSCRIBERS - result['subscribers']['connected']} streams did not open")
    if len(result["orders"]) < ORDERS:
        problems.append(f"{ORDERS - len(result['orders'])} orders failed")
    if lat["missing"]:
        problems.append(f"{lat['missing']} events missing")
    if lat["from_201_ms"]["p99"] is None or lat["from_201_ms"]["p99"] >= GOAL_P99_MS:
        problems.append(f"p99 {lat['from_201_ms']['p99']} ms is not under {GOAL_P99_MS} ms")
    for name, read in result["reads"].items():
        if read["ratio"] < GOAL_RATIO:
            problems.append(f"{name} read ratio {read['ratio']} < {GOAL_RATIO}")
    if problems:
        sys.exit("; ".join(problems))


if __name__ == "__main__":
    main()
