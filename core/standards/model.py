"""The in-memory shape of a standard (rubric): blocks, items, grade bands, vetoes, quota."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from core.standards.facts import MISSING, lookup_metric, to_decimal
from core.standards.types import Parameter, Source

#: How a condition compares a metric; the keys are what rubric files write.
CONDITION_OPERATORS: dict[str, str] = {
    "<": "小于",
    "<=": "不超过",
    ">": "大于",
    ">=": "不少于",
    "==": "等于",
    "!=": "不等于",
    "is_true": "为是",
    "is_false": "为否",
    "not_empty": "不为空",
    "empty": "为空",
}

#: What an item result's status can be. ``exempt`` and ``not_applicable`` items count as full.
ItemStatus = Literal["met", "partial", "failed", "pending", "exempt", "not_applicable"]


@dataclass(frozen=True)
class ParameterRef:
    """A rubric value that reads a tenant-settable parameter (``{parameter: key}``)."""

    key: str


@dataclass(frozen=True)
class Condition:
    """A test on one metric, used by vetoes, not-rated rules and ``applies_when``.

    A missing metric never satisfies a condition: a veto needs a recorded fact to fire.
    """

    metric: str
    op: str
    value: Any = None

    def holds(self, facts: Mapping[str, Any]) -> bool:
        """:param facts: the branch's metric values.
        :returns: whether the metric satisfies the condition (``False`` when it is missing)."""
        found = lookup_metric(facts, self.metric)
        if found is MISSING or (found is None and self.op not in ("empty", "is_false")):
            return False
        if self.op == "is_true":
            return bool(found)
        if self.op == "is_false":
            return not found
        if self.op == "not_empty":
            return bool(found)
        if self.op == "empty":
            return not found
        if isinstance(self.value, str):
            # Codes such as organization.kind compare as text, and only for (in)equality.
            return (str(found) == self.value) == (self.op == "==")
        return compare(to_decimal(found), self.op, to_decimal(self.value))

    def describe_zh(self, labels: Mapping[str, str] | None = None) -> str:
        """:param labels: metric labels beyond the built-in catalogue (the county's finding
            kinds, plugin metrics), as the scoring run knows them.
        :returns: the condition in words, e.g. ``成立天数 小于 365``."""
        from core.standards.facts import metric_label, value_label

        words = CONDITION_OPERATORS[self.op]
        value = "" if self.value is None else f" {value_label(self.metric, self.value)}"
        return f"{metric_label(self.metric, labels)}{words}{value}"


@dataclass(frozen=True)
class AllOf:
    """``all_of``: holds when every one of its conditions holds (并且)."""

    conditions: tuple[AnyCondition, ...]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        """:returns: whether every condition holds."""
        return all(condition.holds(facts) for condition in self.conditions)

    def describe_zh(self, labels: Mapping[str, str] | None = None) -> str:
        """:returns: e.g. ``党员人数不少于7并且设立支部委员会为否``."""
        return "并且".join(_grouped(condition, labels) for condition in self.conditions)


@dataclass(frozen=True)
class AnyOf:
    """``any_of``: holds when at least one of its conditions holds (或者)."""

    conditions: tuple[AnyCondition, ...]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        """:returns: whether some condition holds."""
        return any(condition.holds(facts) for condition in self.conditions)

    def describe_zh(self, labels: Mapping[str, str] | None = None) -> str:
        """:returns: e.g. ``被认定为软弱涣散党组织为是或者档案严重缺失为是``."""
        return "或者".join(_grouped(condition, labels) for condition in self.conditions)


@dataclass(frozen=True)
class Not:
    """``not``: holds when its condition does not (a missing metric makes ``not`` hold)."""

    condition: AnyCondition

    def holds(self, facts: Mapping[str, Any]) -> bool:
        """:returns: the opposite of the inner condition."""
        return not self.condition.holds(facts)

    def describe_zh(self, labels: Mapping[str, str] | None = None) -> str:
        """:returns: e.g. ``并非（党员人数小于3）``."""
        return f"并非（{self.condition.describe_zh(labels)}）"


#: Any condition a rubric may write where one condition is accepted.
AnyCondition = Condition | AllOf | AnyOf | Not


def condition_from_plain(value: Any) -> AnyCondition | None:
    """A condition as a document holds it (``{metric, op, value}``, ``{finding}``, ``{all_of}``,
    ``{any_of}``, ``{not}``) as objects, to word it; ``None`` when ``value`` is not one. Not a
    check: documents are checked by the loader before they are stored."""
    if not isinstance(value, Mapping):
        return None
    keys = set(value)
    if keys == {"finding"} and isinstance(value["finding"], str):
        return Condition(f"flags.{value['finding']}", "is_true")
    if keys in ({"all_of"}, {"any_of"}) and isinstance(value[next(iter(keys))], list):
        parts = [condition_from_plain(entry) for entry in value[next(iter(keys))]]
        if not parts or any(part is None for part in parts):
            return None
        return (AllOf if keys == {"all_of"} else AnyOf)(tuple(parts))
    if keys == {"not"}:
        inner = condition_from_plain(value["not"])
        return None if inner is None else Not(inner)
    if {"metric", "op"} <= keys <= {"metric", "op", "value"} and value["op"] in CONDITION_OPERATORS:
        return Condition(str(value["metric"]), value["op"], value.get("value"))
    return None


def _grouped(condition: AnyCondition, labels: Mapping[str, str] | None) -> str:
    text = condition.describe_zh(labels)
    return f"（{text}）" if isinstance(condition, AllOf | AnyOf) else text


def condition_metrics(condition: AnyCondition | None) -> list[str]:
    """:returns: every metric a (compound) condition reads, in order, for checks and docs."""
    if condition is None:
        return []
    if isinstance(condition, Condition):
        return [condition.metric]
    if isinstance(condition, Not):
        return condition_metrics(condition.condition)
    return [name for inner in condition.conditions for name in condition_metrics(inner)]


@dataclass(frozen=True)
class MetricTarget:
    """A target read from the branch's own metric value (``target: {metric: …}``)."""

    metric: str


@dataclass(frozen=True)
class TargetCase:
    """One ``{when, target}`` case; the last case may omit ``when`` (otherwise)."""

    when: AnyCondition | None
    target: Decimal | ParameterRef


@dataclass(frozen=True)
class TargetCases:
    """A target that depends on the branch: the first case whose condition holds applies."""

    cases: tuple[TargetCase, ...]


def compare(left: Decimal, op: str, right: Decimal) -> bool:
    """:returns: ``left op right`` for the comparison operators of :data:`CONDITION_OPERATORS`."""
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "==": left == right,
        "!=": left != right,
    }[op]


@dataclass(frozen=True)
class Item:
    """One scored line of a rubric.

    :param kind: a key of :data:`core.standards.rules.RULE_KINDS`.
    :param params: the kind's parameters as written; values may be :class:`ParameterRef`.
    :param applies_when: when given and false, the item is ``not_applicable`` (counted as full).
    :param when_missing: status when a metric the item reads is missing.
    :param advice: what to do when the item is not met, appended to the explanation.
    :param owner: whose duty the item is: ``branch`` or ``unit`` (the unit funds the branch and
        staffs its Party work; a secretary cannot clear those items herself).
    :param zero_when: when it holds (usually a finding) the item scores 0 (不得分), whatever
        its rule finds.
    """

    id: str
    title: str
    rule: str
    max: Decimal
    kind: str
    params: Mapping[str, Any]
    citation: Source | None = None
    applies_when: AnyCondition | None = None
    when_missing: Literal["failed", "pending", "not_applicable"] = "failed"
    advice: str | None = None
    owner: Literal["branch", "unit"] = "branch"
    zero_when: AnyCondition | None = None


@dataclass(frozen=True)
class Block:
    """A group of items (组织建设, 组织生活 …) with its points or weight.

    :param zero_when: when it holds, every item of the block scores 0 (该部分不得分).
    """

    id: str
    title: str
    max: Decimal
    items: tuple[Item, ...]
    weight: Decimal | None = None
    zero_when: AnyCondition | None = None


@dataclass(frozen=True)
class GradeBand:
    """A grade and the lowest total that earns it (五星 ≥ 90)."""

    grade: str
    min: Decimal


@dataclass(frozen=True)
class VetoRule:
    """一票否决: when the condition holds the grade is capped at ``cap`` (the score stays)."""

    id: str
    title: str
    when: AnyCondition
    cap: str
    citation: Source | None = None


@dataclass(frozen=True)
class NotRatedRule:
    """When the condition holds the branch is not rated (e.g. under one year old)."""

    id: str
    when: AnyCondition
    reason: str
    citation: Source | None = None


@dataclass(frozen=True)
class QuotaRule:
    """At most ``max_share`` of a county's rated branches may hold ``grade``."""

    grade: str
    max_share: Decimal
    demote_to: str
    citation: Source | None = None


@dataclass(frozen=True)
class Standard:
    """A versioned rubric with effective dates, as loaded from a YAML file.

    :param scoring: ``points`` (block points add up to ``max``) or ``weighted`` (each block is
        scaled to its ``weight`` × ``max``).
    :param parameters: the unit type's tenant-settable parameters that ``{parameter: key}``
        values read; attached by the registry.
    """

    key: str
    version: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    max: Decimal
    scoring: Literal["points", "weighted"]
    sources: Mapping[str, Source]
    blocks: tuple[Block, ...]
    bands: tuple[GradeBand, ...]
    bands_citation: Source | None = None
    vetoes: tuple[VetoRule, ...] = ()
    not_rated: tuple[NotRatedRule, ...] = ()
    quota: QuotaRule | None = None
    bonus_cap: Decimal | None = None
    parameters: tuple[Parameter, ...] = ()
    path: Path | None = field(default=None, compare=False)

    def in_effect(self, on: dt.date) -> bool:
        """:returns: whether the standard applies on the given day."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def item(self, item_id: str) -> Item:
        """:returns: the item with this id.
        :raises KeyError: when no block has it."""
        for block in self.blocks:
            for item in block.items:
                if item.id == item_id:
                    return item
        raise KeyError(item_id)

    def grade_rank(self, grade: str) -> int:
        """:returns: 0 for the top band, 1 for the next …; unknown grades rank last."""
        for rank, band in enumerate(self.bands):
            if band.grade == grade:
                return rank
        return len(self.bands)
