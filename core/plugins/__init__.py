"""Unit-type plugins: the pluggy markers, typed records and the registry callers use."""

from __future__ import annotations

from typing import Any

import pluggy

from core.plugins.hookspecs import PROJECT_NAME

#: Marks a plugin's hook implementations: ``@hookimpl def branchmark_unit_types(): …``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

_MANAGER_NAMES = (
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginError",
    "PluginRegistry",
    "UnknownUnitType",
    "create_registry",
    "get_registry",
    "init_app",
)

__all__ = ["PROJECT_NAME", "hookimpl", *_MANAGER_NAMES]


def __getattr__(name: str) -> Any:
    # The manager needs core.standards, whose records import core.plugins.types; importing it
    # lazily lets either package be imported first without a cycle.
    if name in _MANAGER_NAMES:
        from core.plugins import manager

        return getattr(manager, name)
    raise AttributeError(f"module 'core.plugins' has no attribute {name!r}")
