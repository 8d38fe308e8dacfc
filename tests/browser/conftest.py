"""Real-browser tests: the real app served over HTTP in a background thread, driven by Debian's
headless Chromium through Playwright (docs/testing-browser.md).

One server and one browser for the whole package; every test opens its own browser contexts
(own cookies, empty cache). The database is the suite's (SQLite file, or PostgreSQL when
LMS_TEST_DATABASE_URL is set), emptied and filled once by site.seed_site(). CSRF is on.
"""

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.courses.models import Course
from app.extensions import db
from tests.browser import site as seed
from tests.conftest import BUNDLED_COURSES, _empty_all_tables

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking switches Chromium keeps calling Google services, which
# on a closed network only floods the log with refused connections.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class LiveServer:
    app: object
    url: str
    site: seed.Site

    def module_paths(self, slug=seed.JOURNEY_COURSE):
        """The course's module pages in reading order."""
        with self.app.app_context():
            course = db.session.scalar(select(Course).where(Course.slug == slug))
            return [f"/kursus/{slug}/modul/{m.slug}" for m in seed.active_modules(course)]

    def query(self, work):
        """Run work() against the server's database (e.g. to read an attempt's snapshot)."""
        with self.app.app_context():
            try:
                return work()
            finally:
                db.session.remove()


@pytest.fixture(scope="package", autouse=True)
def needs_chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium "
                    "package (apt-get install chromium), or set LMS_CHROMIUM to its path.")


@pytest.fixture(scope="package")
def live_server(database_url, tmp_path_factory):
    app = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("browser-instance")),
        "SECRET_KEY": "browser-test-secret-key",
        "COURSES_DIR": str(BUNDLED_COURSES),
        "QUIZZES_DIR": str(seed.BUNDLED_QUIZZES),
        "VERIFY_RATE_LIMIT": "1000 per minute",
    })
    with app.app_context():
        db.create_all()
        _empty_all_tables()
        site = seed.seed_site()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # the certificate's verification link points here
    thread = threading.Thread(target=server.serve_forever, name="kompeten-live", daemon=True)
    thread.start()
    yield LiveServer(app=app, url=url, site=site)
    server.shutdown()
    thread.join(10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_context(browser, live_server, **options):
    """A browser context as a learner in Palu has it: Indonesian, WITA, desktop unless told."""
    options.setdefault("viewport", DESKTOP)
    context = browser.new_context(base_url=live_server.url, locale="id-ID",
                                  timezone_id="Asia/Makassar", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def open_menu(page):
    """On a phone the menu is folded behind "Menu" (a <details>): open it as a person would."""
    summary = page.locator(".site-menu > summary")
    if summary.is_visible() and page.locator(".site-menu[open]").count() == 0:
        summary.click()


def log_in(page, person):
    """Sign in through the form, locating the fields by their labels as a person would."""
    page.goto("/masuk")
    main = page.get_by_role("main")
    main.get_by_label("NIP atau email").fill(person.nip)
    main.get_by_label("Kata sandi", exact=True).fill(person.password)
    main.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("button", name="Keluar").wait_for()


@pytest.fixture(scope="package")
def signed_in_states(browser, live_server):
    """Cookies of a signed-in session per person, made once: {nip: storage state}."""
    states = {}

    def state_of(person):
        if person.nip not in states:
            context = new_context(browser, live_server)
            log_in(context.new_page(), person)
            states[person.nip] = context.storage_state()
            context.close()
        return states[person.nip]

    return state_of


@pytest.fixture
def open_context(browser, live_server, signed_in_states):
    """Factory: a fresh browser context (empty cache), signed in as `person` if given.
    Uncaught script errors on any page fail the test."""
    contexts, script_errors = [], []

    def make(person=None, **options):
        if person is not None:
            options["storage_state"] = signed_in_states(person)
        context = new_context(browser, live_server, **options)
        context.on("weberror", lambda error: script_errors.append(str(error.error)))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not script_errors, f"script errors in the page: {script_errors}"


@pytest.fixture
def open_page(open_context):
    """Factory: a page in a fresh context, signed in as `person` if given."""

    def make(person=None, **options):
        return open_context(person, **options).new_page()

    return make


def artifact(name):
    """A path under tests/browser/artifacts/ (git-ignored), for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def record_metrics(section, values, key=None):
    """Merge measured figures into artifacts/metrics.json (under metrics[section], or
    metrics[section][key]) and print them (pytest -s shows them)."""
    path = artifact("metrics.json")
    metrics = json.loads(path.read_text()) if path.exists() else {}
    if key is None:
        metrics[section] = values
    else:
        metrics.setdefault(section, {})[key] = values
    # Written beside and renamed into place, so a reader never sees a half-written file.
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    partial.replace(path)
    print(f"\n[metrics] {section} {key or ''}: {json.dumps(values, ensure_ascii=False)}")


