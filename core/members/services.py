"""Member write paths: members, transfers and leaving, development cases, appraisals.

Transactions: these functions check every field, then change the session (add, set, flush) and
return; they never commit. The caller — a page, the JSON API, an Excel import — commits once at
the end, so an import of many rows stays all-or-nothing. On bad input they raise
:class:`~core.validation.RecordError` (here :class:`MemberError`) naming every bad field at once,
in Chinese, and change nothing. The audit log is written at flush without any help from here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import deletion
from core.deletion import Dependent
from core.dues.models import DuesPayment
from core.events.models import Attendance, TrainingRecord
from core.extensions import db
from core.members.models import Appraisal, DevelopmentCase, DevelopmentStep, Member, Membership
from core.members.periods import latest_period
from core.members.roll import member_on_roll_during
from core.organizations.models import CommitteeSeat, Organization, PartyGroup
from core.staffing.models import StaffPost
from core.standards.periods import add_years
from core.timezone import local_today
from core.validation import Limit, RecordError, TextLimit, check, check_fields
from core.vocabulary import (
    ABSENCES,
    APPRAISAL_RESULTS,
    DEVELOPMENT_STEPS,
    DUES_CATEGORIES,
    GENDERS,
    LEAVING_REASONS,
    MEMBER_AWAY,
    MEMBER_STATUSES,
    MEMBERSHIP_START_REASONS,
)

#: The longest 外出去向 kept (the absence's period keeps it as its note).
PLACE_LENGTH = Membership.__table__.c.note.type.length

#: 18-digit resident ID: 17 digits and a check character (GB 11643).
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
PHONE = re.compile(r"^1\d{10}$")

EDITABLE = {
    "name", "gender", "birth_date", "ethnicity", "education", "position", "id_number", "phone",
    "status", "joined_on", "full_on", "dues_category", "dues_base", "is_leader",
    "party_group_id", "organization_id", "transferred_in_on", "left_on", "left_reason", "note",
    "away",
}
#: Fields a new member needs.
REQUIRED = ("name", "status", "joined_on")
#: Bounds of the member's fields (:mod:`core.validation`), so a long value is refused with a message.
MEMBER_LIMITS: dict[str, Limit | str] = {
    "name": "person_name", "ethnicity": TextLimit(20), "education": TextLimit(30),
    "position": "short_text", "note": "note", "dues_base": "dues_base", "proxy_name": "person_name",
}


class MemberError(RecordError):
    """Bad member input; ``errors`` maps each field to a Chinese message."""


def id_number_is_valid(value: str) -> bool:
    """Whether an 18-digit ID number is well formed and its check character matches."""
    if not ID_NUMBER.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def validate_member_fields(fields: dict[str, Any]) -> dict[str, str]:
    """Chinese messages for every bad field among ``fields`` (empty when all are good)."""
    errors: dict[str, str] = {}
    unknown = set(fields) - EDITABLE
    for name in sorted(unknown):
        errors[name] = _("不能修改此项")
    if "name" in fields and not str(fields["name"] or "").strip():
        errors["name"] = _("请填写姓名")
    for name, message in check_fields(fields, MEMBER_LIMITS).items():
        errors.setdefault(name, message)
    if fields.get("gender") not in (None, *GENDERS):
        errors["gender"] = _("性别须为 男 或 女")
    if "status" in fields and fields["status"] not in MEMBER_STATUSES:
        errors["status"] = _("党员类别须为 正式党员 或 预备党员")
    if "dues_category" in fields and fields["dues_category"] not in DUES_CATEGORIES:
        errors["dues_category"] = _("党费类别无效")
    if fields.get("away") not in (None, *MEMBER_AWAY):
        errors["away"] = _("外出情况无效")
    if fields.get("left_reason") not in (None, *LEAVING_REASONS):
        errors["left_reason"] = _("离开原因无效")
    if fields.get("id_number") and not id_number_is_valid(str(fields["id_number"]).upper()):
        errors["id_number"] = _("身份证号码格式或校验位不正确")
    if fields.get("phone") and not PHONE.match(str(fields["phone"])):
        errors["phone"] = _("手机号码须为 11 位数字")
    if fields.get("dues_base") is not None and "dues_base" not in errors:
        try:
            if Decimal(str(fields["dues_base"])) < 0:
                errors["dues_base"] = _("党费基数不能为负数")
        except InvalidOperation:
            errors["dues_base"] = _("党费基数须为数字")
    for name in ("birth_date", "joined_on", "full_on", "transferred_in_on", "left_on"):
        if fields.get(name) is not None and not isinstance(fields[name], dt.date):
            errors[name] = _("日期格式应为 YYYY-MM-DD")
        elif fields.get(name) is not None:
            message = check(fields[name], "past_date")
            if message:
                errors[name] = message
    return errors


def _relation_errors(member: Member | None, fields: dict[str, Any]) -> dict[str, str]:
    """Checks across fields and rows: dates in order, the branch and party group exist."""
    errors: dict[str, str] = {}

    def value(name: str) -> Any:
        return fields[name] if name in fields else getattr(member, name, None)

    joined, full = value("joined_on"), value("full_on")
    born = value("birth_date")
    if born is not None and joined is not None and joined < add_years(born, 18):
        # 党章第一条：年满十八岁的中国工人、农民……可以申请加入中国共产党。
        errors["joined_on"] = _("入党时须年满十八岁（早于出生日期加十八年）")
    if full is not None and joined is not None and full < joined:
        errors["full_on"] = _("转正时间不能早于入党时间")
    if value("status") == "probationary" and full is not None:
        errors["full_on"] = _("预备党员不应有转正时间；转正请将类别改为正式党员")
    transferred = value("transferred_in_on")
    if transferred is not None and joined is not None and transferred < joined:
        errors["transferred_in_on"] = _("转入日期不能早于入党时间")
    left = value("left_on")
    start = transferred or joined
    if left is not None and start is not None and left < start:
        errors["left_on"] = _("离开日期不能早于入党或转入日期")
    if (left is None) != (value("left_reason") is None) and (
        "left_on" in fields or "left_reason" in fields
    ):
        errors["left_reason" if left is not None else "left_on"] = _(
            "离开日期和离开原因须同时填写"
        )
    if "organization_id" in fields:
        organization = (
            db.session.get(Organization, fields["organization_id"])
            if fields["organization_id"] is not None
            else None
        )
        if organization is None or not organization.is_branch:
            errors["organization_id"] = _("请选择本单位的党支部")
        elif organization.dissolved_on is not None:
            errors["organization_id"] = _("该党支部已撤销")
    group_id = value("party_group_id")
    if group_id is not None and ("party_group_id" in fields or "organization_id" in fields):
        group = db.session.get(PartyGroup, group_id)
        if group is None or group.organization_id != value("organization_id"):
            errors["party_group_id"] = _("党小组须属于该党员所在的党支部")
    return errors


#: The roster's marks an absence sets (流动党员, 出国出境): they follow the member's periods.
ABSENCE_MARKS = frozenset(counts["away"] for counts in ABSENCES.values())


def _absence_mark_errors(wanted: str | None, current: str | None) -> dict[str, str]:
    """Refuse setting or clearing an absence's mark by hand: the absence and its return are
    recorded as periods (:func:`record_absence`, :func:`record_return`), which set the mark."""
    if wanted != current and ({wanted, current} & ABSENCE_MARKS):
        return {"away": _("流动党员外出、出国出境及返回，请在党员页面登记外出或返回")}
    return {}


def new_member_errors(fields: dict[str, Any]) -> dict[str, str]:
    """Chinese messages for every reason a new member with ``fields`` (``organization_id``
    included) would be refused: each field, the required ones, dates in order, branch and group.
    :func:`create_member` checks with it; so does the demo's bulk load."""
    errors = validate_member_fields(fields)
    for name in REQUIRED:
        if fields.get(name) in (None, "") and name not in errors:
            errors[name] = {
                "name": _("请填写姓名"),
                "status": _("请选择党员类别"),
                "joined_on": _("请填写入党时间"),
            }[name]
    errors.update({k: v for k, v in _relation_errors(None, fields).items() if k not in errors})
    errors.update(_absence_mark_errors(fields.get("away"), None))
    return errors


def create_member(organization: Organization, **fields: Any) -> Member:
    """Add a member to a branch of the current unit.

    :param organization: the branch (党支部 or 联合党支部).
    :param fields: ``name``, ``status``, ``joined_on`` (required) and any of :data:`EDITABLE`.
    :returns: the new member, flushed.
    :raises MemberError: every bad field, in Chinese.
    """
    fields = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in fields.items()}
    fields["organization_id"] = organization.id
    if isinstance(fields.get("id_number"), str):
        fields["id_number"] = fields["id_number"].upper()
    errors = new_member_errors(fields)
    if errors:
        raise MemberError(errors)
    fields.setdefault("dues_category", "employed")
    fields.setdefault("is_leader", False)
    member = Member(**fields)
    db.session.add(member)
    db.session.flush()
    return member


def update_member(member: Member, **changes: Any) -> Member:
    """Change a member's fields after checking all of them; nothing changes if one is wrong.

    :raises MemberError: with a Chinese message per bad field.
    """
    errors = validate_member_fields(changes)
    errors.update(_absence_mark_errors(changes.get("away", member.away), member.away))
    if changes.get("organization_id", member.organization_id) != member.organization_id:
        # Overwriting the branch would move the member's past into it: a move keeps the history.
        errors["organization_id"] = _("调整所在支部请办理单位内调整支部或组织关系转接")
    if not errors:
        errors = _relation_errors(member, changes)
    if errors:
        raise MemberError(errors)
    for name, value in changes.items():
        setattr(member, name, value)
    return member


def _current_start(member: Member) -> dt.date:
    period = latest_period(member)
    return period.started_on if period is not None else (member.transferred_in_on or member.joined_on)


def transfer_member(
    member: Member, organization: Organization, on: dt.date, *, party_group: PartyGroup | None = None
) -> Member:
    """Move a member to another branch of the same unit from ``on`` (单位内调整支部).

    The member keeps one row (attendance and dues history stay theirs). Their period in the old
    branch ends on ``on`` and a new one begins there, so each branch's roll of a past day, and
    its past cards, stay as they were. Their committee seats in the old branch end.

    :param party_group: the party group in the new branch, if one is chosen.
    :raises MemberError: for a bad branch, group or date.
    """
    errors: dict[str, str] = {}
    if not organization.is_branch or organization.dissolved_on is not None:
        errors["organization_id"] = _("请选择本单位在设的党支部")
    elif organization.id == member.organization_id:
        errors["organization_id"] = _("该党员已在此党支部")
    if member.left_on is not None:
        errors["organization_id"] = _("该党员已离开，不能转接")
    if not isinstance(on, dt.date):
        errors["transferred_in_on"] = _("请填写转入日期")
    elif on > local_today():
        errors["transferred_in_on"] = _("日期不能晚于今天")
    elif on <= _current_start(member):
        errors["transferred_in_on"] = _("调整日期须晚于入党或上次转入日期")
    if party_group is not None and party_group.organization_id != organization.id:
        errors["party_group_id"] = _("党小组须属于调入的党支部")
    away = absence_of(member)
    if away is not None:
        errors["organization_id"] = _("该党员%(absence)s期间不能调整支部，请先登记返回", absence=MEMBERSHIP_START_REASONS[away.start_reason])
    if errors:
        raise MemberError(errors)
    end_seats(member, on)
    old = latest_period(member)
    if old is not None:
        old.ended_on = on
        old.end_reason = "moved_within"
    member.periods.append(
        Membership(
            tenant_id=member.tenant_id, organization_id=organization.id,
            party_group_id=party_group.id if party_group is not None else None,
            started_on=on, start_reason="moved_within",
        )
    )
    member.organization_id = organization.id
    member.party_group_id = party_group.id if party_group is not None else None
    member.transferred_in_on = on
    db.session.flush()
    return member


def record_leaving(member: Member, *, left_on: dt.date, reason: str, note: str | None = None) -> Member:
    """Record that a member left the branch (转出, 去世 …); their committee seats end that day.

    :raises MemberError: for a bad date or reason.
    """
    errors: dict[str, str] = {}
    if reason not in LEAVING_REASONS:
        errors["left_reason"] = _("请选择离开原因")
    if not isinstance(left_on, dt.date):
        errors["left_on"] = _("请填写离开日期")
    elif left_on > local_today():
        errors["left_on"] = _("日期不能晚于今天")
    elif left_on < _current_start(member):
        errors["left_on"] = _("离开日期不能早于入党或转入日期")
    if member.left_on is not None:
        errors["left_on"] = _("该党员已于 %(day)s 离开", day=member.left_on.isoformat())
    if errors:
        raise MemberError(errors)
    end_seats(member, left_on)
    member.left_on = left_on
    member.left_reason = reason
    _append_note(member, note)
    db.session.flush()
    return member


def absence_of(member: Member) -> Membership | None:
    """:returns: the member's open period when an absence (:data:`ABSENCES`) began it."""
    period = latest_period(member)
    if period is not None and period.ended_on is None and period.start_reason in ABSENCES:
        return period
    return None


def _split_period(member: Member, on: dt.date, reason: str, note: str | None) -> None:
    """End the member's open period on ``on`` for ``reason`` and begin the next in the same
    branch and group, for the same reason: the member stays on the branch's roll throughout."""
    old = latest_period(member)
    old.ended_on = on
    old.end_reason = reason
    member.periods.append(
        Membership(
            tenant_id=member.tenant_id, organization_id=old.organization_id,
            party_group_id=old.party_group_id, started_on=on, start_reason=reason, note=note,
        )
    )


def record_absence(member: Member, *, kind: str, on: dt.date, place: str | None, note: str | None = None) -> Member:
    """Record that a member goes away keeping their organization relationship with the branch:
    流动党员外出 (``outflow``) or 出国出境 (``abroad``), from ``on``.

    A 流动党员 is someone away without transferring (教管条例 第三十二条), so the relationship
    stays here and so does the member, on the branch's roll; someone settled elsewhere for six
    months or more transfers instead (第二十五条: 组织关系转接). What the absence counts for in
    metrics is :data:`core.vocabulary.ABSENCES`.

    :param place: 外出去向 / 前往国家（地区）, kept on the absence's period.
    :raises MemberError: for a bad kind, date or place, a member who left, or one already away.
    """
    errors: dict[str, str] = {}
    if kind not in ABSENCES:
        errors["kind"] = _("请选择外出类别")
    place = place.strip() if isinstance(place, str) else None
    if not place:
        errors["place"] = _("请填写外出去向")
    elif len(place) > PLACE_LENGTH:
        errors["place"] = _("外出去向不能超过 %(n)s 个字", n=PLACE_LENGTH)
    current = latest_period(member)
    if member.left_on is not None or current is None or current.ended_on is not None:
        errors["kind"] = _("该党员已离开，不能登记外出")
    elif (away := absence_of(member)) is not None:
        errors["kind"] = _(
            "该党员自 %(day)s 起%(absence)s，请先登记返回",
            day=away.started_on.isoformat(), absence=MEMBERSHIP_START_REASONS[away.start_reason],
        )
    if not isinstance(on, dt.date):
        errors["on"] = _("请填写外出日期")
    elif on > local_today():
        errors["on"] = _("日期不能晚于今天")
    elif current is not None and on <= current.started_on:
        # Equal or earlier would leave a period of no day, or overlap the one before.
        errors["on"] = _("外出日期须晚于本段在册记录的开始日期（%(day)s）", day=current.started_on.isoformat())
    if errors:
        raise MemberError(errors)
    _split_period(member, on, kind, place)
    member.away = ABSENCES[kind]["away"]
    _append_note(member, note)
    db.session.flush()
    return member


def record_return(member: Member, *, on: dt.date, note: str | None = None) -> Member:
    """Record that a member away (:func:`record_absence`) is back from ``on``: 流动党员返回 or
    出国出境回国恢复组织生活. Their absence's period ends and the next begins in the branch.

    :raises MemberError: for a bad date, or a member who is not away.
    """
    errors: dict[str, str] = {}
    away = absence_of(member)
    if away is None or member.left_on is not None:
        errors["on"] = _("该党员未处于流动外出或出国出境状态")
    elif not isinstance(on, dt.date):
        errors["on"] = _("请填写返回日期")
    elif on > local_today():
        errors["on"] = _("日期不能晚于今天")
    elif on <= away.started_on:
        errors["on"] = _("返回日期须晚于外出日期（%(day)s）", day=away.started_on.isoformat())
    if errors:
        raise MemberError(errors)
    _split_period(member, on, ABSENCES[away.start_reason]["returns_as"], None)
    member.away = None
    _append_note(member, note)
    db.session.flush()
    return member


def _append_note(member: Member, note: str | None) -> None:
    """Add a change's explanation to the member's note (kept, never overwritten)."""
    if note:
        member.note = f"{member.note}\n{note}" if member.note else note


def end_seats(member: Member, on: dt.date) -> None:
    """End the member's committee seats still held, on ``on`` (a move or leaving)."""
    seats = db.session.scalars(
        select(CommitteeSeat).where(
            CommitteeSeat.member_id == member.id, CommitteeSeat.ended_on.is_(None)
        )
    ).all()
    for seat in seats:
        seat.ended_on = max(on, seat.started_on)


# --- development cases (发展党员) ------------------------------------------------------------

#: The step that moves a case into each stage (《中国共产党发展党员工作细则》): 递交申请书,
#: 确定为积极分子, 确定为发展对象, 上级党委审批 (预备党员), 上级党委审批转正.
STAGE_MILESTONES: tuple[tuple[int, str], ...] = (
    (24, "full"),
    (17, "probationary"),
    (7, "target"),
    (3, "activist"),
    (1, "applicant"),
)
#: Steps that need not wait for the step numbered just before them: filing with the higher
#: committee (4, 8, 18) runs alongside the next step, so 5, 9 and 19 follow the step before it.
PREDECESSOR: dict[int, int] = {5: 3, 9: 7, 19: 17}


def stage_from_steps(steps: Mapping[int, dt.date]) -> str:
    """The stage a case has reached, from the steps recorded so far."""
    for step, stage in STAGE_MILESTONES:
        if step in steps:
            return stage
    return "applicant"


def _predecessor(step: int) -> int:
    return PREDECESSOR.get(step, step - 1)


def development_case_errors(
    organization: Organization, fields: dict[str, Any], applied_on: Any = None
) -> dict[str, str]:
    """Chinese messages for every reason a new development case in ``organization`` with the
    person's ``fields`` (``name``, ``gender``, ``birth_date``, ``id_number``) and ``applied_on``
    would be refused. :func:`create_development_case` checks with it; so does the demo's load."""
    errors = validate_member_fields(fields)
    if not fields.get("name"):
        errors["name"] = _("请填写姓名")
    if not organization.is_branch:
        errors["organization_id"] = _("发展党员须在党支部进行")
    if applied_on is not None:
        if not isinstance(applied_on, dt.date):
            errors["applied_on"] = _("日期格式应为 YYYY-MM-DD")
        elif applied_on > local_today():
            errors["applied_on"] = _("日期不能晚于今天")
    return errors


def create_development_case(
    organization: Organization,
    *,
    name: str,
    gender: str | None = None,
    birth_date: dt.date | None = None,
    id_number: str | None = None,
    applied_on: dt.date | None = None,
    note: str | None = None,
) -> DevelopmentCase:
    """Open a development case for a person who applied to join (step 1 when ``applied_on``).

    :raises MemberError: every bad field.
    """
    name = (name or "").strip()
    fields: dict[str, Any] = {"name": name, "gender": gender, "birth_date": birth_date}
    if id_number:
        fields["id_number"] = id_number.strip().upper()
    errors = development_case_errors(organization, fields, applied_on)
    if errors:
        raise MemberError(errors)
    case = DevelopmentCase(
        organization_id=organization.id,
        name=name,
        gender=gender,
        birth_date=birth_date,
        id_number=fields.get("id_number"),
        note=(note or "").strip() or None,
        stage="applicant",
    )
    db.session.add(case)
    db.session.flush()
    if applied_on is not None:
        record_development_step(case, 1, applied_on)
    return case


def development_step_errors(
    dates: Mapping[int, dt.date], step: Any, done_on: Any, *, closed: bool = False
) -> dict[str, str]:
    """Chinese messages for every reason recording ``step`` done on ``done_on`` would be refused,
    given the steps already recorded (``dates``: step → date) and whether the case is closed.
    :func:`record_development_step` checks with it; so does the demo's load, step by step."""
    errors: dict[str, str] = {}
    if closed:
        errors["step"] = _("该发展案例已终止")
    if not isinstance(step, int) or step not in DEVELOPMENT_STEPS:
        errors["step"] = _("步骤编号应为 1–25")
    if not isinstance(done_on, dt.date):
        errors["done_on"] = _("请填写完成日期")
    elif done_on > local_today():
        errors["done_on"] = _("日期不能晚于今天")
    if not errors and step > 1:
        before = _predecessor(step)
        if before not in dates:
            errors["step"] = _(
                "请先记录第 %(n)d 步（%(label)s）", n=before, label=DEVELOPMENT_STEPS[before][1]
            )
        elif done_on < dates[before]:
            errors["done_on"] = _(
                "不能早于第 %(n)d 步（%(label)s）的日期 %(day)s",
                n=before,
                label=DEVELOPMENT_STEPS[before][1],
                day=dates[before].isoformat(),
            )
    if not errors:
        for later, day in dates.items():
            if later != step and _predecessor(later) == step and day < done_on:
                errors["done_on"] = _(
                    "不能晚于第 %(n)d 步（%(label)s）的日期 %(day)s",
                    n=later,
                    label=DEVELOPMENT_STEPS[later][1],
                    day=day.isoformat(),
                )
                break
    return errors


def record_development_step(
    case: DevelopmentCase, step: int, done_on: dt.date, note: str | None = None
) -> DevelopmentStep:
    """Record (or correct) the date a step was completed; the case's stage follows.

    Steps go in order: a step needs the step before it recorded and cannot be dated before it,
    and a correction cannot move a step after the step that follows it.

    :raises MemberError: under ``step`` or ``done_on``.
    """
    dates = {s.step: s.done_on for s in case.steps}
    errors = development_step_errors(dates, step, done_on, closed=case.stage == "closed")
    if errors:
        raise MemberError(errors)
    existing = next((s for s in case.steps if s.step == step), None)
    if existing is None:
        existing = DevelopmentStep(case_id=case.id, step=step, done_on=done_on)
        case.steps.append(existing)
    else:
        existing.done_on = done_on
    if note is not None:
        existing.note = note.strip() or None
    dates[step] = done_on
    case.stage = stage_from_steps(dates)
    db.session.flush()
    return existing


def close_development_case(case: DevelopmentCase, note: str) -> DevelopmentCase:
    """Stop a case (the person withdrew or was not accepted), with the reason.

    :raises MemberError: when no reason is given.
    """
    if not (note or "").strip():
        raise MemberError({"note": _("请填写终止原因")})
    case.stage = "closed"
    case.note = f"{case.note}\n{note.strip()}" if case.note else note.strip()
    db.session.flush()
    return case


# --- democratic appraisal (民主评议党员) ----------------------------------------------------


def set_appraisals(
    organization: Organization,
    year: int,
    results: Mapping[int, str | None],
    *,
    appraised_on: dt.date | None = None,
) -> list[Appraisal]:
    """Set a year's appraisal results for members of a branch in one call.

    :param results: member id → result code; ``None`` or ``""`` clears a member's result.
    :returns: the appraisals now stored for the members given.
    :raises MemberError: keys ``year``, ``appraised_on`` or ``<member id>`` (the message names
        the member); nothing is changed when any is wrong.
    """
    errors: dict[str, str] = {}
    today = local_today()
    if not isinstance(year, int) or not 2000 <= year <= today.year:
        errors["year"] = _("年度应在 2000 年至今年之间")
    if appraised_on is not None:
        if not isinstance(appraised_on, dt.date):
            errors["appraised_on"] = _("日期格式应为 YYYY-MM-DD")
        elif appraised_on > today:
            errors["appraised_on"] = _("日期不能晚于今天")
    ids = list(results)
    members = {
        m.id: m
        for m in db.session.scalars(
            select(Member).where(Member.id.in_(ids)).options(selectinload(Member.periods))
        ).all()
    } if ids else {}
    for member_id in ids:
        member = members.get(member_id)
        result = results[member_id] or None
        if member is None or not any(p.organization_id == organization.id for p in member.periods):
            errors[str(member_id)] = _("编号为 %(id)s 的党员不属于本支部", id=member_id)
        elif "year" not in errors and not member_on_roll_during(
            member, organization.id, dt.date(year, 1, 1), dt.date(year, 12, 31)
        ):
            errors[str(member_id)] = _("%(name)s 在 %(year)d 年不属于本支部", name=member.name, year=year)
        elif result is not None and result not in APPRAISAL_RESULTS:
            errors[str(member_id)] = _("%(name)s 的评议结果无效", name=member.name)
    if errors:
        raise MemberError(errors)
    existing = {
        a.member_id: a
        for a in db.session.scalars(
            select(Appraisal).where(Appraisal.member_id.in_(ids), Appraisal.year == year)
        ).all()
    } if ids else {}
    stored: list[Appraisal] = []
    for member_id in ids:
        result = results[member_id] or None
        appraisal = existing.get(member_id)
        if result is None:
            if appraisal is not None:
                db.session.delete(appraisal)
            continue
        if appraisal is None:
            appraisal = Appraisal(member_id=member_id, year=year, result=result)
            db.session.add(appraisal)
        else:
            appraisal.result = result
        if appraised_on is not None:
            appraisal.appraised_on = appraised_on
        stored.append(appraisal)
    db.session.flush()
    return stored


def set_appraisal(
    member: Member,
    year: int,
    result: str | None,
    *,
    appraised_on: dt.date | None = None,
    note: str | None = None,
) -> Appraisal | None:
    """Set one member's appraisal result for a year (``None`` clears it).

    :raises MemberError: as :func:`set_appraisals`, with the member's key renamed ``result``.
    """
    organization = db.session.get(Organization, member.organization_id)
    try:
        stored = set_appraisals(organization, year, {member.id: result}, appraised_on=appraised_on)
    except MemberError as error:
        errors = dict(error.errors)
        if str(member.id) in errors:
            errors["result"] = errors.pop(str(member.id))
        raise MemberError(errors) from None
    if stored and note is not None:
        stored[0].note = note.strip() or None
        db.session.flush()
    return stored[0] if stored else None


# --- deleting (a record entered by mistake) --------------------------------------------------


def member_dependents() -> tuple[Dependent, ...]:
    """Records that keep a member's history; while any exist the member is not deleted."""
    return (
        Dependent(DuesPayment.member_id, _l("条党费记录")),
        Dependent(Attendance.member_id, _l("条出勤记录")),
        Dependent(TrainingRecord.member_id, _l("条学时记录")),
        Dependent(Appraisal.member_id, _l("条民主评议结果")),
        Dependent(CommitteeSeat.member_id, _l("个委员会职务")),
        Dependent(PartyGroup.leader_id, _l("个党小组组长职务")),
        Dependent(DevelopmentCase.member_id, _l("个发展党员案例")),
        Dependent(StaffPost.member_id, _l("个党务工作者岗位")),
    )


def member_delete_refusal(member: Member) -> str | None:
    """Why a member cannot be deleted (they have a history), or None."""
    return deletion.refusal(
        member,
        member_dependents(),
        what=_("该党员"),
        instead=_("如已转出或去世，请登记离开（历史记录保留）"),
    )


def delete_member(member: Member) -> None:
    """Delete a member entered by mistake; refused once any record points to them.

    :raises RecordError: under ``delete``, naming what points to the member.
    """
    deletion.delete(member, member_delete_refusal(member))


def delete_appraisal(appraisal: Appraisal) -> None:
    """Delete one appraisal result (nothing points to it)."""
    deletion.delete(appraisal)
