"""Party organizations of a unit: 基层党委, 党总支, 党支部, 联合党支部."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select

from core.api.crud import RecordResource, register_record_routes
from core.api.schemas import QueryArgsSchema, Schema, one_of, text
from core.organizations import services
from core.organizations.models import Organization
from core.vocabulary import ORGANIZATION_KINDS

blp = Blueprint("organizations", __name__, description="党组织 / Party organizations")


class OrganizationSchema(Schema):
    """An organization; ``parent_id`` links the tree."""

    id = fields.Integer(dump_only=True)
    code = text("code", required=True, metadata={"description": "代码（本单位内唯一）"})
    name = text("unit_name", required=True, metadata={"description": "名称"})
    kind = one_of(ORGANIZATION_KINDS, required=True)
    parent_id = fields.Integer(allow_none=True, metadata={"description": "上级党组织"})
    established_on = fields.Date(required=True, metadata={"description": "成立日期"})
    dissolved_on = fields.Date(allow_none=True, metadata={"description": "撤销日期"})
    covered_units = text("note", allow_none=True, metadata={"description": "联合党支部覆盖的单位（顿号分隔）"})


class OrganizationUpdateSchema(OrganizationSchema):
    """Every field optional: only those given change."""

    code = text("code")
    name = text("unit_name")
    kind = one_of(ORGANIZATION_KINDS)
    established_on = fields.Date()


class OrganizationQueryArgsSchema(QueryArgsSchema):
    kind = one_of(ORGANIZATION_KINDS)
    code = text("code")
    parent_id = fields.Integer()
    include_dissolved = fields.Boolean(load_default=True, metadata={"description": "含已撤销的"})


def _filters(query: Select, args: dict[str, Any]) -> Select:
    if args.get("kind"):
        query = query.where(Organization.kind == args["kind"])
    if args.get("code"):
        query = query.where(Organization.code == args["code"])
    if args.get("parent_id") is not None:
        query = query.where(Organization.parent_id == args["parent_id"])
    if not args.get("include_dissolved", True):
        query = query.where(Organization.dissolved_on.is_(None))
    return query


RESOURCE = RecordResource(
    name="organization",
    model=Organization,
    schema=OrganizationSchema,
    update_schema=OrganizationUpdateSchema,
    query_schema=OrganizationQueryArgsSchema,
    filters=_filters,
    order_by=(Organization.code,),
    create=lambda data: services.create_organization(**data),
    update=lambda record, changes: services.update_organization(record, **changes),
    # Only the unit shapes its own tree; a secretary reads their branch.
    writer_roles=("host_admin", "unit_admin"),
    # An organization "belongs" to itself: a secretary sees only their own branch.
    branch_of=lambda organization: organization.id,
    branch_filter=lambda query, branch_id: query.where(Organization.id == branch_id),
    branch_of_input=lambda data: None,
)
register_record_routes(blp, RESOURCE)
