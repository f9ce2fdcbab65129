"""The metrics as computed before the metric registry: the reference the families are checked on.

This is the single ``compute_metrics`` of ``core/scoring/metrics.py`` as it was before it was
split into families (``core/metrics/``), kept unchanged apart from this docstring so tests can
assert that the families (and their SQL aggregation) give the same values on the demo county and
on a generated one.

Original docstring:

One call reads each table once for the whole scope (a unit, or the county inside
``host_scope()``), so the number of queries does not grow with the number of branches, members
or events. The result maps each branch's id to a flat dict of dotted metric names (the catalogue
in ``docs/standards.md``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.dues.models import DuesPayment
from core.events.models import Attendance, Event, EventKind, TrainingRecord
from core.extensions import db
from core.facilities.models import FacilityCheck
from core.findings.kinds import finding_codes
from core.funding.models import FundingRecord
from core.host.models import FiscalBasis
from core.members.models import Appraisal, DevelopmentCase, DevelopmentStep, Member
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term
from core.scoring.models import Finding, Honour
from core.staffing.models import StaffPost
from core.vocabulary import EVENT_KINDS

BRANCH_KINDS = ("branch", "joint_branch")
#: Kinds whose attendance measures members' participation (三会一课 for all members, 主题党日).
ATTENDANCE_KINDS = ("general_meeting", "theme_day", "party_lesson")
#: 中组发〔2008〕3号: 6 consecutive months unpaid without reason → treated as 自行脱党.
DUES_LAPSE_MONTHS = 6
DUES_WARNING_MONTHS = 3
#: 发展党员工作细则 第十一条: 党支部每半年对入党积极分子考察一次.
ACTIVIST_ASSESSMENT_DAYS = 183


@dataclass(frozen=True)
class Period:
    """The assessment year and the day the records are read on."""

    year: int
    as_of: dt.date

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        """Last day whose records count: the year's end, or ``as_of`` in the current year."""
        return min(dt.date(self.year, 12, 31), self.as_of)

    @property
    def months(self) -> list[str]:
        """Whole months of the year that have ended by ``as_of`` (a running month is not due)."""
        if self.as_of.year > self.year:
            last = 12
        elif self.as_of.year < self.year:
            return []
        else:
            last = self.as_of.month - 1
        return [f"{self.year}-{m:02d}" for m in range(1, last + 1)]


def _month_key(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _member_span(member) -> tuple[dt.date, dt.date | None]:
    return (member.transferred_in_on or member.joined_on, member.left_on)


def _belongs(member, day: dt.date) -> bool:
    start, left = _member_span(member)
    return start <= day and (left is None or left > day)


def compute_metrics(
    period: Period, *, tenant_ids: Iterable[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Facts for every branch of the scope in one period.

    :param period: the year and the day records are read on.
    :param tenant_ids: restrict to these units (use inside ``host_scope()`` for several units);
        ``None`` means every unit the current tenant filter lets through.
    :returns: branch id → flat mapping of metric name → value.
    """
    start, end = period.start, period.end
    tenant_filter = list(tenant_ids) if tenant_ids is not None else None

    def scoped(query, model):
        return query if tenant_filter is None else query.where(model.tenant_id.in_(tenant_filter))

    organizations = db.session.scalars(scoped(select(Organization), Organization)).all()
    branches = [o for o in organizations if o.kind in BRANCH_KINDS and o.established_on <= end]
    if not branches:
        return {}
    parent = {o.id: o.parent_id for o in organizations}

    members = db.session.execute(
        scoped(
            select(
                Member.id, Member.tenant_id, Member.organization_id, Member.name, Member.status,
                Member.joined_on, Member.transferred_in_on, Member.left_on, Member.is_leader,
            ).where(Member.joined_on <= end, (Member.left_on.is_(None)) | (Member.left_on > start)),
            Member,
        )
    ).all()
    members_by_org: dict[int, list] = defaultdict(list)
    for m in members:
        members_by_org[m.organization_id].append(m)

    # Events of the year with every kind they count as (one event may count as several).
    event_rows = db.session.execute(
        scoped(
            select(Event.id, Event.organization_id, Event.held_on, Event.topic, EventKind.kind)
            .join(EventKind, EventKind.event_id == Event.id)
            .where(Event.held_on.between(start, end)),
            Event,
        ).order_by(Event.held_on, Event.id)
    ).all()

    attendance_counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event_id, status, count in db.session.execute(
        scoped(
            select(Attendance.event_id, Attendance.status, func.count())
            .join(Event, Event.id == Attendance.event_id)
            .where(Event.held_on.between(start, end))
            .group_by(Attendance.event_id, Attendance.status),
            Attendance,
        )
    ):
        attendance_counts[event_id][status] = count

    hours: dict[int, Decimal] = defaultdict(Decimal)
    for member_id, total in db.session.execute(
        scoped(
            select(Attendance.member_id, func.sum(Event.training_hours))
            .join(Event, Event.id == Attendance.event_id)
            .where(Attendance.status == "present", Event.held_on.between(start, end))
            .group_by(Attendance.member_id),
            Attendance,
        )
    ):
        hours[member_id] += Decimal(str(total or 0))
    for member_id, total in db.session.execute(
        scoped(
            select(TrainingRecord.member_id, func.sum(TrainingRecord.hours))
            .where(TrainingRecord.taken_on.between(start, end))
            .group_by(TrainingRecord.member_id),
            TrainingRecord,
        )
    ):
        hours[member_id] += Decimal(str(total or 0))

    # Dues: a lapse may begin in the previous year, so read back far enough to see six months.
    dues_from = _month_index(period.year, 1) - DUES_LAPSE_MONTHS
    paid: set[tuple[int, int]] = set()
    on_time: set[tuple[int, int]] = set()
    for member_id, year, month, paid_on in db.session.execute(
        scoped(
            select(DuesPayment.member_id, DuesPayment.year, DuesPayment.month, DuesPayment.paid_on)
            .where(DuesPayment.paid_on.is_not(None), DuesPayment.year >= period.year - 1),
            DuesPayment,
        )
    ):
        index = _month_index(year, month)
        paid.add((member_id, index))
        # Paid within the month it was due, or by the end of the next one.
        if paid_on <= _last_day_of_next_month(year, month):
            on_time.add((member_id, index))

    terms = db.session.scalars(scoped(select(Term), Term).order_by(Term.started_on)).all()
    latest_term: dict[int, Term] = {}
    for term in terms:
        if term.started_on <= end:
            latest_term[term.organization_id] = term

    seats: dict[int, list] = defaultdict(list)
    for seat in db.session.execute(
        scoped(
            select(CommitteeSeat.organization_id, CommitteeSeat.member_id, CommitteeSeat.role)
            .where(CommitteeSeat.started_on <= end)
            .where((CommitteeSeat.ended_on.is_(None)) | (CommitteeSeat.ended_on > end)),
            CommitteeSeat,
        )
    ):
        seats[seat.organization_id].append(seat)

    groups = dict(
        db.session.execute(
            scoped(
                select(PartyGroup.organization_id, func.count()).group_by(PartyGroup.organization_id),
                PartyGroup,
            )
        ).all()
    )

    fiscal = {
        f.tenant_id: f
        for f in db.session.scalars(scoped(select(FiscalBasis).where(FiscalBasis.year == period.year), FiscalBasis))
    }
    funding: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"budgeted": Decimal(0), "spent": Decimal(0)})
    for tenant_id, budgeted, spent in db.session.execute(
        scoped(
            select(FundingRecord.tenant_id, func.sum(FundingRecord.budgeted), func.sum(FundingRecord.spent))
            .where(FundingRecord.year == period.year)
            .group_by(FundingRecord.tenant_id),
            FundingRecord,
        )
    ):
        funding[tenant_id] = {"budgeted": Decimal(str(budgeted or 0)), "spent": Decimal(str(spent or 0))}

    staff: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    staff_by_org: dict[int, int] = defaultdict(int)
    for tenant_id, organization_id, kind in db.session.execute(
        scoped(
            select(StaffPost.tenant_id, StaffPost.organization_id, StaffPost.kind)
            .where(StaffPost.started_on <= end)
            .where((StaffPost.ended_on.is_(None)) | (StaffPost.ended_on > end)),
            StaffPost,
        )
    ):
        staff[tenant_id][kind] += 1
        if kind == "instructor" and organization_id is not None:
            staff_by_org[organization_id] += 1

    checks: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for check in db.session.scalars(
        scoped(select(FacilityCheck).where(FacilityCheck.checked_on <= end), FacilityCheck).order_by(
            FacilityCheck.checked_on, FacilityCheck.id
        )
    ):
        checks[check.organization_id][check.item] = {
            "met": check.met,
            "evidence": check.evidence_note or check.evidence_file,
            "checked_on": check.checked_on.isoformat(),
            "checked_by": check.checked_by,
            "record_id": check.id,
        }

    # Last year's dues paid in each unit: the base of a school's share of retained dues.
    dues_last_year = dict(
        db.session.execute(
            scoped(
                select(DuesPayment.tenant_id, func.sum(DuesPayment.amount_paid))
                .where(DuesPayment.year == period.year - 1, DuesPayment.paid_on.is_not(None))
                .group_by(DuesPayment.tenant_id),
                DuesPayment,
            )
        ).all()
    )
    full_time_staff_members = {
        member_id
        for (member_id,) in db.session.execute(
            scoped(
                select(StaffPost.member_id).where(
                    StaffPost.kind == "full_time",
                    StaffPost.member_id.is_not(None),
                    StaffPost.started_on <= end,
                    (StaffPost.ended_on.is_(None)) | (StaffPost.ended_on > end),
                ),
                StaffPost,
            )
        )
    }

    findings: dict[int, set[str]] = defaultdict(set)
    for organization_id, code in db.session.execute(
        scoped(
            select(Finding.organization_id, Finding.finding).where(
                Finding.year == period.year, Finding.revoked_on.is_(None)
            ),
            Finding,
        )
    ):
        findings[organization_id].add(code)
    honours: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for honour in db.session.scalars(
        scoped(select(Honour).where(Honour.year == period.year, Honour.awarded_on <= end, Honour.revoked_on.is_(None)), Honour)
    ):
        honours[honour.organization_id].append(
            {"id": honour.id, "date": honour.awarded_on.isoformat(), "name": honour.name}
        )

    appraised = {
        member_id
        for (member_id,) in db.session.execute(
            scoped(select(Appraisal.member_id).where(Appraisal.year == period.year), Appraisal)
        )
    }

    activists = db.session.execute(
        scoped(
            select(DevelopmentCase.id, DevelopmentCase.organization_id, DevelopmentCase.name)
            .where(DevelopmentCase.stage == "activist"),
            DevelopmentCase,
        )
    ).all()
    step_dates: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    if activists:
        for case_id, step, done_on in db.session.execute(
            scoped(
                select(DevelopmentStep.case_id, DevelopmentStep.step, DevelopmentStep.done_on)
                .where(DevelopmentStep.step.in_((3, 6)), DevelopmentStep.done_on <= end),
                DevelopmentStep,
            )
        ):
            step_dates[case_id].append((step, done_on))

    # ---- assemble per branch (pure Python from here on) ----
    events_by_org: dict[int, list] = defaultdict(list)
    for row in event_rows:
        events_by_org[row.organization_id].append(row)

    activists_by_org: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for case_id, organization_id, name in activists:
        activists_by_org[organization_id].append((case_id, name))

    months = period.months
    months_set = set(months)
    results: dict[int, dict[str, Any]] = {}
    for branch in branches:
        roster = members_by_org.get(branch.id, [])
        current = [m for m in roster if _belongs(m, end)]
        facts: dict[str, Any] = {
            "period.year": period.year,
            "period.months": months,
            "period.as_of": period.as_of.isoformat(),
            "period.complete": len(months) == 12,
            "members.names": {m.id: m.name for m in roster},
        }
        # Meetings per kind per month, and the events behind them.
        per_kind: dict[str, dict[str, int]] = {kind: {} for kind in EVENT_KINDS}
        evidence: dict[str, list[dict[str, Any]]] = {kind: [] for kind in EVENT_KINDS}
        seen_events: dict[int, Any] = {}
        for row in events_by_org.get(branch.id, []):
            key = _month_key(row.held_on)
            per_kind[row.kind][key] = per_kind[row.kind].get(key, 0) + 1
            evidence[row.kind].append({"id": row.id, "date": row.held_on.isoformat(), "topic": row.topic})
            if row.kind in ATTENDANCE_KINDS:
                seen_events[row.id] = row
        for kind in EVENT_KINDS:
            facts[f"meetings.{kind}"] = per_kind[kind]
            facts[f"meetings.evidence.{kind}"] = evidence[kind]
        facts["meetings.months_with_any"] = sorted(
            {k for kind in EVENT_KINDS for k in per_kind[kind] if k in months_set}
        )

        present = expected = 0
        attendance_events = []
        unrecorded = []
        for event_id, row in seen_events.items():
            counts = attendance_counts.get(event_id)
            if not counts:
                unrecorded.append({"id": event_id, "date": row.held_on.isoformat(), "topic": row.topic})
                continue
            total = sum(counts.values())
            present += counts.get("present", 0)
            expected += total
            attendance_events.append(
                {"id": event_id, "date": row.held_on.isoformat(), "ratio": round(counts.get("present", 0) / total, 4)}
            )
        facts["attendance.ratio"] = round(present / expected, 4) if expected else None
        facts["attendance.events"] = attendance_events
        facts["attendance.unrecorded_events"] = unrecorded

        # Training: every member who belonged at the period's end, with the hours earned.
        facts["training.hours_by_member"] = {m.id: hours.get(m.id, Decimal(0)) for m in current}
        seat_members = {s.member_id for s in seats.get(branch.id, [])}
        facts["training.leader_ids"] = sorted(
            {m.id for m in current if m.is_leader} | (seat_members & {m.id for m in current})
        )

        _dues_facts(facts, roster, paid, on_time, period, dues_from)

        full = [m for m in current if m.status == "full"]
        term = latest_term.get(branch.id)
        branch_seats = seats.get(branch.id, [])
        facts.update(
            {
                "organization.kind": branch.kind,
                "organization.code": branch.code,
                "organization.member_count": len(current),
                "organization.full_member_count": len(full),
                "organization.probationary_count": len(current) - len(full),
                "organization.committee_size": len(branch_seats),
                "organization.has_committee": any(s.role != "secretary" for s in branch_seats)
                and len(branch_seats) >= 3,
                "organization.has_secretary": any(s.role == "secretary" for s in branch_seats),
                "organization.group_count": groups.get(branch.id, 0),
                "organization.established_on": branch.established_on.isoformat(),
                # Judged at the end of the period: last year's card is not changed by this year.
                "organization.age_days": (end - branch.established_on).days,
                "organization.term_ends_on": term.ends_on.isoformat() if term else None,
                "organization.term_overdue": bool(term and term.ends_on < end),
                "organization.has_term": term is not None,
                "organization.instructors": staff_by_org.get(branch.id, 0),
            }
        )

        basis = fiscal.get(branch.tenant_id)
        facts.update(
            {
                "fiscal.public_operating_expenses": basis.public_operating_expenses if basis else None,
                "fiscal.wage_bill_last_year": basis.wage_bill_last_year if basis else None,
                "fiscal.headcount": basis.headcount if basis else None,
                # 机关工作人员总数 for organs; 职工人数 elsewhere — the same recorded headcount.
                "fiscal.staff_count": basis.headcount if basis else None,
                "fiscal.carry_over": basis.carry_over if basis else None,
                "funding.carry_over": basis.carry_over if basis else None,
                "funding.budgeted": funding[branch.tenant_id]["budgeted"],
                "funding.spent": funding[branch.tenant_id]["spent"],
                "staffing.full_time": staff[branch.tenant_id]["full_time"],
                "staffing.part_time": staff[branch.tenant_id]["part_time"],
                "staffing.instructors": staff[branch.tenant_id]["instructor"],
            }
        )

        # 六有: the branch's own checks, else those of the nearest organization above it
        # (seed 001: 一室多用、多支部共用 — branches may share the unit's activity room).
        items: dict[str, dict[str, Any]] = {}
        node: int | None = branch.id
        while node is not None:
            for item, found in checks.get(node, {}).items():
                items.setdefault(item, found)
            node = parent.get(node)
        facts["facilities.items"] = items

        facts["appraisal.recorded_ratio"] = (
            round(sum(1 for m in full if m.id in appraised) / len(full), 4) if full else None
        )

        overdue = []
        for case_id, name in activists_by_org.get(branch.id, ()):
            dates = step_dates.get(case_id, [])
            last = max((d for _, d in dates), default=None)
            if last is not None and (end - last).days > ACTIVIST_ASSESSMENT_DAYS:
                due = last + dt.timedelta(days=ACTIVIST_ASSESSMENT_DAYS)
                overdue.append({"case_id": case_id, "name": name, "due_on": due.isoformat()})
        facts["development.overdue_activist_assessments"] = overdue
        for code in finding_codes():
            facts[f"flags.{code}"] = code in findings.get(branch.id, set())
        facts["honours.items"] = honours.get(branch.id, [])
        results[branch.id] = facts

    # Unit-level figures every branch of a unit shares.
    unit_members: dict[int, int] = defaultdict(int)
    for m in members:
        if _belongs(m, end):
            unit_members[m.tenant_id] += 1
    branch_count: dict[int, int] = defaultdict(int)
    deputies: dict[int, int] = defaultdict(int)
    for branch in branches:
        branch_count[branch.tenant_id] += 1
    for organization in organizations:
        for seat in seats.get(organization.id, []):
            # 专职副书记: a deputy-secretary seat held by someone in a full-time party-affairs post.
            if seat.role == "deputy_secretary" and seat.member_id in full_time_staff_members:
                deputies[organization.tenant_id] += 1
    for branch in branches:
        facts = results[branch.id]
        facts["staffing.unit_member_count"] = unit_members[branch.tenant_id]
        facts["staffing.unit_branch_count"] = branch_count[branch.tenant_id]
        facts["staffing.full_time_deputy_secretary"] = deputies[branch.tenant_id]
        facts["dues.retained_last_year"] = Decimal(str(dues_last_year.get(branch.tenant_id) or 0))
    return results


def _last_day_of_next_month(year: int, month: int) -> dt.date:
    index = _month_index(year, month) + 2
    first_after = dt.date(index // 12, index % 12 + 1, 1)
    return first_after - dt.timedelta(days=1)


def _dues_facts(
    facts: dict[str, Any],
    roster: list,
    paid: set[tuple[int, int]],
    on_time: set[tuple[int, int]],
    period: Period,
    dues_from: int,
) -> None:
    """Unpaid months per member up to the last whole month, and the longest unpaid run."""
    last_due = _month_index(period.end.year, period.end.month) - 1
    if period.end.month == 12 and period.end.day == 31:
        last_due += 1  # a finished year: December is due too
    longest = 0
    lapsed: list[dict[str, Any]] = []
    behind: list[dict[str, Any]] = []
    due_in_year = paid_in_year = on_time_in_year = 0
    year_start = _month_index(period.year, 1)
    for member in roster:
        start, left = _member_span(member)
        first = max(dues_from, _month_index(start.year, start.month))
        last = last_due if left is None else min(last_due, _month_index(left.year, left.month) - 1)
        run, run_months, best_months = 0, [], []
        for index in range(first, last + 1):
            if index >= year_start:
                due_in_year += 1
                if (member.id, index) in paid:
                    paid_in_year += 1
                if (member.id, index) in on_time:
                    on_time_in_year += 1
            if (member.id, index) in paid:
                run, run_months = 0, []
            else:
                run += 1
                run_months.append(f"{index // 12}-{index % 12 + 1:02d}")
        # The run that matters is the one still open at the last due month.
        best_months = run_months
        longest = max(longest, run)
        entry = {"member_id": member.id, "name": member.name, "months": best_months}
        if run >= DUES_LAPSE_MONTHS:
            lapsed.append(entry)
        elif run >= DUES_WARNING_MONTHS:
            behind.append(entry)
    facts["dues.max_consecutive_unpaid"] = longest
    facts["dues.lapsed_members"] = lapsed
    facts["dues.unpaid_3_members"] = behind + lapsed
    facts["dues.paid_ratio"] = round(paid_in_year / due_in_year, 4) if due_in_year else None
    facts["dues.on_time_ratio"] = round(on_time_in_year / due_in_year, 4) if due_in_year else None


__all__ = ["Period", "compute_metrics"]
