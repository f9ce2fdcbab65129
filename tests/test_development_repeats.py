"""Issue 11 point 2, the pieces not checked elsewhere: the quarterly assessments of a probationary
member, thought reports and training certificates are all kept and the overdue quarter raises the
alert; an extension of the 预备期 outside 6–12 months is refused in Chinese and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from core.development import services as development
from core.development.models import DevelopmentRecord, ProbationDecision
from core.members.models import DevelopmentCase
from core.tenancy import use_tenant
from core.validation import RecordError
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import rows
from tests.test_facts_records import _alerts, _case, _meeting

D = dt.date


def test_quarterly_assessments_reports_and_certificates_are_all_kept(county, db):
    steps = {n: D(2025, 1, 10) for n in range(1, 18)}
    case_id = _case(db, county, "孙预备", steps, "probationary")
    with use_tenant(county.tenant_id):
        case = db.session.get(DevelopmentCase, case_id)
        for kind, day in (
            ("probationary_assessment", D(2025, 3, 1)), ("probationary_assessment", D(2025, 6, 1)),
            ("thought_report", D(2025, 2, 1)), ("thought_report", D(2025, 5, 1)),
            ("training_certificate", D(2025, 1, 20)),
        ):
            development.add_record(case, kind=kind, done_on=day, summary="按期完成")
        db.session.commit()
    kept = rows(db, county.tenant_id, DevelopmentRecord, DevelopmentRecord.case_id == case_id)
    assert sorted((r.kind, r.done_on) for r in kept) == [
        ("probationary_assessment", D(2025, 3, 1)), ("probationary_assessment", D(2025, 6, 1)),
        ("thought_report", D(2025, 2, 1)), ("thought_report", D(2025, 5, 1)),
        ("training_certificate", D(2025, 1, 20)),
    ]
    # A quarter (92 days) after the last assessment it is overdue.
    assert not any("孙预备" in a for a in _alerts(db, county, D(2025, 8, 31)))
    assert "预备党员 孙预备 的季度考察已逾期（应于2025-09-01前）" in _alerts(db, county, D(2025, 9, 3))


@pytest.mark.parametrize("months", [3, 13, None])
def test_an_extension_outside_six_to_twelve_months_is_refused(county, db, months):
    steps = {n: D(2024, 3, 1) for n in range(1, 18)}
    case_id = _case(db, county, "周延长", steps, "probationary")
    meeting = _meeting(db, county, D(2025, 2, 26))
    with use_tenant(county.tenant_id):
        case = db.session.get(DevelopmentCase, case_id)
        with pytest.raises(RecordError) as error:
            development.record_decision(case, kind="extend", event_id=meeting, extension_months=months)
        assert error.value.errors["extension_months"] == "延长期限应为 6 至 12 个月"
        db.session.rollback()
    assert rows(db, county.tenant_id, ProbationDecision) == []
