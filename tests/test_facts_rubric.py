"""Every fact of issue 11 point 3 scores a rubric item from records (tests/rubrics/facts.yaml).

Two branches of one unit are built record by record and scored through
:func:`core.scoring.services.score_unit` (the metrics computed by SQL, on SQLite and
PostgreSQL); each item's score is worked out by hand from the rubric's text beside the assert.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from core.development.models import DevelopmentRecord, ProbationDecision
from core.documents.models import PartyDocument
from core.events.models import Attendance, Event, EventKind
from core.mass.models import MassActivity, MassOrganization
from core.members.models import DevelopmentCase, DevelopmentStep
from core.organizations.models import CommitteeSeat
from core.plugins import hookimpl
from core.plugins.manager import EXTENSION_KEY, create_registry
from core.publicity.models import PublicityReport
from core.scoring.services import score_unit
from core.standards import check_standard_file, national
from core.standards.catalogue import (
    ATTENDANCE_DETAIL,
    COMMITTEE_ROLES,
    DEVELOPMENT,
    DOCUMENTS,
    LESSONS,
    MASS,
    PUBLICITY,
    SETUP,
)
from core.standards.types import UnitType
from core.tenancy import use_tenant

RUBRIC = Path(__file__).parent / "rubrics" / "facts.yaml"
YEAR = 2025
AS_OF = dt.date(2026, 1, 10)


class FactsRubric:
    """A unit type scored with the facts rubric, keeping the national document types."""

    @hookimpl
    def branchmark_unit_types(self) -> list[UnitType]:
        return [
            UnitType(
                key="r_facts", name_zh="测试事实", name_en="facts", standard_files=(RUBRIC,),
                document_types=national.document_types(),
            )
        ]


@pytest.fixture
def registry(app):
    registry = create_registry(load_entry_points=False, extra_plugins=[FactsRubric()])
    app.extensions[EXTENSION_KEY] = registry
    return registry


def test_the_rubric_passes_the_check_and_reads_every_new_metric() -> None:
    assert check_standard_file(RUBRIC) == []
    text = RUBRIC.read_text(encoding="utf-8")
    families = (COMMITTEE_ROLES, LESSONS, ATTENDANCE_DETAIL, MASS, DOCUMENTS, SETUP, PUBLICITY)
    names = [m.name for f in families for m in f.metrics]
    names += [m.name for m in DEVELOPMENT.metrics if m.name != "development.overdue_activist_assessments"]
    # A placeholder metric is read when one of its codes is: its name up to the placeholder.
    unread = [name for name in names if f"metric: {name.split('<')[0]}" not in text]
    assert unread == []


class Records:
    """Rows of one unit, written inside its tenant."""

    def __init__(self, db, tenant, make_organization, make_member) -> None:
        self.db, self.tenant = db, tenant
        self.make_organization, self.make_member = make_organization, make_member

    def add(self, *rows):
        with use_tenant(self.tenant.id):
            self.db.session.add_all(rows)
            self.db.session.commit()
            return rows[0] if len(rows) == 1 else rows

    def seat(self, branch, member, role, start=dt.date(2024, 1, 1), end=None):
        return self.add(CommitteeSeat(organization_id=branch.id, member_id=member.id, role=role, started_on=start, ended_on=end))

    def event(self, branch, kind, day, *, present=(), absent=(), presenter=None):
        with use_tenant(self.tenant.id):
            event = Event(organization_id=branch.id, kind=kind, held_on=day, topic=f"{kind}{day}",
                          presenter_member_id=presenter.id if presenter else None)
            event.kinds.append(EventKind(kind=kind))
            self.db.session.add(event)
            self.db.session.flush()
            for member, status in [(m, "present") for m in present] + [(m, "absent") for m in absent]:
                self.db.session.add(Attendance(event_id=event.id, member_id=member.id, status=status))
            self.db.session.commit()
            return event

    def case(self, branch, name, steps: dict[int, dt.date]):
        with use_tenant(self.tenant.id):
            case = DevelopmentCase(organization_id=branch.id, name=name, stage="probationary")
            self.db.session.add(case)
            self.db.session.flush()
            for step, day in steps.items():
                self.db.session.add(DevelopmentStep(case_id=case.id, step=step, done_on=day))
            self.db.session.commit()
            return case

    def document(self, branch, doc_type, day, **fields):
        return self.add(PartyDocument(organization_id=branch.id, doc_type=doc_type, year=fields.pop("year", YEAR),
                                      title=f"{doc_type}{day}", dated_on=day, **fields))


@pytest.fixture
def unit(db, registry, make_tenant, make_organization, make_member):
    return Records(db, make_tenant(unit_type="r_facts"), make_organization, make_member)


def test_every_fact_scores_its_item_as_by_hand(unit, registry) -> None:
    u = unit
    # The records are built inside the unit: on PostgreSQL a row reloads only there (RLS).
    with use_tenant(u.tenant.id):
        _build(u)
    outcome = score_unit(u.tenant, YEAR, registry, as_of=AS_OF)
    _assert_scores({b.organization.code: b.result for b in outcome.branches})


def _build(u: Records) -> None:
    one = u.make_organization(u.tenant, code="F1", name="一支部")
    s, o, p, d, leader, *rest = [u.make_member(one) for _ in range(8)]
    with use_tenant(u.tenant.id):
        leader.is_leader = True
        u.db.session.add(leader)
        u.db.session.commit()
    for member, role in ((s, "secretary"), (o, "organization"), (p, "propaganda")):
        u.seat(one, member, role)
    u.seat(one, d, "discipline", end=dt.date(2025, 6, 30))
    everyone = [s, o, p, d, leader, *rest]
    u.event(one, "party_lesson", dt.date(YEAR, 3, 10), present=everyone[:7], absent=everyone[7:], presenter=s)
    u.event(one, "party_lesson", dt.date(YEAR, 9, 10), present=everyone[:6], absent=everyone[6:], presenter=leader)
    u.event(one, "general_meeting", dt.date(YEAR, 6, 10), present=everyone)
    for month in (3, 6, 9, 12):
        u.event(one, "mass_work_study", dt.date(YEAR, month, 20))
    admitted = u.case(one, "预备甲", {15: dt.date(YEAR, 3, 1), 17: dt.date(YEAR, 4, 1)})
    u.add(
        DevelopmentRecord(case_id=admitted.id, kind="probationary_assessment", step=21, done_on=dt.date(YEAR, 6, 1)),
        DevelopmentRecord(case_id=admitted.id, kind="probationary_assessment", step=21, done_on=dt.date(YEAR, 9, 1)),
    )
    u.document(one, "annual_plan", dt.date(YEAR, 2, 20))
    for month in (4, 7, 10):
        u.document(one, "disclosure", dt.date(YEAR, month, 1))
    u.document(one, "secretary_report", dt.date(YEAR, 12, 20), result="较好")
    u.document(one, "year_end_summary", dt.date(2026, 1, 5))  # for 2025, dated in January
    u.document(one, "responsibility_letter", dt.date(YEAR, 3, 15))
    union = u.add(MassOrganization(kind="trade_union", name="机关工会", set_up_on=dt.date(2020, 1, 1)))
    u.add(
        MassActivity(mass_organization_id=union.id, held_on=dt.date(YEAR, 5, 1), title="职工运动会"),
        MassActivity(mass_organization_id=union.id, held_on=dt.date(YEAR, 10, 1), title="读书会"),
    )
    for level, day in (("county", dt.date(YEAR, 2, 1)), ("city", dt.date(YEAR, 5, 1)), ("city", dt.date(YEAR, 8, 1))):
        u.add(PublicityReport(organization_id=one.id, title=f"报道{day}", outlet="融媒体中心", level=level, published_on=day))

    two = u.make_organization(u.tenant, code="F2", name="二支部")
    k, *others = [u.make_member(two) for _ in range(8)]
    with use_tenant(u.tenant.id):
        k.is_leader = True
        u.db.session.add(k)
        u.db.session.commit()
    u.event(two, "party_lesson", dt.date(YEAR, 5, 10), present=others[:5], absent=[k, *others[5:]])
    late = u.case(two, "预备乙", {15: dt.date(2022, 6, 1), 17: dt.date(2022, 7, 1)})
    meeting = u.event(two, "general_meeting", dt.date(2023, 5, 20))
    u.add(ProbationDecision(case_id=late.id, kind="extend", decided_on=dt.date(2023, 5, 20), event_id=meeting.id, extension_months=6))


def _assert_scores(found: dict) -> None:
    first = found["F1"]
    # 发展党员: the 9-01 quarterly assessment was due by 12-02 → 扣1 → 1; admitted this year → 3;
    #   admitted → 1.                                                                    = 5
    assert first.item("dev.probation").score == Decimal("1.00")
    assert first.item("dev.admission").score == Decimal("3.00")
    assert first.item("dev.ever").level == "有"
    # 班子: 纪检委员 empty since 06-30 (184 days > 90) → 扣1 → 2; longest 184 > 180 → 0.  = 2
    assert [line.label for line in first.item("com.roles").lines] == ["职务空缺超过90天"]
    assert first.item("com.vacancy").score == 0
    # 组织生活: 党课 (7 + 6) / 16 = 81.25 % → 2; one meeting at 75 % → 1.5; the secretary
    #   presented one → 2; the leader attended 3 of 3 → 2; nobody under 50 % → 2.       = 9.5
    assert first.item("life.lesson_attendance").score == Decimal("2.00")
    assert first.item("life.low").score == Decimal("1.50")
    assert first.item("life.secretary_lesson").score == Decimal("2.00")
    assert first.item("life.dual").score == Decimal("2.00")
    assert first.item("life.dual_each").score == Decimal("2.00")
    # 群团: no 共青团 → 扣1 → 0; 2 activities → 1; 4 studies → 1.                        = 2
    assert [line.label for line in first.item("mass.set_up").lines] == ["未建立共青团"]
    assert first.item("mass.activities").score == Decimal("1.00")
    assert first.item("mass.study").score == Decimal("1.00")
    # 档案: plan by 02-20 → 2; 3 of 4 disclosures → 1.5; 较好 → 1.5; only the 半年总结 is
    #   overdue (the 年终总结 of January counts for 2025) → 扣0.5 → 0.5.                   = 5.5
    assert first.item("doc.plan").score == Decimal("2.00")
    assert first.item("doc.disclosure").score == Decimal("1.50")
    assert first.item("doc.report").level == "较好"
    assert first.item("doc.overdue").score == Decimal("0.50")
    # 组织设置: 二支部 has 8 full members and no committee → 1 due → 2.                  = 2
    assert first.item("setup.due").score == Decimal("2.00")
    # base 26; bonus 3 reports → 1.5, 2 city → 1, a leader's lesson → 0.5, 2 lessons → 0.5
    #   = 3.5, capped at 3 → 29 (一类 from 28).
    assert first.bonus == Decimal("3.00")
    assert (first.total, first.grade) == (Decimal("29.00"), "一类")

    second = found["F2"]
    # 发展党员: no assessment since the 2022 admission → 扣1; extended to 2023-12-01 with no
    #   conversion → 扣1 → 0; 3 years without admitting → 1 + 0.5 = 扣1.5 → 1.5; 有 → 1. = 2.5
    assert [line.label for line in second.item("dev.probation").lines] == ["预备党员考察逾期", "预备期满未讨论转正"]
    assert second.item("dev.admission").score == Decimal("1.50")
    # 班子: no 组织、宣传委员, no secretary since the founding → 0; the vacancy → 0.        = 0
    assert second.item("com.roles").score == 0 and second.item("com.vacancy").score == 0
    # 组织生活: 党课 5 of 8 → 0; one meeting under 80 % → 1.5; no lesson by the secretary → 0;
    #   the leader missed the only one (0 %) → 0 and 扣1 → 1.                           = 2.5
    assert second.item("life.lesson_attendance").score == 0
    assert second.item("life.dual").score == 0
    assert second.item("life.dual_each").score == Decimal("1.00")
    # 群团: 0 + 1 + no study of 群团工作 → 0.                                              = 1
    assert second.item("mass.study").score == 0
    # 档案: nothing → 0 + 0 + 未述职 0 + four overdue (扣完为止) 0.                          = 0
    assert second.item("doc.report").level == "差或未述职"
    assert second.item("doc.overdue").score == 0
    # 组织设置 2; base 8; bonus: its one lesson → 0.25.                                   = 8.25
    assert second.bonus == Decimal("0.25")
    assert second.total == Decimal("8.25")
