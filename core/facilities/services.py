"""Facility checklist (六有) write path: record a check of one item, with an optional evidence file.

Transactions: :func:`record_facility_check` checks every field, then changes the session (add,
flush) and returns; it never commits. The caller — a page, the JSON API, an Excel import —
commits once at the end. On bad input it raises :class:`~core.validation.RecordError` naming
every bad field at once, in Chinese, and changes nothing (no row, no file). The evidence file is
written before the caller commits; a caller that then rolls back leaves an unreferenced file
under ``uploads/``, which is harmless and never served.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core import deletion
from core.extensions import db
from core.facilities.models import FacilityCheck
from core.host.models import Tenant
from core.organizations.models import Organization
from core.timezone import local_today
from core.validation import RecordError
from core.vocabulary import FACILITY_ITEMS

#: Default evidence size limit (bytes); ``EVIDENCE_MAX_BYTES`` in the config changes it.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
#: Allowed evidence types: extension → the bytes such a file starts with. The content is checked,
#: not only the name, so a renamed executable is refused.
EVIDENCE_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


class Upload(Protocol):
    """What an uploaded file offers (werkzeug's ``FileStorage`` does)."""

    filename: str | None
    stream: IO[bytes]


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the unit type's checklist as shown and validated."""

    key: str
    label: str
    requirement: str
    evidence: str


def checklist(tenant: Tenant) -> list[ChecklistItem]:
    """The 六有 items of the unit's type, in the plugin's wording (the national six without one)."""
    registry = current_app.extensions.get("branchmark_plugins")
    items = ()
    if registry is not None:
        try:
            items = registry.unit_type(tenant.unit_type).facility_checklist
        except Exception:  # unknown unit type: still let the unit record the national six
            items = ()
    if items:
        return [ChecklistItem(i.key, i.label_zh, i.requirement_zh, i.evidence_zh) for i in items]
    return [ChecklistItem(key, str(label), "", "") for key, label in FACILITY_ITEMS.items()]


def evidence_root() -> Path:
    """Folder evidence files are kept under: ``<instance>/uploads``."""
    return Path(current_app.instance_path) / "uploads"


def evidence_path(stored: str) -> Path | None:
    """The file on disk for a stored ``evidence_file``; ``None`` if it escapes the folder."""
    root = evidence_root().resolve()
    path = (root.parent / stored).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def read_upload(upload: Upload, errors: dict[str, str]) -> tuple[bytes, str] | None:
    """Read and check an evidence upload (type by content, size); on a problem set ``errors["evidence"]``.

    :returns: the bytes and the suffix to store them under, or ``None``.
    """
    name = (upload.filename or "").strip()
    suffix = Path(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        errors["evidence"] = _("凭证文件只能是 PDF、JPG 或 PNG")
        return None
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES))
    data = upload.stream.read(limit + 1)
    if not data:
        errors["evidence"] = _("凭证文件是空的")
        return None
    if len(data) > limit:
        errors["evidence"] = _("凭证文件不能超过 %(mb)s MB", mb=round(limit / 1024 / 1024, 1))
        return None
    if not data.startswith(EVIDENCE_TYPES[suffix]):
        errors["evidence"] = _("文件内容与扩展名不符，只接受 PDF、JPG 或 PNG")
        return None
    return data, ".jpg" if suffix == ".jpeg" else suffix


def _check_result(
    met: bool, checked_on: dt.date, checked_by: str, evidence_note: str | None,
    errors: dict[str, str],
) -> tuple[str, str | None]:
    """Check what a 六有 check found (result, day, who, note); problems go into ``errors``."""
    if not isinstance(met, bool):
        errors["met"] = _("请选择是否达标")
    if not isinstance(checked_on, dt.date):
        errors["checked_on"] = _("请填写检查日期")
    elif checked_on > local_today():
        errors["checked_on"] = _("检查日期不能晚于今天")
    who = (checked_by or "").strip()
    if not who:
        errors["checked_by"] = _("请填写检查人")
    elif len(who) > 50:
        errors["checked_by"] = _("不能超过 %(limit)d 个字符", limit=50)
    note = (evidence_note or "").strip() or None
    if note and len(note) > 2000:
        errors["evidence_note"] = _("不能超过 %(limit)d 个字符", limit=2000)
    return who, note


def store_upload(content: tuple[bytes, str], *, tenant_id: int, folder: str, prefix: str) -> str:
    """Write a checked upload as ``uploads/<tenant id>/<folder>/<prefix>-<random><suffix>``.

    The uploaded name is never used as a path. :returns: the path to store on the record,
    relative to the instance folder (what :func:`evidence_path` reads back).
    """
    data, suffix = content
    relative = Path("uploads") / str(tenant_id) / folder
    target = Path(current_app.instance_path) / relative
    target.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{uuid.uuid4().hex}{suffix}"
    (target / name).write_bytes(data)
    return (relative / name).as_posix()


def facility_check_errors(
    tenant: Tenant | None, *, item: str, met: bool, checked_on: dt.date, checked_by: str,
    evidence_note: str | None = None,
) -> tuple[dict[str, str], str, str | None]:
    """Every bad field of a new check of ``item`` in ``tenant``'s checklist, and the checker and
    note as they would be stored. :func:`record_facility_check` checks with it; so does the
    demo's bulk load."""
    errors: dict[str, str] = {}
    keys = {i.key for i in checklist(tenant)} if tenant is not None else set()
    if item not in keys:
        errors["item"] = _("请选择清单中的项目")
    who, note = _check_result(met, checked_on, checked_by, evidence_note, errors)
    return errors, who, note


def record_facility_check(
    organization: Organization,
    *,
    item: str,
    met: bool,
    checked_on: dt.date,
    checked_by: str,
    evidence_note: str | None = None,
    evidence: Upload | None = None,
) -> FacilityCheck:
    """Record a check of one checklist item; the latest check of an item is the one that counts.

    :param item: a key of the unit type's checklist (``site``, ``equipment`` …).
    :param evidence: optional PDF/JPG/PNG, saved as ``uploads/<tenant id>/facilities/…`` under the
        instance folder with a generated name (the uploaded name is never used as a path).
    :raises RecordError: every bad field.
    """
    errors, who, note = facility_check_errors(
        db.session.get(Tenant, organization.tenant_id), item=item, met=met, checked_on=checked_on,
        checked_by=checked_by, evidence_note=evidence_note,
    )
    content = None
    if evidence is not None and (evidence.filename or "").strip():
        content = read_upload(evidence, errors)
    if errors:
        raise RecordError(errors)
    stored = None
    if content is not None:
        stored = store_upload(
            content, tenant_id=organization.tenant_id, folder="facilities",
            prefix=f"{organization.id}-{item}",
        )
    check = FacilityCheck(
        organization_id=organization.id,
        item=item,
        met=met,
        checked_on=checked_on,
        checked_by=who,
        evidence_note=note,
        evidence_file=stored,
    )
    db.session.add(check)
    db.session.flush()
    return check


def latest_checks(organization_id: int) -> dict[str, FacilityCheck]:
    """The check that counts for each item (the latest), in one query."""
    rows = db.session.scalars(
        select(FacilityCheck)
        .where(FacilityCheck.organization_id == organization_id)
        .order_by(FacilityCheck.checked_on, FacilityCheck.id)
    ).all()
    return {row.item: row for row in rows}


def delete_facility_check(check: FacilityCheck) -> None:
    """Delete a 六有 check recorded by mistake; the item then reads from the check before it.

    The evidence file stays on disk: the audit log names it, so the deleted check can be traced.
    """
    deletion.delete(check)


def update_facility_check(
    check: FacilityCheck, *, met: bool, checked_on: dt.date, checked_by: str,
    evidence_note: str | None = None,
) -> FacilityCheck:
    """Correct what a check found (the item and its evidence file stay; a wrong item is
    deleted and recorded again).

    :raises RecordError: every bad field.
    """
    errors: dict[str, str] = {}
    who, note = _check_result(met, checked_on, checked_by, evidence_note, errors)
    if errors:
        raise RecordError(errors)
    check.met, check.checked_on, check.checked_by, check.evidence_note = met, checked_on, who, note
    db.session.flush()
    return check
