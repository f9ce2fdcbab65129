"""Write path and reads of publicity reports (报道).

Transactions as everywhere: check every field, raise :class:`~core.validation.RecordError`
before changing anything, flush; the caller (page, API, Excel import) commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core import deletion
from core.extensions import db
from core.organizations.models import Organization
from core.publicity.models import PublicityReport
from core.validation import RecordError, check, check_fields, trimmed
from core.vocabulary import PUBLICITY_LEVELS

REPORT_LIMITS = {"title": "title", "outlet": "unit_name", "note": "note"}
REPORT_FIELDS = {"title", "outlet", "level", "published_on", "url", "note"}
URL_LIMIT = 500


def _check(organization: Organization, report: PublicityReport | None, fields: dict[str, Any]) -> dict[str, str]:
    errors = {name: _("不能修改此项") for name in sorted(set(fields) - REPORT_FIELDS)}
    errors.update(check_fields(fields, REPORT_LIMITS))

    def value(name: str) -> Any:
        return fields[name] if name in fields else getattr(report, name, None)

    if not organization.is_branch:
        errors["organization_id"] = _("请选择本单位的党支部")
    if not value("title"):
        errors["title"] = _("请填写标题")
    if not value("outlet"):
        errors["outlet"] = _("请填写刊发媒体或平台")
    if value("level") not in PUBLICITY_LEVELS:
        errors["level"] = _("级别须为：%(levels)s", levels="、".join(str(v) for v in PUBLICITY_LEVELS.values()))
    published = value("published_on")
    message = check(published, "past_date") if "published_on" in fields else None
    if message:
        errors["published_on"] = message
    elif published is None:
        errors["published_on"] = _("请填写刊发日期")
    url = value("url")
    if url is not None:
        if len(url) > URL_LIMIT:
            errors["url"] = _("不能超过 %(limit)d 个字符", limit=URL_LIMIT)
        elif not url.lower().startswith(("http://", "https://")):
            errors["url"] = _("网址须以 http:// 或 https:// 开头")
    return errors


def create_report(organization: Organization, **fields: Any) -> PublicityReport:
    """Record a report about a branch.

    :param fields: ``title``, ``outlet``, ``level``, ``published_on`` (required); ``url``, ``note``.
    :raises RecordError: every bad field.
    """
    fields = trimmed(fields)
    errors = _check(organization, None, fields)
    if errors:
        raise RecordError(errors)
    report = PublicityReport(organization_id=organization.id, **fields)
    db.session.add(report)
    db.session.flush()
    return report


def update_report(report: PublicityReport, **changes: Any) -> PublicityReport:
    """Correct a report.

    :raises RecordError: every bad field.
    """
    changes = trimmed(changes)
    errors = _check(db.session.get(Organization, report.organization_id), report, changes)
    if errors:
        raise RecordError(errors)
    for name, value in changes.items():
        setattr(report, name, value)
    db.session.flush()
    return report


def delete_report(report: PublicityReport) -> None:
    """Delete a report entered by mistake."""
    deletion.delete(report)


def reports_in_year(organization: Organization, year: int) -> list[PublicityReport]:
    """The branch's reports of ``year`` by date (the branch page and the yearly 台账)."""
    return list(
        db.session.scalars(
            select(PublicityReport)
            .where(
                PublicityReport.organization_id == organization.id,
                PublicityReport.published_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
            )
            .order_by(PublicityReport.published_on, PublicityReport.id)
        )
    )


__all__ = ["create_report", "delete_report", "reports_in_year", "update_report"]
