"""Running the project's Python in a subprocess, with none of our settings variables inherited."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

# Variables the settings read; cleared so each run states exactly what it sets.
OUR_VARIABLES = (
    "DJANGO_",
    "DATABASE_URL",
    "REDIS_URL",
    "TOKEN_TTL",
    "THROTTLE_",
    "NUM_PROXIES",
    "CONN_MAX_AGE",
    "LOG_FORMAT",
    "EMAIL_URL",
)


def clean_environ() -> dict[str, str]:
    """This process's environment minus the variables the settings read."""
    return {k: v for k, v in os.environ.items() if not k.startswith(OUR_VARIABLES)}


def project_python(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python *args` in the project folder, under this environment minus ours, plus `env`."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT,
        env=clean_environ() | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
