"""The item editor's form, built per request from the chosen rule kind's ParamSpec.

The editor is generic: each param of a rule kind is one field whose widget follows its
``ParamSpec.type``; a type the editor has no widget for is written as YAML in a text box, so a
new rule construct is editable the day it lands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from core import safe_yaml
from core.plugins.manager import get_registry
from core.standards.rules import RULE_KINDS, ParamSpec
from core.standards.types import PERIODS

#: Item fields other than params, in form order.
ITEM_FIELDS = ("id", "title", "rule", "max", "citation", "article", "applies_when", "when_missing", "advice")
WHEN_MISSING = {
    "failed": _l("按未达到计"),
    "pending": _l("待补录（暂不计）"),
    "not_applicable": _l("不适用（按满分计）"),
}
PARAM_PREFIX = "param."


def metric_names() -> dict[str, str]:
    """The metric pick list: name → Chinese label, from the registry's metric catalogue
    (built-in and plugin families), the same catalogue the checker accepts names from."""
    return dict(sorted(get_registry().metric_catalogue().labels().items()))


@dataclass
class ParamField:
    """One param of the chosen kind, as a form field."""

    name: str
    spec: ParamSpec
    value: str
    widget: str  # metric | number | choice | text | yaml
    choices: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.spec.description_zh or self.name


@dataclass
class ItemForm:
    """The item editor for one request: the item's fields and its kind's params."""

    kind: str
    values: dict[str, str]
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
    return "yaml", ()


def _shown(value: Any, widget: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping) and set(value) == {"parameter"}:
        return f"参数:{value['parameter']}"
    if widget == "yaml" or isinstance(value, list | dict):
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip()
    return str(value)


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
        "applies_when": _shown(item.get("applies_when"), "yaml"),
        "when_missing": str(item.get("when_missing", "failed")),
        "advice": str(item.get("advice", "") or ""),
    }
    params = item.get("params") or {} if item.get("kind") == kind else {}
    form = ItemForm(kind=kind, values=values)
    for name, spec in RULE_KINDS[kind].params.items():
        widget, choices = _widget(spec)
        value = _shown(params.get(name, spec.default), widget)
        form.params.append(ParamField(name, spec, value, widget, choices))
    if posted:
        form.values.update({k: posted.get(k, "") for k in ITEM_FIELDS})
        for param in form.params:
            param.value = posted.get(PARAM_PREFIX + param.name, "")
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
    condition = (posted.get("applies_when") or "").strip()
    if condition:
        try:
            item["applies_when"] = safe_yaml.load(condition)
        except yaml.YAMLError:
            problems["applies_when"] = "适用条件格式不对，应写成如 {metric: organization.member_count, op: '>=', value: 3}"
    when_missing = posted.get("when_missing") or "failed"
    if when_missing != "failed":
        item["when_missing"] = when_missing
    advice = (posted.get("advice") or "").strip()
    if advice:
        item["advice"] = advice
    params: dict[str, Any] = {}
    for name, spec in RULE_KINDS[kind].params.items():
        raw = (posted.get(PARAM_PREFIX + name) or "").strip()
        if not raw:
            continue
        widget, _ = _widget(spec)
        if raw.startswith("参数:"):
            params[name] = {"parameter": raw.split(":", 1)[1].strip()}
        elif widget == "number":
            params[name] = _number(raw)
        elif widget == "yaml":
            try:
                params[name] = safe_yaml.load(raw)
            except yaml.YAMLError:
                problems[PARAM_PREFIX + name] = f"参数「{name}」格式不对，请按 YAML 书写"
        else:
            params[name] = raw
    if params:
        item["params"] = params
    return item, problems
