"""Fixtures: a migrated database (SQLite, or PostgreSQL from BRANCHMARK_TEST_DATABASE_URL),
a fresh application per test, and factories for units, organizations, members and users.

On PostgreSQL the application runs as the non-owner role, so row-level security is exercised;
the tables are emptied after each test through an owner connection.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from core import create_app
from core.accounts.models import User
from core.accounts.services import create_user
from core.db import Base
from core.extensions import db as _db
from core.host.models import Tenant
from core.members.models import Member
from core.organizations.models import Organization
from core.tenancy import host_scope, set_tenant, use_tenant

TEST_PASSWORD = "correct-horse-9"

# Tests never touch the project's own instance folder (demo database, secret key, job files).
os.environ.setdefault("BRANCHMARK_INSTANCE_PATH", tempfile.mkdtemp(prefix="branchmark-test-instance-"))


def _own_database_per_xdist_worker() -> None:
    """Under pytest-xdist each worker process gets a PostgreSQL database of its own (``…_gw0``).

    Set in the environment at import, before any fixture reads it, so every reader (these
    fixtures, the browser tests' database, tests that start a second application) agrees.
    """
    url = os.environ.get("BRANCHMARK_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        target = make_url(url)
        if not target.database.endswith(f"_{worker}"):
            os.environ["BRANCHMARK_TEST_DATABASE_URL"] = target.set(
                database=f"{target.database}_{worker}"
            ).render_as_string(hide_password=False)


_own_database_per_xdist_worker()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands the API operations it called (and, if it ran the OpenAPI test,
    the documented ones) to the controller, which checks them all once every worker is done."""
    from tests.test_api_client import CALLED, DOCUMENTED

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["api_called"] = sorted(CALLED)
        workeroutput["api_documented"] = sorted(DOCUMENTED)
        return
    if not session.config.pluginmanager.hasplugin("dsession") or not DOCUMENTED:
        return
    from tests.test_api_zz_openapi import missing_operations

    missing = missing_operations(DOCUMENTED, CALLED)
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "这些接口没有测试 / operations without a test: " + ", ".join(missing)
        if reporter is not None:
            reporter.write_sep("!", "test_api_zz_openapi", red=True)
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """Controller side of :func:`pytest_sessionfinish` (an xdist hook)."""
    from tests.test_api_client import CALLED, DOCUMENTED

    output = getattr(node, "workeroutput", {})
    CALLED.update(tuple(call) for call in output.get("api_called", ()))
    DOCUMENTED.update(tuple(call) for call in output.get("api_documented", ()))


def _postgres_url() -> str | None:
    return os.environ.get("BRANCHMARK_TEST_DATABASE_URL") or None


def _recreate_postgres(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": target.database},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per test session."""
    url = _postgres_url()
    if url:
        _recreate_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'branchmark-test.db'}"
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        _db.engine.dispose()
    _remember_seeded_rows(url)
    yield url


@pytest.fixture(scope="session")
def owner_engine(database_url: str) -> Iterator[Engine]:
    """Connects as the table owner: empties tables between tests, bypassing tenant rules."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


#: Tables the migrations fill (the county's built-in finding kinds): their rows as migrated,
#: put back after each test empties the database, so every test starts from a fresh migration.
SEEDED_TABLES = ("finding_kind",)
_seeded_rows: dict[str, list[dict[str, Any]]] = {}


def _remember_seeded_rows(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        for name in SEEDED_TABLES:
            rows = conn.execute(text(f"SELECT * FROM {name}")).mappings()
            # Timestamps come back as text on SQLite; the server default sets them again.
            _seeded_rows[name] = [
                {k: v for k, v in row.items() if k not in ("created_at", "updated_at")} for row in rows
            ]
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
        for name, rows in _seeded_rows.items():
            if rows:
                conn.execute(Base.metadata.tables[name].insert(), rows)
            if rows and engine.dialect.name == "postgresql":
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                )


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Settings for the test's application; override this fixture to change them."""
    return {}


@pytest.fixture
def app(database_url: str, owner_engine: Engine, app_config: dict[str, Any]) -> Iterator[Flask]:
    config = {
        "DATABASE_URL": database_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **app_config,
    }
    application = create_app(config)
    ctx = application.app_context()
    ctx.push()
    set_tenant(None)
    try:
        yield application
    finally:
        _db.session.remove()
        _db.engine.dispose()
        ctx.pop()
        set_tenant(None)
        _empty_all_tables(owner_engine)


@pytest.fixture
def db(app: Flask):
    """The Flask-SQLAlchemy handle, bound to the test's application."""
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def make_tenant(db) -> Callable[..., Tenant]:
    counter = iter(range(1, 10_000))

    def make(slug: str | None = None, unit_type: str = "organ", **fields: Any) -> Tenant:
        n = next(counter)
        tenant = Tenant(
            slug=slug or f"unit-{n:03d}",
            name=fields.pop("name", f"测试单位{n}"),
            unit_type=unit_type,
            **fields,
        )
        db.session.add(tenant)
        db.session.commit()
        return tenant

    return make


@pytest.fixture
def tenant(make_tenant) -> Tenant:
    return make_tenant("caizhengju", name="县财政局", unit_type="organ")


@pytest.fixture
def other_tenant(make_tenant) -> Tenant:
    return make_tenant("shuiwu-jituan", name="县水务集团", unit_type="soe")


@pytest.fixture
def make_organization(db) -> Callable[..., Organization]:
    counter = iter(range(1, 10_000))

    def make(tenant: Tenant, code: str | None = None, **fields: Any) -> Organization:
        n = next(counter)
        with use_tenant(tenant.id):
            organization = Organization(
                code=code or f"B{n:02d}",
                name=fields.pop("name", f"第{n}党支部"),
                kind=fields.pop("kind", "branch"),
                established_on=fields.pop("established_on", dt.date(2015, 7, 1)),
                **fields,
            )
            db.session.add(organization)
            db.session.commit()
            db.session.refresh(organization)  # loaded now, readable outside the unit later
        return organization

    return make


@pytest.fixture
def make_member(db) -> Callable[..., Member]:
    counter = iter(range(1, 100_000))

    def make(organization: Organization, **fields: Any) -> Member:
        n = next(counter)
        with host_scope():  # the organization may be expired; reread it whichever unit owns it
            tenant_id = organization.tenant_id
        with use_tenant(tenant_id):
            member = Member(
                organization_id=organization.id,
                name=fields.pop("name", f"党员{n}"),
                status=fields.pop("status", "full"),
                joined_on=fields.pop("joined_on", dt.date(2010, 1, 1)),
                **fields,
            )
            db.session.add(member)
            db.session.commit()
            db.session.refresh(member)
        return member

    return make


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: str, tenant: Tenant | None = None, **fields: Any) -> User:
        n = next(counter)
        user = create_user(
            username=fields.pop("username", f"{role}{n}"),
            password=fields.pop("password", TEST_PASSWORD),
            role=role,
            tenant=tenant,
            **fields,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], Any]:
    def do_login(user: User, password: str = TEST_PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do_login
