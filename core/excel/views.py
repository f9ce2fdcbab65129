"""Excel pages of a unit: download templates and exports, upload an import and see its report.

Same permissions as editing the unit's records: host admins and the unit's admin for every
branch; a branch secretary only for their branch — the templates offer only that branch's code,
exports hold only its rows, and an import row naming another branch is refused.
"""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.accounts.access import can_edit_tenant, can_view_tenant
from core.audit.recorder import acting_as
from core.excel.sheets import KIND_LABELS, SHEETS
from core.extensions import db
from core.host.models import Tenant
from core.tenancy import set_tenant
from core.timezone import local_today

bp = Blueprint("excel", __name__, url_prefix="/units/<slug>/excel")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Largest upload read (a 5 000-row roster is well under 2 MB).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
EXPORT_LABELS = {**{k: s.sheet for k, s in SHEETS.items()}, "scores": "评分结果"}


def _unit_for_editing(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or not can_view_tenant(current_user, tenant):
        abort(404)
    if not can_edit_tenant(current_user, tenant):
        abort(403)
    set_tenant(tenant.id)
    return tenant


def _own_branch() -> int | None:
    if current_user.role == "secretary":
        return current_user.organization_id or -1
    return None


def _xlsx(workbook, filename: str):
    from core.excel.workbooks import to_bytes

    return send_file(io.BytesIO(to_bytes(workbook)), mimetype=XLSX, as_attachment=True, download_name=filename)


def _page(tenant: Tenant, result=None, status: int = 200):
    return (
        render_template(
            "excel/index.html",
            tenant=tenant,
            kinds=KIND_LABELS,
            exports=EXPORT_LABELS,
            result=result,
            year=local_today().year,
            secretary=current_user.role == "secretary",
        ),
        status,
    )


@bp.get("")
@login_required
def index(slug: str):
    return _page(_unit_for_editing(slug))


@bp.get("/template/<kind>")
@login_required
def template(slug: str, kind: str):
    from core.excel.workbooks import new_workbook

    tenant = _unit_for_editing(slug)
    if kind not in SHEETS:
        abort(404)
    workbook = new_workbook(SHEETS[kind], tenant, branch_id=_own_branch())
    return _xlsx(workbook, f"{tenant.slug}-{kind}-template.xlsx")


@bp.get("/export/<what>")
@login_required
def export(slug: str, what: str):
    from core.excel.workbooks import export_records, export_scores

    tenant = _unit_for_editing(slug)
    year = request.args.get("year", type=int)
    if what == "scores":
        from core.plugins.manager import get_registry
        from core.scoring.services import score_unit

        year = year or local_today().year
        day = min(local_today(), dt.date(year, 12, 31))
        branch = None
        if _own_branch() is not None:
            from core.organizations.models import Organization

            branch = db.session.scalar(select(Organization.code).where(Organization.id == _own_branch()))
        outcome = score_unit(tenant, year, get_registry(), as_of=day, branch_code=branch)
        return _xlsx(export_scores(outcome.to_dict()), f"{tenant.slug}-scores-{year}.xlsx")
    if what not in SHEETS:
        abort(404)
    workbook = export_records(what, tenant, branch_id=_own_branch(), year=year)
    suffix = f"-{year}" if year else ""
    return _xlsx(workbook, f"{tenant.slug}-{what}{suffix}.xlsx")


@bp.post("/import")
@login_required
def upload(slug: str):
    from core.excel.importer import ImportResult, RowError, import_workbook

    tenant = _unit_for_editing(slug)
    upload_file = request.files.get("file")
    kind = request.form.get("kind") or None
    if kind is not None and kind not in SHEETS:
        kind = None
    if upload_file is None or not upload_file.filename:
        result = ImportResult(kind, errors=[RowError(0, _("文件"), _("请选择要导入的 Excel 文件"))])
        return _page(tenant, result, 400)
    data = upload_file.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        result = ImportResult(kind, errors=[RowError(0, _("文件"), _("文件超过 10 MB，请分批导入"))])
        return _page(tenant, result, 400)
    actor = f"{current_user.username} import:{upload_file.filename}"[:100]
    with acting_as(current_user.id, actor):
        result = import_workbook(io.BytesIO(data), kind=kind, branch_id=_own_branch())
    return _page(tenant, result, 200 if result.ok else 400)
