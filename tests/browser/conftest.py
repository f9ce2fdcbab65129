"""Browser tests: the real application, with the demo county, in Debian's headless Chromium.

One server and one browser for the whole session:

- the database is this package's own, never the one ``tests/conftest.py`` empties after each
  test: a SQLite file under the session's temporary folder or, when BRANCHMARK_TEST_DATABASE_URL
  names a PostgreSQL server, a database beside the test one (``<name>_browser``), dropped at the
  end. The demo county is loaded into it once, as of 2026-11-20;
- the application is served by werkzeug's ``make_server`` in a background thread on 127.0.0.1 and
  a free port (or ``BRANCHMARK_BROWSER_PORT``), with CSRF on as in production;
- Playwright's sync API drives ``/usr/bin/chromium`` (Debian's package) through
  ``executable_path``; Playwright never downloads a browser. Each test gets a new browser context
  (fresh cookies), so tests do not see each other's logins.

Without Chromium (or the playwright package) the tests skip with the reason, except under CI
(``CI=true``), where ``make test`` installs Chromium and a skip would hide a broken set-up:
there they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

DEMO_AS_OF = dt.date(2026, 11, 20)
DEMO_PASSWORD = "branchmark-demo"

#: The launch flags for this machine's closed network (see docs/setup.md): no background
#: connections, no component updates, no first-run pages.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium: BRANCHMARK_CHROMIUM if set, else ``chromium`` on PATH."""
    configured = os.environ.get("BRANCHMARK_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where ``make test`` must have installed the browser."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# --- the database and the server -------------------------------------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("BRANCHMARK_TEST_DATABASE_URL")
    if not url:
        return None
    target = make_url(url)
    return target.set(database=f"{target.database}_browser").render_as_string(hide_password=False)


def _postgres_admin(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _drop_postgres(url: str, *, create: bool) -> None:
    name = make_url(url).database
    admin = _postgres_admin(url)
    try:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            if create:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def browser_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the browser tests' own, migrated, with the demo county loaded once."""
    from flask_migrate import upgrade

    from core import create_app
    from core.demo import load_demo
    from core.extensions import db

    postgres = _postgres_url()
    if postgres:
        _drop_postgres(postgres, create=True)
        url = postgres
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'branchmark-browser.db'}"
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        upgrade()
        load_demo(as_of=DEMO_AS_OF)
        db.session.remove()
        db.engine.dispose()
    yield url
    if postgres:
        _drop_postgres(postgres, create=False)


class LiveServer:
    """The application served from a background thread; ``url("/path")`` builds addresses."""

    def __init__(self, app, host: str = "127.0.0.1") -> None:
        from werkzeug.serving import make_server

        self.app = app
        # BRANCHMARK_BROWSER_PORT pins the port (a shared machine hands out ranges); 0: any free one.
        port = int(os.environ.get("BRANCHMARK_BROWSER_PORT") or 0)
        self._server = make_server(host, port, app, threaded=True)
        self.base_url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="branchmark-live-server", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=30)

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def live_server(
    browser_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The real application over HTTP, CSRF on, login rate limit off (many logins in a row)."""
    from core import create_app
    from core.extensions import db

    app = create_app(
        {
            "DATABASE_URL": browser_database_url,
            "SECRET_KEY": "browser-test-secret",
            "RATELIMIT_ENABLED": False,
            "HUEY_IMMEDIATE": True,
            "JOBS_DIR": str(tmp_path_factory.mktemp("browser-jobs")),
        }
    )
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the session, from Debian's package."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed: pip install -e '.[dev]'")
    executable = chromium_path()
    if executable is None:
        unavailable(
            "Chromium is not installed (Debian packages chromium chromium-driver; "
            "`make test` installs them, or set BRANCHMARK_CHROMIUM)"
        )
    manager = sync_playwright().start()
    try:
        try:
            # Playwright gives every launch a fresh temporary profile (--user-data-dir).
            browser = manager.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, timeout=60_000
            )
        except PlaywrightError as error:
            unavailable(f"Chromium at {executable} did not start: {error}")
        yield browser
        browser.close()
    finally:
        manager.stop()


@pytest.fixture
def context(chromium_browser, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose relative addresses go to the live server."""
    ctx = chromium_browser.new_context(
        base_url=live_server.base_url,
        locale="zh-CN",
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
    )
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context) -> Any:
    return context.new_page()


def log_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> Any:
    """Fill the login form like a person and wait for the page it leads to."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    return page


@pytest.fixture
def login(page) -> Callable[..., Any]:
    """``login("cz-b2-sj")`` logs the test's page in as a demo user."""
    return lambda username, password=DEMO_PASSWORD: log_in(page, username, password)
