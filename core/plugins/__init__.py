"""Unit-type plugins: the pluggy markers, typed records and the registry callers use.

Imports run one way: plugins → standards (records, rubric files, evaluation) → nothing of the web.
"""

from __future__ import annotations

import pluggy

from core.plugins.hookspecs import PROJECT_NAME
from core.plugins.manager import (
    DEFAULT_PLUGINS,
    ENTRY_POINT_GROUP,
    PluginError,
    PluginRegistry,
    UnknownUnitType,
    create_registry,
    get_registry,
    init_app,
)

#: Marks a plugin's hook implementations: ``@hookimpl def branchmark_unit_types(): …``.
#: (Plugins are imported when a registry is created, after this module has finished.)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PROJECT_NAME",
    "PluginError",
    "PluginRegistry",
    "UnknownUnitType",
    "create_registry",
    "get_registry",
    "hookimpl",
    "init_app",
]
