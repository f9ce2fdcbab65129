"""A unit's 群团组织 and their activities (written by the unit admin; read by all its users)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select

from core.api.crud import RecordResource, register_record_routes, unit_scope, unprocessable
from core.api.schemas import QueryArgsSchema, Schema, one_of, text
from core.extensions import db
from core.mass import services
from core.mass.models import MassActivity, MassOrganization
from core.vocabulary import MASS_ORGANIZATION_KINDS

organizations_blp = Blueprint("mass_organizations", __name__, description="群团组织 / Mass organizations")
activities_blp = Blueprint("mass_activities", __name__, description="群团活动 / Mass-organization activities")


class MassOrganizationSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = one_of(MASS_ORGANIZATION_KINDS, required=True)
    name = text("unit_name", required=True)
    set_up_on = fields.Date(required=True, metadata={"description": "成立日期"})
    dissolved_on = fields.Date(allow_none=True, metadata={"description": "撤销日期"})
    leader = text("person_name", allow_none=True, metadata={"description": "负责人"})
    note = fields.String(allow_none=True)


class MassOrganizationUpdateSchema(MassOrganizationSchema):
    kind = one_of(MASS_ORGANIZATION_KINDS)
    name = text("unit_name")
    set_up_on = fields.Date()


class MassQueryArgsSchema(QueryArgsSchema):
    kind = one_of(MASS_ORGANIZATION_KINDS)


def _organization_filters(query: Select, args: dict[str, Any]) -> Select:
    if args.get("kind"):
        query = query.where(MassOrganization.kind == args["kind"])
    return query


register_record_routes(
    organizations_blp,
    RecordResource(
        name="mass_organization",
        model=MassOrganization,
        schema=MassOrganizationSchema,
        update_schema=MassOrganizationUpdateSchema,
        query_schema=MassQueryArgsSchema,
        filters=_organization_filters,
        order_by=(MassOrganization.kind, MassOrganization.set_up_on, MassOrganization.id),
        create=lambda data: services.create_mass_organization(**data),
        update=lambda record, changes: services.update_mass_organization(record, **changes),
        delete=services.delete_mass_organization,
        **unit_scope(),
    ),
)


class MassActivitySchema(Schema):
    id = fields.Integer(dump_only=True)
    mass_organization_id = fields.Integer(required=True, metadata={"description": "群团组织"})
    held_on = fields.Date(required=True, metadata={"description": "活动日期"})
    title = text("title", required=True, metadata={"description": "活动名称"})
    participants = fields.Integer(allow_none=True, metadata={"description": "参加人数"})
    note = fields.String(allow_none=True)


class MassActivityUpdateSchema(MassActivitySchema):
    mass_organization_id = fields.Integer(dump_only=True)
    held_on = fields.Date()
    title = text("title")


class ActivityQueryArgsSchema(QueryArgsSchema):
    mass_organization_id = fields.Integer()
    year = fields.Integer()


def _activity_filters(query: Select, args: dict[str, Any]) -> Select:
    import datetime as dt

    if args.get("mass_organization_id") is not None:
        query = query.where(MassActivity.mass_organization_id == args["mass_organization_id"])
    if args.get("year") is not None:
        year = args["year"]
        query = query.where(MassActivity.held_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return query


def _add_activity(data: dict[str, Any]) -> MassActivity:
    fields_ = dict(data)
    mass_id = fields_.pop("mass_organization_id")
    found = db.session.get(MassOrganization, mass_id) if mass_id is not None else None
    if found is None:
        unprocessable({"mass_organization_id": _("本单位没有此群团组织")})
    return services.add_activity(found, **fields_)


register_record_routes(
    activities_blp,
    RecordResource(
        name="mass_activity",
        model=MassActivity,
        schema=MassActivitySchema,
        update_schema=MassActivityUpdateSchema,
        query_schema=ActivityQueryArgsSchema,
        filters=_activity_filters,
        order_by=(MassActivity.held_on, MassActivity.id),
        create=_add_activity,
        update=lambda record, changes: services.update_activity(record, **changes),
        delete=services.delete_activity,
        **unit_scope(),
    ),
)
