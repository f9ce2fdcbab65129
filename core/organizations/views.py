"""Organization pages (list, detail with committee, terms and party groups, edit), and the
helpers every record page of a unit shares: who may see and change what, paging, form errors.

Pages commit: each write calls a service (which validates and changes the session) and commits
once; a :class:`~core.validation.RecordError` rolls back and shows the messages at their fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from core.accounts.access import can_edit_tenant, can_view_organization, can_view_tenant
from core.audit.recorder import mask_personal
from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member
from core.members.roll import member_on_roll_clause, roll_counts
from core.organizations import services
from core.organizations.forms import (
    EndSeatForm,
    OrganizationForm,
    PartyGroupForm,
    SeatForm,
    TermForm,
    select_choices,
)
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term
from core.organizations.roles import organization_roles
from core.sorting import by_pinyin
from core.tenancy import set_tenant
from core.timezone import local_today
from core.validation import RecordError
from core.vocabulary import COMMITTEE_ROLES, ORGANIZATION_KINDS

bp = Blueprint("organization_pages", __name__, url_prefix="/units/<slug>")

#: Rows per page of every record list.
PAGE_SIZE = 20
BRANCH_KINDS = ("branch", "joint_branch")


# --- shared by the record pages of a unit ----------------------------------------------------


def unit_or_404(slug: str) -> Tenant:
    """The unit the current user may read, chosen as the request's tenant; 404 otherwise."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        abort(404)
    if not can_view_tenant(current_user, tenant):
        abort(404)  # the same answer as a missing unit: slugs cannot be enumerated
    set_tenant(tenant.id)
    return tenant


def can_edit_unit(tenant: Tenant) -> bool:
    """Unit-wide records (organizations, funding, staff): the unit admin and host admins."""
    if current_user.role == "host_admin":
        return True
    return current_user.role == "unit_admin" and current_user.tenant_id == tenant.id


def can_edit_organization(tenant: Tenant, organization_id: int | None) -> bool:
    """A branch's records: the unit admin and host admins; a secretary only their own branch."""
    if not can_edit_tenant(current_user, tenant):
        return False
    if current_user.role == "secretary":
        return organization_id is not None and current_user.organization_id == organization_id
    return True


def organization_or_404(tenant: Tenant, code: str, *, edit: bool = False) -> Organization:
    """An organization of the unit the user may read (and with ``edit``, change); 404/403."""
    organization = db.session.scalar(select(Organization).where(Organization.code == code))
    if organization is None:
        abort(404)
    if not can_view_organization(current_user, tenant, organization.id):
        abort(403)
    if edit and not can_edit_organization(tenant, organization.id):
        abort(403)
    return organization


def branch_record_or_404(tenant: Tenant, model: type, record_id: int, *, edit: bool = False) -> tuple[Any, Organization]:
    """A record of ``model`` (with ``organization_id``) by id and its organization, if the user
    may read it (and with ``edit``, change it); 404 when missing, 403 for another branch."""
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    organization = db.session.get(Organization, record.organization_id)
    return record, organization_or_404(tenant, organization.code, edit=edit)


def visible_organizations(*, branches_only: bool = False) -> list[Organization]:
    """Organizations of the current unit the user may read, by code (a secretary: their own)."""
    query = select(Organization).order_by(Organization.code)
    if branches_only:
        query = query.where(Organization.kind.in_(BRANCH_KINDS))
    if current_user.role == "secretary":
        query = query.where(Organization.id == current_user.organization_id)
    return list(db.session.scalars(query).all())


def sees_personal_data() -> bool:
    """Whether ID and phone numbers are shown in full to the current user."""
    return current_user.role in current_app.config.get("PERSONAL_DATA_ROLES", ())


def personal(value: str | None) -> str:
    """An ID or phone number as the current user may see it."""
    if not value:
        return ""
    return value if sees_personal_data() else mask_personal(value)


@dataclass
class Page:
    """One page of a list: its rows and where it sits among the others."""

    items: list[Any]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number() -> int:
    """The ``page`` argument, 1 when absent or bad."""
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def paginate(
    query: Select, number: int | None = None, *, scalars: bool = True, size: int = PAGE_SIZE
) -> Page:
    """Rows of one page (LIMIT/OFFSET) and the total: two queries whatever the list's size."""
    number = number or page_number()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    limited = query.limit(size).offset((number - 1) * size)
    rows = db.session.scalars(limited).all() if scalars else db.session.execute(limited).all()
    return Page(list(rows), int(total or 0), number, size)


def sort_order(allowed: Mapping[str, Any], default: str) -> tuple[str, list[Any]]:
    """The ``sort`` argument (``name`` or ``-name``) as ORDER BY columns; unknown → ``default``."""
    chosen = request.args.get("sort", default)
    key = chosen.lstrip("-")
    if key not in allowed:
        chosen, key = default, default.lstrip("-")
    column = allowed[key]
    return chosen, [column.desc() if chosen.startswith("-") else column.asc()]


def show_errors(form, errors: Mapping[str, str], fields: Mapping[str, str] | None = None) -> None:
    """Put a service's messages at the form's fields; any without a field go to the top.

    :param fields: service field name → form field name where they differ.
    """
    fields = fields or {}
    leftovers: list[str] = []
    for key, message in errors.items():
        name = fields.get(key, key)
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(message)
        else:
            leftovers.append(message)
    form.form_errors = [*getattr(form, "form_errors", []), *leftovers]


def save(write: Callable[[], Any], form, fields: Mapping[str, str] | None = None) -> Any | None:
    """Run a service call and commit; on :class:`RecordError` roll back and show its messages.

    :returns: what the service returned, or ``None`` when it refused.
    """
    try:
        result = write()
        db.session.commit()  # inside: the flush check (core.validation) may still refuse a value
    except RecordError as error:
        db.session.rollback()
        show_errors(form, error.errors, fields)
        return None
    return result


def year_arg(default: int | None = None) -> int:
    """The ``year`` argument within 2000..next year; this year when absent or bad."""
    today = local_today()
    try:
        year = int(request.args.get("year", default or today.year))
    except ValueError:
        return default or today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def member_choices(organization_id: int, *, blank: str | None = None) -> list[tuple[Any, str]]:
    """Current members of a branch as select choices (one query)."""
    rows = db.session.execute(
        select(Member.id, Member.name)
        .where(member_on_roll_clause(organization_id, local_today()))
        .order_by(Member.name)
    ).all()
    choices: list[tuple[Any, str]] = [("", blank)] if blank is not None else []
    return choices + [(row.id, row.name) for row in by_pinyin(rows)]


def choose_branch(tenant: Tenant, endpoint: str, title: str):
    """A page to pick one of the branches the user may read; with only one, go straight there."""
    branches = visible_organizations(branches_only=True)
    if len(branches) == 1:
        return redirect(url_for(endpoint, slug=tenant.slug, code=branches[0].code))
    return render_template(
        "organizations/choose.html", tenant=tenant, branches=branches, endpoint=endpoint, title=title
    )


def delete_page(
    *,
    what: str,
    summary: list[tuple[str, Any]],
    refused: str | None,
    delete: Callable[[], Any],
    back: str,
    done: str,
    tenant: Tenant | None = None,
):
    """The one way every record page deletes: GET asks once, POST deletes through the service.

    :param what: the record in words (“党员 张三”), for the title and the message.
    :param summary: (label, value) rows of the record as it is, shown before deleting.
    :param refused: the service's reason the record cannot be deleted (the page then offers
        no button), or None.
    :param delete: calls the feature's ``delete_*`` service (which flushes, never commits).
    :param back: where “取消” leads; ``done``: where to go after deleting.
    """
    status = 200
    if request.method == "POST" and refused is None:
        # The CSRF token is checked by CSRFProtect before any POST reaches a view.
        try:
            delete()
        except RecordError as error:
            db.session.rollback()
            refused = "；".join(error.errors.values())
            status = 400
        else:
            db.session.commit()
            flash(_("已删除%(what)s", what=what), "info")
            return redirect(done)
    elif request.method == "POST":
        status = 400
    return render_template(
        "records/confirm_delete.html", what=what, summary=summary, refused=refused, back=back,
        tenant=tenant,
    ), status


# --- pages -----------------------------------------------------------------------------------


@bp.get("/organizations")
@login_required
def index(slug: str):
    tenant = unit_or_404(slug)
    query = select(Organization).options(selectinload(Organization.parent))
    if current_user.role == "secretary":
        query = query.where(Organization.id == current_user.organization_id)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(or_(Organization.name.contains(q), Organization.code.contains(q)))
    sort, order = sort_order(
        {"code": Organization.code, "name": Organization.name, "established_on": Organization.established_on},
        "code",
    )
    page = paginate(query.order_by(*order, Organization.id))
    counts = roll_counts([o.id for o in page.items], local_today())
    return render_template(
        "organizations/index.html", tenant=tenant, page=page, q=q, sort=sort, counts=counts,
        can_create=can_edit_unit(tenant),
    )




def _parent_choices(exclude: Organization | None = None) -> list[tuple[Any, str]]:
    rows = db.session.execute(
        select(Organization.id, Organization.name, Organization.code)
        .where(Organization.kind.in_(("committee", "general_branch")))
        .order_by(Organization.code)
    ).all()
    return [("", _("（无）"))] + [
        (r.id, f"{r.code} {r.name}") for r in rows if exclude is None or r.id != exclude.id
    ]


def _organization_fields(form: OrganizationForm) -> dict[str, Any]:
    return {
        "code": form.code.data, "name": form.name.data, "kind": form.kind.data,
        "parent_id": form.parent_id.data, "established_on": form.established_on.data,
        "dissolved_on": form.dissolved_on.data, "covered_units": form.covered_units.data,
    }


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
def create(slug: str):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    form = OrganizationForm()
    form.parent_id.choices = select_choices(_parent_choices())
    if form.validate_on_submit():
        organization = save(lambda: services.create_organization(**_organization_fields(form)), form)
        if organization is not None:
            for warning in services.organization_warnings(organization, tenant.unit_type):
                flash(warning, "warning")
            flash(_("已保存"), "info")
            return redirect(url_for(".show", slug=slug, code=organization.code))
    status = 400 if request.method == "POST" else 200
    return render_template("organizations/form.html", tenant=tenant, form=form, organization=None), status


@bp.route("/organizations/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code)
    if not can_edit_unit(tenant):
        abort(403)
    form = OrganizationForm(obj=organization)
    form.parent_id.choices = select_choices(_parent_choices(organization))
    if form.validate_on_submit():
        saved = save(lambda: services.update_organization(organization, **_organization_fields(form)), form)
        if saved is not None:
            for warning in services.organization_warnings(saved, tenant.unit_type):
                flash(warning, "warning")
            flash(_("已保存"), "info")
            return redirect(url_for(".show", slug=slug, code=saved.code))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "organizations/form.html", tenant=tenant, form=form, organization=organization
    ), status


def _detail_forms(organization: Organization) -> dict[str, Any]:
    members = member_choices(organization.id)
    term_choices = [("", _("（不指定）"))] + [
        (t.id, f"{t.started_on} – {t.ends_on}") for t in organization.terms
    ]
    seat = SeatForm(prefix="seat")
    seat.member_id.choices = select_choices([("", _("请选择"))] + members)
    seat.term_id.choices = select_choices(term_choices)
    group = PartyGroupForm(prefix="group")
    group.leader_id.choices = select_choices([("", _("（暂无）"))] + members)
    return {"term_form": TermForm(prefix="term"), "seat_form": seat, "group_form": group}


def _render_detail(tenant: Tenant, organization: Organization, forms: dict[str, Any], status: int = 200):
    seats = db.session.scalars(
        select(CommitteeSeat)
        .where(CommitteeSeat.organization_id == organization.id)
        .options(selectinload(CommitteeSeat.member))
        .order_by(CommitteeSeat.ended_on.is_not(None), CommitteeSeat.started_on)
    ).all()
    leaders = {
        m.id: m.name
        for m in db.session.scalars(
            select(Member).where(Member.id.in_([g.leader_id for g in organization.party_groups if g.leader_id]))
        )
    } if any(g.leader_id for g in organization.party_groups) else {}
    today = local_today()
    return render_template(
        "organizations/show.html",
        tenant=tenant,
        organization=organization,
        seats=seats,
        leaders=leaders,
        member_count=roll_counts([organization.id], local_today()).get(organization.id, 0),
        current_term=services.current_term(organization, today),
        roles=organization_roles(organization, today),
        names={s.member_id: s.member.name for s in seats},
        today=today,
        warnings=services.organization_warnings(organization, tenant.unit_type),
        can_edit=can_edit_organization(tenant, organization.id),
        can_edit_unit=can_edit_unit(tenant),
        # A secretary sees the parent's name, not a link to a page that would refuse her.
        can_view_parent=bool(organization.parent)
        and can_view_organization(current_user, tenant, organization.parent.id),
        end_form=EndSeatForm(prefix="end"),
        **forms,
    ), status


@bp.get("/organizations/<code>")
@login_required
def show(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code)
    return _render_detail(tenant, organization, _detail_forms(organization))


@bp.post("/organizations/<code>/terms")
@login_required
def add_term(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    forms = _detail_forms(organization)
    form = forms["term_form"]
    if form.validate_on_submit():
        saved = save(
            lambda: services.create_term(
                organization, elected_on=form.elected_on.data, started_on=form.started_on.data,
                years=form.years.data, note=form.note.data, unit_type=tenant.unit_type,
            ),
            form,
        )
        if saved is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".show", slug=slug, code=code) + "#terms")
    return _render_detail(tenant, organization, forms, 400)


@bp.post("/organizations/<code>/seats")
@login_required
def add_seat(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    forms = _detail_forms(organization)
    form = forms["seat_form"]
    if form.validate_on_submit():
        saved = save(
            lambda: services.assign_seat(
                organization, member_id=form.member_id.data, role=form.role.data,
                started_on=form.started_on.data, term_id=form.term_id.data,
            ),
            form,
        )
        if saved is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".show", slug=slug, code=code) + "#committee")
    return _render_detail(tenant, organization, forms, 400)


@bp.post("/organizations/<code>/seats/<int:seat_id>/end")
@login_required
def end_seat(slug: str, code: str, seat_id: int):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    seat = db.session.get(CommitteeSeat, seat_id)
    if seat is None or seat.organization_id != organization.id:
        abort(404)
    form = EndSeatForm(prefix="end")
    if form.validate_on_submit() and save(lambda: services.end_seat(seat, form.ended_on.data), form):
        flash(_("已保存"), "info")
        return redirect(url_for(".show", slug=slug, code=code) + "#committee")
    for message in [*form.ended_on.errors, *getattr(form, "form_errors", [])]:
        flash(message, "error")
    return redirect(url_for(".show", slug=slug, code=code) + "#committee")


@bp.post("/organizations/<code>/groups")
@login_required
def add_group(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    forms = _detail_forms(organization)
    form = forms["group_form"]
    if form.validate_on_submit():
        saved = save(
            lambda: services.create_party_group(
                organization, name=form.name.data, leader_id=form.leader_id.data
            ),
            form,
            {"organization_id": "name"},
        )
        if saved is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".show", slug=slug, code=code) + "#groups")
    return _render_detail(tenant, organization, forms, 400)



# --- correcting and deleting -----------------------------------------------------------------


@bp.route("/organizations/<code>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code)
    if not can_edit_unit(tenant):
        abort(403)
    return delete_page(
        tenant=tenant,
        what=_("组织 %(name)s", name=organization.name),
        summary=[
            (_("代码"), organization.code), (_("名称"), organization.name),
            (_("类型"), ORGANIZATION_KINDS.get(organization.kind, organization.kind)),
            (_("成立日期"), organization.established_on),
        ],
        refused=services.organization_delete_refusal(organization),
        delete=lambda: services.delete_organization(organization),
        back=url_for(".show", slug=slug, code=code),
        done=url_for(".index", slug=slug),
    )


def _child_or_404(model: type, organization: Organization, row_id: int) -> Any:
    """A term, group or seat of this organization; another organization's id → 404."""
    row = db.session.get(model, row_id)
    if row is None or row.organization_id != organization.id:
        abort(404)
    return row


def _record_form(tenant: Tenant, organization: Organization, form, *, title: str, back: str, delete_url: str):
    status = 400 if request.method == "POST" else 200
    return render_template(
        "organizations/record_form.html", tenant=tenant, organization=organization, form=form,
        title=title, back=back, delete_url=delete_url,
    ), status


@bp.route("/organizations/<code>/terms/<int:term_id>/edit", methods=["GET", "POST"])
@login_required
def edit_term(slug: str, code: str, term_id: int):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    term = _child_or_404(Term, organization, term_id)
    form = TermForm(obj=term)
    back = url_for(".show", slug=slug, code=code) + "#terms"
    if form.validate_on_submit():
        changes = {
            "elected_on": form.elected_on.data, "started_on": form.started_on.data,
            "note": (form.note.data or "").strip() or None,
        }
        if form.years.data is not None:
            changes["years"] = form.years.data
        if save(lambda: services.update_term(term, **changes), form) is not None:
            flash(_("已保存"), "info")
            return redirect(back)
    return _record_form(
        tenant, organization, form, title=_("修改届次"), back=back,
        delete_url=url_for(".delete_term", slug=slug, code=code, term_id=term_id),
    )


@bp.route("/organizations/<code>/terms/<int:term_id>/delete", methods=["GET", "POST"])
@login_required
def delete_term(slug: str, code: str, term_id: int):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    term = _child_or_404(Term, organization, term_id)
    back = url_for(".show", slug=slug, code=code) + "#terms"
    return delete_page(
        tenant=tenant,
        what=_("%(day)s 选举的一届", day=term.elected_on),
        summary=[
            (_("组织"), organization.name), (_("选举日期"), term.elected_on),
            (_("任期（年）"), term.years), (_("届满日期"), term.ends_on), (_("备注"), term.note),
        ],
        refused=services.term_delete_refusal(term),
        delete=lambda: services.delete_term(term),
        back=back,
        done=back,
    )


@bp.route("/organizations/<code>/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_group(slug: str, code: str, group_id: int):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    group = _child_or_404(PartyGroup, organization, group_id)
    form = PartyGroupForm(obj=group)
    form.leader_id.choices = select_choices([("", _("（暂无）"))] + member_choices(organization.id))
    back = url_for(".show", slug=slug, code=code) + "#groups"
    if form.validate_on_submit() and save(
        lambda: services.update_party_group(group, name=form.name.data, leader_id=form.leader_id.data),
        form,
        {"organization_id": "name"},
    ) is not None:
        flash(_("已保存"), "info")
        return redirect(back)
    return _record_form(
        tenant, organization, form, title=_("修改党小组"), back=back,
        delete_url=url_for(".delete_group", slug=slug, code=code, group_id=group_id),
    )


@bp.route("/organizations/<code>/groups/<int:group_id>/delete", methods=["GET", "POST"])
@login_required
def delete_group(slug: str, code: str, group_id: int):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    group = _child_or_404(PartyGroup, organization, group_id)
    back = url_for(".show", slug=slug, code=code) + "#groups"
    return delete_page(
        tenant=tenant,
        what=_("党小组 %(name)s", name=group.name),
        summary=[(_("组织"), organization.name), (_("名称"), group.name)],
        refused=services.party_group_delete_refusal(group),
        delete=lambda: services.delete_party_group(group),
        back=back,
        done=back,
    )


@bp.route("/organizations/<code>/seats/<int:seat_id>/delete", methods=["GET", "POST"])
@login_required
def delete_seat(slug: str, code: str, seat_id: int):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    seat = _child_or_404(CommitteeSeat, organization, seat_id)
    back = url_for(".show", slug=slug, code=code) + "#committee"
    return delete_page(
        tenant=tenant,
        what=_("%(name)s 的%(role)s职务", name=seat.member.name, role=COMMITTEE_ROLES.get(seat.role, seat.role)),
        summary=[
            (_("组织"), organization.name), (_("姓名"), seat.member.name),
            (_("职务"), COMMITTEE_ROLES.get(seat.role, seat.role)),
            (_("任职日期"), seat.started_on), (_("离任日期"), seat.ended_on),
        ],
        refused=None,
        delete=lambda: services.delete_seat(seat),
        back=back,
        done=back,
    )
