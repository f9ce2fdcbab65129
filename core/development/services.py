"""Write paths and reads of repeated development records and probation decisions.

Transactions as everywhere: each function checks every field, raises
:class:`~core.validation.RecordError` naming each bad field in Chinese before changing anything,
then adds or changes rows and flushes; the caller (page, API, Excel import) commits once. The
audit log is written at flush.

A case keeps its 25 steps (:mod:`core.members.services`); what repeats under a step — the
half-yearly assessments of an activist (step 6), the quarterly ones of a probationary member
(step 21), thought reports, training certificates (step 11) — is a :class:`DevelopmentRecord`
each time. When the 预备期 ends the 支部大会 decides (a :class:`ProbationDecision` naming the
meeting): extend it once by 6–12 months, convert (steps 23 and 24, and the member becomes a
full member), or cancel (the case closes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core import deletion
from core.development.models import DevelopmentRecord, ProbationDecision
from core.development.timing import (
    ADMISSION_STEP,
    ASSESSED_STAGES,
    ASSESSMENT_STARTS,
    EXTENSION_MONTHS,
    assessment_due_on,
    probation_ends_on,
    record_step,
)
from core.events.models import Event
from core.extensions import db
from core.members import services as member_services
from core.members.models import DevelopmentCase, Member
from core.organizations.models import Organization
from core.timezone import local_today
from core.validation import RecordError, check_fields, trimmed
from core.vocabulary import DEVELOPMENT_RECORD_KINDS, DEVELOPMENT_STEPS, PROBATION_DECISIONS

RECORD_LIMITS = {"summary": "topic", "assessor": "person_name", "note": "note"}
RECORD_FIELDS = {"kind", "done_on", "summary", "assessor", "note"}
#: The step that must be recorded before a record of each kind, and its meaning in the message.
RECORD_STARTS = {
    "activist_assessment": 3,  # 确定为入党积极分子
    "training_certificate": 3,
    "thought_report": 1,  # 递交入党申请书
    "probationary_assessment": ADMISSION_STEP,  # 支部大会讨论接收为预备党员
}
#: Steps a conversion records: 支部大会讨论转正 (the meeting) and 上级党委审批转正 (approval).
CONVERSION_STEPS = (23, 24)


def _day(value: Any, field: str, errors: dict[str, str], *, required: str | None) -> dt.date | None:
    if value is None:
        if required:
            errors[field] = required
        return None
    if not isinstance(value, dt.date):
        errors[field] = _("日期格式应为 YYYY-MM-DD")
        return None
    if value > local_today():
        errors[field] = _("日期不能晚于今天")
        return None
    return value


def step_dates(case: DevelopmentCase) -> dict[int, dt.date]:
    """:returns: step number → date for the steps recorded in a case."""
    return {s.step: s.done_on for s in case.steps}


def admitted_on(case: DevelopmentCase) -> dt.date | None:
    """:returns: the day the 支部大会 admitted the person as probationary (step 15), or the
    linked member's 入党时间 when the case was opened after that."""
    found = step_dates(case).get(ADMISSION_STEP)
    if found is None and case.member_id is not None:
        member = db.session.get(Member, case.member_id)
        found = member.joined_on if member is not None else None
    return found


# --- repeated records ------------------------------------------------------------------------


def _check_record(case: DevelopmentCase, record: DevelopmentRecord | None, fields: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {name: _("不能修改此项") for name in sorted(set(fields) - RECORD_FIELDS)}
    errors.update(check_fields(fields, RECORD_LIMITS))
    kind = fields.get("kind", record.kind if record else None)
    if kind not in DEVELOPMENT_RECORD_KINDS:
        errors["kind"] = _("请选择记录类别")
    if case.stage == "closed" and record is None:
        errors["kind"] = _("该发展案例已终止")
    done_on = _day(
        fields.get("done_on", record.done_on if record else None), "done_on", errors,
        required=_("请填写日期"),
    )
    if "kind" in errors or done_on is None:
        return errors
    dates = step_dates(case)
    start = RECORD_STARTS[kind]
    begun = admitted_on(case) if kind == "probationary_assessment" else dates.get(start)
    if begun is None:
        errors["kind"] = _(
            "请先记录第 %(n)d 步（%(label)s）", n=start, label=DEVELOPMENT_STEPS[start][1]
        )
    elif done_on < begun:
        errors["done_on"] = _(
            "不能早于第 %(n)d 步（%(label)s）的日期 %(day)s",
            n=start, label=DEVELOPMENT_STEPS[start][1], day=begun.isoformat(),
        )
    else:
        clash = select(DevelopmentRecord.id).where(
            DevelopmentRecord.case_id == case.id,
            DevelopmentRecord.kind == kind,
            DevelopmentRecord.done_on == done_on,
        )
        if record is not None and record.id is not None:
            clash = clash.where(DevelopmentRecord.id != record.id)
        if db.session.scalar(clash.limit(1)) is not None:
            errors["done_on"] = _(
                "%(day)s 已有一条%(kind)s记录", day=done_on.isoformat(), kind=DEVELOPMENT_RECORD_KINDS[kind]
            )
    return errors


def add_record(
    case: DevelopmentCase,
    *,
    kind: str,
    done_on: dt.date,
    summary: str | None = None,
    assessor: str | None = None,
    note: str | None = None,
) -> DevelopmentRecord:
    """Keep one more dated record under its step (the earlier ones stay).

    :param kind: a code of :data:`~core.vocabulary.DEVELOPMENT_RECORD_KINDS`.
    :raises RecordError: every bad field; a record needs the step its kind starts from
        (积极分子考察 after step 3, 预备党员考察 after step 15 …).
    """
    fields = trimmed({"kind": kind, "done_on": done_on, "summary": summary, "assessor": assessor, "note": note})
    errors = _check_record(case, None, fields)
    if errors:
        raise RecordError(errors)
    record = DevelopmentRecord(case_id=case.id, step=record_step(kind, done_on, admitted_on(case)), **fields)
    db.session.add(record)
    db.session.flush()
    return record


def update_record(record: DevelopmentRecord, **changes: Any) -> DevelopmentRecord:
    """Correct a record (kind, date, summary …); its step follows.

    :raises RecordError: every bad field; the record is left as it was.
    """
    changes = trimmed(changes)
    case = db.session.get(DevelopmentCase, record.case_id)
    errors = _check_record(case, record, changes)
    if errors:
        raise RecordError(errors)
    for name, value in changes.items():
        setattr(record, name, value)
    record.step = record_step(record.kind, record.done_on, admitted_on(case))
    db.session.flush()
    return record


def delete_record(record: DevelopmentRecord) -> None:
    """Delete a record entered by mistake (nothing points to it)."""
    deletion.delete(record)


# --- probation decisions ---------------------------------------------------------------------


def decisions_of(case: DevelopmentCase) -> dict[str, ProbationDecision]:
    """:returns: the case's decisions by kind."""
    return {
        d.kind: d
        for d in db.session.scalars(select(ProbationDecision).where(ProbationDecision.case_id == case.id))
    }


@dataclass(frozen=True)
class Probation:
    """Where a probationary member's 预备期 stands."""

    started_on: dt.date
    ends_on: dt.date
    extension_months: int | None
    decided: str | None

    @property
    def open(self) -> bool:
        """Neither converted nor cancelled yet."""
        return self.decided not in ("convert", "cancel")


def probation_of(case: DevelopmentCase) -> Probation | None:
    """:returns: the case's 预备期 (start, end with any extension, the final decision), or
    ``None`` before the 支部大会 admitted the person."""
    started = admitted_on(case)
    if started is None:
        return None
    decisions = decisions_of(case)
    extension = decisions.get("extend")
    months = extension.extension_months if extension is not None else None
    final = next((k for k in ("convert", "cancel") if k in decisions), None)
    return Probation(started, probation_ends_on(started, months), months, final)


def _meeting(case: DevelopmentCase, event_id: Any, errors: dict[str, str]) -> Event | None:
    event = db.session.get(Event, event_id) if isinstance(event_id, int) and not isinstance(event_id, bool) else None
    if event is None or event.organization_id != case.organization_id:
        errors["event_id"] = _("请选择本支部讨论此事的党员大会记录")
        return None
    if "general_meeting" not in event.kind_codes:
        errors["event_id"] = _("转正、延长或取消预备期须经支部党员大会讨论：所选活动不是党员大会")
        return None
    return event


def record_decision(
    case: DevelopmentCase,
    *,
    kind: str,
    event_id: int,
    decided_on: dt.date | None = None,
    extension_months: int | None = None,
    approved_on: dt.date | None = None,
    note: str | None = None,
) -> ProbationDecision:
    """Record what the 支部大会 decided about a probationary member, with the meeting.

    ``extend`` (once, 6–12 months) moves the end of the 预备期; ``convert`` records steps 23
    (the meeting) and 24 (the higher committee's approval, when ``approved_on`` is given) and
    makes the linked member a full member from the meeting day; ``cancel`` closes the case.

    :param event_id: the 党员大会 record of the case's branch that decided it.
    :param decided_on: defaults to the meeting's date.
    :raises RecordError: every bad field; nothing is changed.
    """
    errors: dict[str, str] = {}
    note = trimmed({"note": note})["note"]
    errors.update(check_fields({"note": note}, {"note": "note"}))
    if kind not in PROBATION_DECISIONS:
        errors["kind"] = _("请选择决定类别")
    probation = probation_of(case)
    decisions = decisions_of(case)
    if probation is None:
        errors["kind"] = _("尚未记录支部大会接收其为预备党员（第 15 步），没有预备期可决定")
    elif not probation.open:
        errors["kind"] = _("已作出“%(decision)s”的决定", decision=PROBATION_DECISIONS[probation.decided])
    elif kind in decisions:
        errors["kind"] = _("延长预备期只能一次") if kind == "extend" else _("已有此决定")
    event = _meeting(case, event_id, errors)
    day = _day(decided_on if decided_on is not None else (event.held_on if event else None), "decided_on", errors, required=_("请填写决定日期"))
    if event is not None and day is not None and day != event.held_on:
        errors["decided_on"] = _("决定日期应为党员大会召开的日期 %(day)s", day=event.held_on.isoformat())
    if probation is not None and day is not None and "decided_on" not in errors and day < probation.started_on:
        errors["decided_on"] = _("不能早于接收为预备党员的日期 %(day)s", day=probation.started_on.isoformat())
    approved = _day(approved_on, "approved_on", errors, required=None)
    if approved is not None and day is not None and approved < day:
        errors["approved_on"] = _("上级党委批准日期不能早于支部大会")
    low, high = EXTENSION_MONTHS
    if kind == "extend":
        if isinstance(extension_months, bool) or not isinstance(extension_months, int) or not low <= extension_months <= high:
            errors["extension_months"] = _("延长期限应为 %(low)d 至 %(high)d 个月", low=low, high=high)
    elif extension_months is not None:
        errors["extension_months"] = _("只有延长预备期填写延长期限")
    if errors:
        raise RecordError(errors)
    decision = ProbationDecision(
        case_id=case.id, kind=kind, decided_on=day, event_id=event.id,
        extension_months=extension_months, approved_on=approved, note=note,
    )
    db.session.add(decision)
    if kind == "convert":
        _convert(case, day, approved)
    elif kind == "cancel":
        member_services.close_development_case(case, note or _("支部大会决定取消预备党员资格"))
    db.session.flush()
    return decision


def _convert(case: DevelopmentCase, day: dt.date, approved: dt.date | None) -> None:
    try:
        member_services.record_development_step(case, CONVERSION_STEPS[0], day)
        if approved is not None:
            member_services.record_development_step(case, CONVERSION_STEPS[1], approved)
    except RecordError as error:
        # The step's predecessor (22 提出转正申请) is what is missing: say so at the decision.
        raise RecordError({"kind": next(iter(error.errors.values()))}) from None
    member = db.session.get(Member, case.member_id) if case.member_id else None
    if member is not None and member.status == "probationary":
        member_services.update_member(member, status="full", full_on=day)


def delete_decision(decision: ProbationDecision) -> None:
    """Delete a decision entered by mistake, undoing what it did to the case.

    A conversion's steps 23 and 24 go with it (the member's category stays as recorded: change
    it on the member's page); a cancellation reopens the case at the stage its steps show.
    """
    case = db.session.get(DevelopmentCase, decision.case_id)
    if decision.kind == "convert":
        for step in list(case.steps):
            if step.step in CONVERSION_STEPS:
                case.steps.remove(step)
        db.session.flush()
    if decision.kind == "cancel":
        case.stage = member_services.stage_from_steps(step_dates(case))
    deletion.delete(decision)
    if decision.kind == "convert":
        case.stage = member_services.stage_from_steps(step_dates(case))
        db.session.flush()


def decision_meetings(case: DevelopmentCase) -> list[Event]:
    """The branch's 党员大会 records since the admission: what a decision may name."""
    start = admitted_on(case) or dt.date(1921, 7, 1)
    events = db.session.scalars(
        select(Event)
        .where(Event.organization_id == case.organization_id, Event.held_on >= start)
        .order_by(Event.held_on.desc(), Event.id.desc())
    ).all()
    return [e for e in events if "general_meeting" in e.kind_codes]


# --- what a case page and the ledger read ----------------------------------------------------


def records_of(case: DevelopmentCase) -> list[DevelopmentRecord]:
    """:returns: the case's records, oldest first."""
    return list(
        db.session.scalars(
            select(DevelopmentRecord)
            .where(DevelopmentRecord.case_id == case.id)
            .order_by(DevelopmentRecord.done_on, DevelopmentRecord.id)
        )
    )


def next_assessment_due(case: DevelopmentCase, records: list[DevelopmentRecord]) -> tuple[str, dt.date] | None:
    """:returns: the kind of assessment the case is due for next and when (as the development
    metric counts it), or ``None`` at a stage without one."""
    kind = ASSESSED_STAGES.get(case.stage)
    if kind is None:
        return None
    dates = step_dates(case)
    known = [dates[s] for s in ASSESSMENT_STARTS[kind] if s in dates]
    if kind == "probationary_assessment":
        probation = probation_of(case)
        if probation is None or not probation.open:
            return None
        known.append(probation.started_on)
    known += [r.done_on for r in records if r.kind == kind]
    if not known:
        return None
    return kind, assessment_due_on(kind, max(known))


@dataclass(frozen=True)
class YearRecords:
    """A branch's development records of one year, for the yearly 台账."""

    records: list[tuple[DevelopmentCase, DevelopmentRecord]]
    decisions: list[tuple[DevelopmentCase, ProbationDecision]]


def branch_records(organization: Organization, year: int) -> YearRecords:
    """The branch's repeated records and probation decisions dated in ``year``, by date.

    :returns: (case, record) and (case, decision) pairs in date order.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    records = db.session.execute(
        select(DevelopmentCase, DevelopmentRecord)
        .join(DevelopmentRecord, DevelopmentRecord.case_id == DevelopmentCase.id)
        .where(DevelopmentCase.organization_id == organization.id, DevelopmentRecord.done_on.between(first, last))
        .order_by(DevelopmentRecord.done_on, DevelopmentRecord.id)
    ).all()
    decisions = db.session.execute(
        select(DevelopmentCase, ProbationDecision)
        .join(ProbationDecision, ProbationDecision.case_id == DevelopmentCase.id)
        .where(DevelopmentCase.organization_id == organization.id, ProbationDecision.decided_on.between(first, last))
        .order_by(ProbationDecision.decided_on, ProbationDecision.id)
    ).all()
    return YearRecords([tuple(r) for r in records], [tuple(d) for d in decisions])


__all__ = [
    "Probation",
    "YearRecords",
    "add_record",
    "admitted_on",
    "branch_records",
    "decision_meetings",
    "decisions_of",
    "delete_decision",
    "delete_record",
    "next_assessment_due",
    "probation_of",
    "record_decision",
    "records_of",
    "step_dates",
    "update_record",
]
