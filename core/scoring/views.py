"""Scoring workflow pages: on-site scores, exemptions, rectification tasks, the unit's plugin switch."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.accounts.access import can_view_organization, visible_tenants_query
from core.extensions import db
from core.host.models import Tenant
from core.metrics import BRANCH_KINDS
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.scoring import actions
from core.scoring.models import Exemption, ManualScore, Rectification
from core.tenancy import host_scope
from core.validation import RecordError
from core.web.views import tenant_or_404

bp = Blueprint("scoring", __name__)


def _branches() -> list[Organization]:
    """The current unit's branches (what scores, exemptions and tasks are about)."""
    query = (
        select(Organization).where(Organization.kind.in_(BRANCH_KINDS)).order_by(Organization.code)
    )
    if current_user.role == "secretary":
        query = query.where(Organization.id == current_user.organization_id)
    return list(db.session.scalars(query))


def _branch_or_404(tenant: Tenant, code: str) -> Organization:
    organization = db.session.scalar(select(Organization).where(Organization.code == code))
    if organization is None:
        abort(404)
    if not can_view_organization(current_user, tenant, organization.id):
        abort(403)
    return organization


def _back(default: str) -> str:
    """Where to return after a decision: a same-site path from the form, never another site."""
    target = request.form.get("back") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


def _year() -> int:
    today = dt.date.today()
    year = request.values.get("year", type=int) or today.year
    if not 2000 <= year <= today.year:
        abort(404)
    return year


# -- on-site scores ----------------------------------------------------------------------------


@bp.route("/units/<slug>/branches/<code>/onsite", methods=["GET", "POST"])
@login_required
def onsite(slug: str, code: str):
    """A supervisor enters the on-site (现场检查) score of each manual item, with a comment."""
    tenant = tenant_or_404(slug)
    if not actions.can_supervise(current_user, tenant):
        abort(403)
    organization = _branch_or_404(tenant, code)
    registry = get_registry()
    year = _year()
    errors: dict[str, str] = {}
    posted_item = None
    if request.method == "POST":
        posted_item = request.form.get("item_id")
        try:
            actions.enter_manual_score(
                current_user,
                tenant,
                organization,
                year=year,
                item_id=posted_item,
                points=request.form.get("points"),
                comment=request.form.get("comment"),
                registry=registry,
            )
        except RecordError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(_("已保存现场检查评分，下次评分即按此计算。"), "info")
            return redirect(url_for("scoring.onsite", slug=slug, code=code, year=year))
    entered = {
        row.item_id: row
        for row in db.session.scalars(
            select(ManualScore).where(
                ManualScore.organization_id == organization.id, ManualScore.year == year
            )
        )
    }
    return render_template(
        "scoring/onsite.html",
        tenant=tenant,
        organization=organization,
        year=year,
        items=actions.manual_items(tenant, year, registry),
        entered=entered,
        errors=errors,
        posted_item=posted_item,
        form=request.form,
    ), (400 if errors else 200)


# -- exemptions --------------------------------------------------------------------------------


@bp.route("/units/<slug>/exemptions", methods=["GET", "POST"])
@login_required
def exemptions(slug: str):
    """The unit's exemptions; its admin asks for one here, a supervisor decides on the same page."""
    tenant = tenant_or_404(slug)
    registry = get_registry()
    branches = _branches()
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = request.form.get("branch", "")
        organization = next((b for b in branches if b.code == code), None)
        try:
            if organization is None:
                raise RecordError({"branch": "请选择支部"})
            actions.request_exemption(
                current_user,
                tenant,
                organization,
                item_id=request.form.get("item_id", ""),
                reason=request.form.get("reason"),
                until=request.form.get("until"),
                registry=registry,
            )
        except PermissionError:
            db.session.rollback()
            abort(403)
        except RecordError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(_("已提交豁免申请，待督导审批。"), "info")
            return redirect(url_for("scoring.exemptions", slug=slug))
    rows = (
        list(
            db.session.scalars(
                select(Exemption)
                .where(Exemption.organization_id.in_([b.id for b in branches]))
                .order_by(Exemption.created_at.desc(), Exemption.id.desc())
            )
        )
        if branches
        else []
    )
    items = actions.scorable_items(tenant, dt.date.today().year, registry)
    return render_template(
        "scoring/exemptions.html",
        tenant=tenant,
        branches=branches,
        by_id={b.id: b for b in branches},
        rows=rows,
        items=items,
        item_titles={i.id: i.title for i in items},
        errors=errors,
        form=request.form,
        selected_branch=request.values.get("branch", ""),
        can_request=actions.can_administer_unit(current_user, tenant),
        can_decide=actions.can_supervise(current_user, tenant),
    ), (400 if errors else 200)


@bp.post("/units/<slug>/exemptions/<int:exemption_id>/decide")
@login_required
def decide_exemption(slug: str, exemption_id: int):
    tenant = tenant_or_404(slug)
    exemption = db.session.get(Exemption, exemption_id)
    if exemption is None:
        abort(404)
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400)
    try:
        actions.decide_exemption(current_user, tenant, exemption, approve=decision == "approve")
    except PermissionError:
        db.session.rollback()
        abort(403)
    except RecordError as error:
        db.session.rollback()
        flash(next(iter(error.errors.values())), "error")
    else:
        db.session.commit()
        flash(_("已批准豁免申请。") if decision == "approve" else _("已驳回豁免申请。"), "info")
    return redirect(_back(url_for("scoring.exemptions", slug=slug)))


# -- rectifications ----------------------------------------------------------------------------


@bp.route("/units/<slug>/rectifications")
@login_required
def rectifications(slug: str):
    """Rectification tasks of the unit (or one branch), open first."""
    tenant = tenant_or_404(slug)
    branches = _branches()
    code = request.args.get("branch") or ""
    shown = [b for b in branches if not code or b.code == code]
    status = request.args.get("status", "open")
    rows: list[Rectification] = []
    if shown:
        query = select(Rectification).where(
            Rectification.organization_id.in_([b.id for b in shown])
        )
        if status in ("open", "closed"):
            query = query.where(Rectification.status == status)
        rows = list(
            db.session.scalars(
                query.order_by(
                    Rectification.status.desc(), Rectification.opened_on, Rectification.id
                )
            )
        )
    return render_template(
        "scoring/rectifications.html",
        tenant=tenant,
        branches=branches,
        by_id={b.id: b for b in branches},
        rows=rows,
        branch=code,
        status=status,
        can_close=actions.can_supervise(current_user, tenant),
        errors={},
    )


@bp.post("/units/<slug>/rectifications/<int:task_id>/close")
@login_required
def close_rectification(slug: str, task_id: int):
    tenant = tenant_or_404(slug)
    task = db.session.get(Rectification, task_id)
    if task is None:
        abort(404)
    try:
        actions.close_rectification(current_user, tenant, task, note=request.form.get("note"))
    except PermissionError:
        db.session.rollback()
        abort(403)
    except RecordError as error:
        db.session.rollback()
        flash(_("未能销号：%(message)s", message=next(iter(error.errors.values()))), "error")
        return redirect(_back(url_for("scoring.rectifications", slug=slug)))
    db.session.commit()
    flash(_("已销号整改任务，下次评分将反映整改结果。"), "info")
    return redirect(_back(url_for("scoring.rectifications", slug=slug)))


# -- the unit's plugin -------------------------------------------------------------------------


@bp.post("/units/<slug>/plugin")
@login_required
def plugin(slug: str):
    """The unit admin switches the unit-type plugin on or off."""
    tenant = tenant_or_404(slug)
    enabled = request.form.get("enabled") == "1"
    try:
        actions.set_plugin_enabled(current_user, tenant, enabled, get_registry())
    except PermissionError:
        db.session.rollback()
        abort(403)
    except RecordError as error:
        db.session.rollback()
        flash(next(iter(error.errors.values())), "error")
    else:
        db.session.commit()
        flash(
            _("已启用单位类型插件，将按该类型标准评分。")
            if enabled
            else _("已停用单位类型插件，本单位显示为未启用、未评分。"),
            "info",
        )
    return redirect(url_for("web.unit", slug=slug))


# -- a supervisor's inbox ----------------------------------------------------------------------


@bp.route("/scoring/inbox")
@login_required
def inbox():
    """Exemption requests waiting and rectification tasks open, across the supervisor's units."""
    if current_user.role not in ("host_admin", "supervisor"):
        abort(403)
    tenants = {t.id: t for t in db.session.scalars(visible_tenants_query(current_user))}
    requested: list[Exemption] = []
    open_tasks: list[Rectification] = []
    organizations: dict[int, Organization] = {}
    if tenants:
        ids = list(tenants)
        # Reads across the units in the supervisor's scope, and only those.
        with host_scope():
            requested = list(
                db.session.scalars(
                    select(Exemption)
                    .where(Exemption.tenant_id.in_(ids), Exemption.status == "requested")
                    .order_by(Exemption.created_at)
                )
            )
            open_tasks = list(
                db.session.scalars(
                    select(Rectification)
                    .where(Rectification.tenant_id.in_(ids), Rectification.status == "open")
                    .order_by(Rectification.tenant_id, Rectification.opened_on, Rectification.id)
                )
            )
            wanted = {r.organization_id for r in requested} | {
                t.organization_id for t in open_tasks
            }
            if wanted:
                organizations = {
                    o.id: o
                    for o in db.session.scalars(
                        select(Organization).where(Organization.id.in_(wanted))
                    )
                }
    return render_template(
        "scoring/inbox.html",
        tenants=tenants,
        requested=requested,
        open_tasks=open_tasks,
        organizations=organizations,
    )
