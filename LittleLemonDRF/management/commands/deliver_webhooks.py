"""The worker's other name, kept from when it only delivered webhooks."""

from .worker import Command as Worker


class Command(Worker):
    help = "Another name for `manage.py worker`: " + Worker.help
