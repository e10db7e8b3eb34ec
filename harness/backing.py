"""Private Redis and PostgreSQL servers, for the checks that stop and restart them.

The fault tests and `make chaos` take the cache and the database away from a running app.
They never touch the machine's own servers (other work uses them): each starts its own, on a
free port in a directory of its own, and stops it by the process id it started.

    with backing.redis() as cache, backing.postgres() as db:
        env = servers.production_env(database_url=db.url("littlelemon"), redis_url=cache.url)
        cache.stop(); ...; cache.start()

Redis keeps its data across a restart here (it saves on shutdown), as a production Redis
with persistence does: what was cached before an outage is still there after it.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

POSTGRES_BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{_tail(log)}")
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port} within {timeout} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    with suppress(OSError):
        return log.read_text()[-3000:]
    return ""


class _Server:
    """A process this module started: start() again on the same port, stop() by its pid."""

    name = "server"
    stop_signal = signal.SIGTERM  # a clean shutdown

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.log = directory / f"{self.name}.log"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def user(self) -> str | None:
        return None

    def start(self, timeout: float = 30) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                user=self.user(),
                start_new_session=True,
            )
        _wait_for_port(self.port, self.process, timeout, self.log)
        self.ready(timeout)

    def ready(self, timeout: float) -> None:
        """Listening is enough, unless the server says otherwise."""

    def stop(self, timeout: float = 30) -> None:
        """A clean shutdown of the process started here (stop_signal), SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(self.stop_signal)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """The process stopped (SIGSTOP) and continued after: it holds its connections and
        takes new ones, and answers nothing meanwhile, as a hung server or a lost host."""
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Redis(_Server):
    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            shutil.which("redis-server") or "redis-server",
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.directory),
            "--save", "3600 1",  # so a shutdown saves, and a start loads what was there
            "--appendonly", "no",
        ]  # fmt: skip


class Postgres(_Server):
    name = "postgres"
    # A fast shutdown, as `pg_ctl restart` makes: clients are disconnected. (SIGTERM would wait
    # for every client to leave, and the app's workers keep their connections.)
    stop_signal = signal.SIGINT

    def __init__(self, directory: Path):
        super().__init__(directory)
        self.data = directory / "data"
        # PostgreSQL refuses to run as root: as root, it runs as the machine's postgres user.
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user:
            shutil.chown(directory, self._user)
        subprocess.run(
            [str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"],
            check=True,
            capture_output=True,
            user=self._user,
        )

    def user(self) -> str | None:
        return self._user

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def command(self) -> list[str]:
        return [
            str(POSTGRES_BIN / "postgres"),
            "-D", str(self.data),
            "-p", str(self.port),
            "-k", str(self.directory),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",
            "-c", "max_connections=200",
        ]  # fmt: skip

    def ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run(
                [str(POSTGRES_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
                check=False,
            )
            if done.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not get ready:\n{_tail(self.log)}")


@contextmanager
def _running(kind: type[_Server]) -> Iterator[_Server]:
    directory = Path(tempfile.mkdtemp(prefix=f"littlelemon-{kind.name}-"))
    server = None
    try:
        server = kind(directory)
        server.start()
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def redis() -> AbstractContextManager[Redis]:
    return _running(Redis)


def postgres() -> AbstractContextManager[Postgres]:
    return _running(Postgres)
