"""The dues ledger (党费): one row per member per month."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import Select

from core.api.crud import (
    RecordResource,
    delete_record,
    member_or_422,
    member_scope,
    register_record_routes,
)
from core.api.schemas import QueryArgsSchema, Schema, money, text
from core.dues import services
from core.dues.models import DuesPayment

blp = Blueprint("dues", __name__, description="党费 / Dues payments")

#: The month's values a PATCH may change; member, year and month identify the row.
MONTH_VALUES = ("amount_due", "amount_paid", "paid_on", "paid_by_proxy", "proxy_name", "note")


class DuesPaymentSchema(Schema):
    """What a member owed and paid for one month; POST replaces the month's row if it exists."""

    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    month = fields.Integer(required=True, metadata={"description": "1–12"})
    amount_due = money(metadata={"description": "应交（元），默认按党费基数计算"})
    amount_paid = money(allow_none=True, metadata={"description": "实交（元）"})
    paid_on = fields.Date(allow_none=True, metadata={"description": "交纳日期；空 = 未交"})
    paid_by_proxy = fields.Boolean(metadata={"description": "代交"})
    proxy_name = text("person_name", allow_none=True, metadata={"description": "代交人"})
    note = text("remark", allow_none=True)


class DuesPaymentUpdateSchema(DuesPaymentSchema):
    member_id = fields.Integer(dump_only=True)
    year = fields.Integer(dump_only=True)
    month = fields.Integer(dump_only=True)


class DuesPaymentQueryArgsSchema(QueryArgsSchema):
    member_id = fields.Integer()
    year = fields.Integer()
    month = fields.Integer()
    unpaid = fields.Boolean(metadata={"description": "只列未交的月份"})


def _filters(query: Select, args: dict[str, Any]) -> Select:
    for name in ("member_id", "year", "month"):
        if args.get(name) is not None:
            query = query.where(getattr(DuesPayment, name) == args[name])
    if args.get("unpaid"):
        query = query.where(DuesPayment.paid_on.is_(None))
    return query


def create(data: dict[str, Any]) -> DuesPayment:
    fields_ = dict(data)
    member = member_or_422(fields_.pop("member_id"))
    return services.set_dues_month(member, fields_.pop("year"), fields_.pop("month"), **fields_)


def update(row: DuesPayment, changes: dict[str, Any]) -> DuesPayment:
    # set_dues_month sets the whole month: keep what the PATCH does not mention.
    current = {name: getattr(row, name) for name in MONTH_VALUES}
    return services.set_dues_month(row.member, row.year, row.month, **{**current, **changes})


RESOURCE = RecordResource(
    name="dues_payment",
    model=DuesPayment,
    schema=DuesPaymentSchema,
    update_schema=DuesPaymentUpdateSchema,
    query_schema=DuesPaymentQueryArgsSchema,
    filters=_filters,
    order_by=(DuesPayment.year.desc(), DuesPayment.month.desc(), DuesPayment.member_id),
    create=create,
    update=update,
    delete=delete_record,
    **member_scope(DuesPayment),
)
register_record_routes(blp, RESOURCE)
