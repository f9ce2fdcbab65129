"""Second walls that are walls (PostgreSQL): SQL of the app role cannot switch host scope on, the
audit log is read by unit, and pages answer 404 alike for a foreign unit and a missing one."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.audit.models import AuditLog
from core.tenancy import host_scope, use_tenant


@pytest.fixture
def pg(is_postgres):
    if not is_postgres:
        pytest.skip("row-level security is a PostgreSQL feature")


@pytest.fixture
def units(db, tenant, other_tenant, make_organization):
    mine = make_organization(tenant, "b1", name="第一党支部").id
    theirs = make_organization(other_tenant, "b1", name="水务第一党支部").id
    return {"mine": tenant.id, "theirs": other_tenant.id, "my_org": mine, "their_org": theirs}


@pytest.mark.parametrize(
    "switch",
    [
        "SELECT set_config('branchmark.host_scope', 'on', false)",
        "SELECT set_config('branchmark.host_key', 'on', false)",
        "SELECT set_config('branchmark.host_key', '', false)",
        "SET branchmark.host_key = 'guess'",
    ],
)
def test_app_role_sql_cannot_open_host_scope(pg, db, units, switch):
    with use_tenant(units["mine"]):
        db.session.execute(text(switch))
        rows = db.session.execute(text("SELECT tenant_id FROM organization")).scalars().all()
        assert set(rows) == {units["mine"]}
        assert db.session.execute(text("SELECT branchmark_host_scope()")).scalar() is False
        db.session.rollback()


def test_app_role_cannot_read_or_change_the_key(pg, db):
    for statement in (
        "SELECT digest FROM branchmark_host_key",
        "DELETE FROM branchmark_host_key",
        "INSERT INTO branchmark_host_key VALUES ('x')",
    ):
        with pytest.raises(Exception, match="permission denied"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_host_work_still_sees_every_unit(pg, db, units):
    with host_scope():
        rows = db.session.execute(text("SELECT tenant_id FROM organization")).scalars().all()
        assert set(rows) == {units["mine"], units["theirs"]}
        assert db.session.execute(text("SELECT branchmark_host_scope()")).scalar() is True
    db.session.rollback()
    # The key was transaction-local: gone with the transaction.
    assert db.session.execute(text("SELECT branchmark_host_scope()")).scalar() is False
    db.session.rollback()


def test_audit_log_is_read_by_unit(pg, db, units, make_user):
    make_user("host_admin", username="county")  # a host-level row (tenant_id NULL) in the log
    with use_tenant(units["mine"]):
        seen = db.session.execute(text("SELECT DISTINCT tenant_id FROM audit_log")).scalars().all()
        assert seen == [units["mine"]]
        db.session.rollback()
    with host_scope():
        everything = set(db.session.scalars(db.select(AuditLog.tenant_id).distinct()))
    assert {None, units["mine"], units["theirs"]} <= everything
    assert db.session.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0
    db.session.rollback()


def test_foreign_and_missing_units_answer_alike(units, make_user, login, client):
    login(make_user("unit_admin", db_tenant(units["mine"])))
    for suffix in ("", "/branches/b1", "/members", "/excel"):
        foreign = client.get(f"/units/shuiwu-jituan{suffix}")
        missing = client.get(f"/units/no-such-unit{suffix}")
        assert foreign.status_code == missing.status_code == 404, suffix


def db_tenant(tenant_id: int):
    from core.extensions import db
    from core.host.models import Tenant

    return db.session.get(Tenant, tenant_id)

