"""A development case's repeated records (考察, 思想汇报, 结业证书) and its probation decisions.

The case's 25-step page (``member_pages.case``) shows them under its steps through
:func:`development_summary`; this page keeps the whole history and the forms. Read: everyone
who may read the branch; write: its secretary and the unit admin. Pages commit once per write.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from core.development import services
from core.development.forms import DevelopmentRecordForm, ProbationDecisionForm
from core.development.models import DevelopmentRecord, ProbationDecision
from core.extensions import db
from core.host.models import Tenant
from core.members.models import DevelopmentCase
from core.organizations.forms import select_choices
from core.organizations.models import Organization
from core.organizations.views import (
    branch_record_or_404,
    can_edit_organization,
    delete_page,
    save,
    unit_or_404,
)
from core.timezone import local_today
from core.vocabulary import DEVELOPMENT_RECORD_KINDS, PROBATION_DECISIONS

bp = Blueprint("development_pages", __name__, url_prefix="/units/<slug>")


@bp.app_template_global()
def development_summary(case: DevelopmentCase) -> dict[str, Any]:
    """What the 25-step page shows of the repeated records: each step's records, the decisions,
    the 预备期 and the next assessment due."""
    records = services.records_of(case)
    by_step: dict[int, list[DevelopmentRecord]] = {}
    for record in records:
        by_step.setdefault(record.step, []).append(record)
    due = services.next_assessment_due(case, records)
    return {
        "by_step": by_step, "count": len(records), "decisions": services.decisions_of(case),
        "probation": services.probation_of(case), "due": due, "today": local_today(),
    }


def _case_or_404(tenant: Tenant, case_id: int, *, edit: bool = False) -> tuple[DevelopmentCase, Organization]:
    return branch_record_or_404(tenant, DevelopmentCase, case_id, edit=edit)


def _decision_form(case: DevelopmentCase, form: ProbationDecisionForm | None = None) -> ProbationDecisionForm:
    form = form or ProbationDecisionForm(prefix="decision")
    form.event_id.choices = select_choices(
        [(None, _("请选择"))] + [(e.id, f"{e.held_on} {e.topic}") for e in services.decision_meetings(case)]
    )
    return form


def _render(tenant: Tenant, case: DevelopmentCase, organization: Organization, *, record_form=None, decision_form=None, status: int = 200):
    return render_template(
        "development/records.html", tenant=tenant, case=case, organization=organization,
        records=services.records_of(case), summary=development_summary(case),
        record_form=record_form or DevelopmentRecordForm(prefix="record"),
        decision_form=_decision_form(case, decision_form),
        can_edit=can_edit_organization(tenant, organization.id),
    ), status


@bp.get("/development/<int:case_id>/records")
@login_required
def records(slug: str, case_id: int):
    tenant = unit_or_404(slug)
    case, organization = _case_or_404(tenant, case_id)
    return _render(tenant, case, organization)


@bp.post("/development/<int:case_id>/records")
@login_required
def add_record(slug: str, case_id: int):
    tenant = unit_or_404(slug)
    case, organization = _case_or_404(tenant, case_id, edit=True)
    form = DevelopmentRecordForm(prefix="record")
    if form.validate_on_submit() and save(
        lambda: services.add_record(
            case, kind=form.kind.data, done_on=form.done_on.data, summary=form.summary.data,
            assessor=form.assessor.data, note=form.note.data,
        ),
        form,
    ):
        flash(_("已保存"), "info")
        return redirect(url_for(".records", slug=slug, case_id=case_id))
    return _render(tenant, case, organization, record_form=form, status=400)


@bp.post("/development/<int:case_id>/decisions")
@login_required
def add_decision(slug: str, case_id: int):
    tenant = unit_or_404(slug)
    case, organization = _case_or_404(tenant, case_id, edit=True)
    form = _decision_form(case, ProbationDecisionForm(prefix="decision"))
    if form.validate_on_submit() and save(
        lambda: services.record_decision(
            case, kind=form.kind.data, event_id=form.event_id.data, extension_months=form.extension_months.data,
            approved_on=form.approved_on.data, note=form.note.data,
        ),
        form,
    ):
        flash(_("已记录支部大会决定"), "info")
        return redirect(url_for(".records", slug=slug, case_id=case_id))
    return _render(tenant, case, organization, decision_form=form, status=400)


def _record_or_404(tenant: Tenant, record_id: int) -> tuple[DevelopmentRecord, DevelopmentCase, Organization]:
    record = db.session.get(DevelopmentRecord, record_id)
    if record is None:
        abort(404)
    case, organization = _case_or_404(tenant, record.case_id, edit=True)
    return record, case, organization


@bp.route("/development-records/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit_record(slug: str, record_id: int):
    tenant = unit_or_404(slug)
    record, case, organization = _record_or_404(tenant, record_id)
    form = DevelopmentRecordForm(obj=record)
    if form.validate_on_submit() and save(
        lambda: services.update_record(
            record, kind=form.kind.data, done_on=form.done_on.data, summary=form.summary.data,
            assessor=form.assessor.data, note=form.note.data,
        ),
        form,
    ):
        flash(_("已保存"), "info")
        return redirect(url_for(".records", slug=slug, case_id=case.id))
    return render_template(
        "development/record_form.html", tenant=tenant, case=case, organization=organization, form=form,
    ), (400 if request.method == "POST" else 200)


@bp.route("/development-records/<int:record_id>/delete", methods=["GET", "POST"])
@login_required
def delete_record(slug: str, record_id: int):
    tenant = unit_or_404(slug)
    record, case, organization = _record_or_404(tenant, record_id)
    back = url_for(".records", slug=slug, case_id=case.id)
    return delete_page(
        tenant=tenant,
        what=_("%(name)s的%(kind)s记录", name=case.name, kind=DEVELOPMENT_RECORD_KINDS[record.kind]),
        summary=[(_("日期"), record.done_on), (_("内容"), record.summary or "")],
        refused=None,
        delete=lambda: services.delete_record(record),
        back=back,
        done=back,
    )


@bp.route("/probation-decisions/<int:decision_id>/delete", methods=["GET", "POST"])
@login_required
def delete_decision(slug: str, decision_id: int):
    tenant = unit_or_404(slug)
    decision = db.session.get(ProbationDecision, decision_id)
    if decision is None:
        abort(404)
    case, organization = _case_or_404(tenant, decision.case_id, edit=True)
    back = url_for(".records", slug=slug, case_id=case.id)
    return delete_page(
        tenant=tenant,
        what=_("%(name)s的“%(kind)s”决定", name=case.name, kind=PROBATION_DECISIONS[decision.kind]),
        summary=[(_("决定日期"), decision.decided_on), (_("党员大会"), decision.event.topic)],
        refused=None,
        delete=lambda: services.delete_decision(decision),
        back=back,
        done=back,
    )
