"""Transfer pages: a unit's outbox and inbox (start, accept, refuse, withdraw) and the host's list.

Only the unit admin (and host admins) handle transfers: they change who is on the unit's rolls.
Each unit's page lists its own rows only; the receiving unit sees what the letter says, never the
sender's records.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member
from core.organizations.forms import select_choices
from core.organizations.models import Organization
from core.organizations.views import BRANCH_KINDS, can_edit_unit, save, unit_or_404
from core.transfers import services
from core.transfers.forms import AcceptTransferForm, RefuseTransferForm, StartTransferForm
from core.transfers.models import UnitTransfer

bp = Blueprint("transfer_pages", __name__)


def _receiver_choices(tenant: Tenant) -> list:
    units = db.session.scalars(
        select(Tenant).where(Tenant.id != tenant.id, Tenant.enabled.is_(True)).order_by(Tenant.name)
    ).all()
    return select_choices([(None, _("请选择"))] + [(u.id, u.name) for u in units])


def _branch_choices() -> list:
    branches = db.session.scalars(
        select(Organization)
        .where(Organization.kind.in_(BRANCH_KINDS), Organization.dissolved_on.is_(None))
        .order_by(Organization.code)
    ).all()
    return select_choices([(None, _("请选择"))] + [(b.id, f"{b.code} {b.name}") for b in branches])


def _editable_unit(slug: str) -> Tenant:
    tenant = unit_or_404(slug)
    if not can_edit_unit(tenant):
        abort(403)
    return tenant


def _render(tenant: Tenant, *, start: StartTransferForm | None = None, member: Member | None = None,
            accept: dict[int, AcceptTransferForm] | None = None,
            refuse: dict[int, RefuseTransferForm] | None = None, status: int = 200):
    rows = services.unit_transfers()
    accept = accept or {}
    refuse = refuse or {}
    branches = _branch_choices()
    for row in rows:
        if row.direction == "in" and row.status == "pending":
            accept.setdefault(row.id, AcceptTransferForm(prefix=f"accept-{row.id}"))
            accept[row.id].organization_id.choices = branches
            refuse.setdefault(row.id, RefuseTransferForm(prefix=f"refuse-{row.id}"))
    return render_template(
        "transfers/index.html", tenant=tenant, rows=rows, accept=accept, refuse=refuse,
        start=start, member=member,
    ), status


@bp.get("/units/<slug>/transfers")
@login_required
def index(slug: str):
    return _render(_editable_unit(slug))


@bp.route("/units/<slug>/members/<int:member_id>/transfer-out", methods=["GET", "POST"])
@login_required
def start(slug: str, member_id: int):
    tenant = _editable_unit(slug)
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    form = StartTransferForm()
    form.receiver_id.choices = _receiver_choices(tenant)
    if form.validate_on_submit() and save(
        lambda: services.start_transfer(
            member, receiver_id=form.receiver_id.data, transfer_on=form.transfer_on.data,
            letter_no=form.letter_no.data, reason=form.reason.data,
        ),
        form,
    ):
        flash(_("已发出转接，待接收单位办理"), "info")
        return redirect(url_for(".index", slug=slug))
    return render_template("transfers/start.html", tenant=tenant, member=member, form=form), (
        400 if form.is_submitted() else 200
    )


def _incoming(transfer_id: int) -> UnitTransfer:
    transfer = db.session.get(UnitTransfer, transfer_id)
    if transfer is None:
        abort(404)
    return transfer


@bp.post("/units/<slug>/transfers/<int:transfer_id>/accept")
@login_required
def accept(slug: str, transfer_id: int):
    tenant = _editable_unit(slug)
    transfer = _incoming(transfer_id)
    form = AcceptTransferForm(prefix=f"accept-{transfer.id}")
    form.organization_id.choices = _branch_choices()
    if form.validate_on_submit():
        member = save(
            lambda: services.accept_transfer(transfer, organization_id=form.organization_id.data), form
        )
        if member is not None:
            flash(_("已接收 %(name)s", name=member.name), "info")
            return redirect(url_for("member_pages.show", slug=slug, member_id=member.id))
    return _render(tenant, accept={transfer.id: form}, status=400)


@bp.post("/units/<slug>/transfers/<int:transfer_id>/refuse")
@login_required
def refuse(slug: str, transfer_id: int):
    tenant = _editable_unit(slug)
    transfer = _incoming(transfer_id)
    form = RefuseTransferForm(prefix=f"refuse-{transfer.id}")
    if form.validate_on_submit() and save(
        lambda: services.refuse_transfer(transfer, reason=form.refusal_reason.data), form
    ):
        flash(_("已退回"), "info")
        return redirect(url_for(".index", slug=slug))
    return _render(tenant, refuse={transfer.id: form}, status=400)


@bp.post("/units/<slug>/transfers/<int:transfer_id>/cancel")
@login_required
def cancel(slug: str, transfer_id: int):
    tenant = _editable_unit(slug)
    transfer = _incoming(transfer_id)
    try:
        services.cancel_transfer(transfer)
        db.session.commit()
        flash(_("已撤回"), "info")
    except services.TransferError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
        return _render(tenant, status=400)
    return redirect(url_for(".index", slug=slug))


@bp.get("/host/transfers")
@login_required
def county():
    if current_user.role != "host_admin":
        abort(403)
    pairs = services.county_transfers()
    units = {t.id: t.name for t in db.session.scalars(select(Tenant)).all()}
    return render_template("transfers/county.html", pairs=pairs, units=units)
