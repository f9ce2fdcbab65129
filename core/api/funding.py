"""Funding records (党组织工作经费): budgeted and spent per year and source."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select

from core.api.crud import RecordResource, organization_scope, register_record_routes
from core.api.schemas import QueryArgsSchema, Schema, money, one_of
from core.funding import services
from core.funding.models import FundingRecord
from core.vocabulary import FUNDING_SOURCES

blp = Blueprint("funding", __name__, description="党组织工作经费 / Funding records")


class FundingRecordSchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(allow_none=True, metadata={"description": "党组织；空 = 全单位"})
    year = fields.Integer(required=True)
    source = one_of(FUNDING_SOURCES, required=True)
    budgeted = money(metadata={"description": "预算（元）"})
    spent = money(metadata={"description": "支出（元）"})
    note = fields.String(allow_none=True)


class FundingRecordUpdateSchema(FundingRecordSchema):
    year = fields.Integer()
    source = one_of(FUNDING_SOURCES)


class FundingRecordQueryArgsSchema(QueryArgsSchema):
    year = fields.Integer()
    source = one_of(FUNDING_SOURCES)
    organization_id = fields.Integer()


def _filters(query: Select, args: dict[str, Any]) -> Select:
    for name in ("year", "source", "organization_id"):
        if args.get(name) is not None:
            query = query.where(getattr(FundingRecord, name) == args[name])
    return query


RESOURCE = RecordResource(
    name="funding_record",
    model=FundingRecord,
    schema=FundingRecordSchema,
    update_schema=FundingRecordUpdateSchema,
    query_schema=FundingRecordQueryArgsSchema,
    filters=_filters,
    order_by=(FundingRecord.year.desc(), FundingRecord.id),
    create=lambda data: services.create_funding_record(**data),
    update=lambda record, changes: services.update_funding_record(record, **changes),
    delete=services.delete_funding_record,
    # Funding is the unit's budget: kept by the unit admin.
    writer_roles=("host_admin", "unit_admin"),
    **organization_scope(FundingRecord),
)
register_record_routes(blp, RESOURCE)
