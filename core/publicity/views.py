"""Publicity reports (报道) of a branch by year: listed, added, corrected, deleted.

Read: everyone who may read the branch; write: its secretary and the unit admin. Pages commit:
each write calls a service and commits once; a refused write shows the messages at the fields.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from core.organizations.views import (
    branch_record_or_404,
    can_edit_organization,
    choose_branch,
    delete_page,
    organization_or_404,
    save,
    unit_or_404,
    year_arg,
)
from core.publicity import services
from core.publicity.forms import PublicityForm
from core.publicity.models import PublicityReport
from core.timezone import local_today
from core.vocabulary import PUBLICITY_LEVELS

bp = Blueprint("publicity_pages", __name__, url_prefix="/units/<slug>")


def _fields(form: PublicityForm) -> dict[str, Any]:
    return {
        "title": form.title.data, "outlet": form.outlet.data, "level": form.level.data,
        "published_on": form.published_on.data, "url": form.url.data, "note": form.note.data,
    }


@bp.get("/publicity")
@login_required
def choose(slug: str):
    tenant = unit_or_404(slug)
    return choose_branch(tenant, "publicity_pages.index", _("宣传报道"))


@bp.route("/branches/<code>/publicity", methods=["GET", "POST"])
@login_required
def index(slug: str, code: str):
    """The year's reports, counted by level, and the form for another."""
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=request.method == "POST")
    year = year_arg()
    form = PublicityForm()
    if form.validate_on_submit():
        report = save(lambda: services.create_report(organization, **_fields(form)), form)
        if report is not None:
            flash(_("已保存：%(title)s", title=report.title), "info")
            return redirect(url_for(".index", slug=slug, code=code, year=report.published_on.year))
    reports = services.reports_in_year(organization, year)
    by_level = {level: sum(1 for r in reports if r.level == level) for level in PUBLICITY_LEVELS}
    return render_template(
        "publicity/index.html", tenant=tenant, organization=organization, year=year, form=form,
        reports=reports, by_level=by_level, today=local_today(),
        can_edit=can_edit_organization(tenant, organization.id),
    ), (400 if request.method == "POST" else 200)


@bp.route("/publicity-reports/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, report_id: int):
    tenant = unit_or_404(slug)
    report, organization = branch_record_or_404(tenant, PublicityReport, report_id, edit=True)
    form = PublicityForm(obj=report)
    if form.validate_on_submit() and save(lambda: services.update_report(report, **_fields(form)), form):
        flash(_("已保存"), "info")
        return redirect(url_for(".index", slug=slug, code=organization.code, year=report.published_on.year))
    return render_template(
        "publicity/form.html", tenant=tenant, organization=organization, form=form, report=report,
    ), (400 if request.method == "POST" else 200)


@bp.route("/publicity-reports/<int:report_id>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, report_id: int):
    tenant = unit_or_404(slug)
    report, organization = branch_record_or_404(tenant, PublicityReport, report_id, edit=True)
    back = url_for(".index", slug=slug, code=organization.code, year=report.published_on.year)
    return delete_page(
        tenant=tenant,
        what=_("报道“%(title)s”", title=report.title),
        summary=[(_("支部"), organization.name), (_("刊发媒体或平台"), report.outlet), (_("刊发日期"), report.published_on)],
        refused=None,
        delete=lambda: services.delete_report(report),
        back=back,
        done=back,
    )
