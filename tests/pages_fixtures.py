"""Fixtures for the record pages: a unit with two branches, another unit, a user of every role,
a query counter, and helpers to read rows and audit entries back.

Test modules import what they use: ``from tests.pages_fixtures import *  # noqa: F403``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import g
from sqlalchemy import event, func, select

from core.audit.models import AuditLog
from core.tenancy import host_scope, use_tenant
from tests.conftest import TEST_PASSWORD

__all__ = ["County", "county", "as_user", "queries", "rows", "audit_count", "fresh_request", "in_unit"]


@dataclass
class County:
    """The test county's rows by id (rows themselves go stale between requests)."""

    tenant_id: int
    other_id: int
    b1: int
    b2: int
    theirs: int
    zhang: int
    li: int
    wang: int
    usernames: dict[str, str]


@pytest.fixture
def county(db, tenant, other_tenant, make_organization, make_member, make_user) -> County:
    """县财政局 (organ) with branches B01 and B02; 县水务集团 (soe) with its own B01.

    Users: ``host``, ``supervisor`` (organ scope), ``other_supervisor`` (soe scope), ``admin``,
    ``secretary`` (B01), ``b2_secretary`` (B02), ``their_secretary`` (the other unit's B01).
    """
    with use_tenant(tenant.id):
        b1 = make_organization(tenant, code="B01", name="机关第一党支部")
        b2 = make_organization(tenant, code="B02", name="机关第二党支部")
        zhang = make_member(b1, name="张喆", dues_base=Decimal("5400"), phone="13800001234",
                            id_number="11010519491231002X")
        li = make_member(b1, name="李堃", dues_category="retired", dues_base=Decimal("4000"),
                         joined_on=dt.date(2012, 5, 1))
        wang = make_member(b2, name="王珺")
    theirs = make_organization(other_tenant, code="B01", name="水务集团第一党支部")
    users = {
        "host": make_user("host_admin", username="county"),
        "supervisor": make_user("supervisor", username="jiguan-dudao", scope_unit_types=["organ"]),
        "other_supervisor": make_user("supervisor", username="guoqi-dudao", scope_unit_types=["soe"]),
        "admin": make_user("unit_admin", tenant, username="czj-admin"),
        "secretary": make_user("secretary", tenant, username="czj-b01", organization_code="B01"),
        "b2_secretary": make_user("secretary", tenant, username="czj-b02", organization_code="B02"),
        "their_secretary": make_user("secretary", other_tenant, username="sw-b01", organization_code="B01"),
    }
    usernames = {key: user.username for key, user in users.items()}
    with use_tenant(tenant.id):
        ids = [row.id for row in (b1, b2)]
        people = [row.id for row in (zhang, li, wang)]
    with use_tenant(other_tenant.id):
        theirs_id = theirs.id
    return County(tenant.id, other_tenant.id, *ids, theirs_id, *people, usernames)


def fresh_request() -> None:
    """Forget the previous request's user and loaded rows.

    The test app keeps one application context, so Flask-Login's cached user in ``g`` and the
    session's identity map would otherwise carry over from one request to the next.
    """
    g.pop("_login_user", None)
    from core.extensions import db

    db.session.remove()


@pytest.fixture
def as_user(client, county) -> Callable[[str], Any]:
    """Log the client in as one of the county's users (by key)."""

    def login(key: str):
        fresh_request()
        client.post("/logout")
        fresh_request()
        response = client.post("/login", data={"username": county.usernames[key], "password": TEST_PASSWORD})
        assert response.status_code == 302
        fresh_request()
        return client

    return login


@pytest.fixture
def queries(db) -> Iterator[Callable[[Callable[[], Any]], tuple[Any, int]]]:
    """Count the SQL statements a call sends (an engine event), starting from a fresh request."""
    counter = {"n": 0}

    def count(*_args, **_kwargs) -> None:
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)

    def measure(call: Callable[[], Any]) -> tuple[Any, int]:
        fresh_request()
        counter["n"] = 0
        result = call()
        return result, counter["n"]

    yield measure
    event.remove(db.engine, "before_cursor_execute", count)


def rows(db, tenant_id: int, model, *where) -> list[Any]:
    """Rows of a model in a unit, read inside that unit."""
    fresh_request()
    with use_tenant(tenant_id):
        return list(db.session.scalars(select(model).where(*where)).all())


def audit_count(db, table: str) -> int:
    """How many audit rows a table has."""
    fresh_request()
    with host_scope():
        return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.table_name == table))


def in_unit(db, tenant_id: int, model, row_id: int) -> Any:
    """One row of a unit, loaded fresh inside it (for factories that take rows)."""
    fresh_request()
    with use_tenant(tenant_id):
        return db.session.get(model, row_id)
