"""API lists read a fixed number of queries whatever the number of rows (DESIGN: query budget)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from core.events.models import Attendance, Event, EventKind
from core.extensions import db
from core.tenancy import use_tenant
from tests import test_api_client

#: The shared fixture (a client with a token of the given user).
api_as = test_api_client.api_as

U = "/api/v1/units/caizhengju"


@contextmanager
def counted():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _grow(tenant, organization_id: int, make_member_ids: list[int], events: int) -> None:
    with use_tenant(tenant.id):
        for n in range(events):
            item = Event(organization_id=organization_id, kind="theme_day", held_on=dt.date(2025, 1, 1 + n), topic=f"主题党日{n}")
            item.kinds.append(EventKind(kind="theme_day"))
            for member_id in make_member_ids:
                item.attendance.append(Attendance(member_id=member_id, status="present"))
            db.session.add(item)
        db.session.commit()


@pytest.mark.parametrize("path", ["/members?page_size=100", "/events?page_size=100", "/organizations"])
def test_list_queries_do_not_grow_with_rows(path, tenant, make_organization, make_member, make_user, api_as):
    branch = make_organization(tenant, "b1")
    branch_id = branch.id
    members = [make_member(branch, name=f"党员{n}").id for n in range(3)]
    _grow(tenant, branch_id, members, 2)
    client = api_as(make_user("unit_admin", tenant))
    # Counted in a warm state: a token's first use of the minute records its last use (one
    # UPDATE), and the test's own commits expire what the request had loaded.
    assert client.get(U + path).status_code == 200
    with counted() as small:
        assert client.get(U + path).status_code == 200
    members += [make_member(branch, name=f"新党员{n}").id for n in range(9)]
    _grow(tenant, branch_id, members, 10)
    assert client.get(U + path).status_code == 200  # the same warm state as the small count
    with counted() as large:
        assert client.get(U + path).status_code == 200
    assert len(large) == len(small), large
