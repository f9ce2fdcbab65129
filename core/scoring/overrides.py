"""Where a unit's overrides come from: county parameters and the unit's own, in the database.

Later sources win: county parameters (``<unit_type>.<key>`` or ``all.<key>`` host parameters),
then the unit's own parameters, switched-off items (approved) and local items and bands.
``tenants/overrides/<slug>.yaml`` files are an import path only (``branchmark overrides import``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from sqlalchemy import select

from core import safe_yaml
from core.authoring.models import UnitItemSwitch, UnitStandardSetting
from core.authoring.services import unit_override_rows
from core.extensions import db
from core.host.models import HostParameter, Tenant
from core.standards.overrides import TenantOverrides
from core.tenancy import use_tenant


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


def overrides_for(
    tenant: Tenant,
    *,
    county_rows: list[HostParameter] | None = None,
    unit_rows: tuple[list[UnitItemSwitch], UnitStandardSetting | None] | None = None,
) -> TenantOverrides:
    """Every override that applies to a unit: county parameters, then the unit's own, from the
    database (``branchmark overrides import`` brings ``tenants/overrides`` files in).

    A switched-off item counts only once a supervisor approved it.

    :param unit_rows: the unit's switches and setting when already read (county scoring).
    """
    known = _known_parameters(tenant.unit_type)
    parameters = {
        **county_parameters(tenant.unit_type, county_rows, known=known),
        **(tenant.parameters or {}),
    }
    if unit_rows is None:
        with use_tenant(tenant.id):
            unit_rows = unit_override_rows([tenant.id])[tenant.id]
    switches, setting = unit_rows
    disabled = {
        s.item_id: f"{s.reason}（{s.decided_by}于{s.decided_on.isoformat() if s.decided_on else ''}批准）"
        for s in switches
        if s.status == "approved"
    }
    return TenantOverrides(
        parameters=parameters,
        disabled_items=disabled,
        extra_items=(setting.extra_items if setting else None) or {},
        bands=setting.bands if setting else None,
        sources=(setting.sources if setting else None) or (),
        vetoes=(setting.vetoes if setting else None) or (),
        origin="单位设置",
    )
