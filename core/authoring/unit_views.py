"""The unit's page for its standard, within what the county allows: the unit's own parameter
values, items switched off (with a reason and the supervisor's approval), the unit's own items
and its grade bands. Every change is the unit admin's (or the county's); supervisors read and
decide switch requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.authoring import services
from core.authoring.forms import editor_choices, form_errors, item_form, item_from_form
from core.authoring.models import SWITCH_STATUSES, UnitItemSwitch
from core.extensions import db
from core.host.models import Tenant
from core.plugins.manager import UnknownUnitType, get_registry
from core.scoring.actions import can_administer_unit, can_supervise
from core.scoring.overrides import county_parameters
from core.standards.model import Standard
from core.standards.overrides import parameter_warnings
from core.standards.rules import RULE_KINDS
from core.validation import RecordError
from core.web.views import tenant_or_404

bp = Blueprint("unit_standard", __name__)


def _actor() -> str:
    return current_user.display_name or current_user.username


def _standard(tenant: Tenant) -> Standard:
    """The standard the unit scores against this year (what its own items and bands adjust)."""
    today = dt.date.today()
    try:
        return services.effective_standard(tenant.unit_type, on=dt.date(today.year, 12, 31), registry=get_registry())
    except (UnknownUnitType, LookupError):
        abort(404)


def _require_admin(tenant: Tenant) -> None:
    if not can_administer_unit(current_user, tenant):
        abort(403)


def _page_url(slug: str, anchor: str) -> str:
    return url_for("unit_standard.page", slug=slug) + anchor


def _apply(change: Callable[[], object], done: str, back: str):
    """Run a change the page does not redisplay: committed and said so, or refused with the
    service's message and nothing kept; back to ``back`` either way."""
    try:
        change()
    except RecordError as error:
        db.session.rollback()
        flash(next(iter(error.errors.values())), "error")
    else:
        db.session.commit()
        flash(done, "info")
    return redirect(back)


def _render(tenant: Tenant, standard: Standard, *, errors: dict[str, str] | None = None, status: int = 200,
            item_errors: dict[str, str] | None = None, item_general: list[str] | None = None,
            posted_item: Any = None, error_key: str | None = None):
    """The page, with the problems of whichever form was just refused."""
    registry = get_registry()
    items = [item for block in standard.blocks for item in block.items]
    allowed = services.switchable_items(tenant.unit_type)
    county = services.county_standard(tenant.unit_type)
    setting = services.unit_setting(tenant.id)
    own = services.unit_items(tenant.id)
    editing_id = request.values.get("item") if posted_item is None else (posted_item.get("original_id") or None)
    editing = next((item for _, item in own if item.get("id") == editing_id), None)
    editing_block = next((block for block, item in own if item.get("id") == editing_id), None)
    kind = request.values.get("kind") or (editing or {}).get("kind")
    sources = [(key, source.document) for key, source in standard.sources.items()]
    sources += [(s.get("id"), s.get("document") or s.get("id")) for s in (setting.sources if setting else None) or []]
    parameters = registry.unit_type(tenant.unit_type).parameters
    values = tenant.parameters or {}
    county_values = county_parameters(tenant.unit_type, known={p.key for p in parameters})
    return render_template(
        "authoring/unit.html",
        tenant=tenant,
        standard=standard,
        items=[i for i in items if allowed is None or i.id in allowed],
        titles={i.id: i.title for i in items},
        block_titles={b.id: b.title for b in standard.blocks},
        switches=services.item_switches(tenant.id),
        statuses=SWITCH_STATUSES,
        errors=errors or {},
        error_key=error_key,
        form=request.form,
        can_request=can_administer_unit(current_user, tenant),
        can_decide=can_supervise(current_user, tenant),
        county=county,
        parameters=[
            (p, values.get(p.key), county_values.get(p.key), parameter_warnings(p, values[p.key]) if p.key in values else [])
            for p in parameters
        ],
        own_items=own,
        kinds={name: k.label_zh for name, k in RULE_KINDS.items()},
        item=item_form(editing, kind, posted_item),
        editing=editing_id if editing else None,
        item_block=(posted_item or {}).get("block") or editing_block or request.values.get("block"),
        item_errors=item_errors or {},
        item_general=item_general or [],
        choices=editor_choices(tenant.unit_type, sources),
        unit_bands={b["grade"]: b["min"] for b in (setting.bands or [])} if setting and setting.bands else None,
        unit_vetoes=(setting.vetoes if setting else None) or [],
        source_names=dict(sources),
    ), status


@bp.route("/units/<slug>/standard", methods=["GET", "POST"])
@login_required
def page(slug: str):
    """What the unit scores against; a POST asks to switch an item off."""
    tenant = tenant_or_404(slug)
    standard = _standard(tenant)
    if request.method == "POST":
        _require_admin(tenant)
        try:
            services.request_switch_off(
                tenant, request.form.get("item_id", ""), request.form.get("reason", ""),
                actor=_actor(), known_items=[i.id for b in standard.blocks for i in b.items],
            )
        except RecordError as error:
            db.session.rollback()
            return _render(tenant, standard, errors=error.errors, status=400, error_key="switch")
        db.session.commit()
        flash(_("已提交停用申请，督导批准后生效。"), "info")
        return redirect(url_for("unit_standard.page", slug=slug))
    return _render(tenant, standard)


@bp.post("/units/<slug>/standard/switches/<int:switch_id>/decide")
@login_required
def decide(slug: str, switch_id: int):
    tenant = tenant_or_404(slug)
    if not can_supervise(current_user, tenant):
        abort(403)
    switch = db.session.get(UnitItemSwitch, switch_id)
    decision = request.form.get("decision")
    if switch is None or decision not in ("approve", "reject"):
        abort(404 if switch is None else 400)
    return _apply(
        lambda: services.decide_switch(switch, approve=decision == "approve", actor=_actor(), on=dt.date.today()),
        _("已批准，重新评分后生效。") if decision == "approve" else _("已驳回停用申请。"),
        _page_url(slug, "#switches"),
    )


@bp.post("/units/<slug>/standard/parameters")
@login_required
def parameter(slug: str):
    """One of the unit's own parameter values (empty: back to the county's or the default)."""
    tenant = tenant_or_404(slug)
    _require_admin(tenant)
    key = request.form.get("key", "")
    try:
        chosen = get_registry().unit_type(tenant.unit_type).parameter(key)
    except KeyError:
        abort(400)
    try:
        warnings = services.set_unit_parameter(tenant, chosen, request.form.get("value", ""))
    except RecordError as error:
        db.session.rollback()
        return _render(tenant, _standard(tenant), errors=error.errors, status=400, error_key=f"p-{key}")
    db.session.commit()
    flash(_("已保存本单位参数：%(label)s。", label=chosen.label_zh), "info")
    for warning in warnings:
        flash(warning, "warning")
    return redirect(_page_url(slug, f"#p-{key}"))


def _try_unit_item(tenant: Tenant, standard: Standard, posted) -> tuple[dict[str, str], list[str]]:
    """Save the posted item (the caller commits); the problems by form field when refused."""
    kind = posted.get("kind", "")
    if kind not in RULE_KINDS:
        return {"kind": _("请选择规则类型")}, []
    item, errors = item_from_form(posted, kind)
    if errors:
        return errors, []
    others = [i for _, i in services.unit_items(tenant.id) if i.get("id") != (posted.get("original_id") or None)]
    try:
        services.save_unit_item(
            tenant, standard, posted.get("block", ""), item, get_registry(), replace_id=posted.get("original_id") or None
        )
    except services.DocumentProblems as problems:
        return form_errors(problems.problems, f"items[{len(others)}]")
    except RecordError as error:
        return error.errors, []
    return {}, []


@bp.post("/units/<slug>/standard/items")
@login_required
def save_item(slug: str):
    """Add or change one of the unit's own items (as far as the county allows)."""
    tenant = tenant_or_404(slug)
    _require_admin(tenant)
    standard = _standard(tenant)
    fields, general = _try_unit_item(tenant, standard, request.form)
    if fields or general:
        db.session.rollback()
        return _render(tenant, standard, status=400, item_errors=fields, item_general=general,
                       posted_item=request.form, error_key="item")
    db.session.commit()
    flash(_("已保存本单位项目「%(title)s」，重新评分后计入评分表。", title=request.form.get("title", "")), "info")
    return redirect(_page_url(slug, "#own-items"))


@bp.post("/units/<slug>/standard/items/check")
@login_required
def check_item(slug: str):
    """Live validation of the unit's item being typed; nothing is stored."""
    tenant = tenant_or_404(slug)
    _require_admin(tenant)
    fields, general = _try_unit_item(tenant, _standard(tenant), request.form)
    db.session.rollback()
    return jsonify({"ok": not fields and not general, "fields": fields, "general": general})


@bp.post("/units/<slug>/standard/items/remove")
@login_required
def remove_item(slug: str):
    tenant = tenant_or_404(slug)
    _require_admin(tenant)
    return _apply(
        lambda: services.remove_unit_item(tenant, request.form.get("item", "")),
        _("已删除本单位项目。"),
        _page_url(slug, "#own-items"),
    )


@bp.post("/units/<slug>/standard/bands")
@login_required
def bands(slug: str):
    """The unit's own minimum score of each grade, or back to the standard's."""
    tenant = tenant_or_404(slug)
    _require_admin(tenant)
    standard = _standard(tenant)
    reset = request.form.get("reset") == "1"
    minimums = None if reset else [request.form.get(f"band.{i}", "") for i in range(len(standard.bands))]
    try:
        services.set_unit_bands(tenant, standard, minimums)
    except RecordError as error:
        db.session.rollback()
        return _render(tenant, standard, errors=error.errors, status=400, error_key="bands")
    db.session.commit()
    flash(_("已恢复使用评分标准的等级划分。") if reset else _("已保存本单位的等级划分，重新评分后生效。"), "info")
    return redirect(_page_url(slug, "#bands"))
