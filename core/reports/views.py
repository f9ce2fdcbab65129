"""PDF downloads: a branch scorecard, a unit summary, the county roll-up, with the pages' access rules."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.accounts.access import can_view_organization, can_view_tenant, visible_tenants_query
from core.extensions import db
from core.host.models import Tenant
from core.organizations.models import Organization
from core.reports.engine import harfbuzz_subset_missing, warn_if_slow_fonts
from core.reports.render import ReportUnavailable, render
from core.tenancy import set_tenant
from core.timezone import local_today

bp = Blueprint("reports", __name__)
#: Years offered by the download buttons, counting back from this year.
YEARS_OFFERED = 4


# Say it when the app starts, not when the first supervisor waits seconds for a card.
bp.record_once(lambda state: warn_if_slow_fonts())


@bp.app_context_processor
def _report_context() -> dict[str, object]:
    """What the download buttons need: the years to offer and the slow-fonts flag."""
    this_year = local_today().year
    return {
        "report_years": list(range(this_year, this_year - YEARS_OFFERED, -1)),
        "report_default_year": this_year - 1,
        "reports_slow_fonts": harfbuzz_subset_missing(),
    }


def _year() -> int:
    raw = request.values.get("year")  # the home page's one year selector posts
    if raw is None:
        return local_today().year - 1  # the last whole year is what gets assessed
    try:
        year = int(raw)
    except ValueError:
        abort(400)
    if not 2000 <= year <= 2100:
        abort(400)
    return year


def _as_of() -> dt.date | None:
    raw = request.args.get("as_of")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _pdf_response(pdf: bytes, filename: str) -> Response:
    disposition = "attachment" if request.values.get("download") else "inline"
    ascii_name = filename.encode("ascii", "ignore").decode() or "report.pdf"
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    # A card shows personal names: keep it out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        abort(404)
    if not can_view_tenant(current_user, tenant):
        abort(404)  # the same answer as a missing unit: slugs cannot be enumerated
    set_tenant(tenant.id)
    return tenant


@bp.route("/units/<slug>/branches/<code>/scorecard.pdf")
@login_required
def branch_scorecard(slug: str, code: str):
    """The branch's scorecard for ``?year=`` (default last year); ``?download=1`` to save.

    Prints the newest stored scorecard, else scores the branch's unit now without storing
    anything: a download never changes records (storing is the yearly assessment's job).
    """
    tenant = _tenant(slug)
    organization = db.session.scalar(select(Organization).where(Organization.code == code))
    if organization is None:
        abort(404)
    if not can_view_organization(current_user, tenant, organization.id):
        abort(403)
    year = _year()
    try:
        pdf = render("branch", tenant, year, organization.code, _as_of()).pdf()
    except ReportUnavailable:
        abort(404)
    return _pdf_response(pdf, f"{tenant.slug}-{organization.code}-{year}-{_('评分表')}.pdf")


@bp.route("/units/<slug>/summary.pdf")
@login_required
def unit_summary(slug: str):
    """The unit's summary for ``?year=``: all branches, so not for a branch secretary."""
    tenant = _tenant(slug)
    if current_user.role == "secretary":
        abort(403)
    year = _year()
    pdf = render("unit", tenant, year, as_of=_as_of()).pdf()
    return _pdf_response(pdf, f"{tenant.slug}-{year}-{_('评分汇总')}.pdf")


@bp.route("/county/rollup.pdf", methods=["GET", "POST"])
@login_required
def county_rollup():
    """The county roll-up: host admins see the county, supervisors the units in their scope."""
    if current_user.role not in ("host_admin", "supervisor"):
        abort(403)
    tenant_ids = None
    if current_user.role == "supervisor":
        tenant_ids = [t.id for t in db.session.scalars(visible_tenants_query(current_user))]
        if not tenant_ids:
            abort(403)
    year = _year()
    pdf = render("county", None, year, as_of=_as_of(), scope=tenant_ids).pdf()
    return _pdf_response(pdf, f"county-{year}-{_('全县汇总')}.pdf")
