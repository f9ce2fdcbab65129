"""Training records (学时) earned outside the branch's own events."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select

from core.api.crud import (
    RecordResource,
    member_or_422,
    member_scope,
    register_record_routes,
)
from core.api.schemas import QueryArgsSchema, Schema, hours, one_of, text
from core.events import services
from core.events.models import TrainingRecord
from core.vocabulary import TRAINING_KINDS

blp = Blueprint("training", __name__, description="培训学时 / Training records")


class TrainingRecordSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(required=True)
    taken_on = fields.Date(required=True, metadata={"description": "日期"})
    hours = hours(required=True, metadata={"description": "学时"})
    title = text("title", required=True, metadata={"description": "培训名称"})
    organizer = text("unit_name", allow_none=True, metadata={"description": "举办单位"})
    kind = one_of(TRAINING_KINDS)


class TrainingRecordUpdateSchema(TrainingRecordSchema):
    member_id = fields.Integer(dump_only=True)
    taken_on = fields.Date()
    hours = hours()
    title = text("title")


class TrainingRecordQueryArgsSchema(QueryArgsSchema):
    member_id = fields.Integer()
    year = fields.Integer()


def _filters(query: Select, args: dict[str, Any]) -> Select:
    import datetime as dt

    if args.get("member_id") is not None:
        query = query.where(TrainingRecord.member_id == args["member_id"])
    if args.get("year") is not None:
        year = args["year"]
        query = query.where(TrainingRecord.taken_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return query


def create(data: dict[str, Any]) -> TrainingRecord:
    fields_ = dict(data)
    member = member_or_422(fields_.pop("member_id"))
    return services.create_training_record(member, **fields_)


RESOURCE = RecordResource(
    name="training_record",
    model=TrainingRecord,
    schema=TrainingRecordSchema,
    update_schema=TrainingRecordUpdateSchema,
    query_schema=TrainingRecordQueryArgsSchema,
    filters=_filters,
    order_by=(TrainingRecord.taken_on.desc(), TrainingRecord.id.desc()),
    create=create,
    update=lambda record, changes: services.update_training_record(record, **changes),
    delete=services.delete_training_record,
    **member_scope(TrainingRecord),
)
register_record_routes(blp, RESOURCE)
