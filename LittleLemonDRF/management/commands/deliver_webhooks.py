"""Send webhook deliveries: in the foreground until SIGTERM or SIGINT, or once (--once)."""

import signal
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from LittleLemonDRF import webhooks


class Command(BaseCommand):
    help = (
        "Send the webhook deliveries that are due, about once a second, until stopped "
        "(SIGTERM or SIGINT: the send under way is finished first). Several may run at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due now, then exit.")
        parser.add_argument(
            "--lease",
            type=int,
            default=int(webhooks.LEASE.total_seconds()),
            help=(
                "Seconds a claimed delivery stays this deliverer's: one killed mid-attempt "
                "has it sent again after that (default %(default)s)."
            ),
        )

    def handle(self, *args, once: bool, lease: int, **options):
        lease = timedelta(seconds=lease)
        if lease < webhooks.SEND_BUDGET:
            raise CommandError(f"--lease must be at least {webhooks.SEND_BUDGET.seconds} seconds.")
        if once:
            webhooks.fan_out()
            sent = webhooks.deliver_due(lease=lease)
            self.stdout.write(f"{sent} webhook deliveries attempted.")
            return
        stop = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Only a flag: the loop finishes the send under way and exits between steps.
            signal.signal(signum, lambda *_: stop.append(True))
        self.stdout.write("Delivering webhooks; SIGTERM or Ctrl-C stops.")
        webhooks.run(lease=lease, stopping=lambda: bool(stop))
        self.stdout.write("Stopped.")
