"""The migration of issue 11's records carries each case's single assessment date over.

Before it, steps 6 and 21 of a development case held the one date of the half-yearly and the
quarterly assessment; after it, that date is the case's first assessment record, so the history
the page and the metrics read starts where it stood. Up and down on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, make_url, select

from core import create_app
from core.extensions import db
from core.host.models import Tenant
from core.members.models import DevelopmentCase, DevelopmentStep
from core.organizations.models import Organization
from core.tenancy import host_scope, use_tenant
from tests.conftest import _recreate_postgres

BEFORE = "7c3e5a9d2f41"


def _fresh_url(tmp_path) -> str:
    base = os.environ.get("BRANCHMARK_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'migration.db'}"
    url = make_url(base)
    url = url.set(database=f"{url.database}_mig")
    _recreate_postgres(url.render_as_string(hide_password=False))
    return url.render_as_string(hide_password=False)


def test_step_dates_become_the_first_assessment_records_and_come_back_down(tmp_path):
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
            db.session.flush()
            case = DevelopmentCase(organization_id=branch.id, name="赵积极", stage="probationary")
            db.session.add(case)
            db.session.flush()
            for step, day in ((3, dt.date(2023, 3, 1)), (6, dt.date(2023, 9, 1)), (15, dt.date(2024, 3, 1)), (21, dt.date(2024, 6, 1))):
                db.session.add(DevelopmentStep(case_id=case.id, step=step, done_on=day, note=f"第{step}步"))
            db.session.commit()
            case_id = case.id
        db.session.remove()

        upgrade()
        from core.development.models import DevelopmentRecord

        with use_tenant(tenant_id):
            records = db.session.execute(
                select(DevelopmentRecord.case_id, DevelopmentRecord.kind, DevelopmentRecord.step, DevelopmentRecord.done_on)
                .order_by(DevelopmentRecord.done_on)
            ).all()
        assert [tuple(r) for r in records] == [
            (case_id, "activist_assessment", 6, dt.date(2023, 9, 1)),
            (case_id, "probationary_assessment", 21, dt.date(2024, 6, 1)),
        ]
        db.session.remove()

        downgrade(revision=BEFORE)
        assert "development_record" not in inspect(db.engine).get_table_names()
        with host_scope():
            assert len(db.session.scalars(select(DevelopmentStep)).all()) == 4
        db.session.remove()
        db.engine.dispose()
