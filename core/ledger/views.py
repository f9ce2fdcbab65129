"""The 台账 on the web, as PDF and as Excel, and the unit's ledgers in bulk through the job queue.

Who may read a branch's 台账: whoever may read its scorecard (its secretary, the unit's admins,
supervisors with the unit in scope, host admins); another unit's users get 404.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.accounts.access import can_view_organization, can_view_tenant
from core.extensions import db
from core.host.models import Tenant
from core.ledger.build import SECTION_KEYS, build_ledger, cell_text
from core.ledger.workbook import ledger_workbook
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.reports.render import ReportUnavailable, render
from core.tenancy import set_tenant
from core.timezone import local_today

bp = Blueprint("ledger", __name__)


def personal_data_visible(role: str | None) -> bool:
    """Whether a role reads ID and phone numbers in full (config ``PERSONAL_DATA_ROLES``)."""
    return role in current_app.config.get("PERSONAL_DATA_ROLES", ())


def _bad_year(message: str):
    abort(Response(render_template("error.html", code=400, message=message), 400))


def _year() -> int:
    raw = request.values.get("year")
    if raw in (None, ""):
        return local_today().year - 1  # the last whole year is what an inspection reads
    try:
        year = int(raw)
    except ValueError:
        _bad_year(_("年度应为四位数字，例如 %(year)s", year=local_today().year - 1))
    if not 2000 <= year <= local_today().year:
        _bad_year(_("年度应在 2000 年到今年之间"))
    return year


def _branch(slug: str, code: str) -> tuple[Tenant, Organization]:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or not can_view_tenant(current_user, tenant):
        abort(404)  # another unit's users cannot tell a unit from a missing one
    set_tenant(tenant.id)
    organization = db.session.scalar(select(Organization).where(Organization.code == code))
    if organization is None or not organization.is_branch:
        abort(404)
    if not can_view_organization(current_user, tenant, organization.id):
        abort(403)
    return tenant, organization


def _ledger(tenant: Tenant, organization: Organization, year: int):
    """The branch's 台账 as the current user may read it (personal data by role)."""
    return build_ledger(
        tenant,
        organization,
        year,
        show_personal=personal_data_visible(current_user.role),
        registry=get_registry(),
    )


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "ignore").decode() or "ledger"
    response = Response(data, mimetype=mimetype)
    disposition = "attachment" if request.values.get("download") else "inline"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "private, no-store"  # names and personal data
    return response


@bp.get("/units/<slug>/branches/<code>/ledger")
@login_required
def page(slug: str, code: str):
    """The 台账 page: sections with anchors, each table scrolling in its own box."""
    tenant, organization = _branch(slug, code)
    ledger = _ledger(tenant, organization, _year())
    this_year = local_today().year
    return render_template(
        "ledger/page.html",
        tenant=tenant,
        organization=organization,
        ledger=ledger,
        cell=cell_text,
        years=list(range(this_year, this_year - 6, -1)),
    )


@bp.get("/units/<slug>/branches/<code>/ledger.pdf")
@login_required
def pdf(slug: str, code: str):
    tenant, organization = _branch(slug, code)
    year = _year()
    try:
        report = render(
            "ledger", tenant, year, organization.code, show_personal=personal_data_visible(current_user.role)
        )
    except ReportUnavailable:
        abort(404)
    return _download(
        report.pdf(), "application/pdf", f"{tenant.slug}-{organization.code}-{year}-{_('工作台账')}.pdf"
    )


@bp.get("/units/<slug>/branches/<code>/ledger.xlsx")
@login_required
def workbook(slug: str, code: str):
    tenant, organization = _branch(slug, code)
    ledger = _ledger(tenant, organization, _year())
    return _download(
        ledger_workbook(ledger),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{tenant.slug}-{organization.code}-{ledger.year}-{_('工作台账')}.xlsx",
    )


@bp.post("/units/<slug>/ledgers")
@login_required
def bulk(slug: str):
    """Every branch's 台账 of the unit as one ZIP, rendered by the job queue."""
    from core.jobs.services import JobNotAllowed, start_ledger_job

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or not can_view_tenant(current_user, tenant):
        abort(404)
    year = _year()
    try:
        job = start_ledger_job(current_user, tenant, year)
    except JobNotAllowed:
        abort(403)
    flash(_("已开始生成本单位全部党支部的工作台账，完成后可在此页下载。"), "info")
    return redirect(url_for("jobs.show", job_id=job.id))


__all__ = ["SECTION_KEYS", "bp", "personal_data_visible"]
