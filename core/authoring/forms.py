"""The item editor's form, built per request from the chosen rule kind's ParamSpec.

The editor is generic: each param of a rule kind is one field whose widget follows its
``ParamSpec.type``; a type the editor has no widget for is written as YAML in a text box, so a
new rule construct is editable the day it lands. Two constructs a county clerk meets in nearly
every rubric get widgets of their own: named levels (one row per level) and conditions (rows of
"指标 · 比较 · 值", joined by 并且/或者, each may be negated); a condition the rows cannot hold
(nested combinations) is shown and edited as YAML.

The same form serves the county's standard editor and a unit's own extra items.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import safe_yaml
from core.metrics.registry import metric_catalogue
from core.plugins.manager import get_registry
from core.standards.loader import Problem
from core.standards.model import CONDITION_OPERATORS
from core.standards.rules import CHOICE_LABELS, PARAM_LABELS, RULE_KINDS, ParamSpec
from core.standards.types import PERIODS, Parameter

#: Item fields other than params and conditions, in form order.
ITEM_FIELDS = ("id", "title", "rule", "max", "citation", "article", "when_missing", "advice", "owner")
#: The item's conditions, each edited with the condition widget.
CONDITION_FIELDS = {
    "applies_when": _l("适用条件（不满足时本项不适用，按满分计）"),
    "zero_when": _l("不得分条件（满足时本项得0分）"),
}
WHEN_MISSING = {
    "failed": _l("按未达到计"),
    "pending": _l("待补录（暂不计）"),
    "not_applicable": _l("不适用（按满分计）"),
}
OWNER_LABELS = {"branch": _l("党支部"), "unit": _l("单位（如经费、专职人员）")}
JOINS = {"all_of": _l("全部满足（并且）"), "any_of": _l("满足其一（或者）")}
PARAM_PREFIX = "param."
#: The block list's choice for a block made with the item (its name in ``new_block``).
NEW_BLOCK = "__new__"
#: Blank level rows offered beyond those in use: room to add a level without script.
SPARE_ROWS = 2
_NO_VALUE = ("is_true", "is_false", "empty", "not_empty")


@dataclass
class MetricGroup:
    """One family of the metric pick list: its Chinese name and (name, label) options."""

    label: str
    options: list[tuple[str, str]]


def metric_groups() -> list[MetricGroup]:
    """The metric pick list, by family: the catalogue the checker accepts names from (built-in
    and plugin families, the county's finding kinds), so nothing else names a metric."""
    groups: dict[str, MetricGroup] = {}
    for entry in metric_catalogue().entries():
        if "<" in entry.name:
            continue  # an open placeholder is not a metric one can pick
        group = groups.setdefault(entry.family.key, MetricGroup(entry.family.label_zh, []))
        group.options.append((entry.name, entry.label_zh))
    return list(groups.values())


def metric_names() -> dict[str, str]:
    """:returns: every metric of the pick list, name → Chinese label."""
    return {name: label for group in metric_groups() for name, label in group.options}


#: The comparisons a condition row offers, the most used first, in the card's words.
CONDITION_CHOICES: dict[str, str] = {
    op: CONDITION_OPERATORS[op]
    for op in (">=", ">", "<=", "<", "==", "!=", "is_true", "is_false", "not_empty", "empty")
}


@dataclass
class EditorChoices:
    """The pick lists of the item editor for one unit type."""

    metrics: list[MetricGroup]
    #: (id, document) of the sources an item may cite.
    sources: list[tuple[str, str]]
    parameters: tuple[Parameter, ...]
    #: (name, Chinese label) of the unit type's formulas.
    formulas: list[tuple[str, str]]
    operators: Mapping[str, str] = field(default_factory=lambda: CONDITION_CHOICES)
    joins: Mapping[str, Any] = field(default_factory=lambda: JOINS)
    owners: Mapping[str, Any] = field(default_factory=lambda: OWNER_LABELS)
    when_missing: Mapping[str, Any] = field(default_factory=lambda: WHEN_MISSING)
    #: Whether the block list offers a new block (the county's editor of a points standard).
    new_block: bool = False


def editor_choices(unit_type: str, sources: list[tuple[str, str]], *, new_block: bool = False) -> EditorChoices:
    """:param sources: (id, document) of the sources items may cite.
    :param new_block: offer "新增一块" in the block list."""
    registry = get_registry()
    return EditorChoices(
        metrics=metric_groups(),
        sources=sources,
        parameters=registry.unit_type(unit_type).parameters,
        formulas=[(f.name, f.label_zh) for f in registry.formulas(unit_type)],
        new_block=new_block,
    )


@dataclass
class ConditionRow:
    """One test of a condition: ``metric op value``, possibly negated (并非)."""

    metric: str = ""
    op: str = ""
    value: str = ""
    negate: bool = False


@dataclass
class ConditionField:
    """A condition being edited: rows joined by ``join``, or YAML when rows cannot hold it."""

    name: str
    label: str
    join: str = "all_of"
    rows: list[ConditionRow] = field(default_factory=list)
    text: str = ""


@dataclass
class LevelRow:
    """One named level: its name, points and (for levels decided from records) its condition."""

    name: str = ""
    points: str = ""
    when: str = ""


@dataclass
class ParamField:
    """One param of the chosen kind, as a form field."""

    name: str
    spec: ParamSpec
    value: str
    widget: str  # metric | number | choice | text | yaml | levels
    choices: tuple[str, ...] = ()
    rows: list[LevelRow] = field(default_factory=list)
    #: What applies when the field is left empty (shown, never written into the item).
    default: str = ""

    @property
    def label(self) -> str:
        return PARAM_LABELS.get(self.name, self.name)

    @property
    def help(self) -> str:
        return self.spec.description_zh

    def choice_label(self, choice: str) -> str:
        return CHOICE_LABELS.get(choice, choice)


@dataclass
class ItemForm:
    """The item editor for one request: the item's fields, its conditions and its kind's params."""

    kind: str
    values: dict[str, str]
    conditions: list[ConditionField] = field(default_factory=list)
    params: list[ParamField] = field(default_factory=list)


def _widget(spec: ParamSpec) -> tuple[str, tuple[str, ...]]:
    if spec.type == "metric":
        return "metric", ()
    if spec.type in ("number", "number_ref"):
        return "number", ()
    if spec.type == "period_ref":
        return "choice", PERIODS
    if spec.type == "choice":
        return "choice", tuple(spec.choices)
    if spec.type == "text":
        return "text", ()
    if spec.type == "level_list":
        return "levels", ()
    return "yaml", ()


def _yaml(value: Any) -> str:
    """A value as short YAML: scalars plain, lists one entry a line."""
    if not isinstance(value, list | dict):
        return "" if value is None else str(value)
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=None, width=10_000).strip()


def _shown(value: Any, widget: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping) and set(value) == {"parameter"}:
        return f"参数:{value['parameter']}"
    if widget == "yaml" or isinstance(value, list | dict):
        return _yaml(value)
    return str(value)


# -- the checker's problems on the form --------------------------------------------------------


def form_field(path: str) -> str:
    """The form field a checker path inside an item belongs to: ``params.levels[1].points`` →
    ``param.levels``, ``applies_when.all_of[0].metric`` → ``applies_when``."""
    head, _sep, rest = path.partition(".")
    if head == "params" and rest:
        head = PARAM_PREFIX + rest.split(".")[0]
    return re.sub(r"\[\d+\]$", "", head)


def form_errors(problems: list[Problem], where: str | None) -> tuple[dict[str, str], list[str]]:
    """The checker's problems on the edited item (``where``, e.g. ``blocks[0].items[3]``) by
    form field; the rest as general lines."""
    fields: dict[str, str] = {}
    general: list[str] = []
    for problem in problems:
        if where and problem.field.startswith(where + "."):
            fields.setdefault(form_field(problem.field[len(where) + 1:]), problem.message)
        else:
            general.append(f"{problem.field}：{problem.message}" if problem.field else problem.message)
    return fields, general


# -- conditions --------------------------------------------------------------------------------


def _row(condition: Any) -> ConditionRow | None:
    """A simple (or negated simple) condition as one row; ``None`` when it is not one."""
    negate = False
    if isinstance(condition, Mapping) and set(condition) == {"not"}:
        negate, condition = True, condition["not"]
    if not isinstance(condition, Mapping):
        return None
    if set(condition) == {"finding"}:
        return ConditionRow(f"flags.{condition['finding']}", "is_true", "", negate)
    if "metric" in condition and set(condition) <= {"metric", "op", "value"}:
        value = condition.get("value")
        return ConditionRow(str(condition["metric"]), str(condition.get("op", "")), "" if value is None else str(value), negate)
    return None


def condition_field(name: str, condition: Any) -> ConditionField:
    """The widget's state for a stored condition (rows when they can hold it, else YAML)."""
    widget = ConditionField(name, str(CONDITION_FIELDS[name]))
    rows: list[ConditionRow] | None = None
    if condition is None:
        rows = []
    elif isinstance(condition, Mapping) and len(condition) == 1 and next(iter(condition)) in JOINS:
        widget.join = next(iter(condition))
        parts = condition[widget.join]
        found = [_row(part) for part in parts] if isinstance(parts, list) else [None]
        rows = None if None in found else [r for r in found if r is not None]
    else:
        single = _row(condition)
        rows = None if single is None else [single]
    if rows is None:
        widget.text = _yaml(condition)
        rows = []
    widget.rows = rows + [ConditionRow() for _ in range(max(1, 2 - len(rows)))]
    return widget


def _posted_condition_field(name: str, posted: Mapping[str, str]) -> ConditionField:
    widget = ConditionField(name, str(CONDITION_FIELDS[name]), join=posted.get(f"{name}.join") or "all_of")
    widget.text = posted.get(name, "")
    index = 0
    while f"{name}.{index}.metric" in posted:
        widget.rows.append(
            ConditionRow(
                posted.get(f"{name}.{index}.metric", ""),
                posted.get(f"{name}.{index}.op", ""),
                posted.get(f"{name}.{index}.value", ""),
                bool(posted.get(f"{name}.{index}.not")),
            )
        )
        index += 1
    return widget


def _value(text: str) -> Any:
    """A typed value: a number when it reads as one, else the text (a code such as ``branch``)."""
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def _condition_from_rows(rows: list[ConditionRow], join: str) -> Any:
    tests = []
    for row in rows:
        metric = row.metric.strip()
        if not metric:
            continue
        op = row.op or "is_true"
        if metric.startswith("flags.") and op == "is_true":
            test: dict[str, Any] = {"finding": metric[len("flags."):]}
        else:
            test = {"metric": metric, "op": op}
            if op not in _NO_VALUE:
                test["value"] = _value(row.value.strip())
        tests.append({"not": test} if row.negate else test)
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return {join if join in JOINS else "all_of": tests}


def condition_from_form(name: str, posted: Mapping[str, str]) -> tuple[Any, str | None]:
    """The condition posted for ``name``: the YAML box when filled, else the rows.

    :returns: the condition (``None`` when none is given) and a problem with the YAML, if any.
    """
    text = (posted.get(name) or "").strip()
    if text:
        try:
            return safe_yaml.load(text), None
        except yaml.YAMLError:
            return None, _("条件格式不对，应写成如 {metric: organization.member_count, op: '>=', value: 3}")
    widget = _posted_condition_field(name, posted)
    return _condition_from_rows(widget.rows, widget.join), None


# -- levels ------------------------------------------------------------------------------------


def _level_rows(levels: Any) -> list[LevelRow]:
    rows = []
    for level in levels if isinstance(levels, list) else []:
        if isinstance(level, Mapping):
            when = level.get("when")
            rows.append(LevelRow(str(level.get("name", "")), _shown(level.get("points"), "number"), "" if when is None else _yaml(when)))
    # A new list starts with four rows: 好/较好/一般/差 is the commonest scale.
    return rows + [LevelRow() for _ in range(SPARE_ROWS if rows else 4)]


def _posted_level_rows(key: str, posted: Mapping[str, str]) -> list[LevelRow]:
    rows = []
    index = 0
    while f"{key}.{index}.name" in posted:
        rows.append(
            LevelRow(
                posted.get(f"{key}.{index}.name", ""),
                posted.get(f"{key}.{index}.points", ""),
                posted.get(f"{key}.{index}.when", ""),
            )
        )
        index += 1
    return rows


def _levels_from_rows(rows: list[LevelRow], key: str, problems: dict[str, str]) -> list[dict[str, Any]]:
    levels = []
    for row in rows:
        name, points, when = row.name.strip(), row.points.strip(), row.when.strip()
        if not (name or points or when):
            continue
        level: dict[str, Any] = {"name": name, "points": _value(points) if points else None}
        if when:
            try:
                level["when"] = safe_yaml.load(when)
            except yaml.YAMLError:
                problems[key] = _("档次「%(name)s」的评定条件格式不对，请按 YAML 书写", name=name)
        levels.append(level)
    return levels


# -- the form ----------------------------------------------------------------------------------


def item_form(item: Mapping[str, Any] | None, kind: str | None, posted: Mapping[str, str] | None = None) -> ItemForm:
    """The form for an item (or a new one), for the chosen kind (default: the item's own).

    :param posted: values sent back after a problem, shown instead of the stored ones.
    """
    item = dict(item or {})
    kind = kind if kind in RULE_KINDS else item.get("kind") if item.get("kind") in RULE_KINDS else next(iter(RULE_KINDS))
    citation = item.get("citation")
    values = {
        "id": str(item.get("id", "")),
        "title": str(item.get("title", "")),
        "rule": str(item.get("rule", "")),
        "max": "" if item.get("max") is None else str(item.get("max")),
        "citation": citation.get("source", "") if isinstance(citation, Mapping) else str(citation or ""),
        "article": str(citation.get("article", "")) if isinstance(citation, Mapping) else "",
        "when_missing": str(item.get("when_missing", "failed")),
        "advice": str(item.get("advice", "") or ""),
        "owner": str(item.get("owner", "branch")),
    }
    params = item.get("params") or {} if item.get("kind") == kind else {}
    form = ItemForm(kind=kind, values=values)
    form.conditions = [condition_field(name, item.get(name)) for name in CONDITION_FIELDS]
    for name, spec in RULE_KINDS[kind].params.items():
        widget, choices = _widget(spec)
        value = params.get(name)
        param = ParamField(name, spec, _shown(value, widget), widget, choices, default=_shown(spec.default, widget))
        if widget == "levels":
            param.rows = _level_rows(value)
        form.params.append(param)
    if posted:
        form.values.update({k: posted.get(k, "") for k in ITEM_FIELDS})
        form.conditions = [_posted_condition_field(name, posted) for name in CONDITION_FIELDS]
        for param in form.params:
            key = PARAM_PREFIX + param.name
            param.value = posted.get(key, "")
            if param.widget == "levels":
                param.rows = _posted_level_rows(key, posted)
    return form


def _number(text: str) -> Any:
    try:
        number = float(text)
    except ValueError:
        return text  # the checker names the field and says a number is wanted
    return int(number) if number.is_integer() else number


def item_from_form(posted: Mapping[str, str], kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Build a rubric-format item mapping from the posted form.

    :returns: the item, and problems the form itself can find (bad YAML) by field name.
    """
    problems: dict[str, str] = {}
    item: dict[str, Any] = {"kind": kind}
    for name in ("id", "title", "rule"):
        item[name] = (posted.get(name) or "").strip()
    item["max"] = _number((posted.get("max") or "").strip())
    source = (posted.get("citation") or "").strip()
    article = (posted.get("article") or "").strip()
    if source:
        item["citation"] = {"source": source, "article": article} if article else source
    for name in CONDITION_FIELDS:
        condition, problem = condition_from_form(name, posted)
        if problem:
            problems[name] = problem
        elif condition is not None:
            item[name] = condition
    when_missing = posted.get("when_missing") or "failed"
    if when_missing != "failed":
        item["when_missing"] = when_missing
    advice = (posted.get("advice") or "").strip()
    if advice:
        item["advice"] = advice
    owner = posted.get("owner") or "branch"
    if owner != "branch":
        item["owner"] = owner
    params: dict[str, Any] = {}
    for name, spec in RULE_KINDS[kind].params.items():
        key = PARAM_PREFIX + name
        widget, _ = _widget(spec)
        if widget == "levels":
            levels = _levels_from_rows(_posted_level_rows(key, posted), key, problems)
            if levels:
                params[name] = levels
            continue
        raw = (posted.get(key) or "").strip()
        if not raw:
            continue
        if raw.startswith("参数:"):
            params[name] = {"parameter": raw.split(":", 1)[1].strip()}
        elif widget == "number":
            params[name] = _number(raw)
        elif widget == "yaml":
            params[name] = _yaml_param(raw, key, name, problems)
        else:
            params[name] = raw
    if params:
        item["params"] = params
    return item, problems


def _yaml_param(raw: str, key: str, name: str, problems: dict[str, str]) -> Any:
    """A param written as YAML; a problem under ``key`` when it does not parse."""
    try:
        return safe_yaml.load(raw)
    except yaml.YAMLError:
        problems[key] = _("「%(label)s」格式不对，请按 YAML 书写", label=PARAM_LABELS.get(name, name))
        return None

