"""The demo county (tenants/demo/): it loads, covers what the issue asks for, holds every planted
gap listed in tenants/README.md, loads twice without duplicates, and bad data changes nothing.

Runs on SQLite, and on PostgreSQL (as the non-owner role) when BRANCHMARK_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import extract, func, select

from core import create_app
from core.accounts.models import User
from core.audit.models import AuditLog
from core.cli.demo import demo as demo_command
from core.demo import DEMO_DIR, DemoDataError, DemoSchemaMissing, load_demo
from core.demo.data import read_demo
from core.demo.expand import BranchContext, Person, plan_events
from core.dues.models import DuesPayment
from core.events.models import Attendance, Event, EventKind, TrainingRecord
from core.extensions import db as _db
from core.facilities.models import FacilityCheck
from core.funding.models import FundingRecord
from core.host.models import FiscalBasis, Host, HostParameter, Tenant
from core.members.models import Appraisal, DevelopmentCase, Member
from core.members.services import id_number_is_valid
from core.organizations.models import Organization, Term
from core.staffing.models import StaffPost
from core.tenancy import host_scope

AS_OF = dt.date(2026, 11, 20)
UNIT_TYPES = ("organ", "institution", "soe", "two_new", "school")
COUNTED = (Tenant, Organization, Term, Member, Event, EventKind, Attendance, DuesPayment,
           TrainingRecord, Appraisal, DevelopmentCase, FacilityCheck, StaffPost, FundingRecord,
           FiscalBasis, User, HostParameter, Host)


@pytest.fixture(scope="module")
def demo_data():
    return read_demo(DEMO_DIR)


def _counts(db) -> dict[str, int]:
    with host_scope():
        return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def _tenant(db, slug: str) -> Tenant:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _org(db, slug: str, code: str) -> Organization:
    return db.session.scalar(
        select(Organization).join(Tenant, Tenant.id == Organization.tenant_id)
        .where(Tenant.slug == slug, Organization.code == code)
    )


def _member(db, demo_data, number: str) -> Member:
    spec = next(m for m in demo_data.members if m.no == number)
    return db.session.scalar(
        select(Member).where(
            Member.tenant_id == _tenant(db, spec.unit).id, Member.id_number == spec.id_number
        )
    )


def _months_with(db, org: Organization, kind: str) -> set[tuple[int, int]]:
    rows = db.session.execute(
        select(extract("year", Event.held_on), extract("month", Event.held_on))
        .join(EventKind, EventKind.event_id == Event.id)
        .where(Event.organization_id == org.id, EventKind.kind == kind)
    ).all()
    return {(int(y), int(m)) for y, m in rows}


def test_demo_county_loads_with_every_planted_gap(app, db, demo_data):
    summary = load_demo()
    assert summary.as_of == AS_OF
    assert summary.host_created and len(summary.units_created) >= 10 and not summary.units_skipped

    with host_scope():
        # Units: at least 10, every built-in unit type at least twice.
        tenants = db.session.scalars(select(Tenant)).all()
        assert len(tenants) >= 10
        by_type = Counter(t.unit_type for t in tenants)
        assert all(by_type[t] >= 2 for t in UNIT_TYPES), by_type
        kinds = set(db.session.scalars(select(Organization.kind)))
        assert {"committee", "general_branch", "branch", "joint_branch"} <= kinds

        # Members: at least 400, fictitious but well-formed, with rare name characters.
        members = db.session.scalars(select(Member)).all()
        assert len(members) >= 400
        assert all(m.id_number and id_number_is_valid(m.id_number) for m in members)
        names = "".join(m.name for m in members)
        assert all(ch in names for ch in "喆堃珺玥昇")
        for m in members:
            if m.status == "probationary":
                assert m.full_on is None and (AS_OF - m.joined_on).days <= 366, m.name
            else:
                assert m.full_on is not None and m.full_on > m.joined_on
        categories = Counter(m.dues_category for m in members)
        assert categories["employed"] > categories["retired"] > categories["annual_salary"] > 0

        # Events in both years, none after the as-of date; multi-kind events exist.
        years = {int(y) for y in db.session.scalars(select(extract("year", Event.held_on)).distinct())}
        assert {2025, 2026} <= years
        assert db.session.scalar(select(func.max(Event.held_on))) <= AS_OF
        assert db.session.scalar(select(func.count()).select_from(EventKind)) > db.session.scalar(
            select(func.count()).select_from(Event)
        )
        statuses = Counter(db.session.scalars(select(Attendance.status)))
        assert statuses["present"] > statuses["excused"] > 0 and statuses["absent"] > 0

        # County parameters from the seeds.
        parameters = {p.key: p.value for p in db.session.scalars(select(HostParameter))}
        # Keys name the plugin parameter they set (organ.funding_ratio in %, two_new's in ‰).
        assert parameters["organ.funding_ratio"] == 3.5
        assert parameters["institution.funding_ratio"] == 2
        assert parameters["two_new.funding_ratio"] == 5
        assert parameters["soe.funding_ratio"] == 1
        assert parameters["all.training_hours_member"] == 32
        assert parameters["all.training_hours_leader"] == 56
        assert parameters["county.ranking_rules"] == {"praise_top": 6, "bar_bottom": 3, "interview_bottom": 2}
        assert parameters["organ.staffing_full_time_50_to_100"] == 3

        # Planted gap: six months of dues unpaid before as_of (2026-05 … 2026-10).
        lapsed = _member(db, demo_data, "lvxin-007")
        rows = db.session.scalars(
            select(DuesPayment).where(DuesPayment.member_id == lapsed.id, DuesPayment.year == 2026)
        ).all()
        last_six = [r for r in rows if 5 <= r.month <= 10]
        assert len(last_six) == 6 and all(r.paid_on is None and r.amount_paid is None for r in last_six)
        assert all(r.paid_on is not None for r in rows if r.month < 5)
        # … and a few members three months behind.
        for number in ("jiaotou-033", "shixiao-021", "huayuan-012"):
            member = _member(db, demo_data, number)
            unpaid = db.session.scalars(
                select(DuesPayment.month).where(
                    DuesPayment.member_id == member.id, DuesPayment.year == 2026,
                    DuesPayment.paid_on.is_(None),
                )
            ).all()
            assert sorted(unpaid) == [8, 9, 10], number
        # Dues follow the 2008 bands (whole-base rates).
        for member in members[:50]:
            due = db.session.scalar(select(DuesPayment.amount_due).where(DuesPayment.member_id == member.id).limit(1))
            base = member.dues_base
            if member.dues_category == "retired":
                rate = Decimal("0.005") if base <= 5000 else Decimal("0.01")
            else:
                rate = next(r for limit, r in ((3000, "0.005"), (5000, "0.01"), (10000, "0.015"), (10**9, "0.02")) if base <= limit)
            assert due == (base * Decimal(rate)).quantize(Decimal("0.01")), member.name

        # Planted gap: committee overdue for re-election.
        overdue = _org(db, "nongji", "nj-b1")
        terms = db.session.scalars(select(Term).where(Term.organization_id == overdue.id)).all()
        assert max(t.ends_on for t in terms) < AS_OF
        assert all(t.started_on <= max(t.started_on for t in terms) for t in terms)

        # Planted gap: a branch under one year old.
        young = _org(db, "jiaotou", "jt-b3")
        assert AS_OF - dt.timedelta(days=365) < young.established_on <= AS_OF
        assert db.session.scalar(select(func.min(Event.held_on)).where(Event.organization_id == young.id)) >= young.established_on

        # Planted gap: missed months.
        cz_b2 = _org(db, "caizheng", "cz-b2")
        committee = _months_with(db, cz_b2, "committee_meeting")
        assert (2025, 3) not in committee and (2025, 7) not in committee
        assert {(2025, 1), (2025, 2), (2025, 4), (2026, 2)} <= committee
        assert (2026, 2) not in _months_with(db, cz_b2, "theme_day")
        assert (2026, 1) in _months_with(db, cz_b2, "theme_day")
        hy = _org(db, "huayuan", "hy-b1")
        lessons = _months_with(db, hy, "party_lesson")
        assert not any(y == 2026 and m <= 6 for y, m in lessons)
        assert any(y == 2025 and m <= 6 for y, m in lessons) and (2026, 8) in lessons

        # Planted gap: no 2025 democratic appraisal in one branch; the others have one.
        mz = _org(db, "minzheng", "mz-b1")
        appraised = set(
            db.session.scalars(
                select(Member.organization_id).join(Appraisal, Appraisal.member_id == Member.id)
                .where(Appraisal.year == 2025)
            )
        )
        assert mz.id not in appraised and len(appraised) >= 15

        # Planted gaps: funding below the county formula.
        def funded(slug: str, year: int) -> Decimal:
            return db.session.scalar(
                select(func.sum(FundingRecord.budgeted)).where(
                    FundingRecord.tenant_id == _tenant(db, slug).id, FundingRecord.year == year
                )
            )

        def basis(slug: str, year: int) -> FiscalBasis:
            return db.session.scalar(
                select(FiscalBasis).where(FiscalBasis.tenant_id == _tenant(db, slug).id, FiscalBasis.year == year)
            )

        ratio = Decimal(str(parameters["organ.funding_ratio"])) / 100
        assert funded("shichang", 2025) < ratio * basis("shichang", 2025).public_operating_expenses
        assert funded("shichang", 2026) >= ratio * basis("shichang", 2026).public_operating_expenses
        assert funded("caizheng", 2025) >= ratio * basis("caizheng", 2025).public_operating_expenses
        two_new = Decimal(str(parameters["two_new.funding_ratio"])) / 1000
        assert funded("huayuan", 2026) < two_new * basis("huayuan", 2026).wage_bill_last_year
        assert funded("lvxin", 2026) >= two_new * basis("lvxin", 2026).wage_bill_last_year

        # Planted gaps: understaffed units.
        caizheng = _tenant(db, "caizheng")
        full_time = db.session.scalar(
            select(func.count()).select_from(StaffPost)
            .where(StaffPost.tenant_id == caizheng.id, StaffPost.kind == "full_time")
        )
        cz_members = db.session.scalar(select(func.count()).select_from(Member).where(Member.tenant_id == caizheng.id))
        assert 50 <= cz_members <= 100 and full_time < 3
        lvxin_kinds = set(db.session.scalars(select(StaffPost.kind).where(StaffPost.tenant_id == _tenant(db, "lvxin").id)))
        assert "instructor" not in lvxin_kinds
        assert "instructor" in set(
            db.session.scalars(select(StaffPost.kind).where(StaffPost.tenant_id == _tenant(db, "huayuan").id))
        )

        # Planted gap: unmet facility items.
        joint = _org(db, "shehui", "sh-lh")
        unmet = set(
            db.session.scalars(
                select(FacilityCheck.item).where(FacilityCheck.organization_id == joint.id, FacilityCheck.met.is_(False))
            )
        )
        assert len(unmet) == 3 and {"equipment", "reading"} <= unmet

        # Planted gap: an activist overdue for the half-yearly assessment.
        activist = db.session.scalar(select(DevelopmentCase).where(DevelopmentCase.name == "郑雨桐"))
        assert activist.stage == "activist"
        assert activist.step_date(6) + dt.timedelta(days=183) < AS_OF

        # Training: some members reach 32 学时 in 2025, some fall behind.
        hours = Counter()
        for member_id, h in db.session.execute(
            select(Attendance.member_id, Event.training_hours)
            .join(Event, Event.id == Attendance.event_id)
            .where(Attendance.status == "present", extract("year", Event.held_on) == 2025)
        ):
            hours[member_id] += h
        for member_id, h in db.session.execute(
            select(TrainingRecord.member_id, TrainingRecord.hours).where(extract("year", TrainingRecord.taken_on) == 2025)
        ):
            hours[member_id] += h
        veterans = [m for m in members if m.joined_on < dt.date(2025, 1, 1) and m.transferred_in_on is None]
        behind = [m for m in veterans if hours[m.id] < 32]
        assert 0 < len(behind) < len(veterans) / 2

    # Logins and the audit trail.
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert users["tx-admin"].role == "host_admin"
    supervisors = [u for u in users.values() if u.role == "supervisor"]
    assert sorted(sorted(s.unit_type for s in u.scopes) for u in supervisors) == [
        ["institution", "organ"], ["school", "soe", "two_new"],
    ]
    assert sum(u.role == "unit_admin" for u in users.values()) == len(tenants)
    secretaries = [u for u in users.values() if u.role == "secretary"]
    assert secretaries and all(u.organization_id and u.tenant_id for u in secretaries)
    with host_scope():  # the audit log has row-level security on PostgreSQL
        record = db.session.scalar(select(AuditLog).where(AuditLog.table_name == "demo"))
    assert record.actor == "cli:demo" and record.action == "insert"
    assert record.after["counts"]["member"] == len(members)


def test_loading_twice_adds_nothing(app, db):
    first = load_demo()
    before = _counts(db)
    second = load_demo()
    assert _counts(db) == before
    assert second.units_skipped == first.units_created and not second.units_created
    assert not second.host_created and "member" not in second.counts
    assert not any(login.created for login in second.logins)


def test_expansion_is_deterministic(demo_data):
    unit = demo_data.unit("caizheng")
    org = unit.organization("cz-b2")
    specs = [m for m in demo_data.members if m.unit == "caizheng" and m.branch == "cz-b2"]

    def plan():
        people = [Person(i, m) for i, m in enumerate(specs, 1)]
        ctx = BranchContext(
            unit=unit,
            org=org,
            org_id=1,
            people=people,
            committee_ids={p.id for p in people if p.spec.party_post},
            secretary=next(p for p in people if p.spec.party_post == "secretary"),
            organization_member=next(p for p in people if p.spec.party_post == "organization"),
        )
        return [
            (e.held_on, tuple(e.kinds), e.topic, e.presenter, tuple(e.attendance))
            for e in plan_events(demo_data.events, ctx, AS_OF)
        ]

    first = plan()
    assert first == plan()
    assert first[0][0] >= dt.date(2025, 1, 1) and first[-1][0] <= AS_OF
    # Events fall on working days.
    assert all(e[0].weekday() < 5 for e in first)


def _copy_demo(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, folder)
    return folder


def test_bad_member_row_names_file_row_and_field_and_writes_nothing(app, db, tmp_path):
    folder = _copy_demo(tmp_path)
    path = folder / "members.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("jikong-005,"))
    cells = lines[row].split(",")
    cells[7] = "1990-13-01"  # birth_date
    lines[row] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")

    with pytest.raises(DemoDataError) as caught:
        load_demo(folder)
    message = str(caught.value)
    assert "members.csv" in message and f"第 {row + 1} 行" in message and "birth_date" in message
    assert caught.value.line == row + 1 and caught.value.field == "birth_date"
    assert all(count == 0 for count in _counts(db).values())


def test_bad_yaml_field_names_file_and_line(app, db, tmp_path):
    folder = _copy_demo(tmp_path)
    path = folder / "units.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("kind: joint_branch", "kind: joint_brunch"), encoding="utf-8")
    line = text[: text.index("kind: joint_branch")].count("\n") + 1

    with pytest.raises(DemoDataError) as caught:
        load_demo(folder)
    assert "units.yaml" in str(caught.value) and caught.value.line == line and caught.value.field == "kind"
    assert all(count == 0 for count in _counts(db).values())


def test_cli_prints_summary_and_logins(app, db, runner):
    result = runner.invoke(demo_command, [])
    assert result.exit_code == 0, result.output
    assert "演示账号" in result.output and "tx-admin" in result.output and "branchmark-demo" in result.output

    again = runner.invoke(demo_command, [])
    assert again.exit_code == 0 and "已存在、跳过" in again.output

    bad = runner.invoke(demo_command, ["--as-of", "2026-13-01"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def test_cli_reports_bad_data_in_chinese(app, db, runner, tmp_path):
    folder = _copy_demo(tmp_path)
    (folder / "events.yaml").write_text("seed: [unclosed\n", encoding="utf-8")
    result = runner.invoke(demo_command, ["--path", str(folder)])
    assert result.exit_code != 0
    assert "events.yaml" in result.output and "未写入任何数据" in result.output
    assert all(count == 0 for count in _counts(db).values())


def test_missing_schema_says_run_db_upgrade(tmp_path):
    application = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "TESTING": True})
    with application.app_context():
        with pytest.raises(DemoSchemaMissing, match="branchmark db upgrade"):
            load_demo()
        result = application.test_cli_runner().invoke(demo_command, [])
        assert result.exit_code != 0 and "branchmark db upgrade" in result.output
        upgrade()  # once migrated, the same database loads
        assert load_demo().units_created
        _db.session.remove()
        _db.engine.dispose()


def test_as_of_today_generates_records_up_to_yesterday(app, runner, monkeypatch):
    """`make demo` runs `branchmark demo --as-of-today`: the demo ends the day before it runs."""
    seen = {}

    def fake_load(folder, *, as_of):
        seen["as_of"] = as_of
        raise DemoSchemaMissing("stop here")

    monkeypatch.setattr("core.cli.demo.load_demo", fake_load)
    monkeypatch.setattr("core.timezone.local_today", lambda: dt.date(2027, 3, 15))
    runner.invoke(demo_command, ["--as-of-today"])
    assert seen["as_of"] == dt.date(2027, 3, 14)
    runner.invoke(demo_command, ["--as-of", "2026-11-20", "--as-of-today"])
    assert seen["as_of"] == dt.date(2026, 11, 20)  # an explicit date wins
    runner.invoke(demo_command, [])
    assert seen["as_of"] is None  # no option: host.yaml's date, as the tests use


def test_documents_mass_organizations_and_a_vacancy_are_planted_through_the_services(app, db):
    from core.audit.models import AuditLog
    from core.documents.models import PartyDocument
    from core.mass.models import MassActivity, MassOrganization
    from core.organizations.models import CommitteeSeat
    from core.plugins.manager import get_registry
    from core.scoring.alerts import unit_alerts
    from core.tenancy import use_tenant

    summary = load_demo()
    assert summary.counts["mass_organization"] == 7 and summary.counts["party_document"] > 300
    with host_scope():
        documents = db.session.scalars(select(PartyDocument)).all()
        assert all(d.dated_on <= AS_OF for d in documents)
        # Written through the documents service: each row audited as the demo, like a form's.
        audited = db.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.table_name == "party_document")
        )
        assert audited == len(documents) == summary.counts["party_document"]
        cz_b3, mz_b1 = _org(db, "caizheng", "cz-b3"), _org(db, "minzheng", "mz-b1")

        def types(org, year):
            return {d.doc_type for d in documents if d.organization_id == org.id and d.year == year}

        assert "half_year_summary" in types(cz_b3, 2025) and "half_year_summary" not in types(cz_b3, 2026)
        assert "integrity_letter" in types(mz_b1, 2025) and "integrity_letter" not in types(mz_b1, 2026)
        report = next(d for d in documents if d.organization_id == cz_b3.id and d.doc_type == "secretary_report")
        assert report.result == "一般"
        activities = db.session.scalars(select(MassActivity)).all()
        assert len(activities) == summary.counts["mass_activity"] and all(a.held_on <= AS_OF for a in activities)
        assert {o.kind for o in db.session.scalars(select(MassOrganization))} == {"trade_union", "youth_league", "women"}
        jt_b2 = _org(db, "jiaotou", "jt-b2")
        seat = db.session.scalar(
            select(CommitteeSeat).where(CommitteeSeat.organization_id == jt_b2.id, CommitteeSeat.role == "propaganda")
            .order_by(CommitteeSeat.started_on.desc()).limit(1)
        )
        assert seat.ended_on == dt.date(2026, 9, 15)

    def messages(slug: str, code: str) -> list[str]:
        with host_scope():
            tenant, org = _tenant(db, slug), _org(db, slug, code)
        with use_tenant(tenant.id):
            return [a.message for a in unit_alerts(tenant, AS_OF, get_registry()).get(org.id, [])]

    assert any("宣传委员自2026-09-15起空缺" in m for m in messages("jiaotou", "jt-b2"))
    assert any("半年工作总结应于2026-07-31前形成" in m for m in messages("caizheng", "cz-b3"))
    assert not any("半年工作总结" in m for m in messages("caizheng", "cz-b1"))


def test_a_document_the_service_refuses_names_the_demo_file_line_and_field(app, db, tmp_path):
    folder = _copy_demo(tmp_path)
    path = folder / "mass.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("held_on: 2025-10-18", "held_on: 2001-10-18"), encoding="utf-8")
    line = text[: text.index("held_on: 2025-10-18")].count("\n") + 1

    with pytest.raises(DemoDataError) as caught:
        load_demo(folder)
    assert "mass.yaml" in str(caught.value) and caught.value.line == line and caught.value.field == "held_on"
    assert "成立日期" in caught.value.message
    assert all(count == 0 for count in _counts(db).values())
