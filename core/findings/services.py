"""Write path of findings, honours and the county's finding kinds.

Transactions as everywhere: each function checks every field, raises
:class:`~core.validation.RecordError` (field → Chinese message) before changing anything, then
adds or changes rows and flushes; the caller (page, API, command) commits once. The audit
recorder logs every insert, update and delete at ORM level, so nothing here writes the log.

Who may do what is decided here too, so pages and API refuse the same people:
findings and honours are recorded and revoked by a supervisor of the unit's scope or the host
admin (:func:`can_record`); the kinds are managed by the host admin only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.accounts.models import User
from core.authoring.models import (
    VERSION_STATUSES,
    CountyStandard,
    StandardVersion,
    UnitStandardSetting,
)
from core.extensions import db
from core.facilities.services import Upload, read_upload, store_upload
from core.findings.kinds import finding_kinds
from core.findings.models import CODE_LENGTH, FindingKind
from core.host.models import Tenant
from core.organizations.models import Organization
from core.scoring.actions import can_supervise
from core.scoring.models import Finding, Honour
from core.tenancy import host_scope
from core.timezone import local_today
from core.validation import RecordError
from core.vocabulary import HONOUR_LEVELS

#: A kind's code: what a rubric writes after ``flags.``.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
#: Longest document reference, note or reason kept.
DOCUMENT_LIMIT = 200
TEXT_LIMIT = 2000


def can_record(user: User, tenant: Tenant) -> bool:
    """Findings and honours: a supervisor whose scope covers the unit, or the host admin."""
    return can_supervise(user, tenant)


def can_manage_kinds(user: User) -> bool:
    """The county's list of finding kinds: the host admin only."""
    return user.role == "host_admin"


def _text(value: str | None, field: str, errors: dict[str, str], *, required: str | None, limit: int) -> str:
    text = (value or "").strip()
    if required and not text:
        errors[field] = required
    elif len(text) > limit:
        errors[field] = _("不能超过 %(limit)d 个字符", limit=limit)
    return text


def _evidence(upload: Upload | None, errors: dict[str, str]) -> tuple[bytes, str] | None:
    if upload is None or not (getattr(upload, "filename", "") or "").strip():
        return None
    return read_upload(upload, errors)


# --- finding kinds (county data) -------------------------------------------------------------


def kind_by_code(code: str) -> FindingKind | None:
    return db.session.scalar(select(FindingKind).where(FindingKind.code == code))


def _kind_fields(
    errors: dict[str, str], *, label_zh: str | None, label_en: str | None, source: str | None,
    effect: str | None, position: Any,
) -> dict[str, Any]:
    fields = {
        "label_zh": _text(label_zh, "label_zh", errors, required=_("请填写认定类别名称"), limit=200),
        "label_en": _text(label_en, "label_en", errors, required=None, limit=200),
        "source": _text(source, "source", errors, required=_("请填写依据（文件名称或文号）"), limit=TEXT_LIMIT),
        "effect": _text(effect, "effect", errors, required=None, limit=TEXT_LIMIT),
    }
    if position in (None, ""):
        fields["position"] = None
    else:
        try:
            fields["position"] = int(position)
        except (TypeError, ValueError):
            errors["position"] = _("排序须为整数")
    return fields


def create_kind(
    *, code: str, label_zh: str, source: str, label_en: str = "", effect: str = "",
    position: int | None = None,
) -> FindingKind:
    """Add a county-defined kind; its code becomes the metric ``flags.<code>``.

    :raises RecordError: bad or taken code, missing label or source.
    """
    errors: dict[str, str] = {}
    code = (code or "").strip()
    if not code:
        errors["code"] = _("请填写代码")
    elif len(code) > CODE_LENGTH or not CODE_PATTERN.match(code):
        errors["code"] = _(
            "代码只能由小写英文字母、数字和下划线组成，以字母开头，不超过 %(limit)d 个字符",
            limit=CODE_LENGTH,
        )
    elif kind_by_code(code) is not None:
        errors["code"] = _("代码 %(code)s 已被其他认定类别使用", code=code)
    fields = _kind_fields(
        errors, label_zh=label_zh, label_en=label_en, source=source, effect=effect, position=position
    )
    if errors:
        raise RecordError(errors)
    if fields["position"] is None:
        last = db.session.scalar(select(func.max(FindingKind.position))) or 0
        fields["position"] = last + 10
    kind = FindingKind(code=code, active=True, **fields)
    db.session.add(kind)
    db.session.flush()
    return kind


def update_kind(
    kind: FindingKind, *, label_zh: str, source: str, label_en: str = "", effect: str = "",
    position: int | None = None, active: bool | None = None,
) -> FindingKind:
    """Change a kind's wording, source, order or active flag; the code never changes (findings
    and rubrics refer to it).

    :raises RecordError: missing label or source, bad order.
    """
    errors: dict[str, str] = {}
    fields = _kind_fields(
        errors, label_zh=label_zh, label_en=label_en, source=source, effect=effect, position=position
    )
    if errors:
        raise RecordError(errors)
    if fields["position"] is None:
        fields["position"] = kind.position
    for name, value in fields.items():
        setattr(kind, name, value)
    if active is not None:
        kind.active = bool(active)
    db.session.flush()
    return kind


def _mentions(value: Any, code: str) -> bool:
    """Whether a standard (loaded dataclasses, or a stored document's mappings) reads the kind:
    the metric ``flags.<code>`` anywhere, or the shorthand ``{finding: <code>}``."""
    if isinstance(value, str):
        return value == f"flags.{code}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_mentions(getattr(value, f.name), code) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        if value.get("finding") == code:
            return True
        return any(_mentions(v, code) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_mentions(v, code) for v in value)
    return False


def kind_users(code: str) -> list[str]:
    """What reads a finding kind, named as the host admin knows it: the shipped standards, the
    county's standard versions (drafts too) and units' own settings in the database.

    Files under ``tenants/`` are only an import path and are not consulted.
    """
    found: list[str] = []
    registry = current_app.extensions.get("branchmark_plugins")
    if registry is not None:
        for unit_type in registry.unit_types():
            for standard in registry.standards(unit_type.key):
                if _mentions(standard, code):
                    found.append(_("插件自带的「%(title)s」（%(version)s）", title=standard.title, version=standard.version))
    for version in db.session.scalars(
        select(StandardVersion).join(CountyStandard).order_by(CountyStandard.unit_type, StandardVersion.number)
    ):
        if _mentions(version.document, code):
            found.append(
                _(
                    "县级评分标准「%(title)s」第%(number)d版（%(status)s）",
                    title=version.document.get("title") or version.county_standard.title,
                    number=version.number,
                    status=VERSION_STATUSES[version.status],
                )
            )
    with host_scope():  # every unit's own settings count
        rows = db.session.execute(
            select(Tenant.name, UnitStandardSetting.extra_items, UnitStandardSetting.vetoes)
            .join(Tenant, Tenant.id == UnitStandardSetting.tenant_id)
            .order_by(Tenant.name)
        ).all()
    for name, extra_items, vetoes in rows:
        if _mentions(extra_items, code) or _mentions(vetoes, code):
            found.append(_("单位「%(name)s」的本单位评分设置", name=name))
    return found


def delete_kind(kind: FindingKind) -> None:
    """Delete a kind nothing uses yet (one added by mistake).

    :raises RecordError: when a finding of this kind exists or a standard reads it; the message
        says which, so the admin deactivates it instead.
    """
    with host_scope():  # findings of every unit count
        used = db.session.scalar(select(func.count(Finding.id)).where(Finding.finding == kind.code))
    reasons = []
    if used:
        reasons.append(_("已有 %(count)d 条认定属于此类别", count=used))
    users = kind_users(kind.code)
    if users:
        reasons.append(_("%(names)s用到了此类别", names="、".join(users)))
    if reasons:
        raise RecordError(
            {"code": _("不能删除：%(reasons)s。可改为停用，停用后不能再记录此类认定。", reasons="；".join(reasons))}
        )
    db.session.delete(kind)
    db.session.flush()


# --- findings and honours --------------------------------------------------------------------


def _branch_year(organization: Organization, year: Any, errors: dict[str, str]) -> int | None:
    if not organization.is_branch:
        errors["branch"] = _("只能对党支部（含联合党支部）记录")
    try:
        value = int(year)
    except (TypeError, ValueError):
        errors["year"] = _("请填写年度")
        return None
    if not 2000 <= value <= local_today().year + 1:
        errors["year"] = _("年度 %(year)s 不在可记录的范围内", year=value)
        return None
    return value


def record_finding(
    organization: Organization,
    *,
    year: int,
    finding: str,
    decided_on: dt.date,
    document: str,
    recorded_by: str,
    note: str | None = None,
    evidence: Upload | None = None,
) -> Finding:
    """Record a higher organization's finding about a branch (veto grounds); the caller commits.

    :param finding: the code of an active kind in the county's list.
    :param evidence: the deciding document as PDF/JPG/PNG (optional), stored like 六有 evidence.
    :raises RecordError: naming every bad field in Chinese; nothing is added.
    """
    errors: dict[str, str] = {}
    year_value = _branch_year(organization, year, errors)
    kind = kind_by_code(finding or "")
    if kind is None or not kind.active:
        active = "、".join(f"{k.label_zh}（{k.code}）" for k in _active_kinds())
        errors["finding"] = _("认定类别须为：%(kinds)s", kinds=active)
    document = _text(document, "document", errors, required=_("请填写认定所依据的文件（文件名称或文号）"), limit=DOCUMENT_LIMIT)
    note = _text(note, "note", errors, required=None, limit=TEXT_LIMIT) or None
    if not isinstance(decided_on, dt.date):
        errors["decided_on"] = _("请填写认定日期")
    elif decided_on > local_today():
        errors["decided_on"] = _("认定日期不能晚于今天")
    elif year_value is not None and decided_on.year not in (year_value, year_value + 1):
        errors["decided_on"] = _("认定日期 %(day)s 与考核年度 %(year)s 不符", day=decided_on, year=year_value)
    content = _evidence(evidence, errors)
    if errors:
        raise RecordError(errors)
    stored = None
    if content is not None:
        stored = store_upload(
            content, tenant_id=organization.tenant_id, folder="findings",
            prefix=f"{organization.id}-{finding}",
        )
    record = Finding(
        organization_id=organization.id, year=year_value, finding=finding, decided_on=decided_on,
        document=document, note=note, recorded_by=recorded_by, evidence_file=stored,
    )
    db.session.add(record)
    db.session.flush()
    return record


def _active_kinds() -> Iterable[FindingKind]:
    return finding_kinds(active_only=True)


def record_honour(
    organization: Organization,
    *,
    year: int,
    name: str,
    level: str,
    awarded_on: dt.date,
    awarded_by: str,
    document: str | None = None,
    note: str | None = None,
    recorded_by: str | None = None,
    evidence: Upload | None = None,
) -> Honour:
    """Record a commendation of a branch (read by bonus items); the caller commits.

    :raises RecordError: naming every bad field in Chinese; nothing is added.
    """
    errors: dict[str, str] = {}
    year_value = _branch_year(organization, year, errors)
    name = _text(name, "name", errors, required=_("请填写表彰名称"), limit=200)
    if level not in HONOUR_LEVELS:
        errors["level"] = _("表彰级别须为：%(levels)s", levels="、".join(str(v) for v in HONOUR_LEVELS.values()))
    awarded_by = _text(awarded_by, "awarded_by", errors, required=_("请填写表彰机关"), limit=200)
    document = _text(document, "document", errors, required=None, limit=DOCUMENT_LIMIT) or None
    note = _text(note, "note", errors, required=None, limit=TEXT_LIMIT) or None
    if not isinstance(awarded_on, dt.date):
        errors["awarded_on"] = _("请填写表彰日期")
    elif awarded_on > local_today():
        errors["awarded_on"] = _("表彰日期不能晚于今天")
    elif year_value is not None and awarded_on.year != year_value:
        errors["awarded_on"] = _("表彰日期 %(day)s 不在 %(year)s 年", day=awarded_on, year=year_value)
    content = _evidence(evidence, errors)
    if errors:
        raise RecordError(errors)
    stored = None
    if content is not None:
        stored = store_upload(
            content, tenant_id=organization.tenant_id, folder="honours", prefix=str(organization.id)
        )
    record = Honour(
        organization_id=organization.id, year=year_value, name=name, level=level,
        awarded_on=awarded_on, awarded_by=awarded_by, document=document, note=note,
        recorded_by=recorded_by, evidence_file=stored,
    )
    db.session.add(record)
    db.session.flush()
    return record


def revoke(record: Finding | Honour, *, reason: str | None, revoked_by: str, today: dt.date | None = None) -> Finding | Honour:
    """Revoke a finding or honour with a reason: the row stays for the record and stops counting.

    :raises RecordError: no reason, or already revoked.
    """
    errors: dict[str, str] = {}
    if record.revoked_on is not None:
        errors["reason"] = _("该记录已于 %(day)s 撤销", day=record.revoked_on)
    text = _text(reason, "reason", errors, required=_("请填写撤销理由"), limit=TEXT_LIMIT)
    if errors:
        raise RecordError(errors)
    record.revoked_on = today or local_today()
    record.revoked_by = revoked_by
    record.revoked_reason = text
    db.session.flush()
    return record


def records_of(organization_ids: list[int], *, model: type[Finding] | type[Honour]) -> list[Any]:
    """Findings or honours of some organizations of the current unit, newest first."""
    if not organization_ids:
        return []
    date = model.decided_on if model is Finding else model.awarded_on
    return list(
        db.session.scalars(
            select(model)
            .where(model.organization_id.in_(organization_ids))
            .order_by(model.year.desc(), date.desc(), model.id.desc())
        )
    )
