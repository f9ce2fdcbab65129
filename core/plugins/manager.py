"""The plugin registry: loads unit-type plugins once and answers typed questions about them."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from core.plugins import hookspecs
from core.standards.catalogue import BUILTIN_FAMILIES, Catalogue, MetricFamily, default_catalogue
from core.standards.loader import StandardFileError, load_standard
from core.standards.model import Standard
from core.standards.types import Formula, UnitType

if TYPE_CHECKING:
    from flask import Flask

#: Built-in plugins, registered explicitly and in this order before any third-party plugin.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "plugins.organ",
    "plugins.soe",
    "plugins.two_new",
    "plugins.school",
)
ENTRY_POINT_GROUP = "branchmark.plugins"
EXTENSION_KEY = "branchmark_plugins"

Record = TypeVar("Record")



class NoStandardInEffect(LookupError):
    """No version of a unit type's standard is in effect on a day (pages and API answer 404).

    :param unit_type: the unit type's key.
    :param on: the day asked about.
    """

    def __init__(self, unit_type: str, on: dt.date) -> None:
        super().__init__(f"no standard of unit type {unit_type!r} is in effect on {on.isoformat()}")
        self.unit_type = unit_type
        self.on = on

class PluginError(Exception):
    """A plugin could not be loaded or supplied inconsistent records."""


class UnknownUnitType(PluginError, KeyError):
    """No registered plugin supplies the requested unit type."""

    def __str__(self) -> str:
        return str(self.args[0])


def create_plugin_manager(
    *, load_entry_points: bool = True, extra_plugins: Iterable[object] = ()
) -> tuple[pluggy.PluginManager, dict[str, str]]:
    """Register the built-in plugins, then third-party entry points, then ``extra_plugins``.

    :param load_entry_points: look up the ``branchmark.plugins`` entry-point group.
    :param extra_plugins: modules or objects with hookimpls (tests, embedded use); an object
        already registered through its entry point is not registered twice.
    :returns: the manager, and ``plugin name → "distribution version"`` for entry-point plugins.
    :raises PluginError: when an entry point cannot be imported.
    :raises pluggy.PluginValidationError: when a plugin implements a hook that has no spec.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    distributions: dict[str, str] = {}
    if load_entry_points:
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if pm.has_plugin(entry_point.name) or pm.is_blocked(entry_point.name):
                continue
            dist = entry_point.dist
            origin = f"{dist.name} {dist.version}" if dist else entry_point.value
            try:
                plugin = entry_point.load()
            except Exception as error:
                raise PluginError(
                    f"cannot load plugin {entry_point.name!r} ({entry_point.value}) from {origin}: {error}"
                ) from error
            if pm.is_registered(plugin):
                continue
            pm.register(plugin, name=entry_point.name)
            distributions[entry_point.name] = origin
    for plugin in extra_plugins:
        if not pm.is_registered(plugin):
            pm.register(plugin, name=getattr(plugin, "__name__", None))
    pm.check_pending()
    return pm, distributions


def create_registry(
    *,
    load_entry_points: bool = True,
    extra_plugins: Iterable[object] = (),
    metric_vocabularies: Mapping[str, Mapping[str, Any]] | None = None,
) -> PluginRegistry:
    """Build the registry without Flask (CLI, jobs, tests).

    :param load_entry_points: also load third-party plugins installed in the environment.
    :param extra_plugins: further plugin modules or objects.
    :param metric_vocabularies: codes of the metric placeholders (event kinds …) the standard
        files are checked against; without them any well-formed code is accepted.
    :returns: a registry whose records and standards have all been checked.
    :raises PluginError: on a name clash, a bad record or a rubric file with problems.
    """
    pm, distributions = create_plugin_manager(
        load_entry_points=load_entry_points, extra_plugins=extra_plugins
    )
    return PluginRegistry(pm, distributions=distributions, metric_vocabularies=metric_vocabularies)


def init_app(
    app: Flask,
    registry: PluginRegistry | None = None,
    *,
    metric_vocabularies: Mapping[str, Mapping[str, Any]] | None = None,
) -> PluginRegistry:
    """Create the registry for a Flask app and keep it in ``app.extensions``.

    ``BRANCHMARK_LOAD_ENTRY_POINTS`` (default true) in the app config decides whether installed
    third-party plugins are loaded.

    :param registry: an already-built registry to use instead (tests).
    :param metric_vocabularies: see :func:`create_registry`.
    :returns: the registry stored under ``app.extensions["branchmark_plugins"]``.
    """
    if registry is None:
        load = bool(app.config.get("BRANCHMARK_LOAD_ENTRY_POINTS", True))
        registry = create_registry(load_entry_points=load, metric_vocabularies=metric_vocabularies)
    app.extensions[EXTENSION_KEY] = registry
    return registry


def get_registry() -> PluginRegistry:
    """:returns: the current Flask app's registry.
    :raises RuntimeError: outside an application context, or before :func:`init_app`."""
    from flask import current_app

    try:
        return current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "plugin registry not initialised: call core.plugins.init_app(app)"
        ) from None


class PluginRegistry:
    """Typed access to what the plugins supply. Callers use this, never ``pm.hook``.

    Records are collected once, when the registry is built; names are checked for uniqueness
    and every standard file is loaded and checked then, so a bad plugin fails at start-up.
    """

    def __init__(
        self,
        pm: pluggy.PluginManager,
        *,
        distributions: Mapping[str, str] | None = None,
        metric_vocabularies: Mapping[str, Mapping[str, Any]] | None = None,
    ):
        self._pm = pm
        self._distributions = dict(distributions or {})
        families = self._collect("branchmark_metric_families", MetricFamily, lambda f: f.spec.key)
        builtin = {family.key for family in BUILTIN_FAMILIES}
        for key, (_, plugin) in families.items():
            if key in builtin:
                raise PluginError(f"metric family {key!r} from plugin {plugin} is a built-in family")
        self._metric_families: tuple[MetricFamily, ...] = tuple(f for f, _ in families.values())
        unit_types = self._collect("branchmark_unit_types", UnitType, lambda record: record.key)
        self._unit_types: dict[str, UnitType] = {key: ut for key, (ut, _) in unit_types.items()}
        if metric_vocabularies is not None:
            # Document types are the plugins' own data: rubrics may read those any plugin supplies.
            metric_vocabularies = {**metric_vocabularies, "document_type": self.document_type_labels()}
        try:
            self._metrics = default_catalogue(
                (family.spec for family in self._metric_families), metric_vocabularies
            )
        except ValueError as error:
            raise PluginError(f"branchmark_metric_families: {error}") from error
        formulas = self._collect("branchmark_formulas", Formula, lambda f: (f.unit_type, f.name))
        self._formulas: dict[str, dict[str, Formula]] = {key: {} for key in self._unit_types}
        for (unit_type, name), (formula, plugin) in formulas.items():
            if unit_type not in self._unit_types:
                raise PluginError(
                    f"formula {name!r} from plugin {plugin} is for unit type {unit_type!r}, "
                    "which no plugin supplies"
                )
            self._formulas[unit_type][name] = formula
        self._standards: dict[str, tuple[Standard, ...]] = {}
        for key, (unit_type, plugin) in unit_types.items():
            self._check_unique_records(unit_type, plugin)
            self._standards[key] = self._load_standards(unit_type, plugin)

    # -- collection -------------------------------------------------------------------------

    def _plugin_label(self, plugin: object) -> str:
        name = self._pm.get_name(plugin) or repr(plugin)
        if name == str(id(plugin)):
            # pluggy names unnamed objects by id(); the class says more to whoever reads the error.
            name = f"{type(plugin).__module__}.{type(plugin).__qualname__}"
        origin = self._distributions.get(name)
        return f"{name} ({origin})" if origin else name

    def _collect(
        self, hook_name: str, record_type: type[Record], name_of: Callable[[Record], Hashable]
    ) -> dict[Hashable, tuple[Record, str]]:
        """Call a registration hook plugin by plugin, so a clash can name every supplier."""
        suppliers: dict[Hashable, list[str]] = {}
        records: dict[Hashable, tuple[Record, str]] = {}
        for impl in getattr(self._pm.hook, hook_name).get_hookimpls():
            if impl.hookwrapper or impl.wrapper:
                continue
            plugin = self._plugin_label(impl.plugin)
            for record in impl.function() or ():
                if not isinstance(record, record_type):
                    raise PluginError(
                        f"plugin {plugin} returned {record!r} from {hook_name}; "
                        f"expected {record_type.__name__} records"
                    )
                name = name_of(record)
                suppliers.setdefault(name, []).append(plugin)
                records.setdefault(name, (record, plugin))
        clashes = {name: plugins for name, plugins in suppliers.items() if len(plugins) > 1}
        if clashes:
            lines = "; ".join(
                f"{name!r} is supplied by {', '.join(plugins)}" for name, plugins in clashes.items()
            )
            raise PluginError(f"{hook_name}: names must be unique: {lines}")
        return records

    def _check_unique_records(self, unit_type: UnitType, plugin: str) -> None:
        groups = {
            "parameters": unit_type.parameters,
            "sub_kinds": unit_type.sub_kinds,
            "facility_checklist": unit_type.facility_checklist,
            "cadences": unit_type.cadences,
            "training_targets": unit_type.training_targets,
            "organization_rules": unit_type.organization_rules,
            "document_types": unit_type.document_types,
        }
        for group, records in groups.items():
            names = [getattr(record, "name", getattr(record, "key", None)) for record in records]
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                raise PluginError(
                    f"unit type {unit_type.key!r} from plugin {plugin} repeats {group}: {', '.join(repeated)}"
                )

    def _load_standards(self, unit_type: UnitType, plugin: str) -> tuple[Standard, ...]:
        standards = []
        for path in unit_type.standard_files:
            try:
                standards.append(
                    load_standard(
                        path,
                        parameters=unit_type.parameters,
                        formulas=set(self._formulas[unit_type.key]),
                        facility_keys={item.key for item in unit_type.facility_checklist},
                        metrics=self._metrics,
                    )
                )
            except StandardFileError as error:
                raise PluginError(
                    f"standard file of unit type {unit_type.key!r} from plugin {plugin} has problems:\n{error}"
                ) from error
        standards.sort(key=lambda standard: standard.effective_from)
        for earlier, later in zip(standards, standards[1:], strict=False):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise PluginError(
                    f"standards {earlier.key} {earlier.version} and {later.key} {later.version} "
                    f"of unit type {unit_type.key!r} overlap in time"
                )
        return tuple(standards)

    # -- lookups ----------------------------------------------------------------------------

    def unit_types(self) -> tuple[UnitType, ...]:
        """:returns: every unit type, built-ins first."""
        return tuple(self._unit_types.values())

    def unit_type(self, key: str) -> UnitType:
        """:returns: the unit type with this key.
        :raises UnknownUnitType: when no plugin supplies it."""
        try:
            return self._unit_types[key]
        except KeyError:
            known = ", ".join(self._unit_types)
            raise UnknownUnitType(f"unknown unit type {key!r} (known: {known})") from None

    def document_type_labels(self) -> dict[str, str]:
        """:returns: code → Chinese label of every document type any unit type supplies (the
            ``<document_type>`` codes rubrics may read; the first supplier's label wins)."""
        labels: dict[str, str] = {}
        for unit_type in self._unit_types.values():
            for document_type in unit_type.document_types:
                labels.setdefault(document_type.key, document_type.label_zh)
        return labels

    def formulas(self, unit_type: str) -> tuple[Formula, ...]:
        """:returns: the formulas of a unit type."""
        self.unit_type(unit_type)
        return tuple(self._formulas[unit_type].values())

    def formula_table(self, unit_type: str) -> Mapping[str, Formula]:
        """:returns: the formulas of a unit type by name, as :func:`core.standards.evaluate` takes them."""
        self.unit_type(unit_type)
        return dict(self._formulas[unit_type])

    def metric_families(self) -> tuple[MetricFamily, ...]:
        """:returns: the metric families plugins supply (the built-in ones are not included)."""
        return self._metric_families

    def metric_catalogue(self, vocabularies: Mapping[str, Mapping[str, Any]] | None = None) -> Catalogue:
        """:param vocabularies: the codes of the placeholders; by default those the registry was
            built with.
        :returns: the built-in and plugin metric families as one catalogue."""
        if vocabularies is None:
            return self._metrics
        return default_catalogue((family.spec for family in self._metric_families), vocabularies)

    def formula(self, unit_type: str, name: str) -> Formula:
        """:returns: one formula.
        :raises KeyError: when the unit type has no formula of that name."""
        self.unit_type(unit_type)
        try:
            return self._formulas[unit_type][name]
        except KeyError:
            raise KeyError(f"unit type {unit_type!r} has no formula {name!r}") from None

    def standards(self, unit_type: str) -> tuple[Standard, ...]:
        """:returns: every version of the unit type's standard, oldest first."""
        self.unit_type(unit_type)
        return self._standards[unit_type]

    def standard(self, unit_type: str, *, on: dt.date) -> Standard:
        """:returns: the version in effect on the day.
        :raises LookupError: when no version is in effect then."""
        for standard in self.standards(unit_type):
            if standard.in_effect(on):
                return standard
        raise NoStandardInEffect(unit_type, on)

    def report_template(self, unit_type: str) -> str | None:
        """:returns: the scorecard template a plugin chose, else the unit type's own, else ``None``."""
        record = self.unit_type(unit_type)
        chosen = self._pm.hook.branchmark_report_template(unit_type=record)
        return chosen or record.report_template

    def plugins(self) -> list[str]:
        """:returns: the registered plugins' names, with distribution for entry-point plugins."""
        return [self._plugin_label(plugin) for _, plugin in self._pm.list_name_plugin()]
