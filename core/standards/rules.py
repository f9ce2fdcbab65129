"""Rule kinds: the pure functions that score one rubric item, and the schema of their params."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from core.standards.facts import MISSING, lookup_metric, to_decimal
from core.standards.model import CONDITION_OPERATORS, Item, ItemStatus, compare
from core.standards.periods import PERIOD_NOUNS, PERIOD_WORDS, months_of, period_label, period_of
from core.standards.types import Formula

ZERO = Decimal("0")
HUNDRED = Decimal("100")


class MissingMetric(Exception):
    """A metric an item reads is not in the facts; the item gets its ``when_missing`` status."""

    def __init__(self, metric: str) -> None:
        super().__init__(metric)
        self.metric = metric


@dataclass(frozen=True)
class ManualScore:
    """An on-site (现场检查) score entered by a supervisor for one item."""

    points: Decimal
    comment: str = ""
    entered_by: str | None = None
    entered_on: dt.date | None = None


@dataclass(frozen=True)
class Evidence:
    """One fact behind an item result: a record (id, date) or a missing period/member."""

    description: str
    record_id: str | None = None
    date: str | None = None
    period: str | None = None
    member_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """:returns: the non-empty fields as a JSON-serialisable mapping."""
        return {key: value for key, value in self.__dict__.items() if value is not None}


@dataclass(frozen=True)
class RuleOutcome:
    """What a rule kind found for one item."""

    score: Decimal
    status: ItemStatus
    value: Any
    target: Any
    explanation: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may read besides its own params."""

    facts: Mapping[str, Any]
    manual_scores: Mapping[str, ManualScore] = field(default_factory=dict)
    formulas: Mapping[str, Formula] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    on: dt.date | None = None

    def metric(self, name: str) -> Any:
        """:returns: the metric value.
        :raises MissingMetric: when the facts lack it (or hold ``None`` for it)."""
        value = lookup_metric(self.facts, name)
        if value is MISSING or value is None:
            raise MissingMetric(name)
        return value


@dataclass(frozen=True)
class ParamSpec:
    """The schema of one param of a rule kind.

    :param type: ``metric`` (a metric name), ``number``, ``number_ref`` (number or
        ``{parameter: key}``), ``period_ref`` (period or ``{parameter: key}``), ``choice``,
        ``text`` or ``checklist_items``.
    """

    type: str
    required: bool = True
    default: Any = None
    choices: tuple[str, ...] = ()
    description_zh: str = ""


RuleFunction = Callable[[Item, Mapping[str, Any], RuleContext], RuleOutcome]


@dataclass(frozen=True)
class RuleKind:
    """A rule kind: its params schema and its scoring function.

    :param bonus: bonus items add points on top of their block, up to their ``max``.
    """

    name: str
    label_zh: str
    params: Mapping[str, ParamSpec]
    evaluate: RuleFunction
    bonus: bool = False


def points(value: Decimal) -> Decimal:
    """:returns: points rounded to 0.01 (scores are printed with two decimals at most)."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def clamp(score: Decimal, maximum: Decimal) -> Decimal:
    """:returns: ``score`` limited to ``0 … maximum`` (扣完为止)."""
    return points(max(ZERO, min(maximum, score)))


def status_for(score: Decimal, maximum: Decimal) -> ItemStatus:
    """:returns: ``met`` at full points, ``failed`` at zero, ``partial`` in between."""
    if score >= maximum:
        return "met"
    return "failed" if score <= ZERO else "partial"


def fmt(value: Any) -> str:
    """:returns: a number without trailing zeros (3.50 → 3.5), thousands grouped from 10,000."""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        number = to_decimal(value).normalize()
        return format(number, ",f" if abs(number) >= 10000 else "f")
    return str(value)


def percent(value: Decimal) -> str:
    """:returns: a ratio as a percentage, e.g. 0.755 → ``75.5%``."""
    return f"{fmt(points(value * HUNDRED))}%"


def with_advice(item: Item, text: str, status: ItemStatus) -> str:
    """Append the item's advice to explanations of items that lost points."""
    if item.advice and status in ("failed", "partial"):
        return f"{text}{item.advice}"
    return text


# ---------------------------------------------------------------------------------------------
# cadence
# ---------------------------------------------------------------------------------------------

def evaluate_cadence(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Count held events per period; deduct per missed period, capped at the item's max.

    Only periods that lie wholly inside ``period.months`` are expected: a quarter still running
    cannot be missed yet, but events already held in it are shown.
    """
    months: Sequence[str] = sorted(ctx.metric("period.months"))
    counts: Mapping[str, Any] = ctx.metric(params["metric"])
    period, minimum = params["period"], int(params["min_per_period"])
    in_scope = set(months)
    held: dict[str, int] = {}
    for month in months:
        key = period_of(month, period)
        held[key] = held.get(key, 0) + int(counts.get(month, 0) or 0)
    expected = [key for key in held if set(months_of(key, period)) <= in_scope]
    missed = [key for key in expected if held[key] < minimum]
    target = f"{PERIOD_WORDS[period]}至少{minimum}次"
    value = {"held": sum(held.values()), "expected_periods": len(expected), "missed": len(missed)}
    records = _event_evidence(ctx, params.get("evidence_metric"))
    if not expected:
        text = f"{item.title}：考核期内尚无已结束的{PERIOD_NOUNS[period]}，暂不扣分。"
        return RuleOutcome(item.max, "not_applicable", value, target, text, records)
    per_missed = params.get("deduct_per_missed")
    if per_missed is None:
        lost = item.max * len(missed) / len(expected)
    else:
        lost = to_decimal(per_missed) * len(missed)
    score = clamp(item.max - lost, item.max)
    status = status_for(score, item.max)
    if missed:
        names = "、".join(period_label(key, period) for key in missed)
        text = (
            f"{item.title}：应{target}；{names}未达到（共{len(missed)}个{PERIOD_NOUNS[period]}），"
            f"扣{fmt(item.max - score)}分。"
        )
    else:
        text = (
            f"{item.title}：应{target}，考核期内{len(expected)}个{PERIOD_NOUNS[period]}均已达到。"
        )
    gaps = tuple(
        Evidence(
            description=f"{period_label(key, period)}仅{held[key]}次，应至少{minimum}次",
            period=key,
        )
        for key in missed
    )
    return RuleOutcome(
        score, status, value, target, with_advice(item, text, status), gaps + records
    )


def _event_evidence(ctx: RuleContext, metric: str | None) -> tuple[Evidence, ...]:
    """:returns: the held events listed under ``metric`` (optional) as evidence."""
    if not metric:
        return ()
    events = lookup_metric(ctx.facts, metric)
    if not events:
        return ()
    return tuple(
        Evidence(
            description=str(event.get("topic") or "已召开"),
            record_id=str(event.get("id")),
            date=str(event.get("date")),
        )
        for event in events
    )


# ---------------------------------------------------------------------------------------------
# threshold
# ---------------------------------------------------------------------------------------------


def evaluate_threshold(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Compare a value (or the length of a list) with a target: full, zero or partial points."""
    raw = ctx.metric(params["metric"])
    op, scoring, unit = params["op"], params["scoring"], params.get("unit") or ""
    listed = isinstance(raw, list | tuple)
    evidence = tuple(_list_evidence(entry) for entry in raw) if listed else ()
    if op in ("is_true", "is_false"):
        ok = bool(raw) if op == "is_true" else not raw
        score = item.max if ok else ZERO
        target = "是" if op == "is_true" else "否"
        found = "是" if raw else "否"
        from core.standards.facts import METRIC_LABELS

        subject = METRIC_LABELS.get(params["metric"], params["metric"])
        text = f"{item.title}：「{subject}」应为「{target}」，实际为「{found}」"
        ends_on = lookup_metric(ctx.facts, "organization.term_ends_on")
        if params["metric"] == "organization.term_overdue" and raw and ends_on:
            text += f"（本届任期已于{ends_on}届满，尚未录入新一届选举）"
        text += "，扣" + fmt(item.max - score) + "分。" if score < item.max else "。"
        status = status_for(score, item.max)
        return RuleOutcome(
            score, status, bool(raw), target, with_advice(item, text, status), evidence
        )
    value = Decimal(len(raw)) if listed else to_decimal(raw)
    target = to_decimal(params["target"])
    ok = compare(value, op, target)
    if ok:
        score = item.max
    elif scoring == "proportional" and op in (">=", ">") and target > 0:
        score = clamp(item.max * value / target, item.max)
    elif scoring == "per_unit":
        shortfall = abs(value - target) + (1 if op in (">", "<") else 0)
        score = clamp(item.max - to_decimal(params["deduct_per_unit"]) * shortfall, item.max)
    else:
        score = ZERO
    status = status_for(score, item.max)
    wanted = f"{CONDITION_OPERATORS[op]}{fmt(target)}{unit}"
    text = f"{item.title}：要求{wanted}，实际为{fmt(value)}{unit}"
    text += "，已达到。" if ok else f"，未达到，扣{fmt(item.max - score)}分。"
    return RuleOutcome(score, status, value, wanted, with_advice(item, text, status), evidence)


def _list_evidence(entry: Any) -> Evidence:
    """:returns: evidence for one entry of a list metric (a member, a case, an event)."""
    if not isinstance(entry, Mapping):
        return Evidence(description=str(entry))
    name = entry.get("name") or entry.get("topic") or ""
    months = entry.get("months")
    detail = f"{name}（{'、'.join(months)}）" if months else str(name)
    return Evidence(
        description=detail or "记录",
        record_id=_str_or_none(entry.get("id") or entry.get("case_id")),
        date=_str_or_none(entry.get("date") or entry.get("due_on")),
        member_id=_str_or_none(entry.get("member_id")),
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------------------------------------
# stepped_ratio
# ---------------------------------------------------------------------------------------------


def evaluate_stepped_ratio(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Deduct a fixed amount for each step (or part of one) the ratio lies below the target.

    E.g. attendance target 80 %, step 10 %, 1 point per step: 75 % loses 1, 69 % loses 2.
    """
    value = to_decimal(ctx.metric(params["metric"]))
    target, step = to_decimal(params["target"]), to_decimal(params["step"])
    per_step = to_decimal(params["deduct_per_step"])
    steps = ZERO if value >= target else ((target - value) / step).to_integral_value(ROUND_CEILING)
    score = clamp(item.max - steps * per_step, item.max)
    status = status_for(score, item.max)
    evidence: tuple[Evidence, ...] = ()
    if params.get("evidence_metric"):
        entries = lookup_metric(ctx.facts, params["evidence_metric"]) or ()
        evidence = tuple(
            Evidence(
                description=f"到会率{percent(to_decimal(entry['ratio']))}",
                record_id=str(entry.get("id")),
                date=_str_or_none(entry.get("date")),
            )
            for entry in entries
            if entry.get("ratio") is not None and to_decimal(entry["ratio"]) < target
        )
    wanted = f"不低于{percent(target)}"
    if steps:
        text = (
            f"{item.title}：要求{wanted}，实际为{percent(value)}，低于要求{fmt(steps)}档"
            f"（每低{percent(step)}扣{fmt(per_step)}分，不足一档按一档计），扣{fmt(item.max - score)}分。"
        )
    else:
        text = f"{item.title}：要求{wanted}，实际为{percent(value)}，已达到。"
    return RuleOutcome(score, status, value, wanted, with_advice(item, text, status), evidence)


# ---------------------------------------------------------------------------------------------
# member_threshold
# ---------------------------------------------------------------------------------------------


def evaluate_member_threshold(
    item: Item, params: Mapping[str, Any], ctx: RuleContext
) -> RuleOutcome:
    """Share of members whose value reaches their target (leaders may have a higher target)."""
    values: Mapping[str, Any] = ctx.metric(params["metric"])
    names: Mapping[str, str] = {}
    if params.get("names_metric"):
        found = lookup_metric(ctx.facts, params["names_metric"]) or {}
        names = {str(key): str(value) for key, value in found.items()}
    leaders: set[str] = set()
    if params.get("leader_metric"):
        leaders = {str(m) for m in (lookup_metric(ctx.facts, params["leader_metric"]) or ())}
    target = to_decimal(params["target"])
    leader_target = to_decimal(params.get("leader_target") or target)
    unit = params.get("unit") or ""
    members = sorted({str(m) for m in values} | {str(m) for m in names})
    if not members:
        text = f"{item.title}：暂无党员记录，不适用。"
        return RuleOutcome(item.max, "not_applicable", None, fmt(target), text)
    by_id = {str(key): value for key, value in values.items()}
    below: list[Evidence] = []
    for member in members:
        own = to_decimal(by_id.get(member) or 0)
        wanted = leader_target if member in leaders else target
        if own < wanted:
            who = names.get(member) or member
            role = "（班子成员）" if member in leaders else ""
            below.append(
                Evidence(
                    description=f"{who}{role}：{fmt(own)}{unit}，应达{fmt(wanted)}{unit}",
                    member_id=member,
                )
            )
    reached = len(members) - len(below)
    share = Decimal(reached) / Decimal(len(members))
    required = to_decimal(params["required_share"])
    scoring = params["scoring"]
    if share >= required:
        score = item.max
    elif scoring == "proportional":
        score = clamp(item.max * share / required, item.max)
    elif scoring == "per_member":
        score = clamp(item.max - to_decimal(params["deduct_per_member"]) * len(below), item.max)
    else:
        score = ZERO
    status = status_for(score, item.max)
    wanted_text = f"党员{fmt(target)}{unit}"
    if leaders and leader_target != target:
        wanted_text += f"、班子成员{fmt(leader_target)}{unit}"
    text = f"{item.title}：要求{wanted_text}；{len(members)}人中{reached}人达到（{percent(share)}）"
    text += "。" if not below else f"，{len(below)}人未达到，扣{fmt(item.max - score)}分。"
    return RuleOutcome(
        score, status, share, wanted_text, with_advice(item, text, status), tuple(below)
    )


# ---------------------------------------------------------------------------------------------
# checklist
# ---------------------------------------------------------------------------------------------


def evaluate_checklist(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Each unmet checklist entry (六有) deducts its points; evidence names the unmet entries."""
    found: Mapping[str, Mapping[str, Any]] = ctx.metric(params["metric"])
    unmet: list[Evidence] = []
    lost = ZERO
    for entry in params["items"]:
        state = found.get(entry["key"]) or {}
        if not state.get("met"):
            lost += to_decimal(entry["points"])
            unmet.append(
                Evidence(
                    description=f"未达到：{entry['label']}",
                    date=_str_or_none(state.get("checked_on")),
                )
            )
    score = clamp(item.max - lost, item.max)
    status = status_for(score, item.max)
    total = len(params["items"])
    if unmet:
        names = "、".join(e.description.removeprefix("未达到：") for e in unmet)
        text = f"{item.title}：{total}项中{len(unmet)}项未达到（{names}），扣{fmt(item.max - score)}分。"
    else:
        text = f"{item.title}：{total}项均已达到。"
    value = {"met": total - len(unmet), "total": total}
    return RuleOutcome(
        score, status, value, f"{total}项全部达到", with_advice(item, text, status), tuple(unmet)
    )


# ---------------------------------------------------------------------------------------------
# formula
# ---------------------------------------------------------------------------------------------


def evaluate_formula_item(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Compare an actual amount with what a named plugin formula requires."""
    from core.standards.formulas import evaluate_formula  # formulas → overrides → loader → rules

    name = params["formula"]
    if name not in ctx.formulas:
        raise LookupError(f"公式「{name}」未注册，无法评价「{item.id}」")
    formula = ctx.formulas[name]
    inputs = {}
    for metric in formula.inputs:
        value = lookup_metric(ctx.facts, metric)
        if (value is MISSING or value is None) and metric not in formula.optional_inputs:
            raise MissingMetric(metric)
        inputs[metric] = None if value is MISSING else value
    result = evaluate_formula(formula, inputs, ctx.parameters)
    actual = to_decimal(ctx.metric(params["actual"]))
    required = result.value
    unit = result.unit
    if actual >= required:
        score = item.max
    elif params["scoring"] == "proportional" and required > 0:
        score = clamp(item.max * actual / required, item.max)
    else:
        score = ZERO
    status = status_for(score, item.max)
    verdict = "已达到" if actual >= required else f"未达到，扣{fmt(item.max - score)}分"
    text = f"{item.title}：{result.explanation}；实际为{fmt(actual)}{unit}，{verdict}。"
    evidence = tuple(Evidence(description=warning) for warning in result.warnings)
    return RuleOutcome(
        score,
        status,
        actual,
        f"不少于{fmt(required)}{unit}",
        with_advice(item, text, status),
        evidence,
    )


# ---------------------------------------------------------------------------------------------
# manual
# ---------------------------------------------------------------------------------------------


def evaluate_manual(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Use the supervisor's on-site score; without one the item is ``pending``."""
    entry = ctx.manual_scores.get(item.id)
    if entry is None:
        text = f"{item.title}：待督导现场检查评分。"
        return RuleOutcome(ZERO, "pending", None, f"满分{fmt(item.max)}分", text)
    entered = to_decimal(entry.points)
    score = clamp(entered, item.max)
    status = status_for(score, item.max)
    text = f"{item.title}：现场检查得{fmt(score)}分"
    if entered != score:
        # A form should have refused this; keep the card honest about what was entered.
        text += f"（录入{fmt(entered)}分超出0至{fmt(item.max)}分范围，已按范围计）"
    if entry.comment:
        text += f"。检查意见：{entry.comment}"
    who = f"（{entry.entered_by}" if entry.entered_by else ""
    if who and entry.entered_on:
        who += f"，{entry.entered_on.isoformat()}"
    text += f"{who}）。" if who else "。"
    return RuleOutcome(score, status, entered, f"满分{fmt(item.max)}分", text)


# ---------------------------------------------------------------------------------------------
# bonus
# ---------------------------------------------------------------------------------------------


def evaluate_bonus(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Add points per counted unit (e.g. per honour), capped at the item's max (封顶)."""
    raw = lookup_metric(ctx.facts, params["metric"])
    if raw is MISSING or raw is None:
        raw = ()
    listed = isinstance(raw, list | tuple)
    count = Decimal(len(raw)) if listed else to_decimal(raw)
    evidence = tuple(_list_evidence(entry) for entry in raw) if listed else ()
    score = clamp(count * to_decimal(params["per"]), item.max)
    if score <= ZERO:
        text = f"{item.title}：无加分事项。"
        return RuleOutcome(ZERO, "not_applicable", count, f"最高加{fmt(item.max)}分", text)
    text = f"{item.title}：{fmt(count)}项，每项加{fmt(params['per'])}分，封顶{fmt(item.max)}分，加{fmt(score)}分。"
    return RuleOutcome(score, "met", count, f"最高加{fmt(item.max)}分", text, evidence)


# ---------------------------------------------------------------------------------------------
# The single definition of every rule kind and its params.
# ---------------------------------------------------------------------------------------------

_SCORING = ("all_or_nothing", "proportional")

RULE_KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        RuleKind(
            "cadence",
            "按周期计次",
            {
                "metric": ParamSpec(
                    "metric", description_zh="每月次数，如 meetings.general_meeting"
                ),
                "period": ParamSpec("period_ref", description_zh="month/quarter/half/year 或参数"),
                "min_per_period": ParamSpec("number_ref", required=False, default=1),
                "deduct_per_missed": ParamSpec(
                    "number_ref", required=False, description_zh="每缺一个周期扣分；省略则按比例"
                ),
                "evidence_metric": ParamSpec("metric", required=False),
            },
            evaluate_cadence,
        ),
        RuleKind(
            "threshold",
            "数值达标",
            {
                "metric": ParamSpec("metric"),
                "op": ParamSpec(
                    "choice", choices=(">=", ">", "<=", "<", "==", "!=", "is_true", "is_false")
                ),
                "target": ParamSpec("number_ref", required=False),
                "scoring": ParamSpec(
                    "choice",
                    required=False,
                    default="all_or_nothing",
                    choices=(*_SCORING, "per_unit"),
                ),
                "deduct_per_unit": ParamSpec("number_ref", required=False),
                "unit": ParamSpec("text", required=False),
            },
            evaluate_threshold,
        ),
        RuleKind(
            "stepped_ratio",
            "比率分档扣分",
            {
                "metric": ParamSpec("metric"),
                "target": ParamSpec("number_ref"),
                "step": ParamSpec("number_ref"),
                "deduct_per_step": ParamSpec("number_ref"),
                "evidence_metric": ParamSpec("metric", required=False),
            },
            evaluate_stepped_ratio,
        ),
        RuleKind(
            "member_threshold",
            "党员个人达标率",
            {
                "metric": ParamSpec("metric", description_zh="{党员: 数值}"),
                "target": ParamSpec("number_ref"),
                "leader_metric": ParamSpec("metric", required=False),
                "leader_target": ParamSpec("number_ref", required=False),
                "names_metric": ParamSpec("metric", required=False),
                "required_share": ParamSpec("number_ref", required=False, default=1),
                "scoring": ParamSpec(
                    "choice",
                    required=False,
                    default="proportional",
                    choices=(*_SCORING, "per_member"),
                ),
                "deduct_per_member": ParamSpec("number_ref", required=False),
                "unit": ParamSpec("text", required=False),
            },
            evaluate_member_threshold,
        ),
        RuleKind(
            "checklist",
            "清单逐项检查",
            {
                "metric": ParamSpec("metric"),
                "items": ParamSpec("checklist_items", description_zh="[{key, label, points}]"),
            },
            evaluate_checklist,
        ),
        RuleKind(
            "formula",
            "按公式计算要求",
            {
                "formula": ParamSpec("text", description_zh="本单位类型的公式名"),
                "actual": ParamSpec("metric"),
                "scoring": ParamSpec(
                    "choice", required=False, default="all_or_nothing", choices=_SCORING
                ),
            },
            evaluate_formula_item,
        ),
        RuleKind(
            "manual",
            "现场检查评分",
            {"guidance": ParamSpec("text", required=False)},
            evaluate_manual,
        ),
        RuleKind(
            "bonus",
            "加分（封顶）",
            {"metric": ParamSpec("metric"), "per": ParamSpec("number_ref")},
            evaluate_bonus,
            bonus=True,
        ),
    )
}
