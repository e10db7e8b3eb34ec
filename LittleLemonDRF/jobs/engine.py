"""The three pieces the job engine (django-tasks with django-tasks-db) lacks, built on it.

django-tasks-db keeps jobs as rows of the project's database: `Task.enqueue()` is an INSERT in
the caller's transaction, and a worker claims a row under a lock (SELECT ... FOR UPDATE SKIP
LOCKED on PostgreSQL, an exclusive transaction on SQLite), so each job runs once. What it does
not have, and this module adds in the engine's own terms:

- a job whose worker died is run again: a RUNNING row older than the lease goes back to READY
  (`reap`), which is at-least-once, so jobs are written to be safe to run twice;
- periodic schedules: a periodic job is enqueued with `run_after` its interval after its
  previous run finished, whenever none is waiting (`schedule`);
- retries with backoff are the jobs' own: a job that wants another try enqueues it with
  `run_after` computed from its attempt number, and `finish` marks its row done in the same
  transaction, so a worker killed between the two cannot make the retry twice.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, InterfaceError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskContext, TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.management.commands.db_worker import Worker as EngineWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # how long a job may run before it counts as lost
POLL_SECONDS = 0.5  # the wait when nothing is due
HOUSEKEEPING_SECONDS = 1.0  # how often a worker reaps and schedules
SCHEDULE_LOCK = 0x4C4C_4A42  # the advisory lock key of `schedule` ("LLJB")


@dataclass(frozen=True)
class Periodic:
    task: Task
    interval: timedelta


PERIODIC: list[Periodic] = []


def every(seconds: float) -> Callable[[Task], Task]:
    """Register a task (already made with @task) to run every `seconds`, one run at a time."""

    def register(task: Task) -> Task:
        PERIODIC.append(Periodic(task, timedelta(seconds=seconds)))
        return task

    return register


def reap(lease: timedelta = LEASE) -> int:
    """Put back the jobs that have been running longer than `lease`: their worker died."""
    cutoff = timezone.now() - lease
    lost = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    count = lost.update(status=TaskResultStatus.READY)
    if count:
        logger.warning("%s jobs put back: their worker stopped within %s", count, lease)
    return count


def schedule() -> int:
    """Enqueue each periodic job that has no run waiting; how many were enqueued.

    Its run is due its interval after the previous one finished (at once the first time).
    Workers do this under one lock, so several never enqueue the same run twice.
    """
    made = 0
    with exclusive_transaction():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK])
        for periodic in PERIODIC:
            last = (
                DBTaskResult.objects.filter(task_path=periodic.task.module_path)
                .order_by("-enqueued_at")
                .values("status", "finished_at")
                .first()
            )
            if last and last["status"] in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
                continue
            finished = last and last["finished_at"]
            due = finished + periodic.interval if finished else timezone.now()
            periodic.task.using(run_after=max(due, timezone.now())).enqueue()
            made += 1
    return made


def finish(context: TaskContext) -> None:
    """Mark the running job done now, inside the caller's transaction.

    For a job that writes its outcome and enqueues its follow-up in one transaction: if its
    worker dies after that commit, the job is not run again.
    """
    DBTaskResult.objects.filter(pk=context.task_result.id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now()
    )


def _never() -> bool:
    return False


class Worker(EngineWorker):
    """The engine's worker with housekeeping between jobs; `run()` returns how many it ran."""

    def __init__(self, *, lease: timedelta = LEASE, once: bool = False, stopping=_never):
        super().__init__(
            queue_names=["*"],
            interval=POLL_SECONDS,
            batch=once,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        self.lease, self.stopping = lease, stopping
        self.housekept = float("-inf")

    def run(self) -> int:
        while not self.stopping():
            # Between jobs, connections are looked after as between requests (CONN_MAX_AGE,
            # health checks), unless a caller's transaction holds this one (tests).
            own = not connection.in_atomic_block
            try:
                if own:
                    close_old_connections()
                self._housekeeping()
                job = self._claim()
            except (DatabaseError, InterfaceError):
                if not own:
                    raise
                logger.exception("Background jobs paused: the database did not answer")
                connection.close()  # a fresh connection next time round
                job = None
            if job is not None:
                try:
                    self.run_task(job)
                except (DatabaseError, InterfaceError):
                    if not own:
                        raise
                    # The job could not even be marked failed: it stays claimed, and the
                    # reaper gives it back once its lease runs out, as for a killed worker.
                    logger.exception("A job stopped: the database did not answer")
                    connection.close()
                    self._nap(self.interval)
            elif self.batch:
                break
            else:
                self._nap(self.interval)
        return self._run_tasks

    def _housekeeping(self) -> None:
        since = time.monotonic() - self.housekept
        if since < HOUSEKEEPING_SECONDS or (self.batch and since != float("inf")):
            return  # `once` looks at what is due when it starts
        reap(self.lease)
        schedule()
        self.housekept = time.monotonic()

    def _claim(self) -> DBTaskResult | None:
        with exclusive_transaction():
            try:
                job = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            except DatabaseError as error:
                if is_locked_database_exception(error):  # SQLite: another worker is claiming
                    return None
                raise
            if job is not None:
                job.claim(self.worker_id)
        return job

    def _nap(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping() and time.monotonic() < end:
            time.sleep(0.05)


def work(*, lease: timedelta = LEASE, once: bool = False, stopping=_never) -> int:
    """Run jobs until `stopping()` (or, `once`, until none is due); how many were run."""
    return Worker(lease=lease, once=once, stopping=stopping).run()
