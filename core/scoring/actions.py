"""Writes of the scoring workflow: on-site scores, exemptions, rectifications, the unit's plugin.

Each function checks its input and raises :class:`~core.validation.RecordError` (field → Chinese
message) before changing anything; the caller commits. Who may call which is decided here too,
so the web page and any later API refuse the same people.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from core.accounts.access import can_view_tenant
from core.accounts.models import User
from core.authoring.services import effective_standard
from core.extensions import db
from core.host.models import Tenant
from core.metrics import BRANCH_KINDS
from core.organizations.models import Organization
from core.plugins.manager import PluginRegistry, UnknownUnitType
from core.scoring.models import Exemption, ManualScore, Rectification
from core.standards.model import Item
from core.standards.rules import is_on_site, onsite_choices
from core.timezone import local_today
from core.validation import RecordError

#: Longest comment or note kept with a score, exemption or rectification.
TEXT_LIMIT = 2000


def can_supervise(user: User, tenant: Tenant) -> bool:
    """Supervisors (and the county department above them) act on units in their scope."""
    return user.role in ("supervisor", "host_admin") and can_view_tenant(user, tenant)


def can_administer_unit(user: User, tenant: Tenant) -> bool:
    """The unit's own admin (or the county department) manages the unit's settings."""
    return user.role == "host_admin" or (user.role == "unit_admin" and user.tenant_id == tenant.id)


def _display(user: User) -> str:
    return user.display_name or user.username


def manual_items(tenant: Tenant, year: int, registry: PluginRegistry) -> list[Item]:
    """The on-site items (``manual``, and ``levels`` judged on site) of the standard in force at
    the end of the year."""
    try:
        standard = effective_standard(tenant.unit_type, on=dt.date(year, 12, 31), registry=registry)
    except (UnknownUnitType, LookupError):
        return []
    return [item for block in standard.blocks for item in block.items if is_on_site(item)]


def scorable_items(tenant: Tenant, year: int, registry: PluginRegistry) -> list[Item]:
    """Every item of the year's standard (what an exemption may name)."""
    try:
        standard = effective_standard(tenant.unit_type, on=dt.date(year, 12, 31), registry=registry)
    except (UnknownUnitType, LookupError):
        return []
    return [item for block in standard.blocks for item in block.items]


def _text(value: str | None, field: str, label: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise RecordError({field: f"请填写{label}"})
    if len(text) > TEXT_LIMIT:
        raise RecordError({field: f"{label}不能超过{TEXT_LIMIT}字"})
    return text


def _branch(organization: Organization) -> None:
    if organization.kind not in BRANCH_KINDS:
        raise RecordError({"organization": f"{organization.name} 不是党支部，不单独评分"})


def enter_manual_score(
    user: User,
    tenant: Tenant,
    organization: Organization,
    *,
    year: int,
    item_id: str,
    points: str | Decimal | None,
    comment: str | None,
    registry: PluginRegistry,
    today: dt.date | None = None,
) -> ManualScore:
    """Record (or replace) a supervisor's on-site score for one manual item of a branch.

    :raises PermissionError: when the user does not supervise the unit.
    :raises RecordError: unknown item, points not a number or outside 0…max, not one of the
        item's levels or allowed deductions, no comment.
    """
    if not can_supervise(user, tenant):
        raise PermissionError("not a supervisor of this unit")
    _branch(organization)
    items = {item.id: item for item in manual_items(tenant, year, registry)}
    item = items.get(item_id or "")
    if item is None:
        raise RecordError({"item_id": "请选择需要现场检查评分的项目"})
    try:
        value = Decimal(str(points).strip())
    except (InvalidOperation, AttributeError):
        raise RecordError({"points": "得分须为数字"}) from None
    if points is None or str(points).strip() == "" or not value.is_finite():
        raise RecordError({"points": "得分须为数字"})
    if value < 0 or value > item.max:
        raise RecordError(
            {
                "points": f"得分须在0至{item.max.normalize():f}分之间（{item.title}满分{item.max.normalize():f}分）"
            }
        )
    if value.normalize().as_tuple().exponent < -2:
        raise RecordError({"points": "得分最多保留两位小数"})
    choices = onsite_choices(item)
    if choices is not None and value not in {score for _, score in choices}:
        offered = "、".join(f"{label}（{score.normalize():f}分）" for label, score in choices)
        raise RecordError({"points": f"「{item.title}」只能选择：{offered}"})
    text = _text(comment, "comment", "检查意见", required=True)
    row = db.session.scalar(
        select(ManualScore).where(
            ManualScore.organization_id == organization.id,
            ManualScore.year == year,
            ManualScore.item_id == item.id,
        )
    )
    if row is None:
        row = ManualScore(organization_id=organization.id, year=year, item_id=item.id)
        db.session.add(row)
    row.points = value
    row.comment = text
    row.entered_by = _display(user)
    row.entered_on = today or local_today()
    db.session.flush()
    return row


def request_exemption(
    user: User,
    tenant: Tenant,
    organization: Organization,
    *,
    item_id: str,
    reason: str | None,
    until: str | dt.date | None,
    registry: PluginRegistry,
    today: dt.date | None = None,
) -> Exemption:
    """A unit admin asks that one item not count against a branch until a day.

    :raises PermissionError: when the user does not administer the unit.
    :raises RecordError: unknown item, no reason, a bad or past date, a request already open.
    """
    if not can_administer_unit(user, tenant):
        raise PermissionError("not this unit's admin")
    today = today or local_today()
    _branch(organization)
    items = {item.id: item for item in scorable_items(tenant, today.year, registry)}
    if (item_id or "") not in items:
        raise RecordError({"item_id": "请选择评分标准中的项目"})
    text = _text(reason, "reason", "豁免理由", required=True)
    if isinstance(until, dt.date):
        expires = until
    else:
        try:
            expires = dt.date.fromisoformat((until or "").strip())
        except ValueError:
            raise RecordError({"until": "有效期须为日期，格式 YYYY-MM-DD"}) from None
    if expires < today:
        raise RecordError({"until": "有效期不能早于今天"})
    pending = db.session.scalar(
        select(Exemption.id).where(
            Exemption.organization_id == organization.id,
            Exemption.item_id == item_id,
            Exemption.status == "requested",
        )
    )
    if pending is not None:
        raise RecordError({"item_id": "该支部此项目已有待审批的豁免申请"})
    row = Exemption(
        organization_id=organization.id,
        item_id=item_id,
        reason=text,
        expires_on=expires,
        status="requested",
        requested_by=_display(user),
    )
    db.session.add(row)
    db.session.flush()
    return row


def decide_exemption(
    user: User, tenant: Tenant, exemption: Exemption, *, approve: bool, today: dt.date | None = None
) -> Exemption:
    """A supervisor in scope approves or rejects a requested exemption.

    :raises PermissionError: when the user does not supervise the unit.
    :raises RecordError: when the request was already decided.
    """
    if not can_supervise(user, tenant):
        raise PermissionError("not a supervisor of this unit")
    if exemption.status != "requested":
        raise RecordError({"status": "该申请已处理，不能重复审批"})
    exemption.status = "approved" if approve else "rejected"
    exemption.approved_by = _display(user)
    exemption.decided_on = today or local_today()
    db.session.flush()
    return exemption


def close_rectification(
    user: User,
    tenant: Tenant,
    task: Rectification,
    *,
    note: str | None,
    today: dt.date | None = None,
) -> Rectification:
    """A supervisor in scope closes (销号) a rectification task with a note on what was done.

    :raises PermissionError: when the user does not supervise the unit.
    :raises RecordError: no note, or the task is already closed.
    """
    if not can_supervise(user, tenant):
        raise PermissionError("not a supervisor of this unit")
    if task.status != "open":
        raise RecordError({"status": "该整改任务已销号"})
    task.note = _text(note, "note", "整改情况说明", required=True)
    task.status = "closed"
    task.closed_by = _display(user)
    task.closed_on = today or local_today()
    db.session.flush()
    return task


def set_plugin_enabled(
    user: User, tenant: Tenant, enabled: bool, registry: PluginRegistry
) -> Tenant:
    """Switch the unit's unit-type plugin on or off; off means the unit is reported, not scored.

    :raises PermissionError: when the user does not administer the unit.
    :raises RecordError: switching on a plugin that is not installed.
    """
    if not can_administer_unit(user, tenant):
        raise PermissionError("not this unit's admin")
    if enabled:
        try:
            registry.unit_type(tenant.unit_type)
        except UnknownUnitType:
            raise RecordError(
                {"plugin_enabled": f"单位类型 {tenant.unit_type} 的插件未安装，不能启用"}
            ) from None
    tenant.plugin_enabled = enabled
    db.session.flush()
    return tenant
