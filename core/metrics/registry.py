"""The table of metric families, and :func:`compute_metrics`, which runs them for a scope.

Declaring a family takes two steps: its :class:`~core.standards.catalogue.FamilySpec` (names,
labels, types, levels, units, the records read) in :mod:`core.standards.catalogue`, and its
computation here, bound with :func:`family`::

    @family(catalogue.HONOURS)
    def honours(scope: Scope) -> dict[int, dict[str, Any]]:
        ...  # a constant number of statements for the whole scope
        return {branch.id: {"honours.items": [...]} for branch in scope.branches}

Plugins supply further :class:`~core.standards.catalogue.MetricFamily` records through the
``branchmark_metric_families`` hook; :func:`compute_metrics` runs them after the built-in ones.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from core.metrics.scope import Scope
from core.standards.catalogue import (
    BUILTIN_FAMILIES,
    Catalogue,
    FamilyCompute,
    FamilySpec,
    MetricFamily,
    default_catalogue,
)
from core.standards.periods import Period

if TYPE_CHECKING:
    from core.plugins.manager import PluginRegistry

#: Units whose records are read together: Python holds one batch's rows at a time, so memory
#: stays flat as the county grows, and the statements grow only with the number of batches.
UNITS_PER_BATCH = 200

#: The modules holding the built-in families' computations, imported on first use.
FAMILY_MODULES = (
    "core.metrics.period",
    "core.metrics.organization",
    "core.metrics.meetings",
    "core.metrics.training",
    "core.metrics.dues",
    "core.metrics.fiscal",
    "core.metrics.staffing",
    "core.metrics.facilities",
    "core.metrics.appraisal",
    "core.metrics.development",
    "core.metrics.flags",
    "core.metrics.honours",
    "core.metrics.committee_roles",
    "core.metrics.lessons",
    "core.metrics.attendance_detail",
    "core.metrics.mass",
    "core.metrics.documents",
    "core.metrics.setup",
    "core.metrics.publicity",
)

_BOUND: dict[str, MetricFamily] = {}


def family(spec: FamilySpec) -> Callable[[FamilyCompute], FamilyCompute]:
    """Bind a built-in family's declaration to the function that computes it.

    :raises ValueError: when the family is bound twice or is not a built-in declaration.
    """

    def bind(compute: FamilyCompute) -> FamilyCompute:
        if spec not in BUILTIN_FAMILIES:
            raise ValueError(f"metric family {spec.key!r} is not declared in core.standards.catalogue")
        if spec.key in _BOUND and _BOUND[spec.key].compute is not compute:
            raise ValueError(f"metric family {spec.key!r} is computed twice")
        _BOUND[spec.key] = MetricFamily(spec, compute)
        return compute

    return bind


def builtin_families() -> tuple[MetricFamily, ...]:
    """:returns: every built-in family with its computation, in catalogue order.
    :raises LookupError: when a declared family has no computation."""
    for name in FAMILY_MODULES:
        importlib.import_module(name)
    missing = [spec.key for spec in BUILTIN_FAMILIES if spec.key not in _BOUND]
    if missing:
        raise LookupError(f"metric families declared but not computed: {', '.join(missing)}")
    return tuple(_BOUND[spec.key] for spec in BUILTIN_FAMILIES)


def families(registry: PluginRegistry | None = None) -> tuple[MetricFamily, ...]:
    """:param registry: the plugin registry; by default the current app's, when there is one.
    :returns: the built-in families, then those the plugins supply."""
    registry = registry if registry is not None else _current_registry()
    plugin = registry.metric_families() if registry is not None else ()
    return (*builtin_families(), *plugin)


def _current_registry() -> PluginRegistry | None:
    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    return current_app.extensions.get("branchmark_plugins")


def finding_codes() -> dict[str, Any]:
    """:returns: the kinds of finding (code → label) a ``flags.<code>`` metric exists for.

    The one place the flags family and the catalogue learn the finding kinds from; it is called
    whenever metrics are computed or a rubric is checked, never at start-up, so it may read the
    county's own finding kinds from the database (inactive kinds too: findings recorded before a
    kind was switched off still count for their year).
    """
    from core.findings.kinds import finding_kinds

    return {kind.code: kind.label_zh for kind in finding_kinds()}


def static_vocabularies() -> dict[str, Mapping[str, Any]]:
    """:returns: the placeholder codes fixed by the platform (event kinds), known at start-up.

    The plugin registry checks the shipped rubric files with these; finding kinds are county
    data and stay open there (any well-formed ``flags.<code>`` passes the start-up check).
    """
    from core.vocabulary import COMMITTEE_ROLES, EVENT_KINDS, MASS_ORGANIZATION_KINDS

    return {
        "event_kind": dict(EVENT_KINDS),
        "committee_role": dict(COMMITTEE_ROLES),
        "mass_kind": dict(MASS_ORGANIZATION_KINDS),
    }


def metric_catalogue(
    registry: PluginRegistry | None = None, *, county_vocabularies: bool = True
) -> Catalogue:
    """The catalogue of every family (built-in and plugin) with the codes in use.

    :param registry: whose plugin families to include; by default the current app's.
    :param county_vocabularies: also close ``flags.<finding>`` to the finding kinds of
        :func:`finding_codes`; ``False`` leaves it open (the generated documentation).
    """
    registry = registry if registry is not None else _current_registry()
    specs = [f.spec for f in registry.metric_families()] if registry is not None else []
    vocabularies = static_vocabularies()
    if registry is not None:
        vocabularies["document_type"] = registry.document_type_labels()
    if county_vocabularies:
        vocabularies["finding"] = finding_codes()
    return default_catalogue(specs, vocabularies)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (and freeze what exists) for a scoring pass.

    A pass allocates many small containers and frees almost nothing cyclic, so the collector's
    scans are wasted work; reference counting still frees everything as usual. Restored after,
    also when the pass fails.
    """
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def compute_metrics(
    period: Period,
    *,
    tenant_ids: Iterable[int] | None = None,
    registry: PluginRegistry | None = None,
    evidence: bool = True,
) -> dict[int, dict[str, Any]]:
    """Facts for every branch of the scope in one period.

    Each family reads its tables once per batch of :data:`UNITS_PER_BATCH` units (a unit, or the
    county inside ``host_scope()``), aggregating in the database, so the number of statements
    does not grow with the branches, members or events.

    :param period: the year and the day records are read on.
    :param tenant_ids: restrict to these units (use inside ``host_scope()`` for several units);
        ``None`` means every unit the current tenant filter lets through (one batch).
    :param registry: whose plugin families to run as well; by default the current app's.
    :param evidence: also compute the metrics that only explain a result (see
        :attr:`~core.standards.catalogue.MetricSpec.evidence`); a ranking pass passes ``False``.
    :returns: branch id → flat mapping of metric name → value.
    """
    registry = registry if registry is not None else _current_registry()
    chosen = families(registry)
    ids = list(tenant_ids) if tenant_ids is not None else None
    batches = [None] if ids is None else [ids[i : i + UNITS_PER_BATCH] for i in range(0, len(ids), UNITS_PER_BATCH)]
    results: dict[int, dict[str, Any]] = {}
    with paused_gc():
        for batch in batches:
            scope = Scope(period, batch, evidence=evidence, registry=registry)
            if not scope.branches:
                continue
            found: dict[int, dict[str, Any]] = {branch.id: {} for branch in scope.branches}
            for metric_family in chosen:
                for branch_id, values in metric_family.compute(scope).items():
                    if branch_id in found:
                        found[branch_id].update(values)
            results.update(found)
    return results


__all__ = [
    "FAMILY_MODULES",
    "builtin_families",
    "compute_metrics",
    "families",
    "paused_gc",
    "family",
    "finding_codes",
    "metric_catalogue",
    "static_vocabularies",
]
