"""Browser tests: the app served by gunicorn on loopback, driven in Debian's Chromium, checked
with axe-core. Reused by every area's journeys."""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from babel.support import Translations
from live import flask, free_port, server_database, start_gunicorn, start_worker, stop

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TEST_PASSWORD = "nettleser-test-passord"  # noqa: S105 - a throw-away test account
MEMBER_EMAIL = "nettleser@skien.kommune.no"
ADMIN_EMAIL = "nettleser-admin@vtfk.no"
LANGUAGES = ("nb", "nn", "en")


class Inbox:
    """What the SMTP server received from the served app's worker."""

    def __init__(self):
        self.messages = []

    def wait_for(self, address: str, since: int = 0, timeout: float = 15) -> list:
        """The messages to `address` after the first `since`, once at least one has come (the
        worker delivers a moment after the page answered)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                m
                for m in self.messages[since:]
                if m["To"].addresses[0].addr_spec == address.lower()
            ]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture(scope="session")
def live_mail():
    """A real SMTP server the served app sends to; the list of received messages."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


class LiveServer(str):
    """The served app's base URL, which also knows its database."""

    def __new__(cls, url: str, database_url: str):
        server = super().__new__(cls, url)
        server.database_url = database_url
        return server

    def query(self, sql: str, **params):
        """Reads from the served app's database (to find ids the pages use)."""
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(sql), params).all()
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, live_mail):
    """The app under gunicorn (2 workers) on a free loopback port, migrated, with demo data."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    if not AXE_SOURCE.exists():
        pytest.fail("axe-core is missing: run `make static` (npm ci)")
    port = free_port()
    from oidc_provider import Provider

    provider = Provider(free_port(), tmp_path_factory.mktemp("oidc"), f"http://127.0.0.1:{port}")
    env = {
        **os.environ,
        "SSO_PROVIDERS": json.dumps(provider.arena_config("feide")),
        "DATABASE_URL": server_database(tmp_path_factory, "browser"),
        "SECRET_KEY": "browser-tests",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(live_mail[1]),
    }
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    for email, name, org, extra in [
        (MEMBER_EMAIL, "Nettleser Testesen", "Skien kommune", []),
        (ADMIN_EMAIL, "Admin Testesen", "Vestfold og Telemark fylkeskommune", ["--admin"]),
    ]:
        command = ["create-user", email, "--name", name, "--organisation", org, *extra]
        flask(env, *command, stdin=TEST_PASSWORD + "\n")
    # The demo's stale initiatives: reminders to their contacts join the demo's proposals.
    flask(env, "send-reminders")
    server = start_gunicorn(env, port, tmp_path_factory.getbasetemp() / "gunicorn.log")
    worker = start_worker(env, tmp_path_factory.getbasetemp() / "worker.log")
    url = f"http://127.0.0.1:{port}"
    yield LiveServer(url, env["DATABASE_URL"])
    stop(worker)
    stop(server)
    provider.stop()


class HtmlChecker:
    """The Nu HTML checker (vnu-jar from npm) as a local web service, so each page is checked
    in milliseconds rather than a JVM start."""

    url: str | None = None

    def errors(self, html: str) -> list[str]:
        request = urllib.request.Request(  # noqa: S310 - the checker on loopback
            f"{self.url}?out=json",
            data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback
            messages = json.load(answer)["messages"]
        return [
            f"line {m.get('lastLine')}: {m['message']} ({m.get('extract', '').strip()[:80]})"
            for m in messages
            if m["type"] == "error" or (m["type"] == "non-document-error")
        ]


HTML_CHECKER = HtmlChecker()


@pytest.fixture(scope="session", autouse=True)
def html_checker():
    """Starts the Nu HTML checker for the session; every page axe checks is checked by it too."""
    if not VNU_JAR.exists():
        pytest.fail("vnu-jar is missing: run `make static` (npm ci)")
    if not shutil.which("java"):
        pytest.fail("Java is missing: run `make browser` (installs Debian's default-jre-headless)")
    port = free_port()
    checker = subprocess.Popen(
        ["java", "-Xss2m", "-cp", str(VNU_JAR), "nu.validator.servlet.Main", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    HTML_CHECKER.url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            HTML_CHECKER.errors("<!doctype html><html lang=en><title>x</title></html>")
            break
        except OSError:
            assert checker.poll() is None and time.monotonic() < deadline, "vnu did not start"
            time.sleep(0.5)
    yield HTML_CHECKER
    checker.terminate()
    checker.wait(timeout=30)


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser; quiet on a machine without internet."""
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium") or CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Norwegian user's browser: bokmål first."""
    return {**browser_context_args, "locale": "nb-NO"}


def _storage_state(browser, base_url, email, path) -> str:
    context = browser.new_context(base_url=base_url, locale="nb-NO")
    page = context.new_page()
    log_in(page, email)
    context.storage_state(path=str(path))
    context.close()
    return str(path)


@pytest.fixture(scope="session")
def member_state(browser, live_server, tmp_path_factory):
    """A signed-in session of the test member, made once (login is rate limited)."""
    return _storage_state(
        browser, live_server, MEMBER_EMAIL, tmp_path_factory.mktemp("state") / "member.json"
    )


@pytest.fixture(scope="session")
def admin_state(browser, live_server, tmp_path_factory):
    return _storage_state(
        browser, live_server, ADMIN_EMAIL, tmp_path_factory.mktemp("state") / "admin.json"
    )


@pytest.fixture
def member_page(browser, live_server, member_state):
    context = browser.new_context(base_url=live_server, storage_state=member_state, locale="nb-NO")
    page = context.new_page()
    page.goto("/?lang=nb")  # earlier tests may have switched this member's language
    yield page
    context.close()


@pytest.fixture(scope="session")
def unverified_state(browser, live_server, tmp_path_factory):
    """The demo's Per Privat: a gmail address waiting for Porsgrunn kommune to confirm him."""
    from arena.demo import DEMO_PASSWORD, PRIVATE_EMAIL

    context = browser.new_context(base_url=live_server, locale="nb-NO")
    page = context.new_page()
    log_in(page, PRIVATE_EMAIL, DEMO_PASSWORD)
    path = tmp_path_factory.mktemp("state") / "unverified.json"
    context.storage_state(path=str(path))
    context.close()
    return str(path)


@pytest.fixture
def unverified_page(browser, live_server, unverified_state):
    context = browser.new_context(
        base_url=live_server, storage_state=unverified_state, locale="nb-NO"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def admin_page(browser, live_server, admin_state):
    context = browser.new_context(base_url=live_server, storage_state=admin_state, locale="nb-NO")
    page = context.new_page()
    page.goto("/?lang=nb")  # earlier tests may have switched this member's language
    yield page
    context.close()


def translator(lang: str):
    """The app's own catalogue for a language, to find and check texts as its users read them
    (bokmål is the source text)."""
    return Translations.load(ROOT / "arena" / "translations", [lang]).gettext


def click_and_load(page, target="main button[type=submit]"):
    """Clicks a button or link that loads another page and waits until that page has loaded.

    A plain click returns once the request has started, so the next check could read the old
    page, and a following goto could cancel the post."""
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()


def save_language(page, lang):
    """The member saves their language on the profile: pages and emails come in it from now on
    (?lang= only changes the pages of this session)."""
    page.goto("/profile")
    page.select_option("#preferred_language", lang)
    click_and_load(page, "form[action='/profile'] button[type=submit]")


def text_of(mail) -> str:
    """The plain-text part of an email."""
    return mail.get_body(preferencelist=("plain",)).get_content()


def register_and_confirm(page, inbox, email, name, organisation, password=TEST_PASSWORD):
    """Registers through the form, follows the link emailed to the address and chooses the
    password there, as a newcomer does; ends signed in on the profile."""
    page.goto("/auth/register")
    page.fill("#email", email)
    page.fill("#name", name)
    page.fill("#title", "Rådgiver")
    page.select_option("#organisation_id", label=organisation)
    click_and_load(page)
    assert page.url.endswith("/auth/register/sent")
    assert email in page.locator("main").inner_text()
    assert_accessible(page)
    mail = inbox.wait_for(email)[-1]
    link = re.search(r"https?://\S+/auth/confirm/\S+", text_of(mail))[0]
    page.goto(link)
    assert name in page.locator("main").inner_text()
    assert_accessible(page)
    page.fill("#password", password)
    page.fill("#password_again", password)
    click_and_load(page)
    assert page.url.endswith("/profile")


def log_in(page, email, password=TEST_PASSWORD):
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    click_and_load(page)


def assert_accessible(page):
    """axe-core finds no WCAG 2.0/2.1 A or AA violation on the page as it is now."""
    page.evaluate(AXE_SOURCE.read_text())
    result = page.evaluate(
        # Only violations are read: axe then skips collecting the details of every pass.
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    violations = [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert not violations, f"{page.url}: " + json.dumps(violations, indent=1, ensure_ascii=False)
    # And the markup itself is valid HTML (duplicate ids, misplaced elements, bad attributes).
    markup_errors = HTML_CHECKER.errors(page.content())
    assert not markup_errors, f"{page.url}: Nu HTML checker: " + "\n".join(markup_errors[:10])
    # axe lets a description point at nothing; a screen reader then reads no hint or error.
    dangling = page.evaluate(DANGLING_REFERENCES)
    assert not dangling, f"{page.url}: references to missing ids: {dangling}"


DANGLING_REFERENCES = """() => [...document.querySelectorAll(
    '[aria-describedby], [aria-labelledby], [aria-controls], label[for]')].flatMap(element =>
  ['aria-describedby', 'aria-labelledby', 'aria-controls', 'for'].flatMap(name =>
    (element.getAttribute(name) || '').split(/\\s+/)
      .filter(id => id && !document.getElementById(id))
      .map(id => `${element.tagName.toLowerCase()} ${name}="${id}"`)))"""


def assert_reflows(page):
    """At 320 CSS pixels wide the page needs no horizontal scrolling (WCAG 1.4.10)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{page.url}: {overflow}px horizontal scroll at 320px"
    finally:
        page.set_viewport_size(size)
