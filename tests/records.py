"""Builds one row of every tenant-owned model for a unit, so isolation tests cover them all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from core.authoring.models import UnitItemSwitch, UnitStandardSetting
from core.db import Base, TenantScoped
from core.development.models import DevelopmentRecord, ProbationDecision
from core.documents.models import PartyDocument
from core.dues.models import DuesPayment
from core.events.models import Attendance, Event, EventAttachment, EventKind, TrainingRecord
from core.facilities.models import FacilityCheck
from core.funding.models import FundingRecord
from core.host.models import FiscalBasis
from core.mass.models import MassActivity, MassOrganization
from core.members.models import Appraisal, DevelopmentCase, DevelopmentStep, Member, Membership
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term
from core.publicity.models import PublicityReport
from core.scoring.models import (
    Exemption,
    Finding,
    Honour,
    LiveResult,
    LiveState,
    ManualScore,
    Rectification,
    Scorecard,
)
from core.staffing.models import StaffPost
from core.transfers.models import UnitTransfer


def tenant_models() -> list[type]:
    """Every mapped model owned by a tenant."""
    return sorted(
        (m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantScoped)),
        key=lambda cls: cls.__name__,
    )


def build_every_record(session, label: str) -> dict[type, object]:
    """Add one row of each tenant-owned model (in the current tenant) and flush.

    :param label: distinguishes the rows of one unit from another's in names.
    :returns: the row of each model.
    """
    day = dt.date(2025, 3, 5)
    org = Organization(code=f"B-{label}", name=f"{label}党支部", kind="branch", established_on=dt.date(2015, 1, 1))
    session.add(org)
    session.flush()
    member = Member(organization_id=org.id, name=f"{label}党员", status="full", joined_on=dt.date(2010, 1, 1))
    group = PartyGroup(organization_id=org.id, name=f"{label}第一党小组")
    term = Term(organization_id=org.id, elected_on=day, started_on=day, ends_on=dt.date(2028, 3, 4))
    event = Event(organization_id=org.id, kind="theme_day", held_on=day, topic=f"{label}主题党日")
    session.add_all([member, group, term, event])
    session.flush()
    case = DevelopmentCase(organization_id=org.id, name=f"{label}申请人")
    card = Scorecard(
        organization_id=org.id, year=2025, as_of=dt.date(2025, 12, 31), unit_type="organ",
        standard_key="organ", standard_version="2025.1", status="rated", total=Decimal("88"),
        max=Decimal("100"), grade="四星", result={}, inputs={}, created_by="test",
    )
    mass = MassOrganization(kind="trade_union", name=f"{label}工会", set_up_on=dt.date(2016, 1, 1))
    session.add_all([case, card, mass])
    session.flush()
    rows: dict[type, object] = {
        Organization: org,
        Member: member,
        PartyGroup: group,
        Term: term,
        Event: event,
        DevelopmentCase: case,
        FiscalBasis: FiscalBasis(year=2025, public_operating_expenses=Decimal("1000000")),
        CommitteeSeat: CommitteeSeat(organization_id=org.id, member_id=member.id, role="secretary", started_on=day),
        Appraisal: Appraisal(member_id=member.id, year=2025, result="qualified"),
        DevelopmentStep: DevelopmentStep(case_id=case.id, step=1, done_on=day),
        EventKind: EventKind(event_id=event.id, kind="theme_day"),
        Attendance: Attendance(event_id=event.id, member_id=member.id, status="present"),
        EventAttachment: EventAttachment(event_id=event.id, filename="minutes.pdf", stored_path="x/minutes.pdf"),
        TrainingRecord: TrainingRecord(member_id=member.id, taken_on=day, hours=Decimal("8"), title="党校轮训"),
        DuesPayment: DuesPayment(member_id=member.id, year=2025, month=3, amount_due=Decimal("45.00")),
        FundingRecord: FundingRecord(year=2025, source="fiscal_budget", budgeted=Decimal("35000")),
        StaffPost: StaffPost(person_name=f"{label}专干", kind="full_time", started_on=day),
        Scorecard: card,
        Finding: Finding(organization_id=org.id, year=2025, finding="weak_and_lax", decided_on=day, document="县组〔2025〕1号", recorded_by="督导"),
        Honour: Honour(organization_id=org.id, year=2025, name="先进基层党组织", level="county", awarded_on=day, awarded_by="县委"),
        ManualScore: ManualScore(organization_id=org.id, year=2025, item_id="onsite", points=Decimal("8"), entered_by="督导", entered_on=day),
        Exemption: Exemption(organization_id=org.id, item_id="funding", reason="新设单位", requested_by="管理员", expires_on=dt.date(2025, 12, 31)),
        Rectification: Rectification(organization_id=org.id, year=2025, item_id="dues", title="党费", description="补交", opened_on=day),
        FacilityCheck: FacilityCheck(organization_id=org.id, item="flag", met=True, checked_by="检查人", checked_on=day),
        UnitItemSwitch: UnitItemSwitch(item_id="funding", reason=f"{label}无经费来源", requested_by="管理员"),
        UnitStandardSetting: UnitStandardSetting(extra_items={}, bands=None),
        DevelopmentRecord: DevelopmentRecord(case_id=case.id, kind="thought_report", step=6, done_on=day),
        ProbationDecision: ProbationDecision(case_id=case.id, kind="extend", decided_on=day, event_id=event.id, extension_months=6),
        PartyDocument: PartyDocument(organization_id=org.id, doc_type="annual_plan", year=2025, title=f"{label}年度计划", dated_on=day),
        PublicityReport: PublicityReport(organization_id=org.id, title=f"{label}报道", outlet="县融媒体中心", level="county", published_on=day),
        MassOrganization: mass,
        MassActivity: MassActivity(mass_organization_id=mass.id, held_on=day, title=f"{label}职工运动会"),
        LiveResult: LiveResult(
            organization_id=org.id, year=2025, as_of=day, standard_key="organ", standard_version="2025.1",
            status="rated", total=Decimal("88"), max=Decimal("100"), grade="四星", summary={}, lost=[],
        ),
        # The writes above already marked the unit stale (one row per unit): that row, or a new one.
        LiveState: session.scalar(select(LiveState)) or LiveState(stale=True),
        Membership: member.periods[0],  # opened with the member
        UnitTransfer: UnitTransfer(
            reference=f"{label}-transfer"[:32], direction="out", peer_tenant_id=member.tenant_id, member_id=member.id,
            organization_id=org.id, member_name=member.name, member_status="full", joined_on=member.joined_on,
            transfer_on=day, letter_no="组转字〔2025〕1号", reason="工作调动",
        ),
    }
    session.add_all([r for r in rows.values() if r not in session])
    session.flush()
    return rows


def every_record_ids(session, tenant_id: int, label: str) -> tuple[dict[str, int], str]:
    """:func:`build_every_record` in a unit, committed: (row id by table name, the branch's code)."""
    from core.tenancy import use_tenant

    with use_tenant(tenant_id):
        rows = build_every_record(session, label)
        session.commit()
        return {type(row).__tablename__: row.id for row in rows.values()}, rows[Organization].code
