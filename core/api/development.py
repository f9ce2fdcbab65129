"""Development cases (发展党员): a person's path through the 25 steps, one date per step."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from core.api.crud import (
    RecordResource,
    organization_or_422,
    organization_scope,
    register_record_routes,
)
from core.api.schemas import Personal, QueryArgsSchema, Schema, one_of, text
from core.members import services
from core.members.models import DevelopmentCase
from core.validation import RecordError
from core.vocabulary import DEVELOPMENT_STAGES, DEVELOPMENT_STEPS, GENDERS

blp = Blueprint("development", __name__, description="发展党员 / Development cases")


class DevelopmentStepSchema(Schema):
    step = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=25, error="步骤编号应为 1–25"),
        metadata={"description": "；".join(f"{n}={label}" for n, (_s, label) in DEVELOPMENT_STEPS.items())},
    )
    done_on = fields.Date(required=True, metadata={"description": "完成日期"})
    note = fields.String(allow_none=True)


class DevelopmentCaseSchema(Schema):
    """A case; the stage follows from the steps recorded."""

    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True, metadata={"description": "培养的党支部"})
    name = text("person_name", required=True, metadata={"description": "姓名"})
    gender = one_of(GENDERS, allow_none=True)
    birth_date = fields.Date(allow_none=True)
    id_number = Personal(allow_none=True, metadata={"description": "身份证号（按角色脱敏显示）"})
    applied_on = fields.Date(load_only=True, allow_none=True, metadata={"description": "递交入党申请书日期（第 1 步）"})
    stage = one_of(DEVELOPMENT_STAGES, dump_only=True)
    member_id = fields.Integer(dump_only=True, allow_none=True)
    note = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(DevelopmentStepSchema), dump_only=True)


class DevelopmentCaseUpdateSchema(Schema):
    """Record steps (in order) and/or stop the case."""

    steps = fields.List(fields.Nested(DevelopmentStepSchema), metadata={"description": "要记录或更正的步骤"})
    close_reason = text("note", metadata={"description": "终止原因（填写即终止案例）"})


class DevelopmentCaseQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer()
    stage = one_of(DEVELOPMENT_STAGES)


def _filters(query: Select, args: dict[str, Any]) -> Select:
    for name in ("organization_id", "stage"):
        if args.get(name) is not None:
            query = query.where(getattr(DevelopmentCase, name) == args[name])
    return query


def create(data: dict[str, Any]) -> DevelopmentCase:
    fields_ = dict(data)
    organization = organization_or_422(fields_.pop("organization_id"))
    return services.create_development_case(organization, **fields_)


def update(case: DevelopmentCase, changes: dict[str, Any]) -> DevelopmentCase:
    for entry in sorted(changes.get("steps") or [], key=lambda s: s["step"]):
        try:
            services.record_development_step(case, entry["step"], entry["done_on"], entry.get("note"))
        except RecordError as error:
            # Name the step in the key so a list of several steps says which one was wrong.
            raise RecordError({f"steps.{entry['step']}.{key}": message for key, message in error.errors.items()}) from None
    if changes.get("close_reason") is not None:
        services.close_development_case(case, changes["close_reason"])
    return case


RESOURCE = RecordResource(
    name="development_case",
    model=DevelopmentCase,
    schema=DevelopmentCaseSchema,
    update_schema=DevelopmentCaseUpdateSchema,
    query_schema=DevelopmentCaseQueryArgsSchema,
    filters=_filters,
    order_by=(DevelopmentCase.id,),
    create=create,
    update=update,
    load_options=(selectinload(DevelopmentCase.steps),),
    **organization_scope(DevelopmentCase),
)
register_record_routes(blp, RESOURCE)
