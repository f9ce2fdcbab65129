"""Hook specifications: the contract between Branchmark and its unit-type plugins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from core.standards.catalogue import MetricFamily
    from core.standards.types import Formula, UnitType

PROJECT_NAME = "branchmark"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)

# -------------------------------------------------------------------------
# Registration hooks. The registry calls each of them once, when it is
# created, and checks the returned records' names for uniqueness.
# -------------------------------------------------------------------------


@hookspec
def branchmark_unit_types() -> Iterable[UnitType] | None:
    """Supply the unit types (单位类型) this plugin defines.

    Called once per registry, before :func:`branchmark_formulas`. Nothing is passed.

    :returns: an iterable of :class:`~core.standards.types.UnitType` records. Each record's ``key``
        must be unique across all plugins; on a clash the registry refuses to start and names
        every plugin that supplied the key. The standard files a unit type lists are loaded and
        checked at the same time. A unit type also carries its data: cadences, set-up rules, the
        六有 checklist and ``document_types`` (:class:`~core.standards.types.DocumentType`: the
        party-building documents its units keep, each with a due day and any 评议结果), which
        the ``documents.<kind>.<type>`` metrics and the documents page read. ``None`` (or an empty iterable) means the plugin defines no unit
        type, e.g. a plugin that only adds formulas to another plugin's unit type.

    Results of all plugins are collected; this is not a ``firstresult`` hook.

    .. versionadded:: 0.1
    """


@hookspec
def branchmark_formulas() -> Iterable[Formula] | None:
    """Supply named formulas (required funding, required party-affairs staff …).

    Called once per registry, after :func:`branchmark_unit_types`. Nothing is passed.

    :returns: an iterable of :class:`~core.standards.types.Formula` records. ``(unit_type, name)``
        must be unique across all plugins, and ``unit_type`` must be the key of a registered
        unit type (possibly another plugin's). Rubric items of kind ``formula`` name a formula of
        their own unit type. ``None`` means the plugin supplies no formula.

    Results of all plugins are collected; this is not a ``firstresult`` hook.

    .. versionadded:: 0.1
    """


@hookspec
def branchmark_metric_families() -> Iterable[MetricFamily] | None:
    """Supply metric families: metrics a standard may read, declared and computed together.

    Called once per registry, after :func:`branchmark_formulas`. Nothing is passed.

    :returns: an iterable of :class:`~core.standards.catalogue.MetricFamily` records, each a
        :class:`~core.standards.catalogue.FamilySpec` (key, Chinese label, the records it reads,
        a docstring and one :class:`~core.standards.catalogue.MetricSpec` per metric: name,
        label, value type, level, unit) bound to a ``compute(scope)`` function. ``compute``
        receives a :class:`core.metrics.scope.Scope` (the period, the branches and a
        ``scoped()`` query helper) and returns branch id → metric name → value for every branch
        of the scope, using a constant number of statements however large the scope is. Family
        keys and metric names must be unique across the built-in families and all plugins; on a
        clash the registry refuses to start. Rubric files may then read the new metrics, and
        ``branchmark standard metrics`` lists them. ``None`` means the plugin adds no metric.

    Results of all plugins are collected; this is not a ``firstresult`` hook.

    .. versionadded:: 0.2
    """


# -------------------------------------------------------------------------
# Reporting hooks. Called while a scorecard is rendered.
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def branchmark_report_template(unit_type: UnitType) -> str | None:
    """Choose the scorecard template for a unit type, overriding its own ``report_template``.

    Lets a plugin re-skin the cards of unit types it does not own (e.g. a county's house style).
    Per-tenant template files in ``tenants/`` still take precedence over any plugin.

    :param unit_type: the unit type whose scorecard is about to be rendered.
    :returns: a template path relative to ``templates/``. ``None`` means this plugin has no
        opinion; when every plugin returns ``None`` the unit type's own ``report_template`` is
        used, and when that is ``None`` too the default scorecard template.

    Stops at first non-None result (``firstresult``).

    .. versionadded:: 0.1
    """
