"""Production-like servers for the checks: one way to configure, prepare, start and stop them.

The multi-process tests, `make e2e`, `make fuzz`, `make soak` and `make bench` all start the
app this way:

    env = servers.production_env(database_url=url)
    servers.prepare_database(env)
    with servers.running(env, command=servers.Gunicorn(workers=2), log=path) as server:
        ...  # server.url answers /api/health with 200

The helper binds a free port itself and hands the socket to the server process, so the
server that answers is always the one started here, never another one already listening.
"""

import atexit
import functools
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import dj_database_url
import psycopg
from psycopg import sql

from harness.processes import PROJECT, clean_environ, project_python

# One per harness process, shared by its servers and its manage.py runs, never written down.
SECRET_KEY = secrets.token_urlsafe(50)
# Rates no check reaches. The window is one second: DRF keeps every timestamp of the window,
# and a one-minute window at such a rate would copy a list of thousands on every request.
UNTHROTTLED = "1000000/second"
# Read by gunicorn and the production gunicorn config: a shell's values must not reach a check.
SERVER_VARIABLES = ("BIND", "WEB_CONCURRENCY", "TLS_", "GUNICORN_CMD_ARGS")
# What a started server must answer 200 on before it counts as up.
HEALTH_PATH = "/api/health"
# Worker pid first: the multi-process tests read which worker served each request.
ACCESS_LOG_FORMAT = "%(p)s %(m)s %(U)s %(s)s"
# The health check takes any certificate: the socket is ours, so whoever answers is our server.
_ANY_CERTIFICATE = ssl.create_default_context()
_ANY_CERTIFICATE.check_hostname = False
_ANY_CERTIFICATE.verify_mode = ssl.CERT_NONE


class ServerFailed(RuntimeError):
    """A server or one of its manage.py steps failed; the message ends with their output."""


@dataclass(frozen=True)
class TLS:
    """A certificate and its private key, PEM files."""

    certfile: Path
    keyfile: Path


def production_env(
    *,
    database_url: str,
    redis_url: str | None = None,
    settings: str = "LittleLemon.settings",
    tls: TLS | None = None,
    throttle_rate: str | None = UNTHROTTLED,
    log_level: str = "WARNING",
    **extra: str,
) -> dict[str, str]:
    """The environment of a production-like run: debug off, JSON logs, none of ours inherited.

    Plain HTTP unless `tls`, then HTTPS redirects and secure cookies as in production. Every
    throttle scope gets `throttle_rate` (None keeps the settings' rates); `extra` comes last.
    """
    env = {k: v for k, v in clean_environ().items() if not k.startswith(SERVER_VARIABLES)}
    env |= {
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "LOG_FORMAT": "json",
        "DJANGO_LOG_LEVEL": log_level,
        "DJANGO_STATIC_ROOT": static_root(),
        # Chosen, not defaulted: these runs send no real email, and `check --deploy` wants
        # the choice made (LittleLemonDRF.checks).
        "EMAIL_URL": "console://",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    if tls:
        env |= {"TLS_CERTFILE": str(tls.certfile), "TLS_KEYFILE": str(tls.keyfile)}
    else:
        env |= {"DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_SECURE_COOKIES": "0"}
    if throttle_rate:
        env |= lifted_throttles(settings, throttle_rate)
    return env | extra


def lifted_throttles(settings: str, rate: str) -> dict[str, str]:
    """`THROTTLE_<SCOPE>=rate` for every scope of the settings' DEFAULT_THROTTLE_RATES."""
    return {f"THROTTLE_{scope.upper()}": rate for scope in throttle_scopes(settings)}


@functools.cache
def throttle_scopes(settings: str) -> tuple[str, ...]:
    """The throttle scopes the settings define, read from them: a new scope is lifted too."""
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(list(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])))"
    )
    env = {"DJANGO_SETTINGS_MODULE": settings, "DJANGO_SECRET_KEY": SECRET_KEY}
    done = project_python("-c", code, **env)
    if done.returncode:
        raise ServerFailed(f"could not read the throttle scopes of {settings}:\n{done.stderr}")
    return tuple(json.loads(done.stdout))


def manage(env: Mapping[str, str], *args: str) -> str:
    """`manage.py *args` under `env`; its output, or ServerFailed with that output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise ServerFailed(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare_database(env: Mapping[str, str]) -> None:
    """Migrate and load the menu."""
    manage(env, "migrate", "--noinput")
    manage(env, "seed_menu")


@functools.cache
def static_root() -> str:
    """The static files, built once per harness process as a deployment builds them.

    With debug off the app refuses to start without them (LittleLemonDRF.checks).
    """
    path = tempfile.mkdtemp(prefix="littlelemon-static-")
    atexit.register(shutil.rmtree, path, True)
    env = clean_environ() | {
        "DJANGO_SETTINGS_MODULE": "LittleLemon.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_STATIC_ROOT": path,
    }
    manage(env, "collectstatic", "--noinput", "--verbosity=0")
    return path


def create_database(url: str, *, replace: bool = False) -> None:
    """Create the PostgreSQL database of `url` unless it exists; `replace` drops it first."""
    if replace:
        drop_database(url)
    name, conn = _maintenance_connection(url)
    with conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    name, conn = _maintenance_connection(url)
    with conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _maintenance_connection(url: str) -> tuple[str, psycopg.Connection]:
    """The database named in `url`, and a connection to its server's `postgres` database."""
    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        raise ServerFailed(f"{url}: creating and dropping databases needs PostgreSQL")
    params = {key.lower(): cfg[key] or None for key in ("HOST", "PORT", "USER", "PASSWORD")}
    return cfg["NAME"], psycopg.connect(**params, dbname="postgres", autocommit=True)


def self_signed_tls(directory: Path) -> TLS:
    """A certificate for localhost and 127.0.0.1 and its key, made with openssl."""
    tls = TLS(directory / "cert.pem", directory / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        + ["-keyout", str(tls.keyfile), "-out", str(tls.certfile)],
        check=True,
        capture_output=True,
    )
    return tls


# --- Commands ---------------------------------------------------------------------------------


class Command(Protocol):
    """What serves the app: its command line, given the listening socket's descriptor.

    An ASGI server fits the same way, e.g. uvicorn's `["uvicorn", app, "--fd", str(fd)]`.
    """

    def argv(self, fd: int, env: Mapping[str, str]) -> list[str]: ...


@dataclass(frozen=True)
class Gunicorn:
    """gunicorn serving a WSGI app; `config` is e.g. production's `python:LittleLemon.gunicorn`."""

    app: str = "LittleLemon.wsgi"
    workers: int = 2
    config: str | None = None
    access_log: Path | None = None  # one line per request, in ACCESS_LOG_FORMAT
    options: tuple[str, ...] = ()

    def argv(self, fd: int, env: Mapping[str, str]) -> list[str]:
        argv = [tool("gunicorn"), self.app, f"--bind=fd://{fd}", f"--workers={self.workers}"]
        if self.config:
            argv.append(f"--config={self.config}")
        if self.access_log:
            argv += [
                f"--access-logfile={self.access_log}",
                f"--access-logformat={ACCESS_LOG_FORMAT}",
            ]
        if "TLS_CERTFILE" in env:
            argv += [f"--certfile={env['TLS_CERTFILE']}", f"--keyfile={env['TLS_KEYFILE']}"]
        return [*argv, *self.options]


@dataclass(frozen=True)
class Uvicorn:
    """uvicorn serving the ASGI app: the order stream's server, and the whole API as well."""

    app: str = "LittleLemon.asgi:application"
    workers: int = 1
    options: tuple[str, ...] = ()

    def argv(self, fd: int, env: Mapping[str, str]) -> list[str]:
        argv = [tool("uvicorn"), self.app, f"--fd={fd}", f"--workers={self.workers}"]
        # The client address is the socket's: DRF reads X-Forwarded-For itself, NUM_PROXIES deep.
        return [*argv, "--no-access-log", "--no-proxy-headers", *self.options]


@dataclass(frozen=True)
class Runserver:
    """Django's development server, `manage.py runserver --noreload`: a thread per request.

    runserver binds its port itself: the socket handed over is closed first and its port
    passed on (another process could take the port in between; none does in the checks).
    Give the environment DJANGO_DEBUG=1, as a developer runs it.
    """

    def argv(self, fd: int, env: Mapping[str, str]) -> list[str]:
        with socket.socket(fileno=os.dup(fd)) as bound:
            port = bound.getsockname()[1]
        runserver = ["manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
        code = (
            f"import os, sys; os.close({fd}); "
            "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
        )
        return [sys.executable, "-c", code, *runserver]


def access_lines(path: Path) -> list[tuple[str, ...]]:
    """(pid, method, path, status) of each complete line of a Gunicorn(access_log=path) log."""
    fields = (line.split() for line in path.read_text().splitlines())
    return [tuple(entry) for entry in fields if len(entry) == 4]


def tool(name: str) -> str:
    """A program installed in the project's virtual environment (`make install`)."""
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        raise ServerFailed(f"{path} is missing: run `make install`")
    return str(path)


def pinned(cpu: int | None) -> list[str]:
    """`taskset -c cpu`, on a machine with taskset and more than one CPU; else nothing."""
    taskset = shutil.which("taskset")
    if cpu is None or not taskset or (os.cpu_count() or 1) < 2:
        return []
    return [taskset, "-c", str(cpu)]


# --- Running servers --------------------------------------------------------------------------


@dataclass
class Server:
    """A started server: its process (the leader of a process group) and where it listens."""

    process: subprocess.Popen
    port: int
    scheme: str
    log: Path
    health: str = HEALTH_PATH  # the path that answers 200 once the server is up

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def wait_healthy(self, timeout: float = 60) -> None:
        """Return once the health path answers 200; ServerFailed if the process dies first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise ServerFailed(
                    f"the server exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            if self._healthy(timeout=max(0.5, deadline - time.monotonic())):
                return
            if time.monotonic() > deadline:
                raise ServerFailed(
                    f"{self.health} did not answer 200 within {timeout:g} s:\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def _healthy(self, timeout: float) -> bool:
        # http.client, not urllib: a proxy set in the environment must not answer for us.
        if self.scheme == "https":
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=min(timeout, 5), context=_ANY_CERTIFICATE
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=min(timeout, 5))
        try:
            conn.request("GET", self.health)
            return conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()


def start(
    env: Mapping[str, str],
    *,
    log: Path,
    command: Command | None = None,
    cpu: int | None = None,
    health: str = HEALTH_PATH,
) -> Server:
    """Start `command` (two gunicorn workers unless told) on a free port bound here.

    Output goes to `log`; the server may not answer yet (see `Server.wait_healthy`, which
    asks `health`: another app than this one answers on a path of its own).
    """
    # Bound, not listening: the server listens with its own backlog, as with --bind host:port.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    argv = [*pinned(cpu), *(command or Gunicorn()).argv(listener.fileno(), env)]
    with listener, log.open("wb") as output:
        process = subprocess.Popen(
            argv,
            cwd=PROJECT,
            env=env,
            pass_fds=(listener.fileno(),),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own: workers stop with it
        )
    scheme = "https" if "TLS_CERTFILE" in env else "http"
    return Server(process=process, port=port, scheme=scheme, log=log, health=health)


def stop(*servers: Server, grace: float = 10) -> None:
    """TERM to every server's process group at once, then KILL to any still up after `grace`."""
    for server in servers:
        _signal_group(server, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for server in servers:
        try:
            server.process.wait(timeout=max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(server, signal.SIGKILL)
            server.process.wait()


def _signal_group(server: Server, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(server.process.pid, signum)


@contextmanager
def running(env: Mapping[str, str], *, timeout: float = 60, **options) -> Iterator[Server]:
    """A started, healthy server for the `with` block, stopped after it (see `start`)."""
    server = start(env, **options)
    try:
        server.wait_healthy(timeout)
        yield server
    finally:
        stop(server)
