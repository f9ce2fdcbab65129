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

from core import safe_yaml
from core.extensions import db
from core.host.models import HostParameter, Tenant
from core.standards.overrides import TenantOverrides


class OverrideFileError(ValueError):
    """A ``tenants/`` override file cannot be read; the message names the file."""


def county_parameter_rows() -> list[HostParameter]:
    """Every county parameter, read once per scoring run."""
    return list(db.session.scalars(select(HostParameter).order_by(HostParameter.key)))


def county_parameters(
    unit_type: str, rows: list[HostParameter] | None = None, *, known: set[str] | None = None
) -> dict[str, Any]:
    """County-wide parameter values for a unit type (``all.*`` first, then ``<type>.*``).

    :param known: the unit type's parameter keys; an ``all.*`` value for a parameter the type
        does not have is left out (it is meant for the types that have it).
    """
    values: dict[str, Any] = {}
    if rows is None:
        rows = county_parameter_rows()
    for prefix in ("all.", f"{unit_type}."):
        for row in rows:
            if row.key.startswith(prefix):
                key = row.key[len(prefix):]
                if prefix == "all." and known is not None and key not in known:
                    continue
                values[key] = row.value
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
        data = safe_yaml.load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise OverrideFileError(f"{path}: YAML 格式错误：{error}") from error
    if not isinstance(data, dict):
        raise OverrideFileError(f"{path}: 应为键值映射")
    unknown = set(data) - {"parameters", "disabled_items", "extra_items", "bands", "sources", "vetoes"}
    if unknown:
        raise OverrideFileError(f"{path}: 不认识的项 {', '.join(sorted(unknown))}")
    return data


def _known_parameters(unit_type: str) -> set[str] | None:
    registry = current_app.extensions.get("branchmark_plugins")
    if registry is None:
        return None
    try:
        return {p.key for p in registry.unit_type(unit_type).parameters}
    except KeyError:
        return None


def overrides_for(tenant: Tenant, *, county_rows: list[HostParameter] | None = None) -> TenantOverrides:
    """Every override that applies to a unit, merged in order."""
    path = override_file(tenant.slug)
    data = read_override_file(path)
    known = _known_parameters(tenant.unit_type)
    parameters = {
        **county_parameters(tenant.unit_type, county_rows, known=known),
        **(data.get("parameters") or {}),
        **(tenant.parameters or {}),
    }
    origin = f"tenants/overrides/{tenant.slug}.yaml" if data else "县级参数与单位设置"
    return TenantOverrides(
        parameters=parameters,
        disabled_items=data.get("disabled_items") or {},
        extra_items=data.get("extra_items") or {},
        bands=data.get("bands"),
        sources=data.get("sources") or (),
        vetoes=data.get("vetoes") or (),
        origin=origin,
    )
