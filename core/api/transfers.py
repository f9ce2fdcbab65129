"""组织关系转接 between units, and a member's membership periods and moves within the unit.

A unit's transfers are its own rows: its outbox (``out``) and its inbox (``in``). Only unit
admins and host admins handle them. The host reads every transfer of the county at
``/api/v1/transfers``.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import fields
from sqlalchemy import select

from core.api.auth import require_role, secretary_branch_id
from core.api.crud import (
    check_branch,
    member_or_422,
    organization_or_422,
    run_service,
    unprocessable,
)
from core.api.schemas import Schema, one_of, text
from core.extensions import db
from core.members import services as member_services
from core.members.models import Member, Membership
from core.organizations.models import PartyGroup
from core.transfers import services
from core.transfers.models import UnitTransfer
from core.vocabulary import (
    ABSENCE_KINDS,
    MEMBER_STATUSES,
    MEMBERSHIP_END_REASONS,
    MEMBERSHIP_START_REASONS,
    TRANSFER_DIRECTIONS,
    TRANSFER_STATUSES,
)

blp = Blueprint("transfers", __name__, description="组织关系转接 / Transfers between units")
county_blp = Blueprint("county_transfers", __name__, description="全县组织关系转接 / The county's transfers")
periods_blp = Blueprint("membership_periods", __name__, description="党员在册记录 / Membership periods")

HANDLERS = ("host_admin", "unit_admin")


class TransferSchema(Schema):
    """One unit's side of a transfer."""

    id = fields.Integer(dump_only=True)
    direction = one_of(TRANSFER_DIRECTIONS, dump_only=True)
    peer_tenant_id = fields.Integer(dump_only=True, metadata={"description": "对方单位"})
    member_id = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "本单位一方的党员"})
    organization_id = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "本单位一方的党支部"})
    member_name = fields.String(dump_only=True)
    member_status = one_of(MEMBER_STATUSES, dump_only=True)
    joined_on = fields.Date(dump_only=True)
    transfer_on = fields.Date(dump_only=True, metadata={"description": "转接日期"})
    letter_no = fields.String(dump_only=True, metadata={"description": "介绍信编号"})
    reason = fields.String(dump_only=True)
    dues_paid_through = fields.String(dump_only=True, allow_none=True, metadata={"description": "党费交至（YYYY-MM）"})
    status = one_of(TRANSFER_STATUSES, dump_only=True)
    decided_on = fields.Date(dump_only=True, allow_none=True)
    refusal_reason = fields.String(dump_only=True, allow_none=True)


class StartTransferSchema(Schema):
    member_id = fields.Integer(required=True, metadata={"description": "转出的党员"})
    receiver_id = fields.Integer(required=True, metadata={"description": "接收单位"})
    transfer_on = fields.Date(required=True, metadata={"description": "转接日期"})
    letter_no = text("document", required=True, metadata={"description": "介绍信编号"})
    reason = text("reason", required=True, metadata={"description": "转接原因"})


class AcceptTransferSchema(Schema):
    organization_id = fields.Integer(required=True, metadata={"description": "接收的党支部"})
    party_group_id = fields.Integer(allow_none=True, metadata={"description": "党小组"})


class RefuseTransferSchema(Schema):
    refusal_reason = text("reason", required=True, metadata={"description": "退回原因"})


class CountyTransferSchema(Schema):
    sending = fields.Nested(TransferSchema)
    receiving = fields.Nested(TransferSchema, allow_none=True)


def _transfer_or_404(transfer_id: int) -> UnitTransfer:
    transfer = db.session.get(UnitTransfer, transfer_id)
    if transfer is None:
        abort(404, message=_("记录不存在"))
    return transfer


@blp.route("")
class Transfers(MethodView):
    @blp.response(200, TransferSchema(many=True))
    def get(self):
        """本单位的转出与转入 / The unit's outgoing and incoming transfers."""
        require_role(*HANDLERS)
        return services.unit_transfers()

    @blp.arguments(StartTransferSchema)
    @blp.response(201, TransferSchema)
    def post(self, data: dict[str, Any]):
        """发起转出 / Start a transfer of a member to another unit."""
        require_role(*HANDLERS)
        member = member_or_422(data.pop("member_id"))
        transfer = run_service(services.start_transfer, member, **data)
        db.session.commit()
        return transfer


@blp.route("/<int:transfer_id>/accept")
class Accept(MethodView):
    @blp.arguments(AcceptTransferSchema)
    @blp.response(200, TransferSchema)
    def post(self, data: dict[str, Any], transfer_id: int):
        """接收转入（选择党支部） / Accept an incoming transfer into a branch."""
        require_role(*HANDLERS)
        transfer = _transfer_or_404(transfer_id)
        run_service(services.accept_transfer, transfer, **data)
        db.session.commit()
        return transfer


@blp.route("/<int:transfer_id>/refuse")
class Refuse(MethodView):
    @blp.arguments(RefuseTransferSchema)
    @blp.response(200, TransferSchema)
    def post(self, data: dict[str, Any], transfer_id: int):
        """退回转入 / Refuse an incoming transfer with a reason."""
        require_role(*HANDLERS)
        transfer = _transfer_or_404(transfer_id)
        run_service(services.refuse_transfer, transfer, reason=data["refusal_reason"])
        db.session.commit()
        return transfer


@blp.route("/<int:transfer_id>/cancel")
class Cancel(MethodView):
    @blp.response(200, TransferSchema)
    def post(self, transfer_id: int):
        """撤回转出 / Withdraw an outgoing transfer not yet handled."""
        require_role(*HANDLERS)
        transfer = _transfer_or_404(transfer_id)
        run_service(services.cancel_transfer, transfer)
        db.session.commit()
        return transfer


@county_blp.route("")
class CountyTransfers(MethodView):
    @county_blp.response(200, CountyTransferSchema(many=True))
    def get(self):
        """全县的转接（两方） / Every transfer of the county, both sides (host admins)."""
        require_role("host_admin")
        return [{"sending": out, "receiving": incoming} for out, incoming in services.county_transfers()]


class PeriodSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(dump_only=True)
    party_group_id = fields.Integer(dump_only=True, allow_none=True)
    started_on = fields.Date(dump_only=True)
    ended_on = fields.Date(dump_only=True, allow_none=True)
    start_reason = one_of(MEMBERSHIP_START_REASONS, dump_only=True)
    end_reason = one_of(MEMBERSHIP_END_REASONS, dump_only=True, allow_none=True)
    note = fields.String(dump_only=True, allow_none=True, metadata={"description": "外出去向等说明"})


class AbsenceSchema(Schema):
    kind = one_of(ABSENCE_KINDS, required=True, metadata={"description": "流动党员外出 / 出国出境（保留组织关系）"})
    on = fields.Date(required=True, metadata={"description": "外出日期"})
    place = text("reason", required=True, metadata={"description": "外出去向（地点或国家、地区）"})
    note = text("note", allow_none=True)


class ReturnSchema(Schema):
    on = fields.Date(required=True, metadata={"description": "返回日期"})
    note = text("note", allow_none=True)


class MoveSchema(Schema):
    organization_id = fields.Integer(required=True, metadata={"description": "调入的党支部"})
    on = fields.Date(required=True, metadata={"description": "调整日期"})
    party_group_id = fields.Integer(allow_none=True, metadata={"description": "调入支部的党小组"})


def _member_or_404(member_id: int) -> Member:
    """A member of the unit (of the secretary's branch, for a secretary), or 404."""
    member = db.session.get(Member, member_id)
    own = secretary_branch_id()
    if member is None or (own is not None and not any(p.organization_id == own for p in member.periods)):
        abort(404, message=_("记录不存在"))
    return member


@periods_blp.route("/<int:member_id>/periods")
class Periods(MethodView):
    @periods_blp.response(200, PeriodSchema(many=True))
    def get(self, member_id: int):
        """党员的在册记录 / A member's periods on the branches' rolls, oldest first."""
        member = _member_or_404(member_id)
        return list(
            db.session.scalars(
                select(Membership).where(Membership.member_id == member.id).order_by(Membership.started_on, Membership.id)
            )
        )


@periods_blp.route("/<int:member_id>/move")
class Move(MethodView):
    @periods_blp.arguments(MoveSchema)
    @periods_blp.response(200, PeriodSchema(many=True))
    def post(self, data: dict[str, Any], member_id: int):
        """单位内调整支部 / Move a member to another branch of the unit (a new period)."""
        require_role(*HANDLERS)
        member = _member_or_404(member_id)
        check_branch(member.organization_id)
        branch = organization_or_422(data["organization_id"])
        group = None
        if data.get("party_group_id") is not None:
            group = db.session.get(PartyGroup, data["party_group_id"])
            if group is None:
                unprocessable({"party_group_id": _("本单位没有此党小组")})
        run_service(member_services.transfer_member, member, branch, data["on"], party_group=group)
        db.session.commit()
        return list(member.periods)


#: Who records an absence: as for a member's other fields, a secretary within their branch.
ABSENCE_WRITERS = ("host_admin", "unit_admin", "secretary")


def _record_absence_change(member_id: int, service: Any, data: dict[str, Any]) -> list[Membership]:
    require_role(*ABSENCE_WRITERS)
    member = _member_or_404(member_id)
    check_branch(member.organization_id)
    run_service(service, member, **data)
    db.session.commit()
    return list(member.periods)


@periods_blp.route("/<int:member_id>/absence")
class Absence(MethodView):
    @periods_blp.arguments(AbsenceSchema)
    @periods_blp.response(200, PeriodSchema(many=True))
    def post(self, data: dict[str, Any], member_id: int):
        """流动党员外出 / 出国出境 / A member goes away and stays on the branch's roll (a new period)."""
        return _record_absence_change(member_id, member_services.record_absence, data)


@periods_blp.route("/<int:member_id>/return")
class Return(MethodView):
    @periods_blp.arguments(ReturnSchema)
    @periods_blp.response(200, PeriodSchema(many=True))
    def post(self, data: dict[str, Any], member_id: int):
        """流动党员返回 / 出国出境回国 / A member away is back (a new period)."""
        return _record_absence_change(member_id, member_services.record_return, data)


__all__ = ["blp", "county_blp", "periods_blp"]
