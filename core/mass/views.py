"""A unit's 群团组织 (工会、共青团、妇委会 …) and their activities.

Read: everyone who may read the unit; write: the unit admin and host admins (a 群团组织 belongs
to the unit, not to one branch). Pages commit: each write calls a service and commits once; a
refused write shows the Chinese messages at their fields.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from core.extensions import db
from core.mass import services
from core.mass.forms import MassActivityForm, MassOrganizationForm
from core.mass.models import MassActivity, MassOrganization
from core.organizations.views import can_edit_unit, delete_page, save, unit_or_404, year_arg
from core.timezone import local_today

bp = Blueprint("mass_pages", __name__, url_prefix="/units/<slug>")


def _organization_fields(form: MassOrganizationForm) -> dict[str, Any]:
    return {
        "kind": form.kind.data, "name": form.name.data, "set_up_on": form.set_up_on.data,
        "leader": form.leader.data, "dissolved_on": form.dissolved_on.data, "note": form.note.data,
    }


def _activity_fields(form: MassActivityForm) -> dict[str, Any]:
    return {
        "held_on": form.held_on.data, "title": form.title.data,
        "participants": form.participants.data, "note": form.note.data,
    }


@bp.route("/mass-organizations", methods=["GET", "POST"])
@login_required
def index(slug: str):
    """The unit's 群团组织 with this year's activities counted, and the form for another."""
    tenant = unit_or_404(slug)
    can_edit = can_edit_unit(tenant)
    if request.method == "POST" and not can_edit:
        abort(403)
    year = year_arg()
    form = MassOrganizationForm()
    if form.validate_on_submit():
        found = save(lambda: services.create_mass_organization(**_organization_fields(form)), form)
        if found is not None:
            flash(_("已保存：%(name)s", name=found.name), "info")
            return redirect(url_for(".show", slug=slug, mass_id=found.id))
    activities = services.activities_in_year(year)
    counts: dict[int, int] = {}
    for activity in activities:
        counts[activity.mass_organization_id] = counts.get(activity.mass_organization_id, 0) + 1
    return render_template(
        "mass/index.html", tenant=tenant, organizations=services.mass_organizations(), counts=counts,
        year=year, today=local_today(), form=form, can_edit=can_edit,
    ), (400 if request.method == "POST" else 200)


def _mass_or_404(mass_id: int) -> MassOrganization:
    found = db.session.get(MassOrganization, mass_id)
    if found is None:
        abort(404)
    return found


def _render_show(tenant, found: MassOrganization, activity_form: MassActivityForm, status: int = 200):
    return render_template(
        "mass/show.html", tenant=tenant, found=found, activity_form=activity_form,
        can_edit=can_edit_unit(tenant),
    ), status


@bp.get("/mass-organizations/<int:mass_id>")
@login_required
def show(slug: str, mass_id: int):
    tenant = unit_or_404(slug)
    return _render_show(tenant, _mass_or_404(mass_id), MassActivityForm(prefix="activity"))


@bp.post("/mass-organizations/<int:mass_id>/activities")
@login_required
def add_activity(slug: str, mass_id: int):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    found = _mass_or_404(mass_id)
    form = MassActivityForm(prefix="activity")
    if form.validate_on_submit() and save(lambda: services.add_activity(found, **_activity_fields(form)), form):
        flash(_("已保存"), "info")
        return redirect(url_for(".show", slug=slug, mass_id=mass_id))
    return _render_show(tenant, found, form, 400)


@bp.route("/mass-organizations/<int:mass_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, mass_id: int):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    found = _mass_or_404(mass_id)
    form = MassOrganizationForm(obj=found)
    if form.validate_on_submit() and save(lambda: services.update_mass_organization(found, **_organization_fields(form)), form):
        flash(_("已保存"), "info")
        return redirect(url_for(".show", slug=slug, mass_id=mass_id))
    return render_template(
        "mass/form.html", tenant=tenant, form=form, title=_("修改群团组织"),
        back=url_for(".show", slug=slug, mass_id=mass_id),
    ), (400 if request.method == "POST" else 200)


@bp.route("/mass-organizations/<int:mass_id>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, mass_id: int):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    found = _mass_or_404(mass_id)
    return delete_page(
        tenant=tenant,
        what=_("群团组织“%(name)s”", name=found.name),
        summary=[(_("成立日期"), found.set_up_on), (_("活动记录"), _("%(n)d 次（一并删除）", n=len(found.activities)))],
        refused=None,
        delete=lambda: services.delete_mass_organization(found),
        back=url_for(".show", slug=slug, mass_id=mass_id),
        done=url_for(".index", slug=slug),
    )


def _activity_or_404(activity_id: int) -> MassActivity:
    activity = db.session.get(MassActivity, activity_id)
    if activity is None:
        abort(404)
    return activity


@bp.route("/mass-activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(slug: str, activity_id: int):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    activity = _activity_or_404(activity_id)
    form = MassActivityForm(obj=activity)
    if form.validate_on_submit() and save(lambda: services.update_activity(activity, **_activity_fields(form)), form):
        flash(_("已保存"), "info")
        return redirect(url_for(".show", slug=slug, mass_id=activity.mass_organization_id))
    return render_template(
        "mass/form.html", tenant=tenant, form=form, title=_("修改活动"),
        back=url_for(".show", slug=slug, mass_id=activity.mass_organization_id),
    ), (400 if request.method == "POST" else 200)


@bp.route("/mass-activities/<int:activity_id>/delete", methods=["GET", "POST"])
@login_required
def delete_activity(slug: str, activity_id: int):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    activity = _activity_or_404(activity_id)
    back = url_for(".show", slug=slug, mass_id=activity.mass_organization_id)
    return delete_page(
        tenant=tenant,
        what=_("活动“%(title)s”", title=activity.title),
        summary=[(_("活动日期"), activity.held_on), (_("群团组织"), activity.mass_organization.name)],
        refused=None,
        delete=lambda: services.delete_activity(activity),
        back=back,
        done=back,
    )
