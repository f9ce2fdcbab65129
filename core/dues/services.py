"""Dues ledger write paths: one member's month, or a whole branch's month in one call.

Transactions: these functions check every field, then change the session (add, set, flush) and
return; they never commit. The caller — a page, the JSON API, an Excel import — commits once at
the end, so an import of many rows stays all-or-nothing. On bad input they raise
:class:`~core.validation.RecordError` naming every bad field at once, in Chinese, and change
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.dues.calculator import DuesAssessment, DuesInputError, calculate_monthly_dues
from core.dues.models import DuesPayment
from core.extensions import db
from core.members.models import Member
from core.members.roll import member_on_roll_during
from core.organizations.models import Organization
from core.standards.periods import month_bounds
from core.timezone import local_today
from core.validation import LIMITS, RecordError

MONTH_FIELDS = {"amount_due", "amount_paid", "paid_on", "paid_by_proxy", "proxy_name", "note"}
#: Largest amount one month can hold (see :data:`core.validation.LIMITS`).
MAX_AMOUNT = LIMITS["dues_amount"].maximum


def belongs_in_month(member: Member, year: int, month: int) -> bool:
    """Whether the member was on a roll of the unit on any day of the month (and so owes it)."""
    return member_on_roll_during(member, None, *month_bounds(year, month))


def calculated_due(member: Member) -> DuesAssessment:
    """The member's monthly dues by 中组发〔2008〕3号, from their category and base.

    :raises DuesInputError: when the category needs a base the member lacks.
    """
    return calculate_monthly_dues(member.dues_category, member.dues_base)


def _money(value: Any, field: str, label: str, errors: dict[str, str], prefix: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errors[field] = prefix + _("%(label)s须为金额", label=label)
        return None
    if not amount.is_finite() or amount < 0:
        errors[field] = prefix + _("%(label)s不能为负数", label=label)
        return None
    if amount > MAX_AMOUNT:
        errors[field] = prefix + _("%(label)s过大，请核对", label=label)
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors[field] = prefix + _("%(label)s最多保留两位小数", label=label)
        return None
    return amount


def _check_month(
    member: Member, year: int, month: int, fields: dict[str, Any], *, key: str = "", named: bool = False
) -> tuple[dict[str, str], dict[str, Any]]:
    """Errors and cleaned values for one member's month. ``key`` prefixes every error key."""
    errors: dict[str, str] = {}
    prefix = f"{member.name}：" if named else ""
    for name in sorted(set(fields) - MONTH_FIELDS):
        errors[key + name] = _("不能修改此项")
    today = local_today()
    if not isinstance(year, int) or not 2000 <= year <= today.year + 1:
        errors[key + "year"] = _("年度无效")
    if not isinstance(month, int) or not 1 <= month <= 12:
        errors[key + "month"] = _("月份应为 1–12")
    if not errors and not belongs_in_month(member, year, month):
        errors[key + "month"] = prefix + _(
            "%(year)d年%(month)d月不在本支部（入党、转入或离开日期之外）", year=year, month=month
        )
    local: dict[str, str] = {}
    due = _money(fields.get("amount_due"), "amount_due", _("应交金额"), local, prefix)
    if due is None and "amount_due" not in local:
        try:
            due = calculated_due(member).amount
        except DuesInputError as error:
            local["amount_due"] = prefix + _("无法计算应交金额：%(reason)s", reason=str(error))
    paid = _money(fields.get("amount_paid"), "amount_paid", _("实交金额"), local, prefix)
    paid_on = fields.get("paid_on")
    if paid_on is not None and not isinstance(paid_on, dt.date):
        local["paid_on"] = prefix + _("日期格式应为 YYYY-MM-DD")
    elif paid_on is not None and paid_on > today:
        local["paid_on"] = prefix + _("交纳日期不能晚于今天")
    elif paid_on is not None and paid_on < member.joined_on:
        local["paid_on"] = prefix + _("交纳日期不能早于入党时间")
    if paid is not None and paid > 0 and paid_on is None and "paid_on" not in local:
        local["paid_on"] = prefix + _("填写了实交金额，请填写交纳日期")
    if paid_on is not None and paid is None and "amount_paid" not in local:
        paid = due  # paid on a day with no amount: the usual case is paying exactly what is due
    proxy = bool(fields.get("paid_by_proxy"))
    proxy_name = str(fields.get("proxy_name") or "").strip() or None
    if proxy and not proxy_name:
        local["proxy_name"] = prefix + _("代交的请填写代交人姓名")
    if proxy_name and len(proxy_name) > 50:
        local["proxy_name"] = prefix + _("不能超过 %(limit)d 个字符", limit=50)
    note = str(fields.get("note") or "").strip() or None
    if note and len(note) > 200:
        local["note"] = prefix + _("不能超过 %(limit)d 个字符", limit=200)
    errors.update({key + k: v for k, v in local.items()})
    values = {
        "amount_due": due,
        "amount_paid": paid,
        "paid_on": paid_on,
        "paid_by_proxy": proxy,
        "proxy_name": proxy_name if proxy else None,
        "note": note,
    }
    return errors, values


def _store(member: Member, year: int, month: int, values: dict[str, Any], row: DuesPayment | None) -> DuesPayment:
    if row is None:
        row = DuesPayment(member_id=member.id, year=year, month=month, **values)
        db.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    return row


def set_dues_month(member: Member, year: int, month: int, **fields: Any) -> DuesPayment:
    """Set what a member owed and paid for one month (creating or replacing the month's row).

    :param fields: ``amount_due`` (default: :func:`calculated_due`), ``amount_paid`` (default:
        the amount due when ``paid_on`` is given), ``paid_on`` (not in the future),
        ``paid_by_proxy`` with ``proxy_name``, ``note``.
    :raises RecordError: every bad field.
    """
    errors, values = _check_month(member, year, month, fields)
    if errors:
        raise RecordError(errors)
    row = db.session.scalar(
        select(DuesPayment).where(
            DuesPayment.member_id == member.id, DuesPayment.year == year, DuesPayment.month == month
        )
    )
    row = _store(member, year, month, values, row)
    db.session.flush()
    return row


def set_branch_dues_month(
    organization: Organization, year: int, month: int, rows: Mapping[int, Mapping[str, Any]]
) -> list[DuesPayment]:
    """Set one month for several members of a branch at once (the ledger's month column).

    :param rows: member id → the fields of :func:`set_dues_month`.
    :raises RecordError: keys ``<member id>.<field>`` with messages that name the member, and
        ``<member id>`` for a member not of the branch; nothing is changed when any is wrong.
    """
    ids = list(rows)
    members = (
        {
            m.id: m
            for m in db.session.scalars(
                select(Member).where(Member.id.in_(ids)).options(selectinload(Member.periods))
            ).all()
        }
        if ids
        else {}
    )
    errors: dict[str, str] = {}
    cleaned: dict[int, dict[str, Any]] = {}
    for member_id in ids:
        member = members.get(member_id)
        if member is None or not any(p.organization_id == organization.id for p in member.periods):
            errors[str(member_id)] = _("编号为 %(id)s 的党员不属于本支部", id=member_id)
            continue
        row_errors, values = _check_month(
            member, year, month, dict(rows[member_id]), key=f"{member_id}.", named=True
        )
        errors.update(row_errors)
        cleaned[member_id] = values
    if errors:
        raise RecordError(errors)
    existing = (
        {
            p.member_id: p
            for p in db.session.scalars(
                select(DuesPayment).where(
                    DuesPayment.member_id.in_(ids),
                    DuesPayment.year == year,
                    DuesPayment.month == month,
                )
            ).all()
        }
        if ids
        else {}
    )
    stored = [
        _store(members[member_id], year, month, values, existing.get(member_id))
        for member_id, values in cleaned.items()
    ]
    db.session.flush()
    return stored


def ledger(member_ids: list[int], year: int) -> dict[int, dict[int, DuesPayment]]:
    """A year of the ledger: member id → month → row, in one query."""
    if not member_ids:
        return {}
    result: dict[int, dict[int, DuesPayment]] = {m: {} for m in member_ids}
    for row in db.session.scalars(
        select(DuesPayment).where(DuesPayment.member_id.in_(member_ids), DuesPayment.year == year)
    ):
        result[row.member_id][row.month] = row
    return result
