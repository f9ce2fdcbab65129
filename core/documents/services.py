"""Write path and reads of party-building documents.

The types (年度工作计划, 书记述职 …), their due days and their 评议结果 are the unit type's
plugin data (:class:`~core.standards.types.DocumentType`); a document names one of its unit's
types. The file goes through the evidence upload's checks (type by content, size) and is stored
the same way. Transactions as everywhere: check every field, raise
:class:`~core.validation.RecordError` before changing anything, flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core import deletion
from core.documents.models import PartyDocument
from core.extensions import db
from core.facilities.services import Upload, read_upload, store_upload
from core.host.models import Tenant
from core.organizations.models import Organization
from core.standards.types import DocumentType
from core.timezone import local_today
from core.validation import RecordError, check, check_fields, trimmed

DOCUMENT_LIMITS = {"title": "title", "approved_by": "short_text", "note": "note"}
DOCUMENT_FIELDS = {"doc_type", "year", "title", "dated_on", "approved_by", "approved_on", "result", "note"}


def document_types(tenant: Tenant) -> tuple[DocumentType, ...]:
    """:returns: the document types of the unit's type (none when no plugin supplies it)."""
    registry = current_app.extensions.get("branchmark_plugins")
    if registry is None:
        return ()
    try:
        return registry.unit_type(tenant.unit_type).document_types
    except KeyError:
        return ()


def _types_of(organization: Organization) -> dict[str, DocumentType]:
    tenant = db.session.get(Tenant, organization.tenant_id)
    return {t.key: t for t in document_types(tenant)} if tenant is not None else {}


def _upload(upload: Upload | None, errors: dict[str, str]) -> tuple[bytes, str] | None:
    if upload is None or not (getattr(upload, "filename", "") or "").strip():
        return None
    found: dict[str, str] = {}
    content = read_upload(upload, found)
    if "evidence" in found:
        errors["file"] = found["evidence"]
    return content


def _check(organization: Organization, document: PartyDocument | None, fields: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {name: _("不能修改此项") for name in sorted(set(fields) - DOCUMENT_FIELDS)}
    errors.update(check_fields(fields, DOCUMENT_LIMITS))

    def value(name: str) -> Any:
        return fields[name] if name in fields else getattr(document, name, None)

    types = _types_of(organization)
    doc_type = value("doc_type")
    kind = types.get(doc_type)
    if kind is None:
        errors["doc_type"] = _("文档类别须为：%(types)s", types="、".join(t.label_zh for t in types.values()) or _("（本单位类型未提供文档类别）"))
    if not value("title"):
        errors["title"] = _("请填写标题")
    today = local_today()
    year = value("year")
    if isinstance(year, bool) or not isinstance(year, int) or check(year, "year") or not 2000 <= year <= today.year + 1:
        errors["year"] = _("所属年度应在 2000 年至明年之间")
        year = None
    for name in ("dated_on", "approved_on"):
        day = value(name)
        if day is None:
            continue
        message = check(day, "past_date")
        if message:
            errors[name] = message
    dated, approved = value("dated_on"), value("approved_on")
    if dated is None and "dated_on" not in errors:
        errors["dated_on"] = _("请填写成文日期")
    if "dated_on" not in errors and dated is not None and year is not None and dated.year not in (year - 1, year, year + 1):
        errors["dated_on"] = _("成文日期 %(day)s 与所属年度 %(year)s 相差太远", day=dated.isoformat(), year=year)
    if not {"dated_on", "approved_on"} & set(errors) and approved is not None and dated is not None and approved < dated:
        errors["approved_on"] = _("审批日期不能早于成文日期")
    result = value("result")
    if kind is not None and result is not None:
        if not kind.results:
            errors["result"] = _("%(type)s不记录评议结果", type=kind.label_zh)
        elif result not in kind.results:
            errors["result"] = _("评议结果须为：%(results)s", results="、".join(kind.results))
    return errors


def record_document(
    organization: Organization,
    *,
    doc_type: str,
    year: int,
    title: str,
    dated_on: dt.date,
    approved_by: str | None = None,
    approved_on: dt.date | None = None,
    result: str | None = None,
    note: str | None = None,
    file: Upload | None = None,
) -> PartyDocument:
    """Keep a party-building document of one of the unit type's types, with its file.

    :param year: the year it is for (a 年终总结 of 2025 may be dated early in 2026).
    :param result: the 评议结果 of a type that keeps one (书记述职).
    :param file: PDF/JPG/PNG, checked by content and size like 六有 evidence (optional).
    :raises RecordError: every bad field (the file's problem under ``file``); nothing is kept.
    """
    fields = trimmed({
        "doc_type": doc_type, "year": year, "title": title, "dated_on": dated_on,
        "approved_by": approved_by, "approved_on": approved_on, "result": result, "note": note,
    })
    errors = _check(organization, None, fields)
    content = _upload(file, errors)
    if errors:
        raise RecordError(errors)
    document = PartyDocument(organization_id=organization.id, **fields)
    if content is not None:
        document.file_path = store_upload(
            content, tenant_id=organization.tenant_id, folder="documents", prefix=f"{organization.id}-{doc_type}"
        )
    db.session.add(document)
    db.session.flush()
    return document


def update_document(document: PartyDocument, *, file: Upload | None = None, **changes: Any) -> PartyDocument:
    """Correct a document; a new ``file`` replaces the old one.

    :raises RecordError: every bad field; the document is left as it was.
    """
    changes = trimmed(changes)
    organization = db.session.get(Organization, document.organization_id)
    errors = _check(organization, document, changes)
    content = _upload(file, errors)
    if errors:
        raise RecordError(errors)
    for name, value in changes.items():
        setattr(document, name, value)
    if content is not None:
        document.file_path = store_upload(
            content, tenant_id=document.tenant_id, folder="documents", prefix=f"{document.organization_id}-{document.doc_type}"
        )
    db.session.flush()
    return document


def delete_document(document: PartyDocument) -> None:
    """Delete a document entered by mistake (its file stays on disk, never served again)."""
    deletion.delete(document)


def documents_in_year(organization: Organization, year: int) -> list[PartyDocument]:
    """The organization's documents for ``year`` by date: what the yearly 台账 prints."""
    return list(
        db.session.scalars(
            select(PartyDocument)
            .where(PartyDocument.organization_id == organization.id, PartyDocument.year == year)
            .order_by(PartyDocument.dated_on, PartyDocument.id)
        )
    )


@dataclass(frozen=True)
class TypeStatus:
    """One document type of a year on the branch's page: its documents and whether it is due."""

    type: DocumentType
    documents: list[PartyDocument]
    due_on: dt.date | None
    overdue: bool
    on_time: bool


def year_status(organization: Organization, year: int, today: dt.date) -> list[TypeStatus]:
    """Each type of the unit's type with the year's documents; a type is overdue once its due
    day has passed with none (as the ``documents`` metric counts it)."""
    documents = documents_in_year(organization, year)
    rows = []
    for kind in _types_of(organization).values():
        mine = [d for d in documents if d.doc_type == kind.key]
        due = kind.due_on(year)
        first = min((d.dated_on for d in mine), default=None)
        rows.append(
            TypeStatus(
                kind, mine, due,
                overdue=due is not None and due < today and not mine,
                on_time=bool(mine) and (due is None or first <= due),
            )
        )
    return rows


__all__ = [
    "TypeStatus",
    "delete_document",
    "document_types",
    "documents_in_year",
    "record_document",
    "update_document",
    "year_status",
]
