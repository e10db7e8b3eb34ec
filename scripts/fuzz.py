"""make fuzz: schemathesis against the API's OpenAPI schema, as a customer and as a manager.

Starts the API through harness/servers.py (debug off, a scratch SQLite database, throttling
lifted so that answers are about the input, on a free port) and runs schemathesis on every
operation once per role, then sends hand-written bodies that a schema-driven generator never
makes (nesting 100,000 deep, a file part, 1e400, NaN, lone surrogates, duplicate keys, wrong
content types, an empty body), each of which must be a 4xx JSON answer. Ids in paths and
bodies are drawn half the time from rows that exist (schemathesis dictionaries): the menu's
dishes, option groups and choices, and paid orders with their lines, so that cart lines with
picks, orders sent with `items`, option edits and refunds are made, not only refused for an
unknown id. FUZZ_EXAMPLES bounds
the examples per operation (CI uses a small number). Exits non-zero if any run fails, the
server does not start, or it logged a traceback. Run it with `make fuzz` (`python -m
scripts.fuzz` from the project folder).
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from harness import servers

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
# Paid orders for the refunds to give back: a burger with picks, a lemonade by size.
ORDERS = """
import json
from django.contrib.auth.models import User
from LittleLemonDRF import services
from LittleLemonDRF.models import MenuItem, OptionChoice, OptionGroup
customer = User.objects.get(username="fuzz-customer")
manager = User.objects.get(username="fuzz-manager")
orders = []
for _ in range(3):
    for group in OptionGroup.objects.filter(min__gte=1):
        first = group.choices.filter(available=True).first()
        services.cart_add_item(
            user=customer, menuitem=group.menuitem, quantity=2, choices=[first.pk]
        )
    order, _ = services.order_place(user=customer, fulfilment="pickup", payment_method="card")
    services.order_update(order=order, by=manager, payment_status="paid")
    orders.append(order)
ids = {
    "dishes": list(MenuItem.objects.values_list("pk", flat=True)),
    "groups": list(OptionGroup.objects.values_list("pk", flat=True)),
    "choices": list(OptionChoice.objects.values_list("pk", flat=True)),
    "orders": [order.pk for order in orders],
    "lines": [line.pk for order in orders for line in order.items.all()],
}
with open(IDS_FILE, "w") as ids_file:
    json.dump(ids, ids_file)
"""
# Where each id is drawn from the rows above, half the time (the other half is generated).
BODY_IDS = {
    "body.menuitem_id": "dishes",
    "body.items[*].menuitem_id": "dishes",
    "body.items[*].choices[*]": "choices",
    "body.choices[*]": "choices",
    "body.group_id": "groups",
    "body.lines[*].id": "lines",
}
PATH_IDS = {
    "/api/orders/": "orders",
    "/api/option-groups/": "groups",
    "/api/option-choices/": "choices",
}


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
    ids_file = workdir / "ids.json"
    servers.manage(env, "shell", "-c", f"IDS_FILE = {str(ids_file)!r}\n" + ORDERS)
    config = workdir / "schemathesis.toml"
    config.write_text(schemathesis_config(json.loads(ids_file.read_text())))
    log = workdir / "server.log"
    with servers.running(env, log=log) as server:
        failed = [role for role in ROLES if not schemathesis(server.url, role, config)]
        if not hand_written(server.url):
            failed.append("the hand-written cases")
    server_log = log.read_text(errors="replace")
    if "Traceback" in server_log:
        first = server_log.index("Traceback")
        print("Server errors were logged:\n" + "\n".join(server_log[first:].splitlines()[:60]))
        failed.append("the server logged errors")
    return failed


def schemathesis_config(ids: dict[str, list[int]]) -> str:
    """schemathesis.toml: the dictionaries of existing ids, and where each is used."""
    lines = []
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for key, name in BODY_IDS.items():
        lines.append(f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}')
    for prefix, name in PATH_IDS.items():
        lines += [
            "",
            "[[operations]]",
            f"include-path-regex = '^{prefix}[{{]'",
            f'parameters = {{ "path.id" = {{ dictionary = "{name}", probability = 0.5 }} }}',
        ]
    return "\n".join(lines) + "\n"


def schemathesis(url: str, role: str, config: Path) -> bool:
    print(f"== schemathesis as {role} ({EXAMPLES} examples per operation)", flush=True)
    command = [
        servers.tool("schemathesis"),
        f"--config-file={config}",
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


BOUNDARY = "fuzzboundary"


def _file_part(size: int) -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="username"\r\n\r\nfuzzfile\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\0" * size
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


JSON = "application/json"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
# (name, method, path, role or None, content type, body): every one must be a 4xx JSON answer.
HAND_WRITTEN = [
    ("100000 [", "POST", "/api/users", None, JSON, b"[" * 100_000),
    ("100000 [", "POST", "/api/ratings", "customer", JSON, b"[" * 100_000),
    ("100000 [", "POST", "/api/cart/menu-items", "customer", JSON, b"[" * 100_000),
    ('100000 {"a":', "POST", "/api/menu-items", "manager", JSON, b'{"a":' * 100_000),
    ('100000 {"a":', "POST", "/api/token/", None, JSON, b'{"a":' * 100_000),
    ("100000 [", "POST", "/api/api-token-auth/", None, JSON, b"[" * 100_000),
    ("file part, 30 MB", "POST", "/api/users", None, MULTIPART, _file_part(30 * 1024 * 1024)),
    ("file part", "POST", "/api/menu-items", "manager", MULTIPART, _file_part(1024)),
    ("1e400", "POST", "/api/cart/menu-items", "customer", JSON, b'{"menuitem_id": 1e400}'),
    (
        "a 400-digit number",
        "POST",
        "/api/cart/menu-items",
        "customer",
        JSON,
        b'{"menuitem_id": 1' + b"0" * 400 + b"}",
    ),
    (
        "a 5000-digit number",
        "POST",
        "/api/ratings",
        "customer",
        JSON,
        b'{"menuitem_id": 1, "rating": ' + b"9" * 5000 + b"}",
    ),
    ("NaN", "POST", "/api/menu-items", "manager", JSON, b'{"title": "x", "price": NaN}'),
    ("Infinity", "POST", "/api/cart/menu-items", "customer", JSON, b'{"quantity": Infinity}'),
    (
        "lone surrogate",
        "POST",
        "/api/users",
        None,
        JSON,
        b'{"username": "\\ud800", "password": "fuzz-Pass-2026!"}',
    ),
    ("lone surrogate", "POST", "/api/categories", "manager", JSON, b'{"title": "\\udfff"}'),
    (
        "duplicate keys",
        "POST",
        "/api/cart/menu-items",
        "customer",
        JSON,
        b'{"menuitem_id": 1, "menuitem_id": 2}',
    ),
    ("text/plain", "POST", "/api/cart/menu-items", "customer", "text/plain", b"menuitem_id=1"),
    ("application/xml", "POST", "/api/users", None, "application/xml", b"<user/>"),
    ("empty JSON body", "POST", "/api/cart/menu-items", "customer", JSON, b""),
    ("empty JSON body", "PUT", "/api/orders/1", "manager", JSON, b""),
    # Orders sent with their items, option edits and refunds (order 1 is a paid one).
    ("100000 [", "POST", "/api/orders", "customer", JSON, b'{"items": ' + b"[" * 100_000),
    ("1e400", "POST", "/api/orders", "customer", JSON, b'{"items": [{"menuitem_id": 1e400}]}'),
    (
        "a 400-digit choice",
        "POST",
        "/api/orders",
        "customer",
        JSON,
        b'{"items": [{"menuitem_id": 17, "choices": [1' + b"0" * 400 + b"]}]}",
    ),
    ("NaN", "POST", "/api/orders/1/refunds", "manager", JSON, b'{"reason": "x", "amount": NaN}'),
    (
        "a 400-digit line",
        "POST",
        "/api/orders/1/refunds",
        "manager",
        JSON,
        b'{"reason": "x", "lines": [{"id": 1' + b"0" * 400 + b', "quantity": 1}]}',
    ),
    (
        "lone surrogate",
        "POST",
        "/api/option-groups",
        "manager",
        JSON,
        b'{"menuitem_id": 17, "name": "\\ud800", "min": 0, "max": 1}',
    ),
    ("Infinity", "PATCH", "/api/option-choices/1", "manager", JSON, b'{"price_delta": Infinity}'),
]


def hand_written(url: str) -> bool:
    """Send HAND_WRITTEN; print and count each answer that is not a 4xx JSON one."""
    print("== hand-written bad input", flush=True)
    tokens = {role: jwt_for(url, role) for role in ROLES}
    bad = 0
    for name, method, path, role, content_type, body in HAND_WRITTEN:
        headers = {"Content-Type": content_type}
        if role:
            headers["Authorization"] = f"Bearer {tokens[role]}"
        status, answer_type = _send(url, method, path, headers, body)
        ok = 400 <= status < 500 and answer_type.startswith("application/json")
        bad += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} {method} {path} ({name}): {status} {answer_type}")
    return bad == 0


def _send(url: str, method: str, path: str, headers: dict, body: bytes) -> tuple[int, str]:
    """The status and Content-Type of the answer. A server may answer a large body it refuses
    before reading all of it and close the connection: the answer is read even then."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        try:
            connection.request(method, path, body, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the answer, if any, is already on its way
        response = connection.getresponse()
        return response.status, response.headers.get("Content-Type", "")
    except (OSError, http.client.HTTPException) as error:
        return 0, f"no answer: {error!r}"
    finally:
        connection.close()


def jwt_for(url: str, role: str) -> str:
    """A JWT rather than a DRF token: fuzzing POST /token/logout/ deletes DRF tokens, which
    would turn the rest of the run into 401s."""
    form = urllib.parse.urlencode({"username": f"fuzz-{role}", "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{url}/api/token/", form, timeout=30) as response:
        return json.load(response)["access"]


if __name__ == "__main__":
    main()
