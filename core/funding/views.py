"""Funding page: a unit's Party work funding lines for a year, added and corrected in place.

Pages commit: each write calls a service and commits once; a refused write rolls back and shows
the service's Chinese messages at their fields with what the user typed still in place.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from core.extensions import db
from core.funding import services
from core.funding.forms import FundingForm
from core.funding.models import FundingRecord
from core.host.models import Tenant
from core.organizations.forms import select_choices
from core.organizations.models import Organization
from core.organizations.views import can_edit_unit, delete_page, save, unit_or_404, year_arg
from core.vocabulary import FUNDING_SOURCES

bp = Blueprint("funding_pages", __name__, url_prefix="/units/<slug>")


def _organization_choices() -> list[tuple[Any, str]]:
    rows = db.session.execute(select(Organization.id, Organization.code, Organization.name).order_by(Organization.code)).all()
    return [("", _("全单位"))] + [(r.id, f"{r.code} {r.name}") for r in rows]


def _fields(form: FundingForm) -> dict[str, Any]:
    return {
        "year": form.year.data, "source": form.source.data, "organization_id": form.organization_id.data,
        "budgeted": form.budgeted.data, "spent": form.spent.data, "note": form.note.data,
    }


def _render(tenant: Tenant, year: int, form: FundingForm, status: int = 200):
    records = db.session.scalars(
        select(FundingRecord).where(FundingRecord.year == year).order_by(FundingRecord.source, FundingRecord.id)
    ).all()
    names = dict(db.session.execute(select(Organization.id, Organization.name)).all())
    totals = {
        "budgeted": sum((r.budgeted for r in records), Decimal(0)),
        "spent": sum((r.spent for r in records), Decimal(0)),
    }
    return render_template(
        "funding/index.html", tenant=tenant, year=year, records=records, names=names,
        totals=totals, form=form, can_edit=can_edit_unit(tenant),
    ), status


@bp.route("/funding", methods=["GET", "POST"])
@login_required
def index(slug: str):
    tenant = unit_or_404(slug)
    year = year_arg()
    form = FundingForm()
    form.organization_id.choices = select_choices(_organization_choices())
    if request.method == "GET":
        form.year.data = year
    if request.method == "POST":
        if not can_edit_unit(tenant):
            abort(403)
        if form.validate_on_submit():
            record = save(lambda: services.create_funding_record(**_fields(form)), form)
            if record is not None:
                flash(_("已保存"), "info")
                return redirect(url_for(".index", slug=slug, year=record.year))
        return _render(tenant, form.year.data or year, form, 400)
    return _render(tenant, year, form)


@bp.route("/funding/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, record_id: int):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    record = db.session.get(FundingRecord, record_id)
    if record is None:
        abort(404)
    form = FundingForm(obj=record)
    form.organization_id.choices = select_choices(_organization_choices())
    if form.validate_on_submit():
        saved = save(lambda: services.update_funding_record(record, **_fields(form)), form)
        if saved is not None:
            flash(_("已保存"), "info")
            return redirect(url_for(".index", slug=slug, year=saved.year))
    status = 400 if request.method == "POST" else 200
    return render_template("funding/form.html", tenant=tenant, form=form, record=record), status


@bp.route("/funding/<int:record_id>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, record_id: int):
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    record = db.session.get(FundingRecord, record_id)
    if record is None:
        abort(404)
    back = url_for(".index", slug=slug, year=record.year)
    return delete_page(
        tenant=tenant,
        what=_("%(year)d 年的一笔经费", year=record.year),
        summary=[
            (_("年度"), record.year), (_("来源"), FUNDING_SOURCES.get(record.source, record.source)),
            (_("预算"), record.budgeted), (_("支出"), record.spent), (_("备注"), record.note),
        ],
        refused=None,
        delete=lambda: services.delete_funding_record(record),
        back=back,
        done=back,
    )
