"""Staff posts: full- and part-time party-affairs staff, party-building instructors."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select

from core.api.crud import RecordResource, organization_scope, register_record_routes
from core.api.schemas import QueryArgsSchema, Schema, one_of, text
from core.staffing import services
from core.staffing.models import StaffPost
from core.vocabulary import STAFF_KINDS

blp = Blueprint("staffing", __name__, description="党务工作人员 / Staff posts")


class StaffPostSchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(allow_none=True, metadata={"description": "党组织；空 = 全单位"})
    member_id = fields.Integer(allow_none=True, metadata={"description": "对应党员（可空）"})
    person_name = text("person_name", metadata={"description": "姓名（有 member_id 时可省）"})
    kind = one_of(STAFF_KINDS, required=True)
    title = text("short_text", allow_none=True, metadata={"description": "职务"})
    started_on = fields.Date(required=True, metadata={"description": "任职日期"})
    ended_on = fields.Date(allow_none=True, metadata={"description": "离任日期"})


class StaffPostUpdateSchema(StaffPostSchema):
    kind = one_of(STAFF_KINDS)
    started_on = fields.Date()


class StaffPostQueryArgsSchema(QueryArgsSchema):
    kind = one_of(STAFF_KINDS)
    organization_id = fields.Integer()
    current = fields.Boolean(metadata={"description": "只列在任的"})


def _filters(query: Select, args: dict[str, Any]) -> Select:
    for name in ("kind", "organization_id"):
        if args.get(name) is not None:
            query = query.where(getattr(StaffPost, name) == args[name])
    if args.get("current"):
        query = query.where(StaffPost.ended_on.is_(None))
    return query


RESOURCE = RecordResource(
    name="staff_post",
    model=StaffPost,
    schema=StaffPostSchema,
    update_schema=StaffPostUpdateSchema,
    query_schema=StaffPostQueryArgsSchema,
    filters=_filters,
    order_by=(StaffPost.started_on, StaffPost.id),
    create=lambda data: services.create_staff_post(**data),
    update=lambda record, changes: services.update_staff_post(record, **changes),
    delete=services.delete_staff_post,
    writer_roles=("host_admin", "unit_admin"),
    **organization_scope(StaffPost),
)
register_record_routes(blp, RESOURCE)
