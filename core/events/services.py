"""Event write paths: a meeting with its kinds and attendance in one call; training records.

Transactions: these functions check every field, then change the session (add, set, flush) and
return; they never commit. The caller — a page, the JSON API, an Excel import — commits once at
the end, so an import of many rows stays all-or-nothing. On bad input they raise
:class:`~core.validation.RecordError` naming every bad field at once, in Chinese, and change
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from core import deletion
from core.deletion import Dependent
from core.events.models import Attendance, Event, EventKind, TrainingRecord
from core.extensions import db
from core.members.models import Member
from core.members.roll import member_on_roll, member_on_roll_clause
from core.organizations.models import Organization
from core.sorting import by_pinyin
from core.timezone import local_today
from core.validation import INT_MAX, LIMITS, RecordError, TextLimit, check
from core.vocabulary import ATTENDANCE_STATUSES, EVENT_KINDS, TRAINING_KINDS

#: Hours one event can credit, and one training record can hold (see :data:`core.validation.LIMITS`).
MAX_EVENT_HOURS = LIMITS["event_hours"].maximum
MAX_RECORD_HOURS = LIMITS["training_hours"].maximum
#: Text columns and their lengths.
EVENT_TEXT_LIMITS = {
    "topic": 300, "location": 200, "presenter": 50, "recorder": 50,
    "minutes": LIMITS["minutes"].max_length,
}

#: One member's attendance: (status code, reason or None).
AttendanceEntry = tuple[str, str | None]


def roster_query(organization_id: int, on: dt.date):
    """Members of a branch who belonged to it on ``on`` (joined or transferred in, not yet left)."""
    return (
        select(Member)
        .where(member_on_roll_clause(organization_id, on))
        .order_by(Member.name, Member.id)
    )


def roster(organization: Organization, on: dt.date) -> list[Member]:
    """The attendance roster of a branch on a day."""
    return by_pinyin(db.session.scalars(roster_query(organization.id, on)).all())


def committee_member_ids(organization: Organization, on: dt.date) -> set[int]:
    """Members holding a seat on the branch committee on ``on``: who a 支委会 expects."""
    from core.organizations.models import CommitteeSeat

    return set(
        db.session.scalars(
            select(CommitteeSeat.member_id).where(
                CommitteeSeat.organization_id == organization.id,
                CommitteeSeat.started_on <= on,
                or_(CommitteeSeat.ended_on.is_(None), CommitteeSeat.ended_on > on),
            )
        ).all()
    )


def expected_attendance(
    organization: Organization, kind: str, on: dt.date, members: Sequence[Member],
    *, group_id: int | None = None,
) -> dict[int, AttendanceEntry]:
    """Who a meeting of ``kind`` expects, as the roster form's starting point.

    A 支委会 expects the committee seats held that day; a 党小组会 the members of that group
    (the whole branch when no group is named); any other meeting everyone on the roll that day.
    Members away (长期请假, 流动党员) start as 请假 with the reason, the rest as 出席; members
    not expected are left off (不需参加).

    :param members: the members the form offers (the roll, recent leavers).
    """
    from core.vocabulary import MEMBER_AWAY

    on_roll = [m for m in members if member_on_roll(m, organization.id, on)]
    if kind == "committee_meeting":
        seats = committee_member_ids(organization, on)
        expected = [m for m in on_roll if m.id in seats]
    elif kind == "group_meeting" and group_id is not None:
        expected = [m for m in on_roll if m.party_group_id == group_id]
    else:
        expected = on_roll
    return {
        m.id: ("excused", str(MEMBER_AWAY[m.away])) if m.away else ("present", None)
        for m in expected
    }


def last_event(organization: Organization, kind: str | None = None) -> Event | None:
    """The branch's latest meeting (of ``kind`` when given): what "copy the last one" copies."""
    query = select(Event).where(Event.organization_id == organization.id)
    if kind:
        query = query.where(Event.kind == kind)
    return db.session.scalar(query.order_by(Event.held_on.desc(), Event.id.desc()).limit(1))


def _hours(value: Any, field: str, maximum: Decimal, errors: dict[str, str], *, zero_ok: bool) -> Decimal | None:
    if value in (None, ""):
        if zero_ok:
            return Decimal("0")
        errors[field] = _("请填写学时")
        return None
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        errors[field] = _("学时须为数字")
        return None
    if not hours.is_finite() or hours < 0 or (hours == 0 and not zero_ok):
        errors[field] = _("学时须大于 0") if not zero_ok else _("学时不能为负数")
        return None
    if hours > maximum:
        errors[field] = _("学时不能超过 %(max)s", max=maximum)
        return None
    if hours != hours.quantize(Decimal("0.1")):
        errors[field] = _("学时最多保留一位小数")
        return None
    return hours


def _check_event(
    organization: Organization,
    event: Event | None,
    kinds: Sequence[str],
    kind: str | None,
    held_on: Any,
    fields: dict[str, Any],
    attendance: Mapping[int, AttendanceEntry] | None,
) -> tuple[dict[str, str], list[str], Decimal | None, dict[int, Member]]:
    errors: dict[str, str] = {}
    if not organization.is_branch and organization.kind not in ("general_branch", "committee"):
        errors["organization_id"] = _("请选择党组织")
    all_kinds = list(dict.fromkeys([*([kind] if kind else []), *(kinds or [])]))
    if not all_kinds:
        errors["kinds"] = _("请至少选择一种活动类型")
    bad = [k for k in all_kinds if k not in EVENT_KINDS]
    if bad:
        errors["kinds"] = _("活动类型无效：%(kinds)s", kinds="、".join(map(str, bad)))
    if not isinstance(held_on, dt.date):
        errors["held_on"] = _("请填写活动日期")
    elif held_on > local_today():
        errors["held_on"] = _("活动日期不能晚于今天")
    elif held_on < organization.established_on:
        errors["held_on"] = _("活动日期不能早于党组织成立日期 %(day)s", day=organization.established_on.isoformat())
    topic = str(fields.get("topic") or "").strip()
    if not topic:
        errors["topic"] = _("请填写主题")
    for name, limit in EVENT_TEXT_LIMITS.items():
        value = fields.get(name)
        message = check(value.strip() if isinstance(value, str) else value, TextLimit(limit))
        if message:
            errors[name] = message
    hours = _hours(fields.get("training_hours"), "training_hours", MAX_EVENT_HOURS, errors, zero_ok=True)
    _check_presenter(fields.get("presenter_member_id"), held_on if "held_on" not in errors else None, errors)

    members: dict[int, Member] = {}
    if attendance:
        ids = list(attendance)
        found = {
            m.id: m
            for m in db.session.scalars(
                select(Member).where(Member.id.in_(ids)).options(selectinload(Member.periods))
            ).all()
        }
        on_roster: set[int] = set()
        if "held_on" not in errors:
            on_roster = {m.id for m in found.values() if member_on_roll(m, organization.id, held_on)}
        outsiders: list[str] = []
        for member_id in ids:
            member = found.get(member_id)
            status, reason = _entry(attendance[member_id])
            key = f"attendance.{member_id}"
            if member is None:
                outsiders.append(str(member_id))
                errors[key] = _("编号为 %(id)s 的党员不存在", id=member_id)
                continue
            if "held_on" not in errors and member.id not in on_roster:
                outsiders.append(member.name)
                errors[key] = _("%(name)s 在活动当天不是本支部党员", name=member.name)
                continue
            if status not in ATTENDANCE_STATUSES:
                errors[key] = _("%(name)s：请选择出席、请假或缺席", name=member.name)
            elif status == "excused" and not reason:
                errors[key] = _("%(name)s：请假须填写事由", name=member.name)
            elif reason and len(reason) > 200:
                errors[key] = _("%(name)s：事由不能超过 200 个字符", name=member.name)
            members[member.id] = member
        if outsiders:
            errors["attendance"] = _(
                "以下人员不在本支部活动当天的党员名单中：%(names)s", names="、".join(outsiders)
            )
    return errors, all_kinds, hours, members


def _check_presenter(member_id: Any, held_on: dt.date | None, errors: dict[str, str]) -> None:
    """The presenter named as a member: one of the unit's members on a roll that day (a leader
    may present at a branch other than their own)."""
    if member_id is None:
        return
    member = (
        db.session.get(Member, member_id)
        if isinstance(member_id, int) and not isinstance(member_id, bool) and 0 < member_id <= INT_MAX
        else None
    )
    if member is None:
        errors["presenter_member_id"] = _("主讲人须是本单位的党员")
    elif held_on is not None and not member_on_roll(member, None, held_on):
        errors["presenter_member_id"] = _("%(name)s 在活动当天不是本单位在册党员", name=member.name)


def _entry(value: Any) -> AttendanceEntry:
    if isinstance(value, str):
        return value, None
    status, reason = (list(value) + [None, None])[:2]
    reason = str(reason).strip() if reason else None
    return status, reason or None


def _apply_event(
    event: Event,
    kinds: list[str],
    held_on: dt.date,
    hours: Decimal,
    fields: dict[str, Any],
    attendance: Mapping[int, AttendanceEntry] | None,
) -> None:
    event.kind = kinds[0]
    event.held_on = held_on
    event.training_hours = hours
    for name in ("topic", "location", "presenter", "recorder", "minutes"):
        if name in fields:
            setattr(event, name, str(fields[name] or "").strip() or None)
    if "presenter_member_id" in fields:
        event.presenter_member_id = fields["presenter_member_id"]
        if event.presenter_member_id is not None and not event.presenter:
            # The name on the record follows the member chosen, so paper and page agree.
            event.presenter = db.session.get(Member, event.presenter_member_id).name
    if "paper_record" in fields:
        event.paper_record = bool(fields["paper_record"])
    have = {k.kind: k for k in event.kinds}
    for code, row in have.items():
        if code not in kinds:
            event.kinds.remove(row)
    for code in kinds:
        if code not in have:
            event.kinds.append(EventKind(kind=code))
    if attendance is not None:
        rows = {a.member_id: a for a in event.attendance}
        for member_id, row in rows.items():
            if member_id not in attendance:
                event.attendance.remove(row)
        for member_id, entry in attendance.items():
            status, reason = _entry(entry)
            row = rows.get(member_id)
            if row is None:
                event.attendance.append(Attendance(member_id=member_id, status=status, reason=reason))
            else:
                row.status, row.reason = status, reason


def record_event(
    organization: Organization,
    kinds: Sequence[str],
    held_on: dt.date,
    topic: str,
    *,
    kind: str | None = None,
    location: str | None = None,
    presenter: str | None = None,
    presenter_member_id: int | None = None,
    recorder: str | None = None,
    minutes: str | None = None,
    paper_record: bool = False,
    attendance: Mapping[int, AttendanceEntry] | None = None,
    training_hours: Any = 0,
) -> Event:
    """Record one meeting or activity with every kind it counts as and its attendance.

    :param kinds: the kinds it counts as (a 党员大会 held as the 主题党日 with a 党课 …).
    :param kind: the main kind; defaults to the first of ``kinds`` and is always counted.
    :param attendance: member id → (``present``/``excused``/``absent``, reason). Members are
        those expected (the whole branch for a 党员大会, the committee for a 支委会); each must
        have belonged to the branch on ``held_on``. An excused absence needs a reason.
    :param training_hours: 学时 credited to each member present (0 when the event gives none).
    :param presenter_member_id: the member who presented (主讲); the 党课 metrics count a
        lesson by the branch's secretary or by a leader from it.
    :returns: the event, flushed.
    :raises RecordError: every bad field; attendance problems under ``attendance.<member id>``
        and a summary naming the outsiders under ``attendance``.
    """
    fields = {
        "topic": topic, "location": location, "presenter": presenter, "recorder": recorder,
        "minutes": minutes, "paper_record": paper_record, "training_hours": training_hours,
        "presenter_member_id": presenter_member_id,
    }
    errors, all_kinds, hours, _members = _check_event(
        organization, None, kinds, kind, held_on, fields, attendance
    )
    if errors:
        raise RecordError(errors)
    event = Event(organization_id=organization.id, topic=topic.strip())
    _apply_event(event, all_kinds, held_on, hours or Decimal("0"), fields, attendance or {})
    db.session.add(event)
    db.session.flush()
    return event


def update_event(
    event: Event,
    *,
    kinds: Sequence[str] | None = None,
    kind: str | None = None,
    held_on: dt.date | None = None,
    attendance: Mapping[int, AttendanceEntry] | None = None,
    **fields: Any,
) -> Event:
    """Change an event; ``attendance`` given replaces the whole roster of the event.

    :raises RecordError: as :func:`record_event`.
    """
    unknown = set(fields) - {*EVENT_TEXT_LIMITS, "minutes", "paper_record", "training_hours", "presenter_member_id"}
    organization = event.organization
    merged = {
        "topic": event.topic, "location": event.location, "presenter": event.presenter,
        "recorder": event.recorder, "training_hours": event.training_hours, **fields,
    }
    chosen_kinds = list(kinds) if kinds is not None else event.kind_codes
    main = kind if kind is not None else (event.kind if kinds is None else None)
    day = held_on if held_on is not None else event.held_on
    errors, all_kinds, hours, _members = _check_event(
        organization, event, chosen_kinds, main, day, merged, attendance
    )
    for name in sorted(unknown):
        errors[name] = _("不能修改此项")
    if attendance is None and held_on is not None and "held_on" not in errors:
        # A new date must still fit everyone already recorded as attending.
        left_out = [a.member.name for a in event.attendance if not a.member.belongs_on(day)]
        if left_out:
            errors["held_on"] = _(
                "以下党员在新日期不属于本支部：%(names)s", names="、".join(left_out)
            )
    if errors:
        raise RecordError(errors)
    _apply_event(event, all_kinds, day, hours or Decimal("0"), merged, attendance)
    db.session.flush()
    return event


# --- training records (学时) -----------------------------------------------------------------

TRAINING_FIELDS = {"taken_on", "hours", "title", "organizer", "kind"}


def _check_training(member: Member | None, fields: dict[str, Any]) -> tuple[dict[str, str], Decimal | None]:
    errors: dict[str, str] = {}
    for name in sorted(set(fields) - TRAINING_FIELDS - {"member_id"}):
        errors[name] = _("不能修改此项")
    if member is None:
        errors["member_id"] = _("请选择本单位的党员")
    taken_on = fields.get("taken_on")
    if not isinstance(taken_on, dt.date):
        errors["taken_on"] = _("请填写培训日期")
    elif taken_on > local_today():
        errors["taken_on"] = _("培训日期不能晚于今天")
    elif member is not None and taken_on < member.joined_on:
        errors["taken_on"] = _("培训日期不能早于入党时间")
    title = str(fields.get("title") or "").strip()
    if not title:
        errors["title"] = _("请填写培训名称")
    elif len(title) > 200:
        errors["title"] = _("不能超过 %(limit)d 个字符", limit=200)
    if len(str(fields.get("organizer") or "")) > 200:
        errors["organizer"] = _("不能超过 %(limit)d 个字符", limit=200)
    if fields.get("kind") not in TRAINING_KINDS:
        errors["kind"] = _("请选择培训形式")
    hours = _hours(fields.get("hours"), "hours", MAX_RECORD_HOURS, errors, zero_ok=False)
    return errors, hours


def create_training_record(
    member: Member,
    *,
    taken_on: dt.date,
    hours: Any,
    title: str,
    organizer: str | None = None,
    kind: str = "concentrated",
) -> TrainingRecord:
    """Record 学时 a member earned outside the branch's own events (党校, online courses …).

    :raises RecordError: every bad field.
    """
    fields = {"taken_on": taken_on, "hours": hours, "title": title, "organizer": organizer, "kind": kind}
    errors, amount = _check_training(member, fields)
    if errors:
        raise RecordError(errors)
    record = TrainingRecord(
        member_id=member.id,
        taken_on=taken_on,
        hours=amount,
        title=title.strip(),
        organizer=(organizer or "").strip() or None,
        kind=kind,
    )
    db.session.add(record)
    db.session.flush()
    return record


def update_training_record(record: TrainingRecord, **changes: Any) -> TrainingRecord:
    """Correct a training record.

    :raises RecordError: every bad field.
    """
    member = record.member
    if "member_id" in changes:
        member = db.session.get(Member, changes["member_id"]) if changes["member_id"] else None
    merged = {
        "taken_on": record.taken_on, "hours": record.hours, "title": record.title,
        "organizer": record.organizer, "kind": record.kind, **changes,
    }
    errors, amount = _check_training(member, merged)
    if errors:
        raise RecordError(errors)
    for name, value in changes.items():
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    record.hours = amount
    db.session.flush()
    return record


def training_hours(member_ids: Iterable[int], year: int) -> dict[int, dict[str, Decimal]]:
    """Hours per member in a year: ``{"events": …, "records": …, "total": …}``, in two queries.

    Events credit their hours to members marked present.
    """
    ids = list(member_ids)
    if not ids:
        return {}
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    from_events = dict(
        db.session.execute(
            select(Attendance.member_id, func.sum(Event.training_hours))
            .join(Event, Event.id == Attendance.event_id)
            .where(
                Attendance.member_id.in_(ids),
                Attendance.status == "present",
                and_(Event.held_on >= start, Event.held_on <= end),
            )
            .group_by(Attendance.member_id)
        ).all()
    )
    from_records = dict(
        db.session.execute(
            select(TrainingRecord.member_id, func.sum(TrainingRecord.hours))
            .where(
                TrainingRecord.member_id.in_(ids),
                TrainingRecord.taken_on >= start,
                TrainingRecord.taken_on <= end,
            )
            .group_by(TrainingRecord.member_id)
        ).all()
    )
    result = {}
    for member_id in ids:
        events = Decimal(str(from_events.get(member_id) or 0))
        records = Decimal(str(from_records.get(member_id) or 0))
        result[member_id] = {"events": events, "records": records, "total": events + records}
    return result


# --- deleting (a record entered by mistake) --------------------------------------------------


def event_delete_refusal(event: Event) -> str | None:
    """Why a meeting cannot be deleted (a probation decision names it), or None."""
    from core.development.models import ProbationDecision

    return deletion.refusal(
        event,
        (Dependent(ProbationDecision.event_id, _l("个预备期决定（延长、转正或取消）")),),
        what=_("该会议"),
        instead=_("请先在发展党员页面删除或改正引用它的决定"),
    )


def delete_event(event: Event) -> None:
    """Delete a meeting with its attendance, kinds and attachments' records.

    Refused while a probation decision names it as the meeting that decided; the audit log
    keeps the meeting and each attendance row as they were.

    :raises RecordError: under ``delete`` while a decision points to it.
    """
    deletion.delete(event, event_delete_refusal(event))


def delete_training_record(record: TrainingRecord) -> None:
    """Delete one training record (nothing points to it)."""
    deletion.delete(record)
