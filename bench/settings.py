"""Settings of `make bench`: the project's, with the bench app and its baseline route added."""

from LittleLemon.settings import *  # noqa: F403
from LittleLemon.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
