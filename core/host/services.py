"""Host operations: create units and read county parameters."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from sqlalchemy import select

from core.extensions import db
from core.host.models import HostParameter, Tenant

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


class TenantError(ValueError):
    """Bad unit input; the message is Chinese and names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def known_unit_types() -> set[str] | None:
    """Unit-type keys the plugin registry knows, or None when no registry is loaded."""
    registry = current_app.extensions.get("branchmark_plugins")
    if registry is None:
        return None
    return {unit_type.key for unit_type in registry.unit_types()}


def create_tenant(
    *, slug: str, name: str, unit_type: str, sub_kind: str | None = None, **fields: Any
) -> Tenant:
    """Create a unit after checking every field; nothing is written when a field is wrong.

    :raises TenantError: naming the bad field, in Chinese.
    """
    if not SLUG.match(slug or ""):
        raise TenantError("slug", "单位代码须为 3–64 位小写字母、数字或连字符，且不以连字符开头或结尾")
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise TenantError("slug", f"单位代码 {slug} 已存在")
    if not (name or "").strip():
        raise TenantError("name", "请填写单位名称")
    known = known_unit_types()
    if known is not None and unit_type not in known:
        raise TenantError("unit_type", f"未知的单位类型 {unit_type}，可选：{', '.join(sorted(known))}")
    tenant = Tenant(slug=slug, name=name.strip(), unit_type=unit_type, sub_kind=sub_kind, **fields)
    db.session.add(tenant)
    return tenant


def host_parameters() -> dict[str, Any]:
    """Every county parameter as a plain mapping."""
    return {p.key: p.value for p in db.session.scalars(select(HostParameter))}
