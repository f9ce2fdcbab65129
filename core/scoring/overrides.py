"""Where a unit's overrides come from: county parameters, ``tenants/`` files and the database.

Later sources win: county parameters (``<unit_type>.<key>`` or ``all.<key>`` host parameters),
then ``tenants/overrides/<slug>.yaml``, then the unit's own parameters set in the UI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from sqlalchemy import select

from core.extensions import db
from core.host.models import HostParameter, Tenant
from core.standards.overrides import TenantOverrides


class OverrideFileError(ValueError):
    """A ``tenants/`` override file cannot be read; the message names the file."""


def county_parameters(unit_type: str) -> dict[str, Any]:
    """County-wide parameter values for a unit type (``all.*`` first, then ``<type>.*``)."""
    values: dict[str, Any] = {}
    rows = db.session.scalars(select(HostParameter).order_by(HostParameter.key)).all()
    for prefix in ("all.", f"{unit_type}."):
        for row in rows:
            if row.key.startswith(prefix):
                values[row.key[len(prefix):]] = row.value
    return values


def override_file(slug: str) -> Path:
    return Path(current_app.config["TENANTS_DIR"]) / "overrides" / f"{slug}.yaml"


def read_override_file(path: Path) -> dict[str, Any]:
    """The mapping in an override file, or an empty one when there is no file.

    :raises OverrideFileError: when the file is not a YAML mapping.
    """
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise OverrideFileError(f"{path}: YAML 格式错误：{error}") from error
    if not isinstance(data, dict):
        raise OverrideFileError(f"{path}: 应为键值映射")
    unknown = set(data) - {"parameters", "disabled_items", "extra_items", "bands"}
    if unknown:
        raise OverrideFileError(f"{path}: 不认识的项 {', '.join(sorted(unknown))}")
    return data


def overrides_for(tenant: Tenant) -> TenantOverrides:
    """Every override that applies to a unit, merged in order."""
    path = override_file(tenant.slug)
    data = read_override_file(path)
    parameters = {
        **county_parameters(tenant.unit_type),
        **(data.get("parameters") or {}),
        **(tenant.parameters or {}),
    }
    origin = f"tenants/overrides/{tenant.slug}.yaml" if data else "县级参数与单位设置"
    return TenantOverrides(
        parameters=parameters,
        disabled_items=data.get("disabled_items") or {},
        extra_items=data.get("extra_items") or {},
        bands=data.get("bands"),
        origin=origin,
    )
