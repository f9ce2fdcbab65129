"""Scoring one branch: standard + tenant overrides + metric values → an explained result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from core.standards.facts import metric_label
from core.standards.model import (
    AllOf,
    AnyOf,
    Block,
    Condition,
    Item,
    ItemStatus,
    MetricTarget,
    Not,
    ParameterRef,
    Standard,
    TargetCases,
    condition_metrics,
)
from core.standards.overrides import (
    NO_OVERRIDES,
    Exemption,
    TenantOverrides,
    apply_overrides,
    resolve_parameters,
)
from core.standards.rules import (
    RULE_KINDS,
    ZERO,
    Evidence,
    ManualScore,
    MissingMetric,
    RuleContext,
    RuleOutcome,
    ScoreLine,
    fmt,
    points,
)
from core.standards.types import Formula, Source

BranchStatus = Literal["rated", "provisional", "not_rated"]


@dataclass(frozen=True)
class ItemResult:
    """How one item scored and why, in words a branch secretary can act on."""

    id: str
    title: str
    rule: str
    kind: str
    score: Decimal
    max: Decimal
    status: ItemStatus
    value: Any
    target: Any
    explanation: str
    citation: Source | None
    evidence: tuple[Evidence, ...] = ()
    bonus: bool = False
    exemption: Exemption | None = None
    #: ``unit`` for items that are the unit's duty (see :class:`core.standards.model.Item`).
    owner: str = "branch"
    level: str | None = None
    lines: tuple[ScoreLine, ...] = ()

    @property
    def lost(self) -> Decimal:
        """Points lost on this item (0 for bonus items)."""
        return ZERO if self.bonus else self.max - self.score

    def to_dict(self) -> dict[str, Any]:
        """:returns: a JSON-serialisable mapping (Decimals as strings, dates ISO)."""
        return {
            "id": self.id,
            "title": self.title,
            "rule": self.rule,
            "kind": self.kind,
            "score": str(self.score),
            "max": str(self.max),
            "lost": str(self.lost),
            "status": self.status,
            "value": _plain(self.value),
            "target": _plain(self.target),
            "explanation": self.explanation,
            "citation": self.citation.to_dict() if self.citation else None,
            "evidence": [evidence.to_dict() for evidence in self.evidence],
            "bonus": self.bonus,
            "exemption": _plain(self.exemption.__dict__) if self.exemption else None,
            "owner": self.owner,
            "level": self.level,
            "lines": [line.to_dict() for line in self.lines],
        }


@dataclass(frozen=True)
class BlockResult:
    """A block's points: ``score`` of ``max`` from its scored items, plus its bonus items."""

    id: str
    title: str
    score: Decimal
    max: Decimal
    weight: Decimal | None
    items: tuple[ItemResult, ...]

    def to_dict(self) -> dict[str, Any]:
        """:returns: a JSON-serialisable mapping."""
        return {
            "id": self.id,
            "title": self.title,
            "score": str(self.score),
            "max": str(self.max),
            "weight": None if self.weight is None else str(self.weight),
            "items": [item.to_dict() for item in self.items],
        }


@dataclass(frozen=True)
class VetoResult:
    """A veto that fired, and the grade it caps the branch at."""

    id: str
    title: str
    cap: str
    condition: str
    citation: Source | None

    def to_dict(self) -> dict[str, Any]:
        """:returns: a JSON-serialisable mapping."""
        return {
            "id": self.id,
            "title": self.title,
            "cap": self.cap,
            "condition": self.condition,
            "citation": self.citation.to_dict() if self.citation else None,
        }


@dataclass(frozen=True)
class BranchResult:
    """One branch measured against one standard version.

    :param status: ``rated``; ``provisional`` while manual items are pending; ``not_rated`` when
        a not-rated rule applies (``grade`` is then ``None`` but the points are still shown).
    :param band_grade: the grade the points earn before vetoes and quotas.
    :param grade_reasons: why ``grade`` differs from ``band_grade`` (veto, quota).
    :param warnings: override warnings (parameters below national floors …).
    """

    standard_key: str
    standard_version: str
    on: dt.date
    status: BranchStatus
    total: Decimal
    max: Decimal
    bonus: Decimal
    grade: str | None
    band_grade: str | None
    grade_reasons: tuple[str, ...]
    vetoes: tuple[VetoResult, ...]
    not_rated_reason: str | None
    blocks: tuple[BlockResult, ...]
    warnings: tuple[str, ...] = ()
    pending_items: tuple[str, ...] = ()

    def items(self) -> Iterable[ItemResult]:
        """:returns: every item result, block by block."""
        for block in self.blocks:
            yield from block.items

    def item(self, item_id: str) -> ItemResult:
        """:returns: the result of one item.
        :raises KeyError: when the standard has no such item."""
        for item in self.items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def to_dict(self) -> dict[str, Any]:
        """:returns: a JSON-serialisable mapping of the whole result."""
        return {
            "standard_key": self.standard_key,
            "standard_version": self.standard_version,
            "on": self.on.isoformat(),
            "status": self.status,
            "total": str(self.total),
            "max": str(self.max),
            "bonus": str(self.bonus),
            "grade": self.grade,
            "band_grade": self.band_grade,
            "grade_reasons": list(self.grade_reasons),
            "vetoes": [veto.to_dict() for veto in self.vetoes],
            "not_rated_reason": self.not_rated_reason,
            "blocks": [block.to_dict() for block in self.blocks],
            "warnings": list(self.warnings),
            "pending_items": list(self.pending_items),
        }


@dataclass(frozen=True)
class PreparedStandard:
    """A standard with one unit's overrides applied and its parameters resolved: the same for
    every branch of the unit, so a pass over many branches prepares it once per unit."""

    standard: Standard
    parameters: Mapping[str, Any]
    warnings: tuple[str, ...]


def prepare(standard: Standard, overrides: TenantOverrides | None) -> PreparedStandard:
    """:returns: the effective standard of ``standard`` under ``overrides`` (see :func:`evaluate`)."""
    overrides = overrides or NO_OVERRIDES
    parameters, warnings = resolve_parameters(standard.parameters, overrides.parameters)
    effective, override_warnings = apply_overrides(standard, overrides)
    warnings.extend(override_warnings)
    return PreparedStandard(effective, parameters, tuple(warnings))


def scored_metrics(standard: Standard, formulas: Mapping[str, Formula] | None = None) -> set[str]:
    """:returns: every metric the points, grade or status of ``standard`` may depend on: items'
        params, conditions and metric targets, the formulas its items name, vetoes and not-rated
        rules — not the metrics an item only lists as evidence (``evidence_metric``)."""
    found: set[str] = set()

    def walk(value: Any, key: str | None = None) -> None:
        if key == "evidence_metric":
            return
        if isinstance(value, Condition | AllOf | AnyOf | Not):
            found.update(condition_metrics(value))
        elif isinstance(value, MetricTarget):
            found.add(value.metric)
        elif isinstance(value, TargetCases):
            for case in value.cases:
                walk(case.when)
                walk(case.target)
        elif isinstance(value, Mapping):
            for inner_key, inner in value.items():
                walk(inner, inner_key)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner)
        elif isinstance(value, str) and key in _METRIC_PARAMS:
            found.add(value)

    for block in standard.blocks:
        walk(block.zero_when)
        for item in block.items:
            walk(item.applies_when)
            walk(item.zero_when)
            walk(dict(item.params))
            formula = (formulas or {}).get(item.params.get("formula")) if item.kind == "formula" else None
            if formula is not None:
                found.update(formula.inputs)
    for rule in (*standard.vetoes, *standard.not_rated):
        walk(rule.when)
    return found


#: The params (at any depth, e.g. a deduction's ``count: {metric}``) that name a metric read.
_METRIC_PARAMS = frozenset(
    {name for kind in RULE_KINDS.values() for name, spec in kind.params.items() if spec.type == "metric"}
    - {"evidence_metric"}
)


def evaluate(
    standard: Standard | PreparedStandard,
    overrides: TenantOverrides | None,
    facts: Mapping[str, Any],
    *,
    manual_scores: Mapping[str, ManualScore] | None = None,
    exemptions: Iterable[Exemption] = (),
    on: dt.date,
    formulas: Mapping[str, Formula] | None = None,
    labels: Mapping[str, str] | None = None,
    evidence: bool = True,
) -> BranchResult:
    """Score one branch. Pure: the same inputs always give the same result.

    :param standard: the standard version in effect (see ``PluginRegistry.standard``), or the
        one :func:`prepare` made of it with the unit's overrides (``overrides`` is then ignored):
        a pass over many branches prepares it once per unit.
    :param overrides: the tenant's overrides, or ``None``.
    :param facts: metric values for this branch and period (see ``docs/standards.md``).
    :param manual_scores: on-site scores by item id.
    :param exemptions: approved exemptions; expired ones are ignored (and said so).
    :param on: the assessment day; decides which exemptions are active.
    :param formulas: the unit type's formulas by name, for ``formula`` items.
    :param labels: metric labels for the card beyond the built-in catalogue: the county's
        finding kinds and plugin metrics (``Catalogue.labels()`` of the scoring run).
    :param evidence: False for the ranking pass: the same totals, grades, statuses and
        explanations, without the records listed one by one as each item's evidence.
    :returns: the result with totals, grade, vetoes and every item explained.
    :raises LookupError: when an item names a formula or parameter that was not supplied.
    """
    prepared = standard if isinstance(standard, PreparedStandard) else prepare(standard, overrides)
    effective, warnings = prepared.standard, list(prepared.warnings)
    context = RuleContext(
        facts=facts,
        manual_scores=manual_scores or {},
        formulas=formulas or {},
        parameters=prepared.parameters,
        on=on,
        labels=labels or {},
        evidence=evidence,
    )
    exempt = {}
    for exemption in exemptions:
        exempt.setdefault(exemption.item_id, []).append(exemption)
    blocks = tuple(_block(block, context, exempt, on) for block in effective.blocks)
    base = _base_total(effective, blocks)
    bonus = sum((i.score for b in blocks for i in b.items if i.bonus), ZERO)
    if effective.bonus_cap is not None:
        bonus = min(bonus, effective.bonus_cap)
    total = points(min(effective.max, base + bonus))
    band_grade = _band(effective, total)
    vetoes = tuple(
        VetoResult(v.id, v.title, v.cap, v.when.describe_zh(context.labels), v.citation)
        for v in effective.vetoes
        if v.when.holds(facts)
    )
    grade, reasons = band_grade, []
    for veto in vetoes:
        if grade is not None and effective.grade_rank(grade) < effective.grade_rank(veto.cap):
            reasons.append(
                f"一票否决：{veto.title}，等级最高为{veto.cap}（按得分应为{band_grade}）。"
            )
            grade = veto.cap
    not_rated = next((rule for rule in effective.not_rated if rule.when.holds(facts)), None)
    pending = tuple(i.id for b in blocks for i in b.items if i.status == "pending")
    status: BranchStatus = "provisional" if pending else "rated"
    if not_rated is not None:
        status, grade = "not_rated", None
        cited = f"（{not_rated.citation.label}）" if not_rated.citation else ""
        reasons.append(f"不参加评定：{not_rated.reason}{cited}。")
    return BranchResult(
        standard_key=effective.key,
        standard_version=effective.version,
        on=on,
        status=status,
        total=total,
        max=effective.max,
        bonus=points(bonus),
        grade=grade,
        band_grade=band_grade,
        grade_reasons=tuple(reasons),
        vetoes=vetoes,
        not_rated_reason=not_rated.reason if not_rated else None,
        blocks=blocks,
        warnings=tuple(dict.fromkeys(warnings)),
        pending_items=pending,
    )


def _block(
    block: Block, context: RuleContext, exempt: Mapping[str, list[Exemption]], on: dt.date
) -> BlockResult:
    items = tuple(_item(item, context, exempt.get(item.id, []), on) for item in block.items)
    if block.zero_when is not None and block.zero_when.holds(context.facts):
        reason = f"{block.title}不得分（{block.zero_when.describe_zh(context.labels)}）"
        items = tuple(_zeroed(result, reason) for result in items)
    score = sum((i.score for i in items if not i.bonus), ZERO)
    return BlockResult(block.id, block.title, points(score), block.max, block.weight, items)


def _item(item: Item, context: RuleContext, exemptions: list[Exemption], on: dt.date) -> ItemResult:
    kind = RULE_KINDS[item.kind]
    active = next((e for e in exemptions if e.active(on)), None)
    if active is not None:
        text = (
            f"{item.title}：经{active.approved_by}批准豁免（{active.reason}），"
            f"有效期至{active.expires_on.isoformat()}，按满分计。"
        )
        outcome = RuleOutcome(ZERO if kind.bonus else item.max, "exempt", None, None, text)
        return _result(item, outcome, kind.bonus, active)
    if item.applies_when is not None and not item.applies_when.holds(context.facts):
        text = f"{item.title}：不适用（适用条件：{item.applies_when.describe_zh(context.labels)}），不扣分。"
        outcome = RuleOutcome(ZERO if kind.bonus else item.max, "not_applicable", None, None, text)
        return _result(item, outcome, kind.bonus)
    notes: list[str] = []
    try:
        params = {key: _resolve(value, context, item, notes) for key, value in item.params.items()}
        outcome = kind.evaluate(item, params, context)
    except MissingMetric as missing:
        outcome = _missing(item, metric_label(missing.metric, context.labels), kind.bonus)
    except NoTargetCase as none:
        text = f"{item.title}：本支部不属于任何一档目标（{none.cases}），不适用，不扣分。"
        outcome = RuleOutcome(ZERO if kind.bonus else item.max, "not_applicable", None, None, text)
    if notes:
        text = outcome.explanation
        # The note belongs to the sentence that states the target, before its full stop.
        body, stop = (text[:-1], "。") if text.endswith("。") else (text, "")
        outcome = replace(outcome, explanation=body + "".join(notes) + stop)
    if item.zero_when is not None and item.zero_when.holds(context.facts):
        text = f"{item.title}：不得分（{item.zero_when.describe_zh(context.labels)}）。"
        outcome = replace(
            outcome, score=ZERO, status="failed", explanation=text, lines=(), level=None
        )
    expired = [e for e in exemptions if not e.active(on)]
    if expired:
        latest = max(expired, key=lambda e: e.expires_on)
        note = f"（原豁免已于{latest.expires_on.isoformat()}到期）"
        outcome = replace(outcome, explanation=outcome.explanation + note)
    return _result(item, outcome, kind.bonus)


def _zeroed(result: ItemResult, reason: str) -> ItemResult:
    """An item of a block that scores nothing (该部分不得分): 0 points, saying why."""
    if result.score == 0 and result.status in ("failed", "pending"):
        return replace(result, explanation=f"{result.explanation}（{reason}）")
    return replace(
        result,
        score=ZERO,
        status="failed",
        explanation=f"{result.title}：{reason}。",
        lines=(),
        level=None,
    )


class NoTargetCase(Exception):
    """No ``{when, target}`` case applies to the branch."""

    def __init__(self, cases: str) -> None:
        super().__init__(cases)
        self.cases = cases


def _missing(item: Item, metric: str, bonus: bool) -> RuleOutcome:
    """:param metric: the missing metric's label (what the card names)."""
    if item.when_missing == "not_applicable":
        text = f"{item.title}：暂无「{metric}」数据，不适用，不扣分。"
        return RuleOutcome(ZERO if bonus else item.max, "not_applicable", None, None, text)
    if item.when_missing == "pending":
        text = f"{item.title}：待补充「{metric}」数据后评分。"
        return RuleOutcome(ZERO, "pending", None, None, text)
    text = f"{item.title}：缺少「{metric}」数据，按未达到计，扣{fmt(item.max)}分。请在平台录入相关记录。"
    return RuleOutcome(ZERO, "failed", None, None, text)


def _resolve(value: Any, context: RuleContext, item: Item, notes: list[str]) -> Any:
    """A param's value for this branch: parameters, metric targets and target cases resolved.

    :param notes: collects a note for the card when a target case was chosen.
    """
    if isinstance(value, MetricTarget):
        return context.metric(value.metric)
    if isinstance(value, TargetCases):
        for case in value.cases:
            if case.when is None or case.when.holds(context.facts):
                target = _resolve(case.target, context, item, notes)
                which = case.when.describe_zh(context.labels) if case.when is not None else "其余情况"
                notes.append(f"（目标按「{which}」取{fmt(target)}）")
                return target
        raise NoTargetCase("；".join(c.when.describe_zh(context.labels) for c in value.cases if c.when))
    if isinstance(value, ParameterRef):
        if value.key not in context.parameters:
            raise LookupError(f"项目「{item.id}」引用的参数「{value.key}」未提供")
        return context.parameters[value.key]
    return value


def _result(
    item: Item, outcome: RuleOutcome, bonus: bool, exemption: Exemption | None = None
) -> ItemResult:
    return ItemResult(
        id=item.id,
        title=item.title,
        rule=item.rule,
        kind=item.kind,
        score=points(outcome.score),
        max=item.max,
        status=outcome.status,
        value=outcome.value,
        target=outcome.target,
        explanation=outcome.explanation,
        citation=item.citation,
        evidence=outcome.evidence,
        bonus=bonus,
        exemption=exemption,
        owner=item.owner,
        level=outcome.level,
        lines=outcome.lines,
    )


def _base_total(standard: Standard, blocks: tuple[BlockResult, ...]) -> Decimal:
    """Scale block points to the standard's maximum.

    With all items present and ``points`` scoring this is the plain sum; switched-off items
    shrink a block's max, and the rest is rescaled so 百分制 bands keep their meaning.
    """
    scored = [block for block in blocks if block.max > 0]
    if not scored:
        return ZERO
    if standard.scoring == "weighted":
        weights = sum((block.weight or ZERO for block in scored), ZERO)
        if weights == 0:
            return ZERO
        share = sum(((block.weight or ZERO) * block.score / block.max for block in scored), ZERO)
        return share / weights * standard.max
    total_max = sum((block.max for block in scored), ZERO)
    return sum((block.score for block in scored), ZERO) / total_max * standard.max


def _band(standard: Standard, total: Decimal) -> str | None:
    for band in standard.bands:
        if total >= band.min:
            return band.grade
    return None


def _plain(value: Any) -> Any:
    """Make nested values JSON-safe: Decimals as strings, dates ISO, tuples as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(inner) for inner in value]
    return value
