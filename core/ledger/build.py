"""A branch's yearly 台账 built from its records: plain sections of tables, no layout.

The web page, the PDF (through :func:`core.reports.render.render`, kind ``ledger``) and the
Excel workbook all print the same :class:`Ledger`. Reading costs a fixed number of statements
whatever the size of the branch (every table is read once, relations eagerly). Who is on the
roll is read through :mod:`core.members.roll` only. Call inside the unit
(:func:`core.tenancy.use_tenant`); nothing here checks permissions.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core.audit.recorder import mask_personal
from core.development.models import DevelopmentRecord, ProbationDecision
from core.documents.models import PartyDocument
from core.dues.models import DuesPayment
from core.events.models import Attendance, Event, TrainingRecord
from core.extensions import db
from core.facilities.models import FacilityCheck
from core.host.models import Tenant
from core.members.models import Appraisal, DevelopmentCase, Member, Membership
from core.members.roll import on_branch_roll, on_branch_roll_during, on_roll_during_clause
from core.organizations.models import CommitteeSeat, Organization
from core.plugins.manager import PluginRegistry, UnknownUnitType
from core.scoring.models import Rectification
from core.sorting import pinyin_key
from core.standards.model import ParameterRef
from core.standards.overrides import resolve_parameters
from core.standards.periods import month_bounds
from core.vocabulary import (
    ABSENCES,
    APPRAISAL_RESULTS,
    ATTENDANCE_STATUSES,
    DEVELOPMENT_RECORD_KINDS,
    DEVELOPMENT_STAGES,
    DEVELOPMENT_STEPS,
    EVENT_KINDS,
    GENDERS,
    MEMBER_AWAY,
    MEMBER_STATUSES,
    MEMBERSHIP_END_REASONS,
    MEMBERSHIP_START_REASONS,
    PROBATION_DECISIONS,
    RECTIFICATION_STATUSES,
    TRAINING_KINDS,
    label,
)

#: Ends of a period that count as 转出 (the member stays in the Party, on another roll).
MOVES_OUT = frozenset({"transferred_out", "moved_within"})
#: The reasons an absence's return gives, and every boundary of an absence (not a change of roll).
ABSENCE_RETURNS = frozenset(counts["returns_as"] for counts in ABSENCES.values())
ABSENCE_BOUNDARIES = frozenset(ABSENCES) | ABSENCE_RETURNS
#: The metric the training item of a standard reads; its targets are the ledger's targets.
TRAINING_METRIC = "training.hours_by_member"
#: The sections in the order of the paper 台账 (seed 004's 参考目录), by anchor.
SECTION_KEYS = (
    "roll",
    "meetings",
    "dues",
    "appraisal",
    "development",
    "training",
    "facilities",
    "documents",
    "rectifications",
)
MONTHS = range(1, 13)


@dataclass
class Table:
    """One table of a section: column heads and rows of plain values (text, numbers, dates).

    :param numeric: indexes of the columns printed right-aligned.
    :param long: indexes of columns holding long text (minutes, descriptions).
    """

    caption: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()
    long: frozenset[int] = frozenset()
    empty: str = ""


@dataclass
class Section:
    """One chapter of the ledger: an anchor, a title, key figures and tables."""

    key: str
    number: int
    title: str
    figures: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"ledger-{self.key}"


@dataclass
class Ledger:
    """A branch's 台账 for one year."""

    unit_name: str
    branch_name: str
    branch_code: str
    year: int
    start: dt.date
    end: dt.date
    personal_shown: bool
    sections: list[Section] = field(default_factory=list)
    #: Members on the branch's roll on the year's last day, and events recorded in the year.
    members_at_end: int = 0
    events_recorded: int = 0

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def has_records(self, section: Section) -> bool:
        """Whether a section holds any row (else the paper 台账 would show it empty)."""
        return any(table.rows for table in section.tables)

    def index_row(self) -> dict[str, Any]:
        """The ledger's line in a bulk ZIP's index (:mod:`core.jobs.bulk`)."""
        return {
            "year": self.year,
            "sections_present": "、".join(s.title for s in self.sections if self.has_records(s)),
            "members_at_end": self.members_at_end,
            "events_recorded": self.events_recorded,
            "sections_missing": "、".join(s.title for s in self.sections if not self.has_records(s)),
        }


def cell_text(value: Any) -> str:
    """A cell as printed on the page and in the PDF."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # amounts keep their cents, hours their tenth
    return str(value)


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def _hours(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.1"))


class _Builder:
    def __init__(
        self,
        tenant: Tenant,
        organization: Organization,
        year: int,
        *,
        show_personal: bool,
        registry: PluginRegistry | None,
    ) -> None:
        self.tenant = tenant
        self.organization = organization
        self.year = year
        self.start = dt.date(year, 1, 1)
        self.end = dt.date(year, 12, 31)
        self.show_personal = show_personal
        self.registry = registry
        self.sections: list[Section] = []
        self.events_recorded = 0

    # ------------------------------------------------------------ shared reads

    def personal(self, value: str | None) -> str | None:
        if not value:
            return value
        return value if self.show_personal else mask_personal(value)

    def load_members(self) -> None:
        """Every member with a period on the branch's roll during the year (the roll module's
        periods: a member who moved mid-year is on both branches' ledgers, each for its months)."""
        self.periods: list[Membership] = list(
            db.session.scalars(
                select(Membership)
                .options(selectinload(Membership.member).selectinload(Member.party_group))
                .where(
                    Membership.organization_id == self.organization.id,
                    on_roll_during_clause(self.start, self.end),
                )
                .order_by(Membership.started_on, Membership.id)
            )
        )
        self.periods_of: dict[int, list[Membership]] = defaultdict(list)
        for period in self.periods:
            self.periods_of[period.member_id].append(period)
        self.members: list[Member] = sorted(
            {p.member_id: p.member for p in self.periods}.values(), key=lambda m: (pinyin_key(m.name), m.id)
        )
        self.by_id = {m.id: m for m in self.members}
        self.at_end = [m for m in self.members if self.on_roll(m.id, self.end)]

    def on_roll(self, member_id: int, day: dt.date) -> bool:
        return any(on_branch_roll(p, day) for p in self.periods_of.get(member_id, ()))

    def add(self, key: str, title: str) -> Section:
        section = Section(key=key, number=len(self.sections) + 1, title=title)
        self.sections.append(section)
        return section

    # ------------------------------------------------------------ 党员花名册

    def status_at_end(self, member: Member) -> str:
        if member.full_on is not None:
            return "full" if member.full_on <= self.end else "probationary"
        return member.status

    def roll(self) -> None:
        section = self.add("roll", _("党员花名册"))
        at_start = [m for m in self.members if self.on_roll(m.id, self.start)]
        statuses = Counter(self.status_at_end(m) for m in self.at_end)
        changes: list[list[Any]] = []
        joined = moved_in = moved_out = left = away = 0
        for period in self.periods:
            member = period.member
            if self.start <= period.started_on <= self.end:
                if period.start_reason == "joined":
                    joined += 1
                    changes.append([member.name, _("本支部发展入党"), period.started_on, ""])
                else:
                    # An absence or a return keeps the member on the roll: listed, not counted
                    # as coming in (the period it ends is not listed again below).
                    if period.start_reason in ABSENCES:
                        away += 1
                    elif period.start_reason not in ABSENCE_RETURNS:
                        moved_in += 1
                    changes.append(
                        [member.name, label(MEMBERSHIP_START_REASONS, period.start_reason), period.started_on, period.note]
                    )
            ended = period.ended_on is not None and self.start < period.ended_on <= self.end
            if ended and period.end_reason not in ABSENCE_BOUNDARIES:
                if period.end_reason in MOVES_OUT:
                    moved_out += 1
                else:
                    left += 1
                changes.append(
                    [
                        member.name,
                        label(MEMBERSHIP_END_REASONS, period.end_reason) or _("离开"),
                        period.ended_on,
                        period.note or member.note,
                    ]
                )
        changes.sort(key=lambda row: (row[2], pinyin_key(row[0])))
        section.figures = [
            (_("年初党员数"), len(at_start)),
            (_("年末党员数"), len(self.at_end)),
            (_("其中正式党员"), statuses.get("full", 0)),
            (_("其中预备党员"), statuses.get("probationary", 0)),
            (_("本年发展"), joined),
            (_("转入"), moved_in),
            (_("转出"), moved_out),
            (_("其他减少"), left),
            (_("流动外出、出国出境"), away),
        ]
        section.tables.append(
            Table(
                caption=_("%(day)s 在册党员", day=self.end.isoformat()),
                headers=[
                    _("序号"), _("姓名"), _("性别"), _("出生日期"), _("民族"), _("学历"),
                    _("职务"), _("身份证号"), _("联系电话"), _("类别"), _("入党时间"),
                    _("转正时间"), _("党小组"), _("备注"),
                ],
                rows=[
                    [
                        number,
                        m.name,
                        label(GENDERS, m.gender),
                        m.birth_date,
                        m.ethnicity,
                        m.education,
                        m.position,
                        self.personal(m.id_number),
                        self.personal(m.phone),
                        label(MEMBER_STATUSES, self.status_at_end(m)),
                        m.joined_on,
                        m.full_on if m.full_on and m.full_on <= self.end else None,
                        m.party_group.name if m.party_group else "",
                        label(MEMBER_AWAY, m.away),
                    ]
                    for number, m in enumerate(self.at_end, start=1)
                ],
                numeric=frozenset({0}),
                empty=_("年末没有在册党员"),
            )
        )
        section.tables.append(
            Table(
                caption=_("本年党员变动"),
                headers=[_("姓名"), _("变动"), _("日期"), _("说明")],
                rows=changes,
                long=frozenset({3}),
                empty=_("本年没有党员变动"),
            )
        )

    # ------------------------------------------------------------ 三会一课及主题党日

    def meetings(self) -> None:
        section = self.add("meetings", _("三会一课及主题党日记录"))
        events = list(
            db.session.scalars(
                select(Event)
                .options(
                    selectinload(Event.kinds),
                    selectinload(Event.attendance).selectinload(Attendance.member),
                    selectinload(Event.presenter_member),
                )
                .where(
                    Event.organization_id == self.organization.id,
                    Event.held_on.between(self.start, self.end),
                )
                .order_by(Event.held_on, Event.id)
            )
        )
        by_kind: Counter[str] = Counter()
        rows = []
        for number, event in enumerate(events, start=1):
            kinds = [event.kind] + [k for k in sorted(event.kind_codes) if k != event.kind]
            for kind in kinds:
                by_kind[kind] += 1
            counts = Counter(a.status for a in event.attendance)
            missing = sorted(
                (a for a in event.attendance if a.status != "present"),
                key=lambda a: pinyin_key(a.member.name if a.member else ""),
            )
            absences = "；".join(
                f"{a.member.name if a.member else ''}（{label(ATTENDANCE_STATUSES, a.status)}"
                + (f"：{a.reason}" if a.reason else "")
                + "）"
                for a in missing
            )
            presenter = event.presenter or (event.presenter_member.name if event.presenter_member else "")
            minutes = event.minutes or (_("纸质记录") if event.paper_record else "")
            rows.append(
                [
                    number,
                    event.held_on,
                    "、".join(label(EVENT_KINDS, k) for k in kinds),
                    event.topic,
                    presenter,
                    len(event.attendance),
                    counts.get("present", 0),
                    counts.get("excused", 0),
                    counts.get("absent", 0),
                    absences,
                    event.recorder,
                    minutes,
                ]
            )
        self.events_recorded = len(events)
        section.figures = [(_("活动总数"), len(events))] + [
            (label(EVENT_KINDS, kind), by_kind[kind]) for kind in EVENT_KINDS if by_kind[kind]
        ]
        section.tables.append(
            Table(
                caption=_("会议和活动记录"),
                headers=[
                    _("序号"), _("日期"), _("类型"), _("主题"), _("主讲人"), _("应到"), _("实到"),
                    _("请假"), _("缺席"), _("请假、缺席人员及原因"), _("记录人"), _("会议记录"),
                ],
                rows=rows,
                numeric=frozenset({0, 5, 6, 7, 8}),
                long=frozenset({3, 9, 11}),
                empty=_("本年没有活动记录"),
            )
        )

    # ------------------------------------------------------------ 党费

    def dues(self) -> None:
        section = self.add("dues", _("党费收缴登记表和公布表"))
        payments = list(
            db.session.execute(
                select(DuesPayment, Member.name)
                .join(Member, Member.id == DuesPayment.member_id)
                .where(DuesPayment.member_id.in_(list(self.by_id) or [0]), DuesPayment.year == self.year)
            )
        )
        # A member who moved mid-year: each branch's register holds the months it kept them.
        payments = [
            (payment, name)
            for payment, name in payments
            if any(
                on_branch_roll_during(p, *month_bounds(self.year, payment.month))
                for p in self.periods_of[payment.member_id]
            )
        ]
        grid: dict[int, dict[int, DuesPayment]] = defaultdict(dict)
        names: dict[int, str] = {}
        for payment, name in payments:
            grid[payment.member_id][payment.month] = payment
            names[payment.member_id] = name
        member_ids = sorted(grid, key=lambda i: (pinyin_key(names[i]), i))
        rows = []
        due_total = paid_total = Decimal(0)
        for member_id in member_ids:
            months = grid[member_id]
            row: list[Any] = [names[member_id]]
            due = paid = Decimal(0)
            for month in MONTHS:
                payment = months.get(month)
                if payment is None:
                    row.append("—")
                    continue
                due += payment.amount_due or 0
                if payment.paid_on is not None:
                    paid += payment.amount_paid or 0
                    row.append(_money(payment.amount_paid))
                else:
                    row.append(_("未缴"))
            row += [_money(due), _money(paid)]
            due_total += due
            paid_total += paid
            rows.append(row)
        section.figures = [
            (_("缴费党员数"), len(member_ids)),
            (_("全年应缴（元）"), _money(due_total)),
            (_("全年实缴（元）"), _money(paid_total)),
        ]
        section.tables.append(
            Table(
                caption=_("党费收缴登记表（元）"),
                headers=[_("姓名")] + [_("%(month)d月", month=m) for m in MONTHS] + [_("应缴合计"), _("实缴合计")],
                rows=rows,
                numeric=frozenset(range(1, 15)),
                empty=_("本年没有党费记录"),
            )
        )
        published = []
        for month in MONTHS:
            owed = [grid[i][month] for i in member_ids if month in grid[i]]
            if not owed:
                continue
            paid_rows = [p for p in owed if p.paid_on is not None]
            unpaid = "、".join(names[p.member_id] for p in owed if p.paid_on is None)
            published.append(
                [
                    _("%(month)d月", month=month),
                    len(owed),
                    len(paid_rows),
                    _money(sum((p.amount_due or 0 for p in owed), Decimal(0))),
                    _money(sum((p.amount_paid or 0 for p in paid_rows), Decimal(0))),
                    unpaid,
                ]
            )
        section.tables.append(
            Table(
                caption=_("党费收缴情况公布表"),
                headers=[_("月份"), _("应缴人数"), _("已缴人数"), _("应缴金额"), _("实缴金额"), _("未缴人员")],
                rows=published,
                numeric=frozenset({1, 2, 3, 4}),
                long=frozenset({5}),
                empty=_("本年没有党费记录"),
            )
        )

    # ------------------------------------------------------------ 民主评议

    def appraisal(self) -> None:
        section = self.add("appraisal", _("民主评议党员登记表"))
        found = {
            a.member_id: a
            for a in db.session.scalars(
                select(Appraisal).where(
                    Appraisal.year == self.year, Appraisal.member_id.in_(list(self.by_id) or [0])
                )
            )
        }
        results = Counter(a.result for a in found.values())
        section.figures = [(_("参评党员数"), len(found))] + [
            (label(APPRAISAL_RESULTS, code), results[code]) for code in APPRAISAL_RESULTS if results[code]
        ]
        section.tables.append(
            Table(
                caption=_("%(year)d 年度民主评议党员登记表", year=self.year),
                headers=[_("序号"), _("姓名"), _("类别"), _("评议结果"), _("评议日期"), _("备注")],
                rows=[
                    [
                        number,
                        m.name,
                        label(MEMBER_STATUSES, self.status_at_end(m)),
                        label(APPRAISAL_RESULTS, found[m.id].result) if m.id in found else _("未评议"),
                        found[m.id].appraised_on if m.id in found else None,
                        found[m.id].note if m.id in found else "",
                    ]
                    for number, m in enumerate(self.members, start=1)
                ],
                numeric=frozenset({0}),
                long=frozenset({5}),
                empty=_("本年没有在册党员"),
            )
        )

    # ------------------------------------------------------------ 发展党员

    def development(self) -> None:
        section = self.add("development", _("发展党员台账"))
        cases = list(
            db.session.scalars(
                select(DevelopmentCase)
                .options(selectinload(DevelopmentCase.steps))
                .where(DevelopmentCase.organization_id == self.organization.id)
            )
        )
        ids = [c.id for c in cases] or [0]
        records: dict[int, list[DevelopmentRecord]] = defaultdict(list)
        for record in db.session.scalars(
            select(DevelopmentRecord).where(DevelopmentRecord.case_id.in_(ids), DevelopmentRecord.done_on <= self.end)
        ):
            records[record.case_id].append(record)
        decisions: dict[int, list[ProbationDecision]] = defaultdict(list)
        for decision in db.session.scalars(
            select(ProbationDecision).where(
                ProbationDecision.case_id.in_(ids), ProbationDecision.decided_on <= self.end
            )
        ):
            decisions[decision.case_id].append(decision)

        shown = []
        for case in cases:
            dates = [s.done_on for s in case.steps if s.done_on <= self.end]
            dates += [r.done_on for r in records[case.id]] + [d.decided_on for d in decisions[case.id]]
            if not dates:
                continue  # started after the year
            finished = case.stage in ("full", "closed")
            if finished and max(dates) < self.start:
                continue  # finished before the year
            shown.append(case)
        shown.sort(key=lambda c: (c.step_date(1) or self.end, pinyin_key(c.name)))

        summary = []
        step_tables = []
        for number, case in enumerate(shown, start=1):
            steps = {s.step: s for s in case.steps if s.done_on <= self.end}
            reached = max(steps) if steps else 0
            stage = "closed" if case.stage == "closed" else _stage_after(reached)
            summary.append(
                [
                    number,
                    case.name,
                    label(GENDERS, case.gender),
                    case.birth_date,
                    self.personal(case.id_number),
                    label(DEVELOPMENT_STAGES, stage),
                    case.step_date(1),
                    case.step_date(3),
                    case.step_date(7),
                    case.step_date(15),
                    case.step_date(23),
                ]
            )
            lines: list[tuple[int, dt.date | None, int, list[Any]]] = []
            for step, (_stage, title) in DEVELOPMENT_STEPS.items():
                done = steps.get(step)
                if done is None and step > reached:
                    continue
                lines.append(
                    (step, done.done_on if done else None, 0, [step, str(title), done.done_on if done else _("未记录"), done.note if done else ""])
                )
            for record in records[case.id]:
                detail = "；".join(x for x in (record.summary, record.assessor and _("考察人：%(who)s", who=record.assessor), record.note) if x)
                lines.append((record.step, record.done_on, 1, [record.step, label(DEVELOPMENT_RECORD_KINDS, record.kind), record.done_on, detail]))
            for decision in decisions[case.id]:
                parts = [decision.note or ""]
                if decision.extension_months:
                    parts.append(_("延长 %(months)d 个月", months=decision.extension_months))
                if decision.approved_on:
                    parts.append(_("上级党委批准：%(day)s", day=decision.approved_on.isoformat()))
                lines.append((23, decision.decided_on, 2, [23, label(PROBATION_DECISIONS, decision.kind), decision.decided_on, "；".join(p for p in parts if p)]))
            lines.sort(key=lambda line: (line[0], line[2], line[1] or self.end))
            step_tables.append(
                Table(
                    caption=_("%(name)s：发展步骤和记录", name=case.name),
                    headers=[_("步骤"), _("事项"), _("日期"), _("说明")],
                    rows=[line[3] for line in lines],
                    numeric=frozenset({0}),
                    long=frozenset({3}),
                )
            )
        stages = Counter(row[5] for row in summary)
        section.figures = [(_("列入台账人数"), len(shown))] + sorted(stages.items())
        section.tables.append(
            Table(
                caption=_("发展党员工作台账"),
                headers=[
                    _("序号"), _("姓名"), _("性别"), _("出生日期"), _("身份证号"), _("年末所处阶段"),
                    _("递交申请书"), _("确定积极分子"), _("确定发展对象"), _("支部大会接收"),
                    _("讨论转正"),
                ],
                rows=summary,
                numeric=frozenset({0}),
                empty=_("本年没有发展党员工作记录"),
            )
        )
        section.tables.extend(step_tables)

    # ------------------------------------------------------------ 学习培训

    def training_targets(self) -> tuple[Decimal | None, Decimal | None]:
        """The member's and the leader's yearly hours from the unit's standard (with overrides)."""
        from core.authoring.services import effective_standard
        from core.scoring.overrides import overrides_for

        if self.registry is None:
            return None, None
        try:
            standard = effective_standard(self.tenant.unit_type, on=self.end, registry=self.registry)
        except (UnknownUnitType, LookupError):
            return None, None
        item = next(
            (i for b in standard.blocks for i in b.items if i.params.get("metric") == TRAINING_METRIC),
            None,
        )
        if item is None:
            return None, None
        values, _warnings = resolve_parameters(standard.parameters, overrides_for(self.tenant).parameters)

        def value(raw: Any) -> Decimal | None:
            if isinstance(raw, ParameterRef):
                raw = values.get(raw.key)
            try:
                return Decimal(str(raw)) if raw is not None else None
            except ArithmeticError:
                return None

        member = value(item.params.get("target"))
        leader = value(item.params.get("leader_target"))
        return member, leader if leader is not None else member

    def training(self) -> None:
        section = self.add("training", _("学习培训档案"))
        ids = [m.id for m in self.at_end] or [0]
        from_events: dict[int, Decimal] = defaultdict(Decimal)
        for member_id, hours in db.session.execute(
            select(Attendance.member_id, Event.training_hours)
            .join(Event, Event.id == Attendance.event_id)
            .where(
                Attendance.member_id.in_(ids),
                Attendance.status == "present",
                Event.held_on.between(self.start, self.end),
            )
        ):
            from_events[member_id] += hours or 0
        records = list(
            db.session.scalars(
                select(TrainingRecord)
                .where(TrainingRecord.member_id.in_(ids), TrainingRecord.taken_on.between(self.start, self.end))
                .order_by(TrainingRecord.taken_on, TrainingRecord.id)
            )
        )
        from_records: dict[int, Decimal] = defaultdict(Decimal)
        for record in records:
            from_records[record.member_id] += record.hours or 0
        seated = set(
            db.session.scalars(
                select(CommitteeSeat.member_id).where(
                    CommitteeSeat.organization_id == self.organization.id,
                    CommitteeSeat.started_on <= self.end,
                    or_(CommitteeSeat.ended_on.is_(None), CommitteeSeat.ended_on >= self.end),
                )
            )
        )
        member_target, leader_target = self.training_targets()
        rows = []
        reached = 0
        for number, m in enumerate(self.at_end, start=1):
            leader = bool(m.is_leader or m.id in seated)
            total = _hours(from_events[m.id] + from_records[m.id])
            target = leader_target if leader else member_target
            met = None if target is None else total >= target
            reached += bool(met)
            rows.append(
                [
                    number,
                    m.name,
                    _("是") if leader else "",
                    _hours(from_events[m.id]),
                    _hours(from_records[m.id]),
                    total,
                    target if target is not None else _("未规定"),
                    "" if met is None else (_("达标") if met else _("未达标")),
                ]
            )
        section.figures = [
            (_("年末党员数"), len(self.at_end)),
            (_("党员应达学时"), member_target if member_target is not None else _("未规定")),
            (_("班子成员应达学时"), leader_target if leader_target is not None else _("未规定")),
            (_("达标人数"), reached),
        ]
        section.tables.append(
            Table(
                caption=_("党员学习培训学时统计"),
                headers=[
                    _("序号"), _("姓名"), _("班子成员"), _("组织生活学时"), _("其他培训学时"),
                    _("合计学时"), _("应达学时"), _("是否达标"),
                ],
                rows=rows,
                numeric=frozenset({0, 3, 4, 5, 6}),
                empty=_("年末没有在册党员"),
            )
        )
        section.tables.append(
            Table(
                caption=_("其他培训记录"),
                headers=[_("日期"), _("姓名"), _("培训名称"), _("举办单位"), _("形式"), _("学时")],
                rows=[
                    [
                        r.taken_on,
                        self.by_id[r.member_id].name if r.member_id in self.by_id else "",
                        r.title,
                        r.organizer,
                        label(TRAINING_KINDS, r.kind),
                        _hours(r.hours),
                    ]
                    for r in records
                ],
                numeric=frozenset({5}),
                long=frozenset({2}),
                empty=_("本年没有其他培训记录"),
            )
        )

    # ------------------------------------------------------------ 阵地（六有）

    def checklist(self) -> list[tuple[str, str, str]]:
        """The unit type's 六有 items: (key, label, requirement)."""
        if self.registry is None:
            return []
        try:
            items = self.registry.unit_type(self.tenant.unit_type).facility_checklist
        except (UnknownUnitType, KeyError):
            return []
        return [(i.key, i.label_zh, i.requirement_zh) for i in items]

    def facilities(self) -> None:
        section = self.add("facilities", _("阵地建设（六有）检查"))
        checks = list(
            db.session.scalars(
                select(FacilityCheck)
                .where(FacilityCheck.organization_id == self.organization.id, FacilityCheck.checked_on <= self.end)
                .order_by(FacilityCheck.checked_on, FacilityCheck.id)
            )
        )
        latest: dict[str, FacilityCheck] = {}
        for check in checks:
            latest[check.item] = check  # ordered by date: the last one counts
        items = self.checklist() or [(key, key, "") for key in sorted(latest)]
        rows = []
        met = 0
        for key, name, requirement in items:
            check = latest.get(key)
            met += bool(check and check.met)
            rows.append(
                [
                    name,
                    requirement,
                    (_("达到") if check.met else _("未达到")) if check else _("未检查"),
                    check.evidence_note if check else "",
                    (_("有") if check.evidence_file else _("无")) if check else "",
                    check.checked_by if check else "",
                    check.checked_on if check else None,
                ]
            )
        names = {key: name for key, name, _requirement in items}
        section.figures = [(_("检查项目"), len(items)), (_("达到项目"), met)]
        section.tables.append(
            Table(
                caption=_("截至 %(day)s 各项最近一次检查", day=self.end.isoformat()),
                headers=[_("项目"), _("标准"), _("结果"), _("佐证说明"), _("佐证附件"), _("检查人"), _("检查日期")],
                rows=rows,
                long=frozenset({1, 3}),
                empty=_("没有检查记录"),
            )
        )
        section.tables.append(
            Table(
                caption=_("本年检查记录"),
                headers=[_("日期"), _("项目"), _("结果"), _("佐证说明"), _("检查人")],
                rows=[
                    [c.checked_on, names.get(c.item, c.item), _("达到") if c.met else _("未达到"), c.evidence_note, c.checked_by]
                    for c in checks
                    if c.checked_on >= self.start
                ],
                long=frozenset({3}),
                empty=_("本年没有检查记录"),
            )
        )

    # ------------------------------------------------------------ 党建工作文档

    def documents(self) -> None:
        from core.documents.services import document_types

        section = self.add("documents", _("党建工作文档"))
        types = {t.key: t for t in document_types(self.tenant)}
        documents = list(
            db.session.scalars(
                select(PartyDocument)
                .where(PartyDocument.organization_id == self.organization.id, PartyDocument.year == self.year)
                .order_by(PartyDocument.dated_on, PartyDocument.id)
            )
        )

        section.figures = [(_("文档数"), len(documents))]
        section.tables.append(
            Table(
                caption=_("%(year)d 年度党建工作文档", year=self.year),
                headers=[_("类别"), _("标题"), _("日期"), _("审批人"), _("审批日期"), _("评议结果"), _("文件")],
                rows=[
                    [
                        types[d.doc_type].label_zh if d.doc_type in types else _("其他"),
                        d.title,
                        d.dated_on,
                        d.approved_by,
                        d.approved_on,
                        d.result,
                        _("已上传") if d.file_path else _("无"),
                    ]
                    for d in documents
                ],
                long=frozenset({1}),
                empty=_("本年没有录入文档"),
            )
        )

    # ------------------------------------------------------------ 整改

    def rectifications(self) -> None:
        section = self.add("rectifications", _("整改事项"))
        tasks = list(
            db.session.scalars(
                select(Rectification)
                .where(
                    Rectification.organization_id == self.organization.id,
                    or_(Rectification.year == self.year, Rectification.opened_on.between(self.start, self.end)),
                )
                .order_by(Rectification.opened_on, Rectification.id)
            )
        )
        closed = sum(1 for t in tasks if t.status == "closed")
        section.figures = [(_("整改事项"), len(tasks)), (_("已销号"), closed), (_("整改中"), len(tasks) - closed)]
        section.tables.append(
            Table(
                caption=_("整改事项清单"),
                headers=[_("事项"), _("问题和要求"), _("状态"), _("开始日期"), _("整改期限"), _("销号日期"), _("销号人")],
                rows=[
                    [t.title, t.description, label(RECTIFICATION_STATUSES, t.status), t.opened_on, t.due_on, t.closed_on, t.closed_by]
                    for t in tasks
                ],
                long=frozenset({1}),
                empty=_("本年没有整改事项"),
            )
        )


#: The stage a person is in once a step is done: 3 makes an activist, 7 a 发展对象, 17 (the
#: higher committee's approval) a probationary member, 24 (its approval of 转正) a full member.
STAGE_STEPS = ((24, "full"), (17, "probationary"), (7, "target"), (3, "activist"))


def _stage_after(step: int) -> str:
    return next((stage for first, stage in STAGE_STEPS if step >= first), "applicant")


def build_ledger(
    tenant: Tenant,
    organization: Organization,
    year: int,
    *,
    show_personal: bool = False,
    registry: PluginRegistry | None = None,
) -> Ledger:
    """Read the branch's records of ``year`` into its 台账.

    :param show_personal: print ID and phone numbers in full (else masked, last four kept).
    :param registry: the plugin registry (the 六有 checklist, document types, training targets).
    """
    builder = _Builder(tenant, organization, year, show_personal=show_personal, registry=registry)
    builder.load_members()
    for key in SECTION_KEYS:
        getattr(builder, key)()
    return Ledger(
        unit_name=tenant.name,
        branch_name=organization.name,
        branch_code=organization.code,
        year=year,
        start=builder.start,
        end=builder.end,
        personal_shown=show_personal,
        sections=builder.sections,
        members_at_end=len(builder.at_end),
        events_recorded=builder.events_recorded,
    )


def figures_text(sections: Iterable[Section]) -> dict[str, dict[str, str]]:
    """Every section's figures as text, by section key (tests and the index read them)."""
    return {s.key: {name: cell_text(value) for name, value in s.figures} for s in sections}
