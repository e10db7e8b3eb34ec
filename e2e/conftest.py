"""End-to-end fixtures: the app under gunicorn with debug off, and Debian's Chromium.

The server (harness/servers.py) runs on a scratch SQLite database in a temporary folder, as
`make fuzz` does, and serves its collected static files itself. Every page a test opens is
watched: a JavaScript console error, an uncaught exception or a static file that fails to load
fails the test at teardown.
"""

import json
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from harness import servers

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1000, "height": 650}
PASSWORD = "e2e-Lemon-Pass-2026!"

# Accounts and orders the suite needs, made in one `manage.py shell` run. It prints their ids
# and a token for the crew member as one JSON line.
SETUP_ACCOUNTS = """
import json
from django.contrib.auth.models import Group, User
from LittleLemonDRF import roles, services
from LittleLemonDRF.models import MenuItem

password = {password!r}
User.objects.create_superuser("e2e-admin", "admin@e2e.example", password)
crew = User.objects.create_user("e2e-crew", password=password)
crew.groups.add(Group.objects.get(name=roles.DELIVERY_CREW))
customer = User.objects.create_user("e2e-customer", password=password)
dishes = list(MenuItem.objects.order_by("id")[:2])
orders = []
for dish in dishes:
    services.cart_add_item(user=customer, menuitem=dish, quantity=2)
    orders.append(services.order_place(user=customer)[0].pk)
print(json.dumps({{
    "crew_id": crew.pk,
    "crew_token": services.token_for_login(user=crew).key,
    "customer_id": customer.pk,
    "orders": orders,
}}))
"""


@dataclass
class Server:
    url: str
    accounts: dict
    log: Path

    def api(self, method, path, token=None, body=None):
        """One API call from Python: (status, parsed JSON body or None)."""
        headers = {"Accept": "application/json"}
        data = None
        if token:
            headers["Authorization"] = f"Token {token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    def token(self, username):
        """The token of one of the suite's accounts (password PASSWORD), by logging in."""
        status, body = self.api(
            "POST", "/token/login/", body={"username": username, "password": PASSWORD}
        )
        assert status == 200, body
        return body["auth_token"]

    def new_manager(self, username):
        """Sign `username` up, put them in Manager as the suite's admin; their token."""
        status, body = self.api(
            "POST", "/api/users", body={"username": username, "password": PASSWORD}
        )
        assert status == 201, body
        status, body = self.api(
            "POST",
            "/api/groups/manager/users",
            token=self.token("e2e-admin"),
            body={"username": username},
        )
        assert status == 201, body
        return self.token(username)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    yield from _app_server(tmp_path_factory, "gunicorn", servers.Gunicorn(workers=2))


@pytest.fixture(scope="session")
def asgi_server(tmp_path_factory):
    """The app under uvicorn (ASGI), set up as `server` is: for pages that hold the order
    stream open, which a sync worker must not serve."""
    yield from _app_server(tmp_path_factory, "uvicorn", servers.Uvicorn())


def _app_server(tmp_path_factory, name: str, command):
    """The app served by `command` on a scratch database of its own, with the suite's
    accounts; fails the session if the server logged an error."""
    workdir = tmp_path_factory.mktemp(f"e2e-{name}")
    env = servers.production_env(database_url=f"sqlite:///{workdir}/e2e.sqlite3")
    servers.prepare_database(env)
    out = servers.manage(env, "shell", "-c", SETUP_ACCOUNTS.format(password=PASSWORD))
    accounts = json.loads(out.strip().splitlines()[-1])

    log = workdir / f"{name}.log"
    with servers.running(env, command=command, log=log) as running:
        yield Server(url=running.url, accounts=accounts, log=log)
    if "Traceback" in log.read_text():
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / log.name)
        pytest.fail(f"the server logged an error; see {ARTIFACTS / log.name}")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.exit(f"{CHROMIUM} is missing: install Debian's chromium (make e2e does).", 2)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class BrowserProblems(AssertionError):
    """A page logged a JavaScript console error or failed to load a static file."""


@dataclass
class PageProblems:
    """What went wrong in the browser while a test ran."""

    console_errors: list = field(default_factory=list)
    static_failures: list = field(default_factory=list)
    checked: bool = False

    def check(self):
        """Raise BrowserProblems if anything went wrong; the page fixture calls it at teardown.

        A test marked xfail for a known browser-side problem calls it itself, so that the
        failure belongs to the test rather than to its teardown.
        """
        self.checked = True
        problems = [f"console: {error}" for error in self.console_errors]
        problems += [f"static file: {failure}" for failure in self.static_failures]
        if problems:
            raise BrowserProblems("the browser reported:\n  " + "\n  ".join(problems))


@pytest.fixture
def page_problems():
    return PageProblems()


@pytest.fixture
def page(browser, server, page_problems):
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = page_problems

    def on_console(message):
        # Chromium asks every site for /favicon.ico by itself and logs the 404 as an error;
        # the app has no such route, and no page of it refers to one.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def on_request_failed(request):
        if "/static/" in request.url:
            problems.static_failures.append(f"{request.url}: {request.failure}")

    def on_response(response):
        if "/static/" in response.url and response.status >= 400:
            problems.static_failures.append(f"{response.url}: HTTP {response.status}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    yield page
    context.close()
    if not problems.checked:
        problems.check()


@pytest.fixture
def shot(page, request):
    """shot(name): a PNG of the page as it is now, in e2e/artifacts/."""

    def take(name: str, full_page: bool = False) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def admin_login(page):
    """Log the page in to the Django admin as the suite's superuser."""

    def login(username="e2e-admin", password=PASSWORD):
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")

    return login


def manage_shell(server: Server, code: str) -> str:
    """`manage.py shell -c code` on the database `server` runs on (the scratch database
    _app_server made beside the server's log), for what no API may do, such as an order
    placed half an hour ago. Its output."""
    database = server.log.parent / "e2e.sqlite3"
    env = servers.production_env(database_url=f"sqlite:///{database}")
    return servers.manage(env, "shell", "-c", code)
