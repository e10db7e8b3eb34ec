"""The README's shell blocks, run as written against a served instance, answers checked.

The app is served as `make serve` serves it (uvicorn, debug on, the settings' throttles, local
webhook targets allowed, a webhook deliverer beside it) on a scratch database prepared by
migrate, seed_menu and demo_accounts. The README's ```sh and ```bash blocks then run in order
in one bash session, as a reader's shell would, with three substitutions: the server's address
for http://127.0.0.1:8000, a free port for the webhook receiver's 9000, and the demo tokens for
the placeholders the README tells the reader to paste.

A command whose line ends in `# → 201, "state":"placed"` must print that status (the README's
curl prints `→ <status>` after each answer) and each fragment, whitespace and case aside. Any other
command must not answer 4xx or 5xx. A block's first line may say how to run it:

    # readme-test: skip (why)              not run; the reason is required
    # readme-test: another shell, ...     run in a fresh shell in the background while the
                                           following blocks run, then stopped; its `# →` is
                                           checked on everything it printed
"""

import os
import re
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import servers
from harness.processes import PROJECT, clean_environ

README = PROJECT / "README.md"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BLOCK = re.compile(r"^```(?:sh|bash)\n(.*?)^```", re.M | re.S)
MARKER = re.compile(r"^# readme-test: (.+)$", re.M)
EXPECT = re.compile(r"#\s*→\s*(.+)$")
STATUS = re.compile(r"→ (\d{3})")
SERVED_AT = "http://127.0.0.1:8000"
PLACEHOLDERS = {"<the manager token make serve printed>": "manager"}


@dataclass
class Check:
    number: int
    command: str
    expected: list[str]


@dataclass
class Script:
    text: str = ""
    checks: list[Check] = field(default_factory=list)


def readme_blocks() -> list[str]:
    return BLOCK.findall(README.read_text())


def logical_lines(block: str) -> list[str]:
    """Lines joined where they end in a backslash, as bash reads them."""
    lines, current = [], ""
    for line in block.splitlines():
        current += line + "\n"
        if not line.endswith("\\"):
            lines.append(current)
            current = ""
    return lines + ([current] if current else [])


def instrument(block: str, script: Script) -> None:
    """Append `block` to `script`, each command with a `# →` between two markers."""
    for line in logical_lines(block):
        last = (line.rstrip("\n").splitlines() or [""])[-1]
        expect = EXPECT.search(last)
        if expect is None or line.lstrip().startswith("#"):
            script.text += line
            continue
        check = Check(len(script.checks), line.strip(), expect[1].split(", "))
        script.checks.append(check)
        script.text += (
            f"echo '@@start {check.number}@@' >&2\n{line}echo '@@end {check.number}@@' >&2\n"
        )


def sections(output: str) -> tuple[dict[int, str], str]:
    """Each check's output by number, and the output of everything else."""
    found = dict(
        (int(n), text) for n, text in re.findall(r"@@start (\d+)@@\n(.*?)@@end \1@@", output, re.S)
    )
    rest = re.sub(r"@@start (\d+)@@\n.*?@@end \1@@\n?", "", output, flags=re.S)
    return found, rest


def failures(checks: list[Check], output: str) -> list[str]:
    found, rest = sections(output)
    problems = []
    for check in checks:
        text = found.get(check.number)
        if text is None:
            problems.append(f"{check.command}\n  did not run to its end")
            continue
        # Whitespace aside, and any case: servers may send header names in lower case.
        squeezed = re.sub(r"\s+", "", text).lower()
        for item in check.expected:
            if re.fullmatch(r"\d{3}", item):
                if item not in STATUS.findall(text):
                    problems.append(f"{check.command}\n  expected → {item}, got:\n{text}")
            elif re.sub(r"\s+", "", item).lower() not in squeezed:
                problems.append(f"{check.command}\n  expected {item!r} in:\n{text}")
    errors = [status for status in STATUS.findall(rest) if status[0] in "45"]
    if errors:
        problems.append(f"commands without a `# →` answered {errors}:\n{rest}")
    return problems


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_tokens(out: str) -> dict[str, str]:
    """username → token, from demo_accounts' table (role, username, password, token)."""
    tokens = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4 and re.fullmatch(r"[0-9a-f]{40}", fields[-1]):
            tokens[fields[-3]] = fields[-1]
    return tokens


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app as `make serve` runs it; yields (url, demo tokens)."""
    workdir = tmp_path_factory.mktemp("readme")
    env = servers.production_env(
        database_url=f"sqlite:///{workdir}/readme.sqlite3",
        throttle_rate=None,  # the README shows the real limits
        DJANGO_DEBUG="1",
        LOG_FORMAT="text",
        WEBHOOK_ALLOW_PRIVATE="1",
    )
    servers.prepare_database(env)
    tokens = demo_tokens(servers.manage(env, "demo_accounts"))
    assert set(tokens) == {"admin", "manager", "crew", "customer"}, tokens

    log = workdir / "uvicorn.log"
    with (workdir / "deliverer.log").open("wb") as deliverer_log:
        deliverer = subprocess.Popen(
            [servers.tool("python"), "manage.py", "deliver_webhooks"],
            cwd=PROJECT,
            env=env,
            stdout=deliverer_log,
            stderr=subprocess.STDOUT,
        )
    try:
        with servers.running(env, command=servers.Uvicorn(), log=log) as server:
            yield server.url, tokens
    finally:
        deliverer.terminate()
        deliverer.wait(timeout=10)
    if "Traceback" in log.read_text():
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / "readme-uvicorn.log")
        pytest.fail(f"the server logged an error; see {ARTIFACTS / 'readme-uvicorn.log'}")


def test_readme_marks_its_never_ending_blocks():
    blocks = readme_blocks()
    markers = [MARKER.search(block) for block in blocks]

    assert len(blocks) >= 6
    assert any(m and m[1].startswith("skip (") for m in markers), "make serve is skipped"
    assert any(m and m[1].startswith("another shell") for m in markers), "the stream"
    assert all(m is None or m[1].startswith(("skip (", "another shell")) for m in markers)
    assert "/menu-items" not in re.sub(r"\$API/api/\S*|/api/\S*", "", "".join(blocks))


def test_readme_shell_blocks_run_as_written(served, tmp_path):
    url, tokens = served
    receiver_port = str(free_port())

    def filled(block: str) -> str:
        block = block.replace(SERVED_AT, url)
        block = block.replace("127.0.0.1:9000", f"127.0.0.1:{receiver_port}")
        block = block.replace("--port 9000", f"--port {receiver_port}")
        for placeholder, username in PLACEHOLDERS.items():
            block = block.replace(placeholder, tokens[username])
        return block

    main, others = Script(), []
    for block in readme_blocks():
        marker = MARKER.search(block)
        if marker and marker[1].startswith("skip ("):
            continue
        if marker:  # another shell: a fresh bash, running beside the rest
            others.append(Script())
            instrument(filled(block), others[-1])
        else:
            instrument(filled(block), main)

    env = clean_environ()
    background = [
        subprocess.Popen(
            ["bash", "-c", script.text],
            cwd=PROJECT,
            env=env,
            stdout=(tmp_path / f"shell-{n}.out").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for n, script in enumerate(others)
    ]
    try:
        done = subprocess.run(
            ["bash", "-c", main.text],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # one stream: the markers keep their place
            text=True,
            timeout=180,
            check=False,
            start_new_session=True,
        )
    finally:
        for process in background:
            os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C stops the stream
            process.wait(timeout=10)

    output = done.stdout.replace("\r", "")
    problems = failures(main.checks, output)
    for n, script in enumerate(others):
        text = (tmp_path / f"shell-{n}.out").read_text()
        # A stream stopped from outside never reaches its end marker: close it here.
        text += "".join(f"@@end {check.number}@@\n" for check in script.checks)
        problems += failures(script.checks, text)
    assert main.checks, "the README states no answers to check"
    assert problems == [], "\n\n".join(problems) + f"\n\nfull output:\n{output}"
