"""The membership migration gives each member of the day one period — from joining (or transferring
in) until leaving — and comes back down leaving the members as they were. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, insert, inspect, select

from core import create_app
from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member, Membership
from core.organizations.models import Organization
from core.tenancy import host_scope, use_tenant
from tests.test_facts_migration import _fresh_url

BEFORE = "b7e1c4a9d201"  # the head before membership periods
D = dt.date


def test_members_of_the_day_get_their_period_and_the_migration_comes_back_down(tmp_path):
    url = _fresh_url(tmp_path)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "LIVE_RESULTS_MODE": "off"})  # no results tables yet
    with app.app_context():
        upgrade(revision=BEFORE)
        tenant = Tenant(slug="mig", name="迁移单位", unit_type="organ")
        db.session.add(tenant)
        db.session.commit()
        tenant_id = tenant.id
        with use_tenant(tenant_id):
            branch = Organization(code="B1", name="一支部", kind="branch", established_on=dt.date(2015, 1, 1))
            db.session.add(branch)
            db.session.commit()
            branch_id = branch.id
            # Rows as the schema before had them (no periods yet): a plain insert, no ORM events.
            common = {"tenant_id": tenant_id, "organization_id": branch_id, "status": "full",
                      "dues_category": "employed", "is_leader": False, "transferred_in_on": None,
                      "left_on": None, "left_reason": None}
            db.session.execute(insert(Member.__table__), [
                common | {"name": "一直在", "joined_on": D(2001, 7, 1)},
                common | {"name": "转来又转走", "joined_on": D(2005, 6, 1), "transferred_in_on": D(2019, 3, 1),
                          "left_on": D(2024, 8, 1), "left_reason": "transferred"},
                common | {"name": "去世", "joined_on": D(1980, 1, 1), "left_on": D(2023, 2, 1), "left_reason": "deceased"},
            ])
            db.session.commit()
        db.session.remove()

        upgrade()
        with use_tenant(tenant_id):
            periods = db.session.execute(
                select(Member.name, Membership.organization_id, Membership.started_on, Membership.ended_on,
                       Membership.start_reason, Membership.end_reason)
                .join(Member, Member.id == Membership.member_id).order_by(Member.id)
            ).all()
        assert [tuple(p) for p in periods] == [
            ("一直在", branch_id, D(2001, 7, 1), None, "joined", None),
            ("转来又转走", branch_id, D(2019, 3, 1), D(2024, 8, 1), "transferred_in", "transferred_out"),
            ("去世", branch_id, D(1980, 1, 1), D(2023, 2, 1), "joined", "deceased"),
        ]
        db.session.remove()

        downgrade(revision=BEFORE)
        tables = inspect(db.engine).get_table_names()
        assert "membership" not in tables and "unit_transfer" not in tables
        with host_scope():
            assert db.session.scalar(select(func.count()).select_from(Member.__table__)) == 3
        db.session.remove()
        db.engine.dispose()
