"""Host administration pages (县委组织部管理员 only): units, users, scopes, county parameters,
the yearly assessment and the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from core.accounts import throttle
from core.accounts.models import User
from core.accounts.services import update_user
from core.audit.models import AuditLog
from core.extensions import db
from core.host import services
from core.host.forms import AuditFilters, int_list
from core.host.models import HostParameter, Tenant
from core.jobs.models import Job
from core.jobs.services import UNFINISHED, YEARLY_ASSESSMENT, start_assessment_job
from core.plugins.manager import get_registry
from core.scoring.county import DEFAULT_RANKING_RULES, RANKING_RULES_KEY
from core.sorting import pinyin_key
from core.standards.overrides import parameter_warnings
from core.standards.types import Parameter
from core.tenancy import host_scope
from core.timezone import local_today
from core.validation import RecordError
from core.vocabulary import ROLES

bp = Blueprint("host", __name__, url_prefix="/host")

#: Audit rows per page.
AUDIT_PAGE_SIZE = 50


@bp.before_request
@login_required
def _host_admin_only():
    if current_user.role != "host_admin":
        abort(403)


# -- units -------------------------------------------------------------------------------------


@bp.route("/units", methods=["GET", "POST"])
def units():
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            created = services.create_unit(
                slug=request.form.get("slug", ""),
                name=request.form.get("name", ""),
                unit_type=request.form.get("unit_type", ""),
                sub_kind=request.form.get("sub_kind"),
            )
        except RecordError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(_("已新建单位 %(name)s。", name=created.name), "info")
            return redirect(url_for("host.units"))
    tenants = sorted(
        db.session.scalars(select(Tenant)), key=lambda t: (t.unit_type, pinyin_key(t.name))
    )
    registry = get_registry()
    return render_template(
        "host/units.html",
        tenants=tenants,
        unit_types=registry.unit_types(),
        type_names={u.key: u.name_zh for u in registry.unit_types()},
        errors=errors,
        form=request.form,
    ), (400 if errors else 200)


@bp.route("/units/<int:tenant_id>/edit", methods=["GET", "POST"])
def edit_unit(tenant_id: int):
    unit = db.session.get(Tenant, tenant_id)
    if unit is None:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.update_unit(
                unit,
                name=request.form.get("name", ""),
                sub_kind=request.form.get("sub_kind"),
                address=request.form.get("address"),
                enabled=request.form.get("enabled") == "1",
            )
        except RecordError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(_("已保存单位 %(name)s。", name=unit.name), "info")
            return redirect(url_for("host.units"))
    registry = get_registry()
    try:
        sub_kinds = registry.unit_type(unit.unit_type).sub_kinds
    except Exception:  # a unit of a type no plugin supplies any more: no sub-kinds to offer
        sub_kinds = ()
    return render_template(
        "host/edit_unit.html", unit=unit, sub_kinds=sub_kinds, errors=errors, form=request.form,
        type_names={u.key: u.name_zh for u in registry.unit_types()},
    ), (400 if errors else 200)


# -- users and scopes --------------------------------------------------------------------------


@bp.route("/users", methods=["GET", "POST"])
def users():
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            created = services.create_account(
                username=form.get("username", ""),
                password=form.get("password", ""),
                role=form.get("role", ""),
                display_name=form.get("display_name"),
                tenant_slug=form.get("tenant") or None,
                branch_code=form.get("branch") or None,
                scope_unit_types=form.getlist("scope_unit_type"),
                scope_tenant_ids=int_list(form.getlist("scope_tenant")),
            )
        except RecordError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(_("已新建用户 %(name)s。", name=created.username), "info")
            return redirect(url_for("host.users"))
    return _users_page(errors, request.form, None)


def _users_page(errors: dict[str, str], form: Any, scope_user_id: int | None):
    accounts = list(db.session.scalars(select(User).order_by(User.role, User.username)))
    tenants = sorted(
        db.session.scalars(select(Tenant)), key=lambda t: (t.unit_type, pinyin_key(t.name))
    )
    registry = get_registry()
    return render_template(
        "host/users.html",
        accounts=accounts,
        tenants=tenants,
        tenant_by_id={t.id: t for t in tenants},
        roles=ROLES,
        unit_types=registry.unit_types(),
        type_names={u.key: u.name_zh for u in registry.unit_types()},
        errors=errors,
        form=form,
        scope_user_id=scope_user_id,
        locked_until=throttle.locked_until,
    ), (400 if errors else 200)


@bp.post("/users/<int:user_id>/unlock")
def unlock(user_id: int):
    """Lift a lock set by failed logins (audited: the user row changes with the admin as actor)."""
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    throttle.unlock(account)
    db.session.commit()
    flash(_("已解锁 %(name)s，可以重新登录。", name=account.username), "info")
    return redirect(url_for("host.users"))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int):
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            update_user(account, display_name=request.form.get("display_name"))
        except RecordError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(_("已保存用户 %(name)s。", name=account.username), "info")
            return redirect(url_for("host.users"))
    return render_template(
        "host/edit_user.html", account=account, errors=errors, form=request.form
    ), (400 if errors else 200)


@bp.post("/users/<int:user_id>/scopes")
def scopes(user_id: int):
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    try:
        services.set_supervisor_scopes(
            account,
            unit_types=request.form.getlist("scope_unit_type"),
            tenant_ids=int_list(request.form.getlist("scope_tenant")),
        )
    except RecordError as error:
        db.session.rollback()
        return _users_page(error.errors, request.form, user_id)
    db.session.commit()
    flash(_("已更新 %(name)s 的督导范围。", name=account.username), "info")
    return redirect(url_for("host.users"))


# -- county parameters -------------------------------------------------------------------------


@dataclass
class ParameterRow:
    """One plugin parameter as the county sees it: default, county value, national floor."""

    key: str
    parameter: Parameter
    county_value: Any
    inherited_from: str | None
    source: str
    warnings: list[str]


def _parameter_rows(rows: dict[str, HostParameter]) -> dict[str, list[ParameterRow]]:
    table: dict[str, list[ParameterRow]] = {}
    for unit_type in get_registry().unit_types():
        for parameter in unit_type.parameters:
            key = f"{unit_type.key}.{parameter.key}"
            own, shared = rows.get(key), rows.get(f"all.{parameter.key}")
            row = own or shared
            value = row.value if row is not None else None
            table.setdefault(unit_type.key, []).append(
                ParameterRow(
                    key=key,
                    parameter=parameter,
                    county_value=value,
                    inherited_from=shared.key if own is None and shared is not None else None,
                    source=row.source if row is not None else "",
                    warnings=parameter_warnings(parameter, value) if value is not None else [],
                )
            )
    return table


@bp.route("/parameters", methods=["GET", "POST"])
def parameters():
    errors: dict[str, str] = {}
    error_key = None
    if request.method == "POST":
        key = request.form.get("key", "")
        error_key = key
        if key == RANKING_RULES_KEY:
            raw: Any = {name: request.form.get(name, "") for name in services.RANKING_RULE_FIELDS}
        else:
            raw = request.form.get("value", "")
        try:
            _row, warnings = services.set_county_parameter(
                key, raw, source=request.form.get("source")
            )
        except RecordError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            # The parameter's Chinese name, never its key (organ.funding_ratio).
            if _row is not None and _row.label:
                flash(_("已保存参数：%(label)s。", label=_row.label), "info")
            else:
                flash(_("已保存。"), "info")
            for warning in warnings:
                flash(warning, "warning")
            return redirect(url_for("host.parameters") + f"#p-{key}")
    rows = {row.key: row for row in db.session.scalars(select(HostParameter))}
    registry = get_registry()
    ranking = rows.get(RANKING_RULES_KEY)
    return render_template(
        "host/parameters.html",
        table=_parameter_rows(rows),
        type_names={u.key: u.name_zh for u in registry.unit_types()},
        ranking_rules={
            **DEFAULT_RANKING_RULES,
            **(ranking.value if ranking and isinstance(ranking.value, dict) else {}),
        },
        ranking_row=ranking,
        rule_fields=services.RANKING_RULE_FIELDS,
        ranking_key=RANKING_RULES_KEY,
        quota_key=services.TOP_GRADE_QUOTA_KEY,
        quota_row=rows.get(services.TOP_GRADE_QUOTA_KEY),
        errors=errors,
        error_key=error_key,
        form=request.form,
    ), (400 if errors else 200)


# -- the yearly assessment ---------------------------------------------------------------------


@bp.route("/assessment", methods=["GET", "POST"])
def assessment():
    """The yearly assessment, run on the job queue; a year not over yet is confirmed first."""
    today = local_today()
    errors: dict[str, str] = {}
    confirm_year = None
    if request.method == "POST":
        year = request.form.get("year", type=int)
        if year is None or not 2000 <= year <= today.year:
            errors = {"year": _("年度须为本年或以前的年度")}
        elif not services.year_has_ended(year, today) and request.form.get("confirm") != "1":
            confirm_year = year  # say the year is not over, and ask before storing anything
        else:
            # A past year is read as it ended; the current one as of today.
            job = start_assessment_job(current_user, year, min(today, dt.date(year, 12, 31)))
            flash(_("已开始 %(year)s 年度考核，完成后在此页查看结果。", year=year), "info")
            return redirect(url_for("jobs.show", job_id=job.id))
    unfinished = list(
        db.session.scalars(
            select(Job)
            .where(Job.kind == YEARLY_ASSESSMENT, Job.status.in_(UNFINISHED))
            .order_by(Job.id.desc())
        )
    )
    return render_template(
        "host/assessment.html",
        runs=services.assessment_runs(),
        unfinished=unfinished,
        years=list(range(today.year, today.year - 5, -1)),
        errors=errors,
        today=today,
        confirm_year=confirm_year,
    ), (400 if errors else 200)


# -- audit log ---------------------------------------------------------------------------------


@bp.route("/audit")
def audit():
    with host_scope():  # the audit log has row-level security: county-wide reading is host work
        filters = AuditFilters.from_args(request.args)
        query = select(AuditLog)
        if filters.tenant_id is not None:
            query = query.where(AuditLog.tenant_id == filters.tenant_id)
        if filters.table:
            query = query.where(AuditLog.table_name == filters.table)
        if filters.actor:
            query = query.where(AuditLog.actor.contains(filters.actor, autoescape=True))
        if filters.action:
            query = query.where(AuditLog.action == filters.action)
        if filters.start:
            query = query.where(AuditLog.at >= dt.datetime.combine(filters.start, dt.time(), dt.UTC))
        if filters.end:
            query = query.where(
                AuditLog.at < dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time(), dt.UTC)
            )
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        pages = max(1, -(-total // AUDIT_PAGE_SIZE))
        page = min(filters.page, pages)
        entries = list(
            db.session.scalars(
                query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                .limit(AUDIT_PAGE_SIZE)
                .offset((page - 1) * AUDIT_PAGE_SIZE)
            )
        )
        tables = list(
            db.session.scalars(select(AuditLog.table_name).distinct().order_by(AuditLog.table_name))
        )
        tenants = list(db.session.scalars(select(Tenant).order_by(Tenant.slug)))
    return render_template(
        "host/audit.html",
        entries=entries,
        filters=filters,
        total=total,
        page=page,
        pages=pages,
        tables=tables,
        tenants=tenants,
        tenant_by_id={t.id: t for t in tenants},
        errors=filters.errors,
    )
