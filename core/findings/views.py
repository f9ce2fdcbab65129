"""Findings and honours pages of a unit and a branch, and the county's finding kinds (host admin).

Read: everyone who may read the unit (a secretary only their own branch). Record and revoke: a
supervisor whose scope covers the unit, or the host admin; anyone else gets 403. Pages commit:
each write calls a service and commits once; a refused write rolls back and shows the Chinese
messages at their fields with what was typed still in place.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.extensions import db
from core.facilities.services import CONTENT_TYPES, evidence_path
from core.findings import services
from core.findings.forms import FindingForm, FindingKindForm, HonourForm, RevokeForm
from core.findings.kinds import finding_kinds, finding_labels, kind_label
from core.findings.models import FindingKind
from core.host.models import Tenant
from core.organizations.forms import select_choices
from core.organizations.models import Organization
from core.organizations.views import organization_or_404, save, unit_or_404, visible_organizations
from core.scoring.models import Finding, Honour
from core.timezone import local_today

bp = Blueprint("finding_pages", __name__)

MODELS: dict[str, type[Finding] | type[Honour]] = {"findings": Finding, "honours": Honour}


def _who() -> str:
    return current_user.display_name or current_user.username


def _record_or_404(tenant: Tenant, kind: str, record_id: int) -> tuple[Any, Organization]:
    """A finding or honour of the unit the user may read (404 otherwise; 403 for another branch)."""
    model = MODELS.get(kind)
    if model is None:
        abort(404)
    record = db.session.get(model, record_id)
    if record is None or record.tenant_id != tenant.id:
        abort(404)
    organization = db.session.get(Organization, record.organization_id)
    organization_or_404(tenant, organization.code)
    return record, organization


@bp.app_template_global()
def finding_summary_for(tenant: Tenant, organization: Organization | None = None) -> dict[str, Any] | None:
    """What the branch or unit page shows of findings and honours: the valid ones, newest first.

    Used by the ``findings/_summary.html`` partial, so those pages' views need not change.
    """
    if organization is not None and not organization.is_branch:
        return None
    ids = [organization.id] if organization is not None else [
        b.id for b in visible_organizations(branches_only=True)
    ]
    findings = [f for f in services.records_of(ids, model=Finding) if f.revoked_on is None]
    honours = [h for h in services.records_of(ids, model=Honour) if h.revoked_on is None]
    url = (
        url_for("finding_pages.branch_index", slug=tenant.slug, code=organization.code)
        if organization is not None
        else url_for("finding_pages.unit_index", slug=tenant.slug)
    )
    return {
        "findings": findings[:5], "honours": honours[:5], "labels": finding_labels(), "url": url,
        "can_record": services.can_record(current_user, tenant),
    }


@bp.route("/units/<slug>/findings")
@login_required
def unit_index(slug: str):
    """Every finding and honour of the unit's branches the user may read."""
    tenant = unit_or_404(slug)
    branches = visible_organizations(branches_only=True)
    ids = [b.id for b in branches]
    return render_template(
        "findings/unit.html", tenant=tenant,
        names={b.id: b for b in branches},
        findings=services.records_of(ids, model=Finding),
        honours=services.records_of(ids, model=Honour),
        labels=finding_labels(), can_record=services.can_record(current_user, tenant),
    )


@bp.route("/units/<slug>/branches/<code>/findings", methods=["GET", "POST"])
@login_required
def branch_index(slug: str, code: str):
    """A branch's findings and honours; a supervisor in scope records new ones here."""
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code)
    if not organization.is_branch:
        abort(404)
    can_record = services.can_record(current_user, tenant)
    which = request.form.get("form") if request.method == "POST" else None
    if request.method == "POST" and not can_record:
        abort(403)
    finding_form = FindingForm(prefix="finding")
    honour_form = HonourForm(prefix="honour")
    finding_form.finding.choices = select_choices(
        [("", _("请选择"))] + [(k.code, kind_label(k)) for k in finding_kinds(active_only=True)]
    )
    if request.method == "GET":
        today = local_today()
        finding_form.year.data = honour_form.year.data = today.year
        finding_form.decided_on.data = honour_form.awarded_on.data = today
    status = 200
    if which == "finding":
        if finding_form.validate_on_submit():
            saved = save(
                lambda: services.record_finding(
                    organization, year=finding_form.year.data, finding=finding_form.finding.data,
                    decided_on=finding_form.decided_on.data, document=finding_form.document.data,
                    note=finding_form.note.data, recorded_by=_who(), evidence=finding_form.evidence.data,
                ),
                finding_form, {"branch": "", "decided_on": "decided_on"},
            )
            if saved is not None:
                flash(_("已记录认定"), "info")
                return redirect(url_for(".branch_index", slug=slug, code=code))
        status = 400
    elif which == "honour":
        if honour_form.validate_on_submit():
            saved = save(
                lambda: services.record_honour(
                    organization, year=honour_form.year.data, name=honour_form.name.data,
                    level=honour_form.level.data, awarded_on=honour_form.awarded_on.data,
                    awarded_by=honour_form.awarded_by.data, document=honour_form.document.data,
                    note=honour_form.note.data, recorded_by=_who(), evidence=honour_form.evidence.data,
                ),
                honour_form, {"branch": ""},
            )
            if saved is not None:
                flash(_("已记录表彰"), "info")
                return redirect(url_for(".branch_index", slug=slug, code=code))
        status = 400
    elif request.method == "POST":
        abort(400)
    return render_template(
        "findings/branch.html", tenant=tenant, organization=organization,
        findings=services.records_of([organization.id], model=Finding),
        honours=services.records_of([organization.id], model=Honour),
        labels=finding_labels(), can_record=can_record,
        finding_form=finding_form, honour_form=honour_form, revoke_form=RevokeForm(),
    ), status


@bp.route("/units/<slug>/<any(findings, honours):kind>/<int:record_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(slug: str, kind: str, record_id: int):
    """Revoke (撤销) a finding or honour with a reason; it stays listed and stops counting."""
    tenant = unit_or_404(slug)
    record, organization = _record_or_404(tenant, kind, record_id)
    if not services.can_record(current_user, tenant):
        abort(403)
    form = RevokeForm()
    if form.validate_on_submit():
        done = save(lambda: services.revoke(record, reason=form.reason.data, revoked_by=_who()), form)
        if done is not None:
            flash(_("已撤销"), "info")
            return redirect(url_for(".branch_index", slug=slug, code=organization.code))
    return render_template(
        "findings/revoke.html", tenant=tenant, organization=organization, record=record,
        kind=kind, labels=finding_labels(), form=form,
    ), (400 if request.method == "POST" else 200)


@bp.get("/units/<slug>/<any(findings, honours):kind>/<int:record_id>/evidence")
@login_required
def evidence(slug: str, kind: str, record_id: int):
    """The deciding document's file, to whoever may read the branch."""
    tenant = unit_or_404(slug)
    record, organization = _record_or_404(tenant, kind, record_id)
    path = evidence_path(record.evidence_file) if record.evidence_file else None
    if path is None:
        abort(404)
    suffix = path.suffix.lower()
    return send_file(
        path, mimetype=CONTENT_TYPES.get(suffix, "application/octet-stream"),
        download_name=f"{organization.code}-{kind}-{record.id}{suffix}",
        as_attachment=True,  # never rendered inline by the browser, whatever the file holds
    )


# -- the county's finding kinds (host admin) ---------------------------------------------------


def _host_admin() -> None:
    if not services.can_manage_kinds(current_user):
        abort(403)


def _kind_or_404(kind_id: int) -> FindingKind:
    kind = db.session.get(FindingKind, kind_id)
    if kind is None:
        abort(404)
    return kind


@bp.route("/host/finding-kinds", methods=["GET", "POST"])
@login_required
def kinds():
    """List the county's kinds and add one."""
    _host_admin()
    form = FindingKindForm()
    if form.validate_on_submit():
        kind = save(
            lambda: services.create_kind(
                code=form.code.data, label_zh=form.label_zh.data, label_en=form.label_en.data,
                source=form.source.data, effect=form.effect.data, position=form.position.data,
            ),
            form,
        )
        if kind is not None:
            flash(_("已新增认定类别 %(label)s，评分标准可用 flags.%(code)s 引用", label=kind.label_zh, code=kind.code), "info")
            return redirect(url_for(".kinds"))
    return render_template(
        "findings/kinds.html", kinds=finding_kinds(), form=form,
    ), (400 if request.method == "POST" else 200)


@bp.route("/host/finding-kinds/<int:kind_id>", methods=["GET", "POST"])
@login_required
def edit_kind(kind_id: int):
    """Change a kind's wording, source, order; switch it off or on. The code stays."""
    _host_admin()
    kind = _kind_or_404(kind_id)
    form = FindingKindForm(obj=kind)
    form.code.data = kind.code  # shown, never changed
    if form.validate_on_submit():
        saved = save(
            lambda: services.update_kind(
                kind, label_zh=form.label_zh.data, label_en=form.label_en.data,
                source=form.source.data, effect=form.effect.data, position=form.position.data,
                active=form.active.data,
            ),
            form,
        )
        if saved is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".kinds"))
    return render_template(
        "findings/kind_form.html", kind=kind, form=form,
    ), (400 if request.method == "POST" else 200)


@bp.post("/host/finding-kinds/<int:kind_id>/delete")
@login_required
def delete_kind(kind_id: int):
    """Delete a kind nothing uses; otherwise say why in Chinese and change nothing."""
    _host_admin()
    kind = _kind_or_404(kind_id)
    form = FindingKindForm(obj=kind)
    deleted = save(lambda: services.delete_kind(kind) or True, form)
    if deleted:
        flash(_("已删除认定类别"), "info")
        return redirect(url_for(".kinds"))
    return render_template("findings/kind_form.html", kind=kind, form=form), 400

