"""Publicity reports (报道) about a unit's branches."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select

from core.api.crud import (
    RecordResource,
    organization_or_422,
    organization_scope,
    register_record_routes,
)
from core.api.schemas import QueryArgsSchema, Schema, one_of, text
from core.publicity import services
from core.publicity.models import PublicityReport
from core.vocabulary import PUBLICITY_LEVELS

blp = Blueprint("publicity_reports", __name__, description="宣传报道 / Publicity reports")


class PublicitySchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True)
    title = text("title", required=True)
    outlet = text("unit_name", required=True, metadata={"description": "刊发媒体或平台"})
    level = one_of(PUBLICITY_LEVELS, required=True)
    published_on = fields.Date(required=True, metadata={"description": "刊发日期"})
    url = text("url", allow_none=True)
    note = fields.String(allow_none=True)


class PublicityUpdateSchema(PublicitySchema):
    organization_id = fields.Integer(dump_only=True)
    title = text("title")
    outlet = text("unit_name")
    level = one_of(PUBLICITY_LEVELS)
    published_on = fields.Date()


class PublicityQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer()
    level = one_of(PUBLICITY_LEVELS)
    year = fields.Integer()


def _filters(query: Select, args: dict[str, Any]) -> Select:
    import datetime as dt

    for name in ("organization_id", "level"):
        if args.get(name) is not None:
            query = query.where(getattr(PublicityReport, name) == args[name])
    if args.get("year") is not None:
        year = args["year"]
        query = query.where(PublicityReport.published_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return query


def _create(data: dict[str, Any]) -> PublicityReport:
    fields_ = dict(data)
    return services.create_report(organization_or_422(fields_.pop("organization_id")), **fields_)


register_record_routes(
    blp,
    RecordResource(
        name="publicity_report",
        model=PublicityReport,
        schema=PublicitySchema,
        update_schema=PublicityUpdateSchema,
        query_schema=PublicityQueryArgsSchema,
        filters=_filters,
        order_by=(PublicityReport.published_on, PublicityReport.id),
        create=_create,
        update=lambda record, changes: services.update_report(record, **changes),
        delete=services.delete_report,
        **organization_scope(PublicityReport),
    ),
)
