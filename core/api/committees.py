"""Terms (换届), party groups (党小组) and committee seats (支委会成员) of a unit's organizations."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import fields, validate
from sqlalchemy import Select

from core.api.auth import secretary_branch_id
from core.api.crud import (
    RecordResource,
    organization_or_422,
    organization_scope,
    register_record_routes,
)
from core.api.schemas import QueryArgsSchema, Schema, one_of, text
from core.organizations import services
from core.organizations.models import CommitteeSeat, PartyGroup, Term
from core.organizations.roles import organization_roles
from core.timezone import local_today
from core.vocabulary import COMMITTEE_ROLES

terms_blp = Blueprint("terms", __name__, description="届次（换届） / Terms")
groups_blp = Blueprint("party_groups", __name__, description="党小组 / Party groups")
seats_blp = Blueprint("committee_seats", __name__, description="支委会成员 / Committee seats")


def _by_organization(model: type):
    def filters(query: Select, args: dict[str, Any]) -> Select:
        if args.get("organization_id") is not None:
            query = query.where(model.organization_id == args["organization_id"])
        return query

    return filters


class OrganizationQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer(metadata={"description": "党组织"})


# --- terms -----------------------------------------------------------------------------------


class TermSchema(Schema):
    """A term; ``ends_on`` follows from the start and the years."""

    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True)
    elected_on = fields.Date(required=True, metadata={"description": "选举日期"})
    started_on = fields.Date(allow_none=True, metadata={"description": "任期开始，默认选举日期"})
    years = fields.Integer(allow_none=True, metadata={"description": "任期年数，默认按组织类别（支部 3 年、党委 5 年）"})
    ends_on = fields.Date(dump_only=True, metadata={"description": "届满日期"})
    note = fields.String(allow_none=True)


class TermUpdateSchema(TermSchema):
    organization_id = fields.Integer(dump_only=True)
    elected_on = fields.Date()
    years = fields.Integer()


def _create_term(data: dict[str, Any]) -> Term:
    fields_ = dict(data)
    organization = organization_or_422(fields_.pop("organization_id"))
    return services.create_term(organization, unit_type=g.unit.unit_type, **fields_)


register_record_routes(
    terms_blp,
    RecordResource(
        name="term",
        model=Term,
        schema=TermSchema,
        update_schema=TermUpdateSchema,
        query_schema=OrganizationQueryArgsSchema,
        filters=_by_organization(Term),
        order_by=(Term.organization_id, Term.started_on),
        create=_create_term,
        update=lambda record, changes: services.update_term(record, **changes),
        **organization_scope(Term),
    ),
)


# --- party groups ----------------------------------------------------------------------------


class PartyGroupSchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True, metadata={"description": "所在党支部"})
    name = text("short_text", required=True, metadata={"description": "名称"})
    leader_id = fields.Integer(allow_none=True, metadata={"description": "组长（本支部党员）"})


class PartyGroupUpdateSchema(PartyGroupSchema):
    organization_id = fields.Integer(dump_only=True)
    name = text("short_text")


def _create_group(data: dict[str, Any]) -> PartyGroup:
    fields_ = dict(data)
    organization = organization_or_422(fields_.pop("organization_id"))
    return services.create_party_group(organization, **fields_)


register_record_routes(
    groups_blp,
    RecordResource(
        name="party_group",
        model=PartyGroup,
        schema=PartyGroupSchema,
        update_schema=PartyGroupUpdateSchema,
        query_schema=OrganizationQueryArgsSchema,
        filters=_by_organization(PartyGroup),
        order_by=(PartyGroup.organization_id, PartyGroup.id),
        create=_create_group,
        update=lambda record, changes: services.update_party_group(record, **changes),
        **organization_scope(PartyGroup),
    ),
)


# --- committee seats -------------------------------------------------------------------------


class CommitteeSeatSchema(Schema):
    """A seat; a seat is ended (``ended_on``), never edited otherwise, so the handover shows."""

    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    role = one_of(COMMITTEE_ROLES, required=True)
    term_id = fields.Integer(allow_none=True)
    started_on = fields.Date(required=True, metadata={"description": "任职日期"})
    ended_on = fields.Date(dump_only=True, allow_none=True, metadata={"description": "离任日期"})


class CommitteeSeatUpdateSchema(Schema):
    ended_on = fields.Date(required=True, metadata={"description": "离任日期"})


class CommitteeSeatQueryArgsSchema(OrganizationQueryArgsSchema):
    current = fields.Boolean(metadata={"description": "只列在任的"})
    role = fields.String(validate=validate.OneOf(list(COMMITTEE_ROLES), error="须为以下之一：" + "、".join(COMMITTEE_ROLES)))


def _seat_filters(query: Select, args: dict[str, Any]) -> Select:
    query = _by_organization(CommitteeSeat)(query, args)
    if args.get("current"):
        query = query.where(CommitteeSeat.ended_on.is_(None))
    if args.get("role"):
        query = query.where(CommitteeSeat.role == args["role"])
    return query


def _assign(data: dict[str, Any]) -> CommitteeSeat:
    fields_ = dict(data)
    organization = organization_or_422(fields_.pop("organization_id"))
    return services.assign_seat(organization, **fields_)


register_record_routes(
    seats_blp,
    RecordResource(
        name="committee_seat",
        model=CommitteeSeat,
        schema=CommitteeSeatSchema,
        update_schema=CommitteeSeatUpdateSchema,
        query_schema=CommitteeSeatQueryArgsSchema,
        filters=_seat_filters,
        order_by=(CommitteeSeat.organization_id, CommitteeSeat.started_on),
        create=_assign,
        update=lambda record, changes: services.end_seat(record, changes["ended_on"]),
        **organization_scope(CommitteeSeat),
    ),
)


class RoleQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer(required=True, metadata={"description": "党组织"})
    on = fields.Date(metadata={"description": "日期，默认今天"})


class RoleStatusSchema(Schema):
    role = fields.String(metadata={"description": "职务代码"})
    label = fields.String(metadata={"description": "职务"})
    member_ids = fields.List(fields.Integer(), metadata={"description": "在任者"})
    vacant_since = fields.Date(allow_none=True, metadata={"description": "空缺起始日期（在任时为空）"})
    vacant_days = fields.Integer(metadata={"description": "已空缺天数"})


@seats_blp.route("/roles")
class CommitteeRoles(MethodView):
    @seats_blp.arguments(RoleQueryArgsSchema, location="query")
    @seats_blp.response(200, RoleStatusSchema(many=True))
    def get(self, args: dict[str, Any]):
        """各职务在任与空缺情况 / Each committee role: who holds it, or since when it is empty."""
        organization = organization_or_422(args["organization_id"], "organization_id")
        own = secretary_branch_id()
        if own is not None and organization.id != own:
            abort(404, message=_("记录不存在"))
        day = args.get("on") or local_today()
        return [
            {
                "role": status.role, "label": str(COMMITTEE_ROLES[status.role]),
                "member_ids": list(status.holders), "vacant_since": status.vacant_since,
                "vacant_days": status.vacant_days(day),
            }
            for status in organization_roles(organization, day).values()
        ]
