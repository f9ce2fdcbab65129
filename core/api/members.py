"""Members (党员花名册) of a unit's branches."""

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
from core.api.schemas import Personal, QueryArgsSchema, Schema, money, one_of, text
from core.members import services
from core.members.models import Member
from core.members.roll import member_on_roll_clause
from core.timezone import local_today
from core.vocabulary import DUES_CATEGORIES, GENDERS, LEAVING_REASONS, MEMBER_STATUSES

blp = Blueprint("members", __name__, description="党员 / Members")


class MemberSchema(Schema):
    """A member; ID and phone numbers are masked for roles that do not need them."""

    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True, metadata={"description": "所在党支部"})
    party_group_id = fields.Integer(allow_none=True, metadata={"description": "党小组"})
    name = text("person_name", required=True, metadata={"description": "姓名"})
    gender = one_of(GENDERS, allow_none=True)
    birth_date = fields.Date(allow_none=True, metadata={"description": "出生日期"})
    ethnicity = text("ethnicity", allow_none=True, metadata={"description": "民族"})
    education = text("education", allow_none=True, metadata={"description": "学历"})
    position = text("short_text", allow_none=True, metadata={"description": "职务"})
    id_number = Personal(allow_none=True, metadata={"description": "身份证号（按角色脱敏显示）"})
    phone = Personal(allow_none=True, metadata={"description": "手机号（按角色脱敏显示）"})
    status = one_of(MEMBER_STATUSES, required=True)
    joined_on = fields.Date(required=True, metadata={"description": "入党时间"})
    full_on = fields.Date(allow_none=True, metadata={"description": "转正时间"})
    dues_category = one_of(DUES_CATEGORIES)
    dues_base = money(allow_none=True, metadata={"description": "党费计算基数（元/月）"})
    is_leader = fields.Boolean(metadata={"description": "班子成员"})
    transferred_in_on = fields.Date(allow_none=True, metadata={"description": "转入日期"})
    left_on = fields.Date(allow_none=True, metadata={"description": "离开日期"})
    left_reason = one_of(LEAVING_REASONS, allow_none=True)
    note = fields.String(allow_none=True)


class MemberUpdateSchema(MemberSchema):
    """Every field optional."""

    organization_id = fields.Integer()
    name = text("person_name")
    status = one_of(MEMBER_STATUSES)
    joined_on = fields.Date()


class MemberQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer(metadata={"description": "所在党支部"})
    status = one_of(MEMBER_STATUSES)
    name = text("person_name", metadata={"description": "姓名包含"})
    include_left = fields.Boolean(load_default=False, metadata={"description": "含已离开的党员"})


def _filters(query: Select, args: dict[str, Any]) -> Select:
    branch = args.get("organization_id")
    if args.get("include_left"):
        if branch is not None:
            query = query.where(Member.organization_id == branch)  # their current or last branch
    else:
        # On the roll today (core.members.roll): of the branch asked for, else of any branch.
        query = query.where(member_on_roll_clause(branch, local_today()))
    if args.get("status"):
        query = query.where(Member.status == args["status"])
    if args.get("name"):
        query = query.where(Member.name.like(f"%{args['name']}%"))
    return query


def create(data: dict[str, Any]) -> Member:
    fields_ = dict(data)
    organization = organization_or_422(fields_.pop("organization_id"))
    return services.create_member(organization, **fields_)


RESOURCE = RecordResource(
    name="member",
    model=Member,
    schema=MemberSchema,
    update_schema=MemberUpdateSchema,
    query_schema=MemberQueryArgsSchema,
    filters=_filters,
    order_by=(Member.organization_id, Member.id),
    create=create,
    update=lambda record, changes: services.update_member(record, **changes),
    **organization_scope(Member),
)
register_record_routes(blp, RESOURCE)
