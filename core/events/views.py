"""Event pages: a branch's meetings (paged, searchable, sortable), recording a meeting with its
whole attendance roster in one form, and training hours per member per year.

Pages commit: each write calls a service and commits once; a refused write rolls back and shows
the service's Chinese messages at their fields with what the user typed still in place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import extract, func, or_, select
from sqlalchemy.orm import selectinload

from core.events import services
from core.events.forms import EventForm, TrainingRecordForm, event_form
from core.events.models import Attendance, Event, TrainingRecord
from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member
from core.members.roll import member_on_roll_clause
from core.organizations.forms import select_choices
from core.organizations.models import Organization
from core.organizations.views import (
    can_edit_organization,
    choose_branch,
    delete_page,
    member_choices,
    organization_or_404,
    paginate,
    save,
    sort_order,
    unit_or_404,
    year_arg,
)
from core.sorting import by_pinyin
from core.timezone import local_today
from core.vocabulary import ABSENCE_REASONS, EVENT_KINDS

bp = Blueprint("event_pages", __name__, url_prefix="/units/<slug>")

#: How far back the roster form reaches for members who have since left (a late record of an
#: older meeting still finds them).
ROSTER_LOOKBACK = dt.timedelta(days=400)


@bp.get("/events")
@login_required
def choose(slug: str):
    """Pick a branch (a secretary goes straight to their own)."""
    tenant = unit_or_404(slug)
    return choose_branch(tenant, "event_pages.index", _("组织生活"))


@bp.get("/branches/<code>/events")
@login_required
def index(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code)
    query = (
        select(Event)
        .where(Event.organization_id == organization.id)
        .options(selectinload(Event.kinds))
    )
    year = request.args.get("year", "")
    if year.isdigit():
        query = query.where(extract("year", Event.held_on) == int(year))
    kind = request.args.get("kind", "")
    if kind in EVENT_KINDS:
        query = query.where(Event.kinds.any(kind=kind))
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(or_(Event.topic.contains(q), Event.location.contains(q)))
    sort, order = sort_order({"held_on": Event.held_on, "topic": Event.topic}, "-held_on")
    page = paginate(query.order_by(*order, Event.id.desc()))
    counts = _attendance_counts([e.id for e in page.items])
    return render_template(
        "events/index.html", tenant=tenant, organization=organization, page=page, counts=counts,
        q=q, year=year, kind=kind, sort=sort, can_edit=can_edit_organization(tenant, organization.id),
    )


def _attendance_counts(ids: list[int]) -> dict[int, dict[str, int]]:
    """Per event: how many present, excused, absent (one query)."""
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        for event_id, status, n in db.session.execute(
            select(Attendance.event_id, Attendance.status, func.count())
            .where(Attendance.event_id.in_(ids))
            .group_by(Attendance.event_id, Attendance.status)
        ):
            counts[event_id][status] = n
    return counts


def _roster_members(organization: Organization, event: Event | None) -> list[Member]:
    """Everyone the roster form offers: current members, recent leavers, and the event's own."""
    since = local_today() - ROSTER_LOOKBACK
    if event is not None:
        since = min(since, event.held_on)
    condition = member_on_roll_clause(organization.id, since, local_today())
    if event is not None and event.attendance:
        condition = or_(condition, Member.id.in_([a.member_id for a in event.attendance]))
    return by_pinyin(
        db.session.scalars(
            select(Member)
            .where(condition)
            .options(selectinload(Member.periods))  # the roster form asks each one's roll
            .order_by(Member.name, Member.id)
        ).all()
    )


def _presenter_choices(form: EventForm, members: list[Member], event: Event | None) -> None:
    """Who may be named as presenter: the branch's members and the unit's leaders (a leader
    presents at the branch they are linked with); the one already named stays offered."""
    leaders = db.session.scalars(
        select(Member)
        .where(Member.is_leader.is_(True), member_on_roll_clause(None, local_today()))
        .order_by(Member.name, Member.id)
    ).all()
    chosen = {m.id: m for m in [*members, *by_pinyin(leaders)]}
    if event is not None and event.presenter_member_id and event.presenter_member_id not in chosen:
        member = db.session.get(Member, event.presenter_member_id)
        if member is not None:
            chosen[member.id] = member
    form.presenter_member_id.choices = select_choices(
        [(None, _("（不选）"))]
        + [(m.id, m.name + (_("（领导干部）") if m.is_leader else "")) for m in chosen.values()]
    )


def _event_submit(form: EventForm, members: list[Member]) -> tuple[dict[str, Any], dict[int, tuple[str, str | None]]]:
    attendance: dict[int, tuple[str, str | None]] = {}
    for member in members:
        status = getattr(form, f"s{member.id}").data
        if status:
            attendance[member.id] = (status, (getattr(form, f"r{member.id}").data or "").strip() or None)
    fields = {
        "kind": form.kind.data,
        "kinds": [k for k in form.kinds.data or [] if k != form.kind.data],
        "held_on": form.held_on.data,
        "topic": form.topic.data or "",
        "location": form.location.data,
        "presenter": form.presenter.data,
        "presenter_member_id": form.presenter_member_id.data,
        "recorder": form.recorder.data,
        "minutes": form.minutes.data,
        "paper_record": form.paper_record.data,
        "training_hours": form.training_hours.data if form.training_hours.data is not None else Decimal(0),
    }
    return fields, attendance


def _error_fields(members: list[Member]) -> dict[str, str]:
    """Service keys → form fields: each member's attendance message goes to their reason box."""
    return {f"attendance.{m.id}": f"r{m.id}" for m in members} | {"attendance": ""}


def _apply_set_all(form: EventForm, members: list[Member]) -> bool:
    """The "all present" / "none" buttons: set every row and show the form again (no save).

    The page's script does the same in the browser; without it the buttons post here.
    """
    choice = request.form.get("set_all") if request.method == "POST" else None
    if choice not in ("present", "none"):
        return False
    for member in members:
        getattr(form, f"s{member.id}").data = "present" if choice == "present" else ""
    return True


@bp.route("/branches/<code>/events/new", methods=["GET", "POST"])
@login_required
def create(slug: str, code: str):
    """Record a meeting. ``?kind=`` starts the roster from who that kind expects (``&group=`` a
    party group for 党小组会); ``?copy=1`` copies the last meeting's topic and presenter."""
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    members = _roster_members(organization, None)
    day = local_today()
    with contextlib.suppress(ValueError):
        day = dt.date.fromisoformat(request.args.get("held_on", "")) if request.args.get("held_on") else day
    kind = request.args.get("kind", "")
    kind = kind if kind in EVENT_KINDS else "general_meeting"
    groups = list(organization.party_groups)
    group_id = request.args.get("group", type=int)
    group = next((g for g in groups if g.id == group_id), None)
    defaults = services.expected_attendance(
        organization, kind, day, members, group_id=group.id if group else None
    )
    form = event_form(members, defaults)
    _presenter_choices(form, members, None)
    last = services.last_event(organization, kind) or services.last_event(organization)
    if request.method == "GET":
        form.held_on.data = day
        form.kind.data = kind
        if request.args.get("copy") and last is not None:
            form.topic.data = last.topic
            form.presenter.data = last.presenter
            form.location.data = last.location
            form.recorder.data = last.recorder
    if _apply_set_all(form, members):
        return _render_form(tenant, organization, form, members, None, kind, groups, group, last)
    if form.validate_on_submit():
        fields, attendance = _event_submit(form, members)
        event = save(
            lambda: services.record_event(
                organization, fields.pop("kinds"), fields.pop("held_on"), fields.pop("topic"),
                attendance=attendance, **fields,
            ),
            form,
            _error_fields(members),
        )
        if event is not None:
            flash(_("已记录：%(topic)s", topic=event.topic), "info")
            return redirect(url_for(".show", slug=slug, event_id=event.id))
    status = 400 if request.method == "POST" else 200
    return _render_form(tenant, organization, form, members, None, kind, groups, group, last), status


def _render_form(
    tenant: Tenant, organization: Organization, form: EventForm, members: list[Member],
    event: Event | None, kind: str, groups: list, group, last: Event | None,
) -> str:
    """The meeting form, with what each row's script needs to restart the roster by kind."""
    day = form.held_on.data if isinstance(form.held_on.data, dt.date) else local_today()
    return render_template(
        "events/form.html", tenant=tenant, organization=organization, form=form, members=members,
        event=event, kind=kind, groups=groups, group=group, last=last,
        committee=services.committee_member_ids(organization, day),
        reasons=[str(r) for r in ABSENCE_REASONS],
    )


def _event_or_404(tenant: Tenant, event_id: int, *, edit: bool = False) -> tuple[Event, Organization]:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    organization = db.session.get(Organization, event.organization_id)
    return event, organization_or_404(tenant, organization.code, edit=edit)


@bp.get("/events/<int:event_id>")
@login_required
def show(slug: str, event_id: int):
    tenant = unit_or_404(slug)
    event, organization = _event_or_404(tenant, event_id)
    rows = db.session.scalars(
        select(Attendance)
        .where(Attendance.event_id == event.id)
        .options(selectinload(Attendance.member))
    ).all()
    rows = sorted(rows, key=lambda a: (("present", "excused", "absent").index(a.status), a.member.name))
    return render_template(
        "events/show.html", tenant=tenant, organization=organization, event=event, rows=rows,
        can_edit=can_edit_organization(tenant, organization.id),
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, event_id: int):
    tenant = unit_or_404(slug)
    event, organization = _event_or_404(tenant, event_id, edit=True)
    members = _roster_members(organization, event)
    defaults = {a.member_id: (a.status, a.reason) for a in event.attendance}
    form = event_form(members, defaults, obj=event)
    _presenter_choices(form, members, event)
    if request.method == "GET":
        form.kinds.data = event.kind_codes
    groups = list(organization.party_groups)
    if _apply_set_all(form, members):
        return _render_form(tenant, organization, form, members, event, event.kind, groups, None, None)
    if form.validate_on_submit():
        fields, attendance = _event_submit(form, members)
        saved = save(
            lambda: services.update_event(event, attendance=attendance, **fields),
            form,
            _error_fields(members),
        )
        if saved is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".show", slug=slug, event_id=event_id))
    status = 400 if request.method == "POST" else 200
    return _render_form(tenant, organization, form, members, event, event.kind, groups, None, None), status


@bp.route("/events/<int:event_id>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, event_id: int):
    tenant = unit_or_404(slug)
    event, organization = _event_or_404(tenant, event_id, edit=True)
    present = sum(1 for a in event.attendance if a.status == "present")
    return delete_page(
        tenant=tenant,
        what=_("活动“%(topic)s”", topic=event.topic),
        summary=[
            (_("支部"), organization.name), (_("日期"), event.held_on),
            (_("类型"), "、".join(str(EVENT_KINDS.get(k, k)) for k in event.kind_codes)),
            (_("出勤"), _("%(present)d / %(total)d 人出席", present=present, total=len(event.attendance))),
        ],
        refused=services.event_delete_refusal(event),
        delete=lambda: services.delete_event(event),
        back=url_for(".show", slug=slug, event_id=event_id),
        done=url_for(".index", slug=slug, code=organization.code),
    )


# --- training hours --------------------------------------------------------------------------


@bp.get("/training")
@login_required
def choose_training(slug: str):
    tenant = unit_or_404(slug)
    return choose_branch(tenant, "event_pages.training", _("学时"))


def training_targets(tenant: Tenant) -> dict[str, Decimal]:
    """Yearly hours required of members and of leaders, with the unit's own settings applied."""
    registry = current_app.extensions.get("branchmark_plugins")
    targets: dict[str, Decimal] = {}
    try:
        unit_type = registry.unit_type(tenant.unit_type) if registry is not None else None
    except Exception:  # unknown unit type: show hours without a target
        unit_type = None
    for target in unit_type.training_targets if unit_type is not None else ():
        value = (tenant.parameters or {}).get(target.parameter.key, target.parameter.default)
        try:
            targets[target.role] = Decimal(str(value))
        except ArithmeticError:
            continue
    return targets


@bp.get("/branches/<code>/training")
@login_required
def training(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code)
    year = year_arg()
    members = by_pinyin(db.session.scalars(
        select(Member)
        .where(
            member_on_roll_clause(organization.id, dt.date(year, 1, 1), dt.date(year, 12, 31)),
        )
        .order_by(Member.name, Member.id)
    ).all())
    hours = services.training_hours([m.id for m in members], year)
    records = paginate(
        select(TrainingRecord)
        .join(Member, Member.id == TrainingRecord.member_id)
        .where(
            member_on_roll_clause(organization.id, TrainingRecord.taken_on),
            extract("year", TrainingRecord.taken_on) == year,
        )
        .options(selectinload(TrainingRecord.member))
        .order_by(TrainingRecord.taken_on.desc(), TrainingRecord.id.desc())
    )
    return render_template(
        "events/training.html", tenant=tenant, organization=organization, year=year,
        members=members, hours=hours, records=records, targets=training_targets(tenant),
        can_edit=can_edit_organization(tenant, organization.id),
    )


@bp.route("/branches/<code>/training/new", methods=["GET", "POST"])
@login_required
def new_training(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    form = TrainingRecordForm()
    form.member_id.choices = select_choices(member_choices(organization.id, blank=_("请选择")))
    if request.method == "GET" and request.args.get("member", "").isdigit():
        form.member_id.data = int(request.args["member"])
    if form.validate_on_submit():
        member = db.session.get(Member, form.member_id.data) if form.member_id.data else None
        if member is not None and member.organization_id != organization.id:
            member = None
        if member is None:
            form.member_id.errors.append(_("请选择本支部的党员"))
        else:
            record = save(
                lambda: services.create_training_record(
                    member, taken_on=form.taken_on.data, hours=form.hours.data,
                    title=form.title.data, organizer=form.organizer.data, kind=form.kind.data,
                ),
                form,
            )
            if record is not None:
                flash(_("已登记 %(name)s 的 %(hours)s 学时", name=member.name, hours=record.hours), "info")
                return redirect(url_for(".training", slug=slug, code=code, year=record.taken_on.year))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "events/training_form.html", tenant=tenant, organization=organization, form=form
    ), status


def _training_or_404(tenant: Tenant, record_id: int) -> tuple[TrainingRecord, Organization]:
    record = db.session.get(TrainingRecord, record_id)
    if record is None:
        abort(404)
    organization = db.session.get(Organization, record.member.organization_id)
    return record, organization_or_404(tenant, organization.code, edit=True)


@bp.route("/training/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit_training(slug: str, record_id: int):
    tenant = unit_or_404(slug)
    record, organization = _training_or_404(tenant, record_id)
    form = TrainingRecordForm(obj=record)
    del form.member_id  # a record for the wrong person is deleted and entered again
    if form.validate_on_submit():
        saved = save(
            lambda: services.update_training_record(
                record, taken_on=form.taken_on.data, hours=form.hours.data,
                title=form.title.data, organizer=form.organizer.data, kind=form.kind.data,
            ),
            form,
        )
        if saved is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".training", slug=slug, code=organization.code, year=saved.taken_on.year))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "events/training_form.html", tenant=tenant, organization=organization, form=form,
        record=record,
    ), status


@bp.route("/training/<int:record_id>/delete", methods=["GET", "POST"])
@login_required
def delete_training(slug: str, record_id: int):
    tenant = unit_or_404(slug)
    record, organization = _training_or_404(tenant, record_id)
    back = url_for(".training", slug=slug, code=organization.code, year=record.taken_on.year)
    return delete_page(
        tenant=tenant,
        what=_("%(name)s 的培训记录", name=record.member.name),
        summary=[
            (_("党员"), record.member.name), (_("培训日期"), record.taken_on),
            (_("培训名称"), record.title), (_("学时"), record.hours),
        ],
        refused=None,
        delete=lambda: services.delete_training_record(record),
        back=back,
        done=back,
    )
