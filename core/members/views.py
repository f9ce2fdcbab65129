"""Member pages: the roster (paged, searchable, sortable), a member's detail and edit, transfers and
leaving, development cases with their 25-step pipeline, and a branch's appraisals for a year.

Pages commit: each write calls a service and commits once; a refused write rolls back and shows
the service's Chinese messages at their fields with what the user typed still in place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, true
from sqlalchemy.orm import contains_eager, selectinload

from core.dues.models import DuesPayment
from core.events.services import training_hours
from core.extensions import db
from core.host.models import Tenant
from core.members import services
from core.members.forms import (
    AbsenceForm,
    CloseCaseForm,
    DevelopmentCaseForm,
    LeaveForm,
    MemberForm,
    ReturnForm,
    StepForm,
    TransferForm,
    appraisal_form,
)
from core.members.models import Appraisal, DevelopmentCase, DevelopmentStep, Member
from core.members.roll import member_on_roll_clause
from core.organizations.forms import select_choices
from core.organizations.models import Organization, PartyGroup
from core.organizations.views import (
    BRANCH_KINDS,
    PAGE_SIZE,
    Page,
    can_edit_organization,
    can_edit_unit,
    delete_page,
    organization_or_404,
    page_number,
    paginate,
    personal,
    save,
    sees_personal_data,
    sort_order,
    unit_or_404,
    visible_organizations,
    year_arg,
)
from core.sorting import by_pinyin, pinyin_key
from core.timezone import local_today
from core.vocabulary import APPRAISAL_RESULTS, DEVELOPMENT_STAGES, DEVELOPMENT_STEPS

bp = Blueprint("member_pages", __name__, url_prefix="/units/<slug>")

#: Fields of the member form passed to the services as they are.
MEMBER_FIELDS = (
    "name", "gender", "birth_date", "ethnicity", "education", "position", "status", "joined_on",
    "full_on", "party_group_id", "dues_category", "dues_base", "is_leader", "transferred_in_on",
    "away", "note",
)
PERSONAL_FIELDS = ("id_number", "phone")


def member_or_404(tenant: Tenant, member_id: int, *, edit: bool = False) -> Member:
    """A member of the unit the user may read (and with ``edit``, change); 404/403."""
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    organization_or_404_by_id(tenant, member.organization_id, edit=edit)
    return member


def organization_or_404_by_id(tenant: Tenant, organization_id: int, *, edit: bool = False) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        abort(404)
    return organization_or_404(tenant, organization.code, edit=edit)


# --- the roster ------------------------------------------------------------------------------


@bp.get("/members")
@login_required
def index(slug: str):
    tenant = unit_or_404(slug)
    branches = visible_organizations(branches_only=True)
    branch_code = request.args.get("branch", "")
    branch = None
    if branch_code:
        branch = organization_or_404(tenant, branch_code)
    elif current_user.role == "secretary":
        branch = branches[0] if branches else None
        if branch is None:
            abort(403)
    query = select(Member).join(Organization, Organization.id == Member.organization_id).options(
        contains_eager(Member.organization)
    )
    show = request.args.get("show", "current")
    today = local_today()
    if show == "left":
        # Off every roll of the unit today; listed under the branch they left (Member.organization_id).
        query = query.where(~member_on_roll_clause(None, today))
        if branch is not None:
            query = query.where(Member.organization_id == branch.id)
    else:
        query = query.where(member_on_roll_clause(branch.id if branch is not None else None, today))
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(Member.name.contains(q))
    sort, order = sort_order({"name": Member.name, "joined_on": Member.joined_on}, "name")
    if sort.lstrip("-") == "name":
        page = _page_by_pinyin(query, descending=sort.startswith("-"))
    else:
        page = paginate(query.order_by(*order, Member.id))
    return render_template(
        "members/index.html", tenant=tenant, page=page, q=q, sort=sort, show=show,
        branch=branch, branches=branches, personal=personal,
        can_create=any(can_edit_organization(tenant, b.id) for b in branches),
    )


def _page_by_pinyin(query, *, descending: bool) -> Page:
    """One page of members in pinyin order of their names.

    SQL sorts names by code point (严 before 何 before 于); the pinyin order needs the names, so
    this reads (id, name) of every matching member, sorts them, and loads one page of rows:
    three queries whatever the list's size.
    """
    pairs = db.session.execute(
        select(Member.id, Member.name)
        .join(Organization, Organization.id == Member.organization_id)
        .where(query.whereclause if query.whereclause is not None else true())
    ).all()
    ordered = sorted(pairs, key=lambda row: (pinyin_key(row.name), row.id), reverse=descending)
    number = page_number()
    ids = [row.id for row in ordered[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]]
    loaded = {
        m.id: m
        for m in db.session.scalars(
            select(Member).where(Member.id.in_(ids)).options(selectinload(Member.organization))
        )
    } if ids else {}
    return Page([loaded[i] for i in ids if i in loaded], len(ordered), number)


def _group_choices(organization_id: int | None) -> list[tuple[Any, str]]:
    rows = []
    if organization_id is not None:
        rows = db.session.execute(
            select(PartyGroup.id, PartyGroup.name).where(PartyGroup.organization_id == organization_id)
        ).all()
    return [("", _("（无）"))] + [(r.id, r.name) for r in rows]


def _editable_branches(tenant: Tenant) -> list[Organization]:
    return [
        o for o in visible_organizations(branches_only=True)
        if o.dissolved_on is None and can_edit_organization(tenant, o.id)
    ]


def _member_changes(form: MemberForm, member: Member | None) -> dict[str, Any]:
    changes = {name: getattr(form, name).data for name in MEMBER_FIELDS}
    for name in ("ethnicity", "education", "position", "note"):
        changes[name] = (changes[name] or "").strip() or None
    for name in PERSONAL_FIELDS:
        value = (getattr(form, name).data or "").strip()
        # Masked fields come back empty: empty means "keep", so nobody erases what they cannot see.
        if value or member is None or sees_personal_data():
            changes[name] = value.upper() if name == "id_number" else value
            changes[name] = changes[name] or None
    if member is not None:
        changes = {k: v for k, v in changes.items() if getattr(member, k) != v}
    return changes


@bp.route("/members/new", methods=["GET", "POST"])
@login_required
def create(slug: str):
    tenant = unit_or_404(slug)
    branches = _editable_branches(tenant)
    if not branches:
        abort(403)
    form = MemberForm()
    form.organization_id.choices = select_choices([(b.id, f"{b.code} {b.name}") for b in branches])
    if request.method == "GET":
        chosen = next((b for b in branches if b.code == request.args.get("branch")), branches[0])
        form.organization_id.data = chosen.id
    form.party_group_id.choices = select_choices(_group_choices(form.organization_id.data))
    if form.validate_on_submit():
        branch = next((b for b in branches if b.id == form.organization_id.data), None)
        if branch is None:
            form.organization_id.errors.append(_("请选择本单位的党支部"))
        else:
            member = save(lambda: services.create_member(branch, **_member_changes(form, None)), form)
            if member is not None:
                flash(_("已保存"), "info")
                return redirect(url_for(".show", slug=slug, member_id=member.id))
    status = 400 if request.method == "POST" else 200
    return render_template("members/form.html", tenant=tenant, form=form, member=None), status


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, member_id: int):
    tenant = unit_or_404(slug)
    member = member_or_404(tenant, member_id, edit=True)
    form = MemberForm(obj=member)
    del form.organization_id  # a member changes branch through a transfer, which keeps the history
    form.party_group_id.choices = select_choices(_group_choices(member.organization_id))
    masked = {}
    if not sees_personal_data():
        for name in PERSONAL_FIELDS:
            masked[name] = personal(getattr(member, name))
            if request.method == "GET":
                getattr(form, name).data = ""
    if form.validate_on_submit():
        saved = save(lambda: services.update_member(member, **_member_changes(form, member)), form)
        if saved is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".show", slug=slug, member_id=member_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "members/form.html", tenant=tenant, form=form, member=member, masked=masked
    ), status


@bp.route("/members/<int:member_id>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, member_id: int):
    tenant = unit_or_404(slug)
    member = member_or_404(tenant, member_id, edit=True)
    branch = db.session.get(Organization, member.organization_id)
    return delete_page(
        tenant=tenant,
        what=_("党员 %(name)s", name=member.name),
        summary=[
            (_("姓名"), member.name), (_("所在支部"), branch.name),
            (_("入党时间"), member.joined_on), (_("离开"), member.left_on),
        ],
        refused=services.member_delete_refusal(member),
        delete=lambda: services.delete_member(member),
        back=url_for(".show", slug=slug, member_id=member_id),
        done=url_for(".index", slug=slug, branch=branch.code),
    )


@bp.route("/appraisals/<int:appraisal_id>/delete", methods=["GET", "POST"])
@login_required
def delete_appraisal(slug: str, appraisal_id: int):
    tenant = unit_or_404(slug)
    appraisal = db.session.get(Appraisal, appraisal_id)
    if appraisal is None:
        abort(404)
    member = member_or_404(tenant, appraisal.member_id, edit=True)
    return delete_page(
        tenant=tenant,
        what=_("%(name)s %(year)d 年的民主评议结果", name=member.name, year=appraisal.year),
        summary=[
            (_("党员"), member.name), (_("年度"), appraisal.year),
            (_("结果"), APPRAISAL_RESULTS.get(appraisal.result, appraisal.result)),
            (_("评议日期"), appraisal.appraised_on),
        ],
        refused=None,
        delete=lambda: services.delete_appraisal(appraisal),
        back=url_for(".show", slug=slug, member_id=member.id),
        done=url_for(".show", slug=slug, member_id=member.id),
    )


def _render_member(tenant: Tenant, member: Member, transfer: TransferForm | None = None,
                   leave: LeaveForm | None = None, absence: AbsenceForm | None = None,
                   back: ReturnForm | None = None, status: int = 200):
    year = local_today().year
    appraisals = db.session.scalars(
        select(Appraisal).where(Appraisal.member_id == member.id).order_by(Appraisal.year.desc())
    ).all()
    paid_months, owed_months = db.session.execute(
        select(
            func.count(DuesPayment.paid_on),
            func.count(DuesPayment.id),
        ).where(DuesPayment.member_id == member.id, DuesPayment.year == year)
    ).one()
    case = db.session.scalar(select(DevelopmentCase).where(DevelopmentCase.member_id == member.id))
    can_edit = can_edit_organization(tenant, member.organization_id)
    if transfer is None:
        transfer = TransferForm(prefix="transfer")
    transfer.organization_id.choices = select_choices([
        (b.id, f"{b.code} {b.name}") for b in _editable_branches(tenant) if b.id != member.organization_id
    ] if can_edit else [])
    return render_template(
        "members/show.html", tenant=tenant, member=member, personal=personal, year=year,
        hours=training_hours([member.id], year)[member.id], appraisals=appraisals,
        dues=(paid_months, owed_months), case=case, can_edit=can_edit,
        can_transfer_out=can_edit_unit(tenant),
        transfer_form=transfer, leave_form=leave or LeaveForm(prefix="leave"),
        absence_form=absence or AbsenceForm(prefix="absence"), return_form=back or ReturnForm(prefix="back"),
        away=services.absence_of(member),
    ), status


@bp.get("/members/<int:member_id>")
@login_required
def show(slug: str, member_id: int):
    tenant = unit_or_404(slug)
    return _render_member(tenant, member_or_404(tenant, member_id))


@bp.post("/members/<int:member_id>/transfer")
@login_required
def transfer(slug: str, member_id: int):
    tenant = unit_or_404(slug)
    member = member_or_404(tenant, member_id, edit=True)
    form = TransferForm(prefix="transfer")
    form.organization_id.choices = select_choices([])
    if form.validate_on_submit():
        target = db.session.get(Organization, form.organization_id.data) if form.organization_id.data else None
        if target is None or target.kind not in BRANCH_KINDS or not can_edit_organization(tenant, target.id):
            form.organization_id.errors.append(_("请选择本单位的党支部"))
        elif save(lambda: services.transfer_member(member, target, form.transferred_in_on.data), form):
            flash(_("已转入 %(name)s", name=target.name), "info")
            return redirect(url_for(".show", slug=slug, member_id=member_id))
    return _render_member(tenant, member, transfer=form, status=400)


def _record_on_member(slug: str, member_id: int, form_class: type, prefix: str, part: str, write) -> Any:
    """Post one of the member page's forms (``part``: its name in :func:`_render_member`) to a
    service: saved, back to the page; refused, the page again with the form's messages."""
    tenant = unit_or_404(slug)
    member = member_or_404(tenant, member_id, edit=True)
    form = form_class(prefix=prefix)
    if form.validate_on_submit() and save(lambda: write(member, form), form):
        flash(_("已保存"), "info")
        return redirect(url_for(".show", slug=slug, member_id=member_id))
    return _render_member(tenant, member, status=400, **{part: form})


@bp.post("/members/<int:member_id>/leave")
@login_required
def leave(slug: str, member_id: int):
    return _record_on_member(slug, member_id, LeaveForm, "leave", "leave", lambda member, form: services.record_leaving(
        member, left_on=form.left_on.data, reason=form.left_reason.data, note=form.note.data
    ))


@bp.post("/members/<int:member_id>/absence")
@login_required
def absence(slug: str, member_id: int):
    return _record_on_member(slug, member_id, AbsenceForm, "absence", "absence", lambda member, form: services.record_absence(
        member, kind=form.kind.data, on=form.on.data, place=form.place.data, note=form.note.data
    ))


@bp.post("/members/<int:member_id>/return")
@login_required
def come_back(slug: str, member_id: int):
    return _record_on_member(slug, member_id, ReturnForm, "back", "back", lambda member, form: services.record_return(
        member, on=form.on.data, note=form.note.data
    ))


# --- development cases -----------------------------------------------------------------------


@bp.route("/branches/<code>/development", methods=["GET", "POST"])
@login_required
def development(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=request.method == "POST")
    form = DevelopmentCaseForm()
    if form.validate_on_submit():
        case = save(
            lambda: services.create_development_case(
                organization, name=form.name.data, gender=form.gender.data,
                birth_date=form.birth_date.data, id_number=form.id_number.data or None,
                applied_on=form.applied_on.data, note=form.note.data,
            ),
            form,
            {"organization_id": "name"},
        )
        if case is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".case", slug=slug, case_id=case.id))
    cases = db.session.scalars(
        select(DevelopmentCase)
        .where(DevelopmentCase.organization_id == organization.id)
        .order_by(DevelopmentCase.stage == "closed", DevelopmentCase.created_at.desc())
    ).all()
    last_steps = dict(
        db.session.execute(
            select(DevelopmentCase.id, func.max(DevelopmentStep.step))
            .join(DevelopmentStep, DevelopmentStep.case_id == DevelopmentCase.id)
            .where(DevelopmentCase.organization_id == organization.id)
            .group_by(DevelopmentCase.id)
        ).all()
    )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "members/development.html", tenant=tenant, organization=organization, cases=cases,
        last_steps=last_steps, form=form, steps=DEVELOPMENT_STEPS,
        can_edit=can_edit_organization(tenant, organization.id),
    ), status


def _render_case(tenant: Tenant, case: DevelopmentCase, step_form: StepForm | None = None,
                 close_form: CloseCaseForm | None = None, status: int = 200):
    organization = db.session.get(Organization, case.organization_id)
    dates = {s.step: s for s in case.steps}
    stages = []
    for stage in ("applicant", "activist", "target", "probationary", "full"):
        stages.append((stage, DEVELOPMENT_STAGES[stage], [
            (n, label, dates.get(n)) for n, (s, label) in DEVELOPMENT_STEPS.items() if s == stage
        ]))
    if step_form is None:
        step_form = StepForm(prefix="step")
        following = next((n for n in DEVELOPMENT_STEPS if n not in dates), None)
        if following is not None:
            step_form.step.data = following
    return render_template(
        "members/case.html", tenant=tenant, organization=organization, case=case, stages=stages,
        step_form=step_form, close_form=close_form or CloseCaseForm(prefix="close"),
        personal=personal, can_edit=can_edit_organization(tenant, case.organization_id),
    ), status


def _case_or_404(tenant: Tenant, case_id: int, *, edit: bool = False) -> DevelopmentCase:
    case = db.session.get(DevelopmentCase, case_id)
    if case is None:
        abort(404)
    organization_or_404_by_id(tenant, case.organization_id, edit=edit)
    return case


@bp.get("/development/<int:case_id>")
@login_required
def case(slug: str, case_id: int):
    tenant = unit_or_404(slug)
    return _render_case(tenant, _case_or_404(tenant, case_id))


@bp.post("/development/<int:case_id>/steps")
@login_required
def record_step(slug: str, case_id: int):
    tenant = unit_or_404(slug)
    case = _case_or_404(tenant, case_id, edit=True)
    form = StepForm(prefix="step")
    if form.validate_on_submit() and save(
        lambda: services.record_development_step(case, form.step.data, form.done_on.data, form.note.data),
        form,
    ):
        flash(_("已保存"), "info")
        return redirect(url_for(".case", slug=slug, case_id=case_id))
    return _render_case(tenant, case, step_form=form, status=400)


@bp.post("/development/<int:case_id>/close")
@login_required
def close_case(slug: str, case_id: int):
    tenant = unit_or_404(slug)
    case = _case_or_404(tenant, case_id, edit=True)
    form = CloseCaseForm(prefix="close")
    if form.validate_on_submit() and save(lambda: services.close_development_case(case, form.note.data), form):
        flash(_("已保存"), "info")
        return redirect(url_for(".case", slug=slug, case_id=case_id))
    return _render_case(tenant, case, close_form=form, status=400)


# --- appraisals ------------------------------------------------------------------------------


@bp.route("/branches/<code>/appraisals", methods=["GET", "POST"])
@login_required
def appraisals(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=request.method == "POST")
    year = year_arg(local_today().year - 1)
    members = db.session.scalars(
        select(Member)
        .where(
            member_on_roll_clause(organization.id, dt.date(year, 1, 1), dt.date(year, 12, 31)),
        )
        .order_by(Member.name, Member.id)
    ).all()
    members = by_pinyin(members)
    stored = {
        a.member_id: a
        for a in db.session.scalars(
            select(Appraisal).where(Appraisal.member_id.in_([m.id for m in members]), Appraisal.year == year)
        )
    } if members else {}
    form = appraisal_form(members, {k: a.result for k, a in stored.items()})
    if request.method == "GET":
        dated = next((a.appraised_on for a in stored.values() if a.appraised_on), None)
        form.appraised_on.data = dated
    if form.validate_on_submit():
        results = {m.id: getattr(form, f"m{m.id}").data or None for m in members}
        done = save(
            lambda: services.set_appraisals(organization, year, results, appraised_on=form.appraised_on.data),
            form,
            {str(m.id): f"m{m.id}" for m in members},
        )
        if done is not None:
            flash(_("已保存 %(year)d 年民主评议结果", year=year), "info")
            return redirect(url_for(".appraisals", slug=slug, code=code, year=year))
    counts: dict[str, int] = {}
    for m in members:
        value = getattr(form, f"m{m.id}").data
        if value:
            counts[value] = counts.get(value, 0) + 1
    status = 400 if request.method == "POST" else 200
    return render_template(
        "members/appraisals.html", tenant=tenant, organization=organization, year=year,
        members=members, form=form, counts=counts,
        can_edit=can_edit_organization(tenant, organization.id),
    ), status

