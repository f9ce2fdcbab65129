"""The plugin registry: hook documentation, registration order, uniqueness, typed lookups."""

from __future__ import annotations

import datetime as dt
import inspect
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pluggy
import pytest

from core.plugins import (
    DEFAULT_PLUGINS,
    PluginError,
    UnknownUnitType,
    create_registry,
    get_registry,
    hookimpl,
    hookspecs,
    init_app,
)
from core.standards.types import Formula, Source, UnitType

ORGAN_RUBRIC = Path(__file__).parents[1] / "plugins" / "organ" / "standards" / "organ-2025.yaml"
SOURCE = Source("测试文件", "L")


def hookspec_functions() -> list[tuple[str, object]]:
    return [
        (name, function)
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("branchmark_")
    ]


def test_hookspec_module_defines_hooks() -> None:
    names = [name for name, _ in hookspec_functions()]
    assert {"branchmark_unit_types", "branchmark_formulas", "branchmark_report_template"} <= set(
        names
    )


@pytest.mark.parametrize(("name", "function"), hookspec_functions())
def test_every_hook_is_documented(name: str, function) -> None:
    doc = inspect.getdoc(function) or ""
    assert doc, f"hook {name} has no docstring"
    assert ".. versionadded::" in doc, f"hook {name} does not say when it was added"
    assert ":returns:" in doc, f"hook {name} does not say what its return means"
    assert "None" in doc, f"hook {name} does not say what None means"
    firstresult = function.branchmark_spec["firstresult"]
    expected = "Stops at first non-None result" if firstresult else "not a ``firstresult`` hook"
    assert expected in doc, f"hook {name} does not state its firstresult behaviour"


def test_hookspec_module_has_no_undocumented_public_hook_names() -> None:
    # A hook that pluggy knows but the module does not document would escape the test above.
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    assert sorted(pm.hook.__dict__) == sorted(name for name, _ in hookspec_functions())


def test_builtins_are_registered_in_order() -> None:
    registry = create_registry(load_entry_points=False)
    assert registry.plugins()[: len(DEFAULT_PLUGINS)] == list(DEFAULT_PLUGINS)
    assert [unit_type.key for unit_type in registry.unit_types()] == [
        "organ",
        "institution",
        "soe",
        "two_new",
        "school",
    ]


def test_typed_lookups() -> None:
    registry = create_registry(load_entry_points=False)
    organ = registry.unit_type("organ")
    assert organ.name_zh == "党政机关"
    assert {formula.name for formula in registry.formulas("organ")} == {
        "funding",
        "staffing",
        "staffing_part_time",
    }
    assert registry.formula("soe", "funding").unit_type == "soe"
    standard = registry.standard("organ", on=dt.date(2025, 6, 30))
    assert (standard.key, standard.version) == ("organ-2025", "2025.1")
    assert {p.key for p in standard.parameters} == {p.key for p in organ.parameters}


def test_unknown_lookups_say_what_exists() -> None:
    registry = create_registry(load_entry_points=False)
    with pytest.raises(UnknownUnitType, match="unknown unit type 'village'.*organ"):
        registry.unit_type("village")
    with pytest.raises(KeyError, match="no formula 'bonus'"):
        registry.formula("organ", "bonus")
    with pytest.raises(LookupError, match="in effect on 2024-12-31"):
        registry.standard("organ", on=dt.date(2024, 12, 31))


def make_unit_type(key: str, **changes) -> UnitType:
    values = {
        "key": key,
        "name_zh": "测试",
        "name_en": "test",
        "standard_files": (),
    }
    values.update(changes)
    return UnitType(**values)


class VillagePlugin:
    @hookimpl
    def branchmark_unit_types(self):
        return [make_unit_type("village")]


def test_extra_plugin_adds_a_unit_type() -> None:
    registry = create_registry(load_entry_points=False, extra_plugins=[VillagePlugin()])
    assert registry.unit_type("village").name_zh == "测试"
    assert registry.formulas("village") == ()


def test_name_clash_names_every_supplier() -> None:
    class FirstClash:
        @hookimpl
        def branchmark_unit_types(self):
            return [make_unit_type("organ")]

    with pytest.raises(PluginError) as caught:
        create_registry(load_entry_points=False, extra_plugins=[FirstClash()])
    message = str(caught.value)
    assert "'organ' is supplied by" in message
    assert "plugins.organ" in message
    assert "FirstClash" in message or "test_plugins" in message


def test_clash_between_two_third_party_plugins_names_both() -> None:
    class Alpha:
        __name__ = "alpha_plugin"

        @hookimpl
        def branchmark_unit_types(self):
            return [make_unit_type("village")]

    class Beta:
        __name__ = "beta_plugin"

        @hookimpl
        def branchmark_unit_types(self):
            return [make_unit_type("village")]

    with pytest.raises(PluginError, match=r"'village' is supplied by alpha_plugin, beta_plugin"):
        create_registry(load_entry_points=False, extra_plugins=[Alpha(), Beta()])


def test_formula_clash_and_orphan_formulas_are_refused() -> None:
    def formula(unit_type: str) -> Formula:
        return Formula(
            name="funding",
            unit_type=unit_type,
            label_zh="经费",
            inputs={},
            compute=lambda values: Decimal(0),
            explanation_zh="{result}",
            source=SOURCE,
            result_unit="元",
        )

    class Duplicate:
        __name__ = "duplicate_funding"

        @hookimpl
        def branchmark_formulas(self):
            return [formula("organ")]

    with pytest.raises(
        PluginError, match=r"\('organ', 'funding'\) is supplied by plugins.organ, duplicate_funding"
    ):
        create_registry(load_entry_points=False, extra_plugins=[Duplicate()])

    class Orphan:
        __name__ = "orphan"

        @hookimpl
        def branchmark_formulas(self):
            return [formula("village")]

    with pytest.raises(PluginError, match="unit type 'village', which no plugin supplies"):
        create_registry(load_entry_points=False, extra_plugins=[Orphan()])


def test_wrong_record_type_is_refused_naming_the_plugin() -> None:
    class Sloppy:
        __name__ = "sloppy"

        @hookimpl
        def branchmark_unit_types(self):
            return [{"key": "village"}]

    with pytest.raises(PluginError, match="plugin sloppy returned .* expected UnitType"):
        create_registry(load_entry_points=False, extra_plugins=[Sloppy()])


def test_hook_without_spec_is_caught_by_check_pending() -> None:
    class Misspelt:
        @hookimpl
        def branchmark_unit_type(self):
            return []

    with pytest.raises(pluggy.PluginValidationError, match="branchmark_unit_type"):
        create_registry(load_entry_points=False, extra_plugins=[Misspelt()])


def test_broken_standard_file_fails_at_start_naming_plugin_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "village.yaml"
    broken.write_text(
        ORGAN_RUBRIC.read_text(encoding="utf-8").replace("kind: cadence", "kind: cadance", 1),
        encoding="utf-8",
    )

    class Village:
        __name__ = "village_plugin"

        @hookimpl
        def branchmark_unit_types(self):
            return [make_unit_type("village", standard_files=(broken,))]

    with pytest.raises(PluginError) as caught:
        create_registry(load_entry_points=False, extra_plugins=[Village()])
    message = str(caught.value)
    assert "village_plugin" in message
    assert "未知的规则类型「cadance」" in message


def test_report_template_first_result_wins_over_the_unit_types_own() -> None:
    registry = create_registry(load_entry_points=False)
    assert registry.report_template("organ") is None

    class Skin:
        @hookimpl
        def branchmark_report_template(self, unit_type):
            return "reports/county.html" if unit_type.key == "soe" else None

    registry = create_registry(load_entry_points=False, extra_plugins=[Skin()])
    assert registry.report_template("soe") == "reports/county.html"
    assert registry.report_template("organ") is None


def test_init_app_keeps_the_registry_on_the_app() -> None:
    app = SimpleNamespace(config={"BRANCHMARK_LOAD_ENTRY_POINTS": False}, extensions={})
    registry = init_app(app)
    assert app.extensions["branchmark_plugins"] is registry
    assert registry.unit_type("school").name_zh == "中小学校"


def test_get_registry_reads_the_current_app() -> None:
    flask = pytest.importorskip("flask")
    app = flask.Flask("registry_test")
    registry = create_registry(load_entry_points=False)
    init_app(app, registry)
    with app.app_context():
        assert get_registry() is registry
    bare = flask.Flask("bare")
    with bare.app_context(), pytest.raises(RuntimeError, match="init_app"):
        get_registry()
