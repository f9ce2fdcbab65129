"""Democratic appraisal results (民主评议党员): one per member and year."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select

from core.api.crud import RecordResource, member_or_422, member_scope, register_record_routes
from core.api.schemas import QueryArgsSchema, Schema, one_of
from core.members import services
from core.members.models import Appraisal
from core.vocabulary import APPRAISAL_RESULTS

blp = Blueprint("appraisals", __name__, description="民主评议 / Appraisals")


class AppraisalSchema(Schema):
    """A member's result for a year; POST for a member and year already rated replaces it."""

    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    result = one_of(APPRAISAL_RESULTS, required=True)
    appraised_on = fields.Date(allow_none=True, metadata={"description": "评议日期"})
    note = fields.String(allow_none=True)


class AppraisalUpdateSchema(AppraisalSchema):
    member_id = fields.Integer(dump_only=True)
    year = fields.Integer(dump_only=True)
    result = one_of(APPRAISAL_RESULTS)


class AppraisalQueryArgsSchema(QueryArgsSchema):
    member_id = fields.Integer()
    year = fields.Integer()
    result = one_of(APPRAISAL_RESULTS)


def _filters(query: Select, args: dict[str, Any]) -> Select:
    for name in ("member_id", "year", "result"):
        if args.get(name) is not None:
            query = query.where(getattr(Appraisal, name) == args[name])
    return query


def create(data: dict[str, Any]) -> Appraisal:
    member = member_or_422(data["member_id"])
    return services.set_appraisal(
        member, data["year"], data["result"], appraised_on=data.get("appraised_on"), note=data.get("note")
    )


def update(appraisal: Appraisal, changes: dict[str, Any]) -> Appraisal:
    return services.set_appraisal(
        appraisal.member,
        appraisal.year,
        changes.get("result", appraisal.result),
        appraised_on=changes.get("appraised_on", appraisal.appraised_on),
        note=changes.get("note", appraisal.note),
    )


def delete(appraisal: Appraisal) -> None:
    services.set_appraisal(appraisal.member, appraisal.year, None)


RESOURCE = RecordResource(
    name="appraisal",
    model=Appraisal,
    schema=AppraisalSchema,
    update_schema=AppraisalUpdateSchema,
    query_schema=AppraisalQueryArgsSchema,
    filters=_filters,
    order_by=(Appraisal.year.desc(), Appraisal.member_id),
    create=create,
    update=update,
    delete=delete,
    **member_scope(Appraisal),
)
register_record_routes(blp, RESOURCE)
