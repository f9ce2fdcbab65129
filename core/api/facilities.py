"""Facility checks (六有): each check of one item; the latest check of an item counts."""

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
from core.api.schemas import QueryArgsSchema, Schema, text
from core.facilities import services
from core.facilities.models import FacilityCheck
from core.vocabulary import FACILITY_ITEMS

blp = Blueprint("facilities", __name__, description="“六有”检查 / Facility checks")


class FacilityCheckSchema(Schema):
    """A check; checks are never edited — a new check of the item replaces the old one."""

    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True)
    item = text(
        "code",
        required=True,
        metadata={"description": "清单项目：" + "；".join(f"{k}={v}" for k, v in FACILITY_ITEMS.items())},
    )
    met = fields.Boolean(required=True, metadata={"description": "是否达标"})
    checked_on = fields.Date(required=True, metadata={"description": "检查日期"})
    checked_by = text("person_name", required=True, metadata={"description": "检查人"})
    evidence_note = fields.String(allow_none=True, metadata={"description": "佐证说明"})
    evidence_file = fields.String(dump_only=True, allow_none=True)


class FacilityCheckQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer()
    item = text("code")


def _filters(query: Select, args: dict[str, Any]) -> Select:
    for name in ("organization_id", "item"):
        if args.get(name) is not None:
            query = query.where(getattr(FacilityCheck, name) == args[name])
    return query


def create(data: dict[str, Any]) -> FacilityCheck:
    fields_ = dict(data)
    organization = organization_or_422(fields_.pop("organization_id"))
    return services.record_facility_check(organization, **fields_)


RESOURCE = RecordResource(
    name="facility_check",
    model=FacilityCheck,
    schema=FacilityCheckSchema,
    update_schema=FacilityCheckSchema,
    query_schema=FacilityCheckQueryArgsSchema,
    filters=_filters,
    order_by=(FacilityCheck.checked_on.desc(), FacilityCheck.id.desc()),
    create=create,
    **organization_scope(FacilityCheck),
)
register_record_routes(blp, RESOURCE)
