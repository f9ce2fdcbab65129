"""Transfers between units (组织关系转接): start, accept, refuse, cancel.

The sending unit's admin starts a transfer of one of its members; the receiving unit's admin
accepts it into one of its branches or refuses it with a reason. Each unit keeps its own row
(:class:`~core.transfers.models.UnitTransfer`) and its own member: on acceptance the sender's
member leaves (their period ends with ``transferred_out``) and a new member row begins in the
receiver with ``transferred_in`` on the same day, so each side's history covers its own period
only. Only these functions cross from one unit into the other, inside ``host_scope()``, and
only for the rows of the transfer itself.

Dues: months before the transfer's month are due at the sender, months from it on at the
receiver. The months the member had already paid at the sender from the transfer's month on
(党费交至, carried on the letter) are entered for the receiver as paid at the former unit, so no
month is due twice and none falls between the two units.

Like every service these change the session and never commit; bad input raises
:class:`TransferError` with Chinese messages by field.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.dues.models import DuesPayment
from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member
from core.members.periods import latest_period
from core.members.services import end_seats
from core.organizations.models import Organization, PartyGroup
from core.standards.periods import month_index, month_key_at
from core.tenancy import host_scope
from core.timezone import local_today
from core.transfers.models import UnitTransfer
from core.validation import INT_MAX, RecordError, check, trimmed

#: Fields of the member that travel with them to the receiving unit.
CARRIED = (
    "name", "gender", "birth_date", "ethnicity", "education", "position", "id_number", "phone",
    "status", "joined_on", "full_on", "dues_category", "dues_base", "is_leader",
)


class TransferError(RecordError):
    """Bad transfer input; ``errors`` maps each field to a Chinese message."""


def _is_id(value: Any) -> bool:
    """Whether ``value`` can be a row id (an int the database column holds)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT_MAX


def dues_paid_through(member: Member) -> str | None:
    """:returns: the last month (YYYY-MM) the member has paid, or ``None``."""
    last = db.session.scalar(
        select(func.max(DuesPayment.year * 12 + DuesPayment.month - 1)).where(
            DuesPayment.member_id == member.id, DuesPayment.paid_on.is_not(None)
        )
    )
    return None if last is None else month_key_at(int(last))


def start_transfer(
    member: Member, *, receiver_id: Any, transfer_on: Any, letter_no: Any, reason: Any
) -> UnitTransfer:
    """Start a transfer of ``member`` (of the current unit) to another unit of the county.

    :returns: the sending unit's row; the receiving unit's row is written beside it.
    :raises TransferError: every bad field at once.
    """
    fields = trimmed({"letter_no": letter_no, "reason": reason})
    errors: dict[str, str] = {}
    receiver = db.session.get(Tenant, receiver_id) if _is_id(receiver_id) else None
    if receiver is None or not receiver.enabled:
        errors["receiver_id"] = _("请选择接收党员组织关系的单位")
    elif receiver.id == member.tenant_id:
        errors["receiver_id"] = _("本单位内调整支部请使用“调整支部”")
    period = latest_period(member)
    if member.left_on is not None or period is None or period.ended_on is not None:
        errors["member_id"] = _("该党员已离开，不能转接")
    elif _pending(member.id) is not None:
        errors["member_id"] = _("该党员已有一笔待接收的转接")
    message = check(transfer_on, "past_date") if transfer_on is not None else _("请填写转接日期")
    if message:
        errors["transfer_on"] = message
    elif period is not None and transfer_on <= period.started_on:
        errors["transfer_on"] = _("转接日期须晚于该党员进入本支部的日期")
    for name, label, limit in (("letter_no", _("请填写介绍信编号"), "document"), ("reason", _("请填写转接原因"), "reason")):
        if not fields[name]:
            errors[name] = label
        elif message := check(fields[name], limit):
            errors[name] = message
    if errors:
        raise TransferError(errors)
    reference = secrets.token_hex(8)
    common = {
        "reference": reference, "member_name": member.name, "member_status": member.status,
        "joined_on": member.joined_on, "transfer_on": transfer_on, "letter_no": fields["letter_no"],
        "reason": fields["reason"], "dues_paid_through": dues_paid_through(member), "status": "pending",
    }
    out = UnitTransfer(
        tenant_id=member.tenant_id, direction="out", peer_tenant_id=receiver.id, member_id=member.id,
        organization_id=member.organization_id, **common,
    )
    db.session.add(out)
    with host_scope():  # the receiver's side: only the letter's facts, not the member's records
        db.session.add(
            UnitTransfer(tenant_id=receiver.id, direction="in", peer_tenant_id=member.tenant_id, **common)
        )
        db.session.flush()
    return out


def _pending(member_id: int) -> UnitTransfer | None:
    return db.session.scalar(
        select(UnitTransfer).where(
            UnitTransfer.member_id == member_id, UnitTransfer.direction == "out", UnitTransfer.status == "pending"
        )
    )


def _other_side(transfer: UnitTransfer) -> UnitTransfer | None:
    """The other unit's row of the same transfer (read inside ``host_scope``); ``None`` if that
    row is gone (a unit's rows removed by hand): the transfer is then closed on this side alone."""
    other = "in" if transfer.direction == "out" else "out"
    return db.session.scalar(
        select(UnitTransfer).where(UnitTransfer.reference == transfer.reference, UnitTransfer.direction == other)
    )


def _check_pending(transfer: UnitTransfer, direction: str) -> dict[str, str]:
    if transfer.direction != direction:
        return {"status": _("只有接收单位可以办理接收或退回") if direction == "in" else _("只有转出单位可以撤回")}
    if transfer.status != "pending":
        return {"status": _("该转接已办结")}
    return {}


def accept_transfer(transfer: UnitTransfer, *, organization_id: Any, party_group_id: Any = None) -> Member:
    """Accept an incoming transfer into a branch of the current unit.

    :returns: the receiving unit's new member.
    :raises TransferError: for a transfer not pending or not incoming, or a bad branch.
    """
    errors = _check_pending(transfer, "in")
    branch = db.session.get(Organization, organization_id) if _is_id(organization_id) else None
    if branch is None or not branch.is_branch or branch.tenant_id != transfer.tenant_id:
        errors["organization_id"] = _("请选择本单位的党支部")
    elif branch.dissolved_on is not None:
        errors["organization_id"] = _("该党支部已撤销")
    group = None
    if party_group_id not in (None, ""):
        group = db.session.get(PartyGroup, party_group_id) if _is_id(party_group_id) else None
        if group is None or branch is None or group.organization_id != branch.id:
            errors["party_group_id"] = _("党小组须属于该党员所在的党支部")
    if errors:
        raise TransferError(errors)
    receiver_id = transfer.tenant_id
    with host_scope():
        out = _other_side(transfer)
        leaving = db.session.get(Member, out.member_id) if out is not None and out.member_id else None
        if leaving is None or leaving.left_on is not None:
            raise TransferError({"status": _("转出单位已无该党员的在册记录，无法接收")})
        carried = {name: getattr(leaving, name) for name in CARRIED}
        paid = _paid_months(leaving.id, transfer.transfer_on, transfer.dues_paid_through)
        # The sender's side: the member leaves the branch's roll on the transfer's day.
        end_seats(leaving, transfer.transfer_on)
        leaving.left_on = transfer.transfer_on
        leaving.left_reason = "transferred"
        out.status, out.decided_on = "accepted", local_today()
        db.session.flush()
    member = Member(
        tenant_id=receiver_id, organization_id=branch.id, party_group_id=group.id if group else None,
        transferred_in_on=transfer.transfer_on, **carried,
    )
    db.session.add(member)
    db.session.flush()
    for row in paid:
        db.session.add(
            DuesPayment(
                tenant_id=receiver_id, member_id=member.id, year=row["year"], month=row["month"],
                amount_due=row["amount_due"], amount_paid=row["amount_paid"], paid_on=row["paid_on"],
                note=_("在原单位已缴（转接介绍信 %(letter)s）", letter=transfer.letter_no),
            )
        )
    transfer.status, transfer.decided_on = "accepted", local_today()
    transfer.member_id, transfer.organization_id = member.id, branch.id
    db.session.flush()
    return member


def _paid_months(member_id: int, transfer_on: dt.date, through: str | None) -> list[dict[str, Any]]:
    """The sender's paid months from the transfer's month up to 党费交至 (read in host scope)."""
    if through is None:
        return []
    first = month_index(transfer_on.year, transfer_on.month)
    last = month_index(int(through[:4]), int(through[5:]))
    if last < first:
        return []
    rows = db.session.scalars(
        select(DuesPayment).where(
            DuesPayment.member_id == member_id,
            DuesPayment.paid_on.is_not(None),
            DuesPayment.year * 12 + DuesPayment.month - 1 >= first,
            DuesPayment.year * 12 + DuesPayment.month - 1 <= last,
        )
    ).all()
    return [
        {"year": r.year, "month": r.month, "amount_due": r.amount_due, "amount_paid": r.amount_paid, "paid_on": r.paid_on}
        for r in rows
    ]


def refuse_transfer(transfer: UnitTransfer, *, reason: Any) -> UnitTransfer:
    """Refuse an incoming transfer with a reason; the member stays with the sender.

    :raises TransferError: for a transfer not pending or not incoming, or no reason.
    """
    errors = _check_pending(transfer, "in")
    reason = (reason or "").strip() if isinstance(reason, str) else reason
    if not reason:
        errors["refusal_reason"] = _("请填写退回原因")
    elif message := check(reason, "reason"):
        errors["refusal_reason"] = message
    if errors:
        raise TransferError(errors)
    _close(transfer, "refused", refusal_reason=reason)
    return transfer


def cancel_transfer(transfer: UnitTransfer) -> UnitTransfer:
    """Withdraw an outgoing transfer the receiver has not handled yet.

    :raises TransferError: for a transfer not pending or not outgoing.
    """
    errors = _check_pending(transfer, "out")
    if errors:
        raise TransferError(errors)
    _close(transfer, "cancelled")
    return transfer


def _close(transfer: UnitTransfer, status: str, **fields: Any) -> None:
    today = local_today()
    with host_scope():
        for row in (transfer, _other_side(transfer)):
            if row is None:
                continue
            row.status, row.decided_on = status, today
            for name, value in fields.items():
                setattr(row, name, value)
        db.session.flush()


def unit_transfers() -> list[UnitTransfer]:
    """:returns: the current unit's rows (its outbox and its inbox), newest first."""
    return list(
        db.session.scalars(
            select(UnitTransfer).order_by(UnitTransfer.transfer_on.desc(), UnitTransfer.id.desc())
        ).all()
    )


def county_transfers() -> list[tuple[UnitTransfer, UnitTransfer | None]]:
    """Every transfer of the county as (sender's row, receiver's row): the host's view."""
    with host_scope():
        rows = db.session.scalars(select(UnitTransfer).order_by(UnitTransfer.transfer_on.desc(), UnitTransfer.id.desc())).all()
    incoming = {r.reference: r for r in rows if r.direction == "in"}
    return [(r, incoming.get(r.reference)) for r in rows if r.direction == "out"]

