"""The unit's page for its standard: items switched off (with reason and the supervisor's approval)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.authoring import services
from core.authoring.models import SWITCH_STATUSES, UnitItemSwitch
from core.extensions import db
from core.plugins.manager import UnknownUnitType, get_registry
from core.scoring.actions import can_administer_unit, can_supervise
from core.validation import RecordError
from core.web.views import tenant_or_404

bp = Blueprint("unit_standard", __name__)


def _actor() -> str:
    return current_user.display_name or current_user.username


@bp.route("/units/<slug>/standard", methods=["GET", "POST"])
@login_required
def page(slug: str):
    """What the unit scores against, and its requests to switch items off."""
    tenant = tenant_or_404(slug)
    registry = get_registry()
    today = dt.date.today()
    try:
        standard = services.effective_standard(tenant.unit_type, on=dt.date(today.year, 12, 31), registry=registry)
    except (UnknownUnitType, LookupError):
        abort(404)
    items = [item for block in standard.blocks for item in block.items]
    allowed = services.switchable_items(tenant.unit_type)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_administer_unit(current_user, tenant):
            abort(403)
        try:
            services.request_switch_off(
                tenant, request.form.get("item_id", ""), request.form.get("reason", ""),
                actor=_actor(), known_items=[i.id for i in items],
            )
        except RecordError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(_("已提交停用申请，督导批准后生效。"), "info")
            return redirect(url_for("unit_standard.page", slug=slug))
    return render_template(
        "authoring/unit.html",
        tenant=tenant,
        standard=standard,
        items=[i for i in items if allowed is None or i.id in allowed],
        titles={i.id: i.title for i in items},
        switches=services.item_switches(tenant.id),
        statuses=SWITCH_STATUSES,
        errors=errors,
        form=request.form,
        can_request=can_administer_unit(current_user, tenant),
        can_decide=can_supervise(current_user, tenant),
        county=services.county_standard(tenant.unit_type),
    ), (400 if errors else 200)


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
    try:
        services.decide_switch(switch, approve=decision == "approve", actor=_actor(), on=dt.date.today())
    except RecordError as error:
        db.session.rollback()
        flash(next(iter(error.errors.values())), "error")
    else:
        db.session.commit()
        flash(_("已批准，重新评分后生效。") if decision == "approve" else _("已驳回停用申请。"), "info")
    return redirect(url_for("unit_standard.page", slug=slug))
