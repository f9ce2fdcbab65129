"""Facility checklist page: a branch's 六有 items with the latest check of each, recording a
check with an optional evidence file, and downloading that file.

Pages commit: each write calls a service and commits once; a refused write rolls back and shows
the service's Chinese messages at their fields with what the user typed still in place.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.extensions import db
from core.facilities import services
from core.facilities.forms import FacilityCheckForm
from core.facilities.models import FacilityCheck
from core.organizations.forms import select_choices
from core.organizations.models import Organization
from core.organizations.views import (
    can_edit_organization,
    choose_branch,
    delete_page,
    organization_or_404,
    save,
    unit_or_404,
)

bp = Blueprint("facility_pages", __name__, url_prefix="/units/<slug>")


@bp.get("/facilities")
@login_required
def choose(slug: str):
    tenant = unit_or_404(slug)
    return choose_branch(tenant, "facility_pages.index", _("阵地“六有”"))


@bp.route("/branches/<code>/facilities", methods=["GET", "POST"])
@login_required
def index(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=request.method == "POST")
    items = services.checklist(tenant)
    form = FacilityCheckForm()
    form.item.choices = select_choices([(i.key, i.label) for i in items])
    if request.method == "GET":
        form.checked_on.data = dt.date.today()
        form.checked_by.data = current_user.display_name
        if request.args.get("item"):
            form.item.data = request.args["item"]
    if form.validate_on_submit():
        check = save(
            lambda: services.record_facility_check(
                organization, item=form.item.data, met=form.met.data == "yes",
                checked_on=form.checked_on.data, checked_by=form.checked_by.data,
                evidence_note=form.evidence_note.data, evidence=form.evidence.data,
            ),
            form,
        )
        if check is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".index", slug=slug, code=code))
    history = db.session.scalars(
        select(FacilityCheck)
        .where(FacilityCheck.organization_id == organization.id)
        .order_by(FacilityCheck.checked_on.desc(), FacilityCheck.id.desc())
        .limit(50)
    ).all()
    latest: dict[str, FacilityCheck] = {}
    for check in reversed(history):
        latest[check.item] = check
    status = 400 if request.method == "POST" else 200
    return render_template(
        "facilities/index.html", tenant=tenant, organization=organization, items=items,
        latest=latest, history=history, form=form, labels={i.key: i.label for i in items},
        can_edit=can_edit_organization(tenant, organization.id),
    ), status


@bp.get("/facilities/checks/<int:check_id>/evidence")
@login_required
def evidence(slug: str, check_id: int):
    tenant = unit_or_404(slug)
    check = db.session.get(FacilityCheck, check_id)
    if check is None or not check.evidence_file:
        abort(404)
    organization = db.session.get(Organization, check.organization_id)
    organization_or_404(tenant, organization.code)
    path = services.evidence_path(check.evidence_file)
    if path is None:
        abort(404)
    suffix = path.suffix.lower()
    return send_file(
        path, mimetype=services.CONTENT_TYPES.get(suffix, "application/octet-stream"),
        download_name=f"{organization.code}-{check.item}-{check.checked_on}{suffix}",
    )


@bp.route("/facilities/checks/<int:check_id>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, check_id: int):
    tenant = unit_or_404(slug)
    check = db.session.get(FacilityCheck, check_id)
    if check is None:
        abort(404)
    organization = db.session.get(Organization, check.organization_id)
    organization_or_404(tenant, organization.code, edit=True)
    labels = {i.key: i.label for i in services.checklist(tenant)}
    back = url_for(".index", slug=slug, code=organization.code)
    return delete_page(
        tenant=tenant,
        what=_("“%(item)s”的一次检查", item=labels.get(check.item, check.item)),
        summary=[
            (_("支部"), organization.name), (_("项目"), labels.get(check.item, check.item)),
            (_("检查日期"), check.checked_on), (_("结果"), _("达标") if check.met else _("未达标")),
            (_("检查人"), check.checked_by), (_("情况说明"), check.evidence_note),
        ],
        refused=None,
        delete=lambda: services.delete_facility_check(check),
        back=back,
        done=back,
    )


@bp.route("/facilities/checks/<int:check_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, check_id: int):
    tenant = unit_or_404(slug)
    check = db.session.get(FacilityCheck, check_id)
    if check is None:
        abort(404)
    organization = db.session.get(Organization, check.organization_id)
    organization_or_404(tenant, organization.code, edit=True)
    form = FacilityCheckForm(obj=check)
    del form.item, form.evidence  # a check of the wrong item is deleted and recorded again
    if request.method == "GET":
        form.met.data = "yes" if check.met else "no"
    back = url_for(".index", slug=slug, code=organization.code)
    if form.validate_on_submit() and save(
        lambda: services.update_facility_check(
            check, met=form.met.data == "yes", checked_on=form.checked_on.data,
            checked_by=form.checked_by.data, evidence_note=form.evidence_note.data,
        ),
        form,
    ) is not None:
        flash(_("已保存"), "info")
        return redirect(back)
    labels = {i.key: i.label for i in services.checklist(tenant)}
    status = 400 if request.method == "POST" else 200
    return render_template(
        "organizations/record_form.html", tenant=tenant, organization=organization, form=form,
        title=_("修改“%(item)s”的检查", item=labels.get(check.item, check.item)), back=back,
        delete_url=url_for(".delete", slug=slug, check_id=check_id),
    ), status
