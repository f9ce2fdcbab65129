"""Repeated development records (考察, 思想汇报, 结业证书) and probation decisions of a case."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select, select

from core.api.crud import RecordResource, case_scope, register_record_routes, unprocessable
from core.api.schemas import QueryArgsSchema, Schema, one_of, text
from core.development import services
from core.development.models import DevelopmentRecord, ProbationDecision
from core.extensions import db
from core.members.models import DevelopmentCase
from core.vocabulary import DEVELOPMENT_RECORD_KINDS, PROBATION_DECISIONS

records_blp = Blueprint("development_records", __name__, description="发展党员考察等记录 / Development records")
decisions_blp = Blueprint("probation_decisions", __name__, description="预备期决定 / Probation decisions")


def _case_or_422(case_id: Any) -> DevelopmentCase:
    case = db.session.get(DevelopmentCase, case_id) if case_id is not None else None
    if case is None:
        unprocessable({"case_id": _("本单位没有此发展党员案例")})
    return case


class DevelopmentRecordSchema(Schema):
    """One dated record kept under its step; earlier ones stay."""

    id = fields.Integer(dump_only=True)
    case_id = fields.Integer(required=True, metadata={"description": "发展党员案例"})
    kind = one_of(DEVELOPMENT_RECORD_KINDS, required=True)
    step = fields.Integer(dump_only=True, metadata={"description": "所属步骤（6、11 或 21）"})
    done_on = fields.Date(required=True, metadata={"description": "日期"})
    summary = text("topic", allow_none=True, metadata={"description": "考察意见、汇报题目或课程名称"})
    assessor = text("person_name", allow_none=True, metadata={"description": "考察人或发证单位"})
    note = fields.String(allow_none=True)


class DevelopmentRecordUpdateSchema(DevelopmentRecordSchema):
    case_id = fields.Integer(dump_only=True)
    kind = one_of(DEVELOPMENT_RECORD_KINDS)
    done_on = fields.Date()


class RecordQueryArgsSchema(QueryArgsSchema):
    case_id = fields.Integer()
    organization_id = fields.Integer(metadata={"description": "党支部"})
    kind = one_of(DEVELOPMENT_RECORD_KINDS)
    year = fields.Integer(metadata={"description": "日期所在年度"})


def _record_filters(query: Select, args: dict[str, Any]) -> Select:
    import datetime as dt

    if args.get("case_id") is not None:
        query = query.where(DevelopmentRecord.case_id == args["case_id"])
    if args.get("kind"):
        query = query.where(DevelopmentRecord.kind == args["kind"])
    if args.get("year") is not None:
        query = query.where(DevelopmentRecord.done_on.between(dt.date(args["year"], 1, 1), dt.date(args["year"], 12, 31)))
    if args.get("organization_id") is not None:
        query = query.where(
            DevelopmentRecord.case_id.in_(
                select(DevelopmentCase.id).where(DevelopmentCase.organization_id == args["organization_id"])
            )
        )
    return query


def _create_record(data: dict[str, Any]) -> DevelopmentRecord:
    fields_ = dict(data)
    return services.add_record(_case_or_422(fields_.pop("case_id")), **fields_)


register_record_routes(
    records_blp,
    RecordResource(
        name="development_record",
        model=DevelopmentRecord,
        schema=DevelopmentRecordSchema,
        update_schema=DevelopmentRecordUpdateSchema,
        query_schema=RecordQueryArgsSchema,
        filters=_record_filters,
        order_by=(DevelopmentRecord.done_on, DevelopmentRecord.id),
        create=_create_record,
        update=lambda record, changes: services.update_record(record, **changes),
        delete=services.delete_record,
        **case_scope(DevelopmentRecord),
    ),
)


class ProbationDecisionSchema(Schema):
    """What the 支部大会 decided, with the meeting record; convert and cancel end the 预备期."""

    id = fields.Integer(dump_only=True)
    case_id = fields.Integer(required=True)
    kind = one_of(PROBATION_DECISIONS, required=True)
    event_id = fields.Integer(required=True, metadata={"description": "讨论决定的党员大会（组织生活记录）"})
    decided_on = fields.Date(allow_none=True, metadata={"description": "决定日期，默认党员大会日期"})
    extension_months = fields.Integer(allow_none=True, metadata={"description": "延长预备期的月数（6–12）"})
    approved_on = fields.Date(allow_none=True, metadata={"description": "上级党委批准日期"})
    note = fields.String(allow_none=True)
    ends_on = fields.Method("_ends_on", dump_only=True, metadata={"description": "预备期届满日期（含延长）"})

    def _ends_on(self, decision: ProbationDecision) -> str | None:
        probation = services.probation_of(decision.case)
        return probation.ends_on.isoformat() if probation else None


class DecisionQueryArgsSchema(QueryArgsSchema):
    case_id = fields.Integer()
    kind = one_of(PROBATION_DECISIONS)


def _decision_filters(query: Select, args: dict[str, Any]) -> Select:
    for name in ("case_id", "kind"):
        if args.get(name) is not None:
            query = query.where(getattr(ProbationDecision, name) == args[name])
    return query


def _create_decision(data: dict[str, Any]) -> ProbationDecision:
    fields_ = dict(data)
    return services.record_decision(_case_or_422(fields_.pop("case_id")), **fields_)


register_record_routes(
    decisions_blp,
    RecordResource(
        name="probation_decision",
        model=ProbationDecision,
        schema=ProbationDecisionSchema,
        update_schema=ProbationDecisionSchema,
        query_schema=DecisionQueryArgsSchema,
        filters=_decision_filters,
        order_by=(ProbationDecision.decided_on, ProbationDecision.id),
        create=_create_decision,
        delete=services.delete_decision,
        **case_scope(ProbationDecision),
    ),
)
