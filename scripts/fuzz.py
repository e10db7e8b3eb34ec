"""make fuzz: schemathesis against the API's OpenAPI schema, as a customer and as a manager.

Starts the API through tests/servers.py (debug off, a scratch SQLite database, throttling
lifted so that answers are about the input, on a free port) and runs schemathesis on every
operation once per role. FUZZ_EXAMPLES bounds the examples per operation (CI uses a small
number). Exits non-zero if either run fails, the server does not start, or it logged a
traceback. Run it with `make fuzz` (`python -m scripts.fuzz` from the project folder).
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from tests import servers

EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "50")
PASSWORD = "fuzz-Pass-2026!"
ROLES = ("customer", "manager")
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
]
ACCOUNTS = f"""
from django.contrib.auth.models import Group, User
from LittleLemonDRF import roles
manager = User.objects.create_user("fuzz-manager", password={PASSWORD!r})
manager.groups.add(Group.objects.get(name=roles.MANAGER))
User.objects.create_user("fuzz-customer", password={PASSWORD!r})
crew = User.objects.create_user("fuzz-crew", password={PASSWORD!r})
crew.groups.add(Group.objects.get(name=roles.DELIVERY_CREW))
"""


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="littlelemon-fuzz-") as workdir:
        try:
            failed = fuzz(Path(workdir))
        except servers.ServerFailed as error:
            sys.exit(str(error))
    if failed:
        sys.exit(f"make fuzz failed: {', '.join(failed)}")


def fuzz(workdir: Path) -> list[str]:
    """What failed: the roles whose run found a problem, and the server if it logged one."""
    env = servers.production_env(database_url=f"sqlite:///{workdir}/fuzz.sqlite3")
    servers.prepare_database(env)
    servers.manage(env, "shell", "-c", ACCOUNTS)
    log = workdir / "server.log"
    with servers.running(env, log=log) as server:
        failed = [role for role in ROLES if not schemathesis(server.url, role)]
    server_log = log.read_text(errors="replace")
    if "Traceback" in server_log:
        first = server_log.index("Traceback")
        print("Server errors were logged:\n" + "\n".join(server_log[first:].splitlines()[:60]))
        failed.append("the server logged errors")
    return failed


def schemathesis(url: str, role: str) -> bool:
    print(f"== schemathesis as {role} ({EXAMPLES} examples per operation)", flush=True)
    command = [
        servers.tool("schemathesis"),
        "run",
        f"{url}/api/schema/",
        f"--checks={','.join(CHECKS)}",
        "--phases=examples,coverage,fuzzing",
        f"--max-examples={EXAMPLES}",
        f"--header=Authorization: Bearer {jwt_for(url, role)}",
        "--seed=2026",
        "--suppress-health-check=all",
        # The order stream never ends (it is tested with a streaming client in tests/).
        "--exclude-path=/api/orders/stream",
        # One worker: Python 3.11's ast parser, which hypothesis uses, is not thread-safe.
        "--workers=1",
    ]
    return subprocess.run(command, check=False).returncode == 0


def jwt_for(url: str, role: str) -> str:
    """A JWT rather than a DRF token: fuzzing POST /token/logout/ deletes DRF tokens, which
    would turn the rest of the run into 401s."""
    form = urllib.parse.urlencode({"username": f"fuzz-{role}", "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{url}/api/token/", form, timeout=30) as response:
        return json.load(response)["access"]


if __name__ == "__main__":
    main()
