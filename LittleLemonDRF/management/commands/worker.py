"""Run the background jobs: in the foreground until SIGTERM or SIGINT, or once (--once)."""

import signal
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from LittleLemonDRF import jobs, webhooks


class Command(BaseCommand):
    help = (
        "Run the background jobs (webhook deliveries, releasing scheduled orders, clean-ups) "
        "until stopped (SIGTERM or SIGINT: the job under way is finished first). Several may "
        "run at once, on one host or many: each job is run by one of them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit.")
        parser.add_argument(
            "--lease",
            type=int,
            default=int(jobs.LEASE.total_seconds()),
            help=(
                "Seconds a job may run before it counts as lost: a job whose worker was "
                "killed is run again after that (default %(default)s)."
            ),
        )

    def handle(self, *args, once: bool, lease: int, **options):
        lease = timedelta(seconds=lease)
        if lease < webhooks.SEND_BUDGET:
            # A webhook send still under way would be made again by another worker.
            raise CommandError(f"--lease must be at least {webhooks.SEND_BUDGET.seconds} seconds.")
        if once:
            ran = jobs.work(lease=lease, once=True)
            self.stdout.write(f"{ran} jobs run.")
            return
        stop = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Only a flag: the worker finishes the job under way and exits between jobs.
            signal.signal(signum, lambda *_: stop.append(True))
        self.stdout.write("Running background jobs; SIGTERM or Ctrl-C stops.")
        jobs.work(lease=lease, stopping=lambda: bool(stop))
        self.stdout.write("Stopped.")
