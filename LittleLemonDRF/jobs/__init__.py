"""Background work on a job engine: django-tasks, with its database backend django-tasks-db.

engine (what the worker adds to the engine: lost jobs run again, periodic schedules, a job
ending in its own transaction), periodic (releasing scheduled orders, the clean-ups). The
webhook jobs live with the webhooks. `manage.py worker` runs them all.
"""

from .engine import LEASE, PERIODIC, Worker, every, finish, reap, schedule, work
from .periodic import clean_up, release_scheduled_orders

__all__ = [
    "LEASE",
    "PERIODIC",
    "Worker",
    "clean_up",
    "every",
    "finish",
    "reap",
    "release_scheduled_orders",
    "schedule",
    "work",
]
