"""Staff page: a unit's party-affairs staff and party-building instructors, current and past.

Pages commit: each write calls a service and commits once; a refused write rolls back and shows
the service's Chinese messages at their fields with what the user typed still in place.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member
from core.members.roll import member_on_roll_clause
from core.organizations.forms import select_choices
from core.organizations.models import Organization
from core.organizations.views import can_edit_unit, delete_page, save, unit_or_404
from core.sorting import by_pinyin
from core.staffing import services
from core.staffing.forms import StaffPostForm
from core.staffing.models import StaffPost
from core.timezone import local_today
from core.vocabulary import STAFF_KINDS

bp = Blueprint("staff_pages", __name__, url_prefix="/units/<slug>")


def _choices(form: StaffPostForm) -> None:
    organizations = db.session.execute(
        select(Organization.id, Organization.code, Organization.name).order_by(Organization.code)
    ).all()
    form.organization_id.choices = select_choices([("", _("全单位"))] + [(r.id, f"{r.code} {r.name}") for r in organizations])
    members = by_pinyin(db.session.execute(
        select(Member.id, Member.name).where(member_on_roll_clause(None, local_today())).order_by(Member.name)
    ).all())
    form.member_id.choices = select_choices([("", _("（非本单位党员）"))] + [(r.id, r.name) for r in members])


def _fields(form: StaffPostForm) -> dict[str, Any]:
    return {
        "kind": form.kind.data, "member_id": form.member_id.data,
        "person_name": (form.person_name.data or "").strip() or None, "title": form.title.data,
        "organization_id": form.organization_id.data, "started_on": form.started_on.data,
        "ended_on": form.ended_on.data,
    }


def _render(tenant: Tenant, form: StaffPostForm, status: int = 200):
    posts = db.session.scalars(
        select(StaffPost).order_by(StaffPost.ended_on.is_not(None), StaffPost.kind, StaffPost.started_on)
    ).all()
    names = dict(db.session.execute(select(Organization.id, Organization.name)).all())
    today = local_today()
    current = [p for p in posts if p.ended_on is None or p.ended_on > today]
    counts = {kind: sum(1 for p in current if p.kind == kind) for kind in ("full_time", "part_time", "instructor")}
    return render_template(
        "staffing/index.html", tenant=tenant, posts=posts, names=names, form=form, today=today,
        counts=counts, can_edit=can_edit_unit(tenant),
    ), status


@bp.route("/staff", methods=["GET", "POST"])
@login_required
def index(slug: str):
    tenant = unit_or_404(slug)
    form = StaffPostForm()
    _choices(form)
    if request.method == "POST":
        if not can_edit_unit(tenant):
            abort(403)
        if form.validate_on_submit() and save(lambda: services.create_staff_post(**_fields(form)), form):
            flash(_("已保存"), "info")
            return redirect(url_for(".index", slug=slug))
        return _render(tenant, form, 400)
    return _render(tenant, form)


@bp.route("/staff/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, post_id: int):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    post = db.session.get(StaffPost, post_id)
    if post is None:
        abort(404)
    form = StaffPostForm(obj=post)
    _choices(form)
    if form.validate_on_submit() and save(lambda: services.update_staff_post(post, **_fields(form)), form):
        flash(_("已保存"), "info")
        return redirect(url_for(".index", slug=slug))
    status = 400 if request.method == "POST" else 200
    return render_template("staffing/form.html", tenant=tenant, form=form, post=post), status


@bp.route("/staff/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, post_id: int):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    post = db.session.get(StaffPost, post_id)
    if post is None:
        abort(404)
    return delete_page(
        tenant=tenant,
        what=_("%(name)s 的岗位", name=post.person_name),
        summary=[
            (_("姓名"), post.person_name), (_("类别"), STAFF_KINDS.get(post.kind, post.kind)),
            (_("职务"), post.title), (_("任职日期"), post.started_on), (_("离任日期"), post.ended_on),
        ],
        refused=None,
        delete=lambda: services.delete_staff_post(post),
        back=url_for(".edit", slug=slug, post_id=post_id),
        done=url_for(".index", slug=slug),
    )
