"""Events (meetings and activities) with every kind they count as and their attendance."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import fields, post_dump
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from core.api.auth import secretary_branch_id
from core.api.crud import (
    RecordResource,
    organization_or_422,
    organization_scope,
    register_record_routes,
)
from core.api.schemas import QueryArgsSchema, Schema, hours, one_of, text
from core.events import services
from core.events.models import Event
from core.vocabulary import ATTENDANCE_STATUSES, EVENT_KINDS

blp = Blueprint("events", __name__, description="组织生活（会议、活动）及出勤 / Events with attendance")


class AttendanceSchema(Schema):
    """One member's attendance at the event."""

    member_id = fields.Integer(required=True)
    status = one_of(ATTENDANCE_STATUSES, required=True)
    reason = text("reason", allow_none=True, metadata={"description": "请假或缺席原因"})


class EventSchema(Schema):
    """An event; ``kinds`` lists every kind it counts as (the main ``kind`` included)."""

    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True, metadata={"description": "党组织"})
    kind = one_of(EVENT_KINDS, metadata={"description": "主要类型（默认取 kinds 的第一个）"})
    kinds = fields.List(one_of(EVENT_KINDS), required=True, metadata={"description": "计入的全部类型"})
    held_on = fields.Date(required=True, metadata={"description": "日期"})
    topic = text("topic", required=True, metadata={"description": "议题"})
    location = text("place", allow_none=True)
    presenter = text("person_name", allow_none=True, metadata={"description": "主持人/讲课人"})
    presenter_member_id = fields.Integer(
        allow_none=True, metadata={"description": "主讲党员（本单位党员）：党课计入书记讲党课、领导干部讲党课"}
    )
    recorder = text("person_name", allow_none=True, metadata={"description": "记录人"})
    minutes = fields.String(allow_none=True, metadata={"description": "会议记录"})
    training_hours = hours(metadata={"description": "到会者每人计学时"})
    paper_record = fields.Boolean(metadata={"description": "有纸质记录"})
    attendance = fields.List(fields.Nested(AttendanceSchema), metadata={"description": "出勤（修改时整体替换）"})

    @post_dump(pass_original=True)
    def _kind_codes(self, data: dict[str, Any], original: Event, **kwargs: Any) -> dict[str, Any]:
        data["kinds"] = original.kind_codes
        return data


class EventUpdateSchema(EventSchema):
    organization_id = fields.Integer(dump_only=True)
    kinds = fields.List(one_of(EVENT_KINDS))
    held_on = fields.Date()
    topic = text("topic")


class EventQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer()
    kind = one_of(EVENT_KINDS, metadata={"description": "计入此类型的活动"})
    held_from = fields.Date(metadata={"description": "起始日期（含）"})
    held_to = fields.Date(metadata={"description": "截止日期（含）"})


def _filters(query: Select, args: dict[str, Any]) -> Select:
    from core.events.models import EventKind

    if args.get("organization_id") is not None:
        query = query.where(Event.organization_id == args["organization_id"])
    if args.get("kind"):
        query = query.where(Event.kinds.any(EventKind.kind == args["kind"]))
    if args.get("held_from"):
        query = query.where(Event.held_on >= args["held_from"])
    if args.get("held_to"):
        query = query.where(Event.held_on <= args["held_to"])
    return query


def attendance_map(rows: list[dict[str, Any]] | None) -> dict[int, tuple[str, str | None]] | None:
    """The services' attendance shape: member id → (status, reason)."""
    if rows is None:
        return None
    return {row["member_id"]: (row["status"], row.get("reason")) for row in rows}


def create(data: dict[str, Any]) -> Event:
    fields_ = dict(data)
    organization = organization_or_422(fields_.pop("organization_id"))
    fields_["attendance"] = attendance_map(fields_.get("attendance"))
    return services.record_event(
        organization, fields_.pop("kinds"), fields_.pop("held_on"), fields_.pop("topic"), **fields_
    )


def update(event: Event, changes: dict[str, Any]) -> Event:
    changes = dict(changes)
    if "attendance" in changes:
        changes["attendance"] = attendance_map(changes["attendance"])
    return services.update_event(event, **changes)


RESOURCE = RecordResource(
    name="event",
    model=Event,
    schema=EventSchema,
    update_schema=EventUpdateSchema,
    query_schema=EventQueryArgsSchema,
    filters=_filters,
    order_by=(Event.held_on.desc(), Event.id.desc()),
    create=create,
    update=update,
    delete=services.delete_event,
    load_options=(selectinload(Event.kinds), selectinload(Event.attendance)),
    **organization_scope(Event),
)
register_record_routes(blp, RESOURCE)


class AttendanceQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer(required=True, metadata={"description": "党支部"})
    year = fields.Integer(required=True, metadata={"description": "年度"})


class EventAttendanceSchema(Schema):
    id = fields.Integer()
    held_on = fields.Date()
    topic = fields.String()
    kinds = fields.List(fields.String())
    present = fields.Integer(metadata={"description": "出席人数"})
    expected = fields.Integer(metadata={"description": "应到人数"})
    ratio = fields.Float(allow_none=True, metadata={"description": "到会率（0–1）"})
    under_80 = fields.Boolean(metadata={"description": "到会率低于80%"})


@blp.route("/attendance")
class EventAttendance(MethodView):
    @blp.arguments(AttendanceQueryArgsSchema, location="query")
    @blp.response(200, EventAttendanceSchema(many=True))
    def get(self, args: dict[str, Any]):
        """每次会议的到会率（低于80%的标出） / Attendance ratio of each meeting of a year."""
        from core.events.analysis import attendance_by_event

        organization = organization_or_422(args["organization_id"])
        own = secretary_branch_id()
        if own is not None and organization.id != own:
            abort(404, message=_("记录不存在"))
        return [
            {
                "id": row["event"].id, "held_on": row["event"].held_on, "topic": row["event"].topic,
                "kinds": row["event"].kind_codes, "present": row["present"], "expected": row["expected"],
                "ratio": row["ratio"], "under_80": row["low"],
            }
            for row in attendance_by_event(organization, args["year"])
        ]
