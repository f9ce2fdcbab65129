"""Funding write paths: a unit's Party work funding lines per year and source.

Transactions: these functions check every field, then change the session (add, set, flush) and
return; they never commit. The caller — a page, the JSON API, an Excel import — commits once at
the end, so an import of many rows stays all-or-nothing. On bad input they raise
:class:`~core.validation.RecordError` naming every bad field at once, in Chinese, and change
nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from core import deletion
from core.extensions import db
from core.funding.models import FundingRecord
from core.organizations.models import Organization
from core.timezone import local_today
from core.validation import LIMITS, RecordError
from core.vocabulary import FUNDING_SOURCES

FIELDS = {"year", "source", "budgeted", "spent", "organization_id", "note"}
#: 元, the largest funding line (see :data:`core.validation.LIMITS`).
MAX_AMOUNT = LIMITS["funding_amount"].maximum


def _amount(value: Any, field: str, errors: dict[str, str]) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errors[field] = _("须为金额（元）")
        return Decimal("0")
    if not amount.is_finite() or amount < 0:
        errors[field] = _("金额不能为负数")
    elif amount > MAX_AMOUNT:
        errors[field] = _("金额过大，请核对")
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = _("金额最多保留两位小数")
    return amount


def funding_record_errors(
    record: FundingRecord | None, fields: dict[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Every bad field of ``record`` (``None``: a new line) with ``fields`` applied, and the values
    it would then hold; the write paths and the demo's bulk load check with it."""
    errors: dict[str, str] = {}
    for name in sorted(set(fields) - FIELDS):
        errors[name] = _("不能修改此项")
    merged: dict[str, Any] = {}
    if record is not None:
        merged = {name: getattr(record, name) for name in FIELDS}
    merged.update({k: v for k, v in fields.items() if k in FIELDS})
    year = merged.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= local_today().year + 1:
        errors["year"] = _("年度应在 2000 年至明年之间")
    if merged.get("source") not in FUNDING_SOURCES:
        errors["source"] = _("请选择经费来源")
    merged["budgeted"] = _amount(merged.get("budgeted"), "budgeted", errors)
    merged["spent"] = _amount(merged.get("spent"), "spent", errors)
    if merged.get("organization_id") is not None:
        organization = db.session.get(Organization, merged["organization_id"])
        if organization is None:
            errors["organization_id"] = _("请选择本单位的党组织")
    merged["note"] = str(merged.get("note") or "").strip() or None
    return errors, merged


def create_funding_record(**fields: Any) -> FundingRecord:
    """Add a funding line: ``year``, ``source``, ``budgeted``, ``spent`` (元), optionally for one
    ``organization_id``, with a ``note``.

    :raises RecordError: every bad field.
    """
    errors, values = funding_record_errors(None, fields)
    if errors:
        raise RecordError(errors)
    record = FundingRecord(**values)
    db.session.add(record)
    db.session.flush()
    return record


def update_funding_record(record: FundingRecord, **changes: Any) -> FundingRecord:
    """Correct a funding line.

    :raises RecordError: every bad field.
    """
    errors, values = funding_record_errors(record, changes)
    if errors:
        raise RecordError(errors)
    for name, value in values.items():
        setattr(record, name, value)
    db.session.flush()
    return record


def delete_funding_record(record: FundingRecord) -> None:
    """Remove a funding line entered by mistake (the audit log keeps what it held)."""
    deletion.delete(record)
