"""Rule kinds: the pure functions that score one rubric item, and the schema of their params."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from core.standards.facts import MISSING, lookup_metric, metric_label, to_decimal
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
    level: str | None = None
    lines: tuple[ScoreLine, ...] = ()


@dataclass(frozen=True)
class ScoreLine:
    """One deduction or bonus of an item, as the card lists it (未设书记 −1)."""

    label: str
    points: Decimal
    detail: str = ""

    @property
    def shown(self) -> str:
        """The points as printed on a card: ``0.5``, ``1``."""
        return fmt(self.points)

    def to_dict(self) -> dict[str, Any]:
        """:returns: a JSON-serialisable mapping."""
        return {"label": self.label, "points": str(self.points), "detail": self.detail}


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may read besides its own params."""

    facts: Mapping[str, Any]
    manual_scores: Mapping[str, ManualScore] = field(default_factory=dict)
    formulas: Mapping[str, Formula] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    on: dt.date | None = None
    #: Metric labels for the card beyond the built-in catalogue (see :func:`metric_label`).
    labels: Mapping[str, str] = field(default_factory=dict)
    #: False for a ranking pass: the same scores and explanations, no evidence lists (records
    #: named one by one) where they are only shown, never counted.
    evidence: bool = True

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
        ``{parameter: key}``), ``target_ref`` (a ``number_ref``, ``{metric: name}`` or a list of
        ``{when, target}`` cases, the last of which may omit ``when``), ``period_ref`` (period
        or ``{parameter: key}``), ``choice``, ``text``, ``checklist_items``, ``deduction_list``
        (``[{label, points, when | finding}]`` or ``[{label, count, per, from, points, max}]``),
        ``level_list`` (``[{name, points, when}]``) or ``filter_list``
        (``[{field, op, value}]``, all must hold).
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
    period, minimum = params["period"], int(params["min_per_period"])
    held, expected, missed = periods_held(ctx, params["metric"], period, minimum)
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
        for key in (missed if ctx.evidence else ())
    )
    return RuleOutcome(
        score, status, value, target, with_advice(item, text, status), gaps + records
    )


def periods_held(
    ctx: RuleContext, metric: str, period: str, minimum: int
) -> tuple[dict[str, int], list[str], list[str]]:
    """Events per period of the assessment.

    :param metric: a ``{"YYYY-MM": count}`` metric.
    :returns: events held per period key, the periods wholly inside ``period.months`` (a
        running period cannot be missed yet), and those of them with fewer than ``minimum``.
    :raises MissingMetric: when a metric is missing.
    """
    keys, expected = _periods_of(tuple(ctx.metric("period.months")), period)
    counts: Mapping[str, Any] = ctx.metric(metric)
    held: dict[str, int] = {}
    for month, key in keys:
        held[key] = held.get(key, 0) + int(counts.get(month, 0) or 0)
    return held, list(expected), [key for key in expected if held[key] < minimum]


@lru_cache(maxsize=64)
def _periods_of(months: tuple[str, ...], period: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The same for every branch of a pass (one period, a few cadences), so worked out once:
    each month with its period's key in month order, and the periods wholly inside ``months``."""
    ordered = sorted(months)
    keys = tuple((month, period_of(month, period)) for month in ordered)
    in_scope = set(ordered)
    seen = dict.fromkeys(key for _, key in keys)
    return keys, tuple(key for key in seen if set(months_of(key, period)) <= in_scope)


def _event_evidence(ctx: RuleContext, metric: str | None) -> tuple[Evidence, ...]:
    """:returns: the held events listed under ``metric`` (optional) as evidence."""
    if not metric or not ctx.evidence:
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
    evidence = tuple(_list_evidence(entry) for entry in raw) if listed and ctx.evidence else ()
    if op in ("is_true", "is_false"):
        ok = bool(raw) if op == "is_true" else not raw
        score = item.max if ok else ZERO
        target = "是" if op == "is_true" else "否"
        found = "是" if raw else "否"
        subject = metric_label(params["metric"], ctx.labels)
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
    if params.get("evidence_metric") and ctx.evidence:
        entries = lookup_metric(ctx.facts, params["evidence_metric"]) or ()
        evidence = tuple(
            Evidence(
                description=f"到会率{percent(to_decimal(entry['ratio']))}",
                record_id=str(entry.get("id")),
                date=_str_or_none(entry.get("date")),
            )
            if "ratio" in entry
            # Entries without a ratio name a member and the months that fell short.
            else _list_evidence(entry)
            for entry in entries
            if "ratio" not in entry
            or (entry.get("ratio") is not None and to_decimal(entry["ratio"]) < target)
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


def onsite_choices(item: Item) -> list[tuple[str, Decimal]] | None:
    """The scores an on-site form may offer for an item, as ``(label, points)``.

    :returns: the named levels of a ``levels`` item judged on site (好/一般/差), or for a
        ``manual`` item with a deduction range (扣1–3分) 不扣分 and each allowed deduction;
        ``None`` when any number from 0 to the item's max is allowed.
    """
    if item.kind == "levels" and is_on_site(item):
        return [(str(level["name"]), to_decimal(level["points"])) for level in item.params["levels"]]
    if item.kind != "manual" or item.params.get("deduct_max") is None:
        return None
    low = to_decimal(item.params.get("deduct_min") or ZERO)
    high = to_decimal(item.params["deduct_max"])
    step = to_decimal(item.params.get("deduct_step") or 1)
    choices = [("不扣分", item.max)]
    deduction = low if low > 0 else step
    while deduction <= high:
        choices.append((f"扣{fmt(deduction)}分", points(max(ZERO, item.max - deduction))))
        deduction += step
    return choices


def is_on_site(item: Item) -> bool:
    """:returns: whether a supervisor scores the item on site (``manual``, or ``levels``
        without conditions)."""
    if item.kind == "manual":
        return True
    return item.kind == "levels" and not any(
        level.get("when") is not None for level in item.params.get("levels", ())
    )


def evaluate_manual(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Use the supervisor's on-site score; without one the item is ``pending``.

    With a deduction range the score must be one of :func:`onsite_choices`; the card names the
    deduction chosen.
    """
    entry = ctx.manual_scores.get(item.id)
    if entry is None:
        text = f"{item.title}：待督导现场检查评分。"
        return RuleOutcome(ZERO, "pending", None, f"满分{fmt(item.max)}分", text)
    entered = to_decimal(entry.points)
    choices = onsite_choices(item)
    level = None
    if choices is not None:
        allowed = {score: label for label, score in choices}
        if entered not in allowed:
            text = (
                f"{item.title}：录入的{fmt(entered)}分不是本项允许的扣分"
                f"（{_choice_words(choices)}），请督导重新评分。"
            )
            return RuleOutcome(ZERO, "pending", entered, _choice_words(choices), text)
        level = allowed[entered]
    score = clamp(entered, item.max)
    status = status_for(score, item.max)
    if level is not None:
        text = f"{item.title}：现场检查{level}（本项可{_range_words(params)}），得{fmt(score)}分"
    else:
        text = f"{item.title}：现场检查得{fmt(score)}分"
    if entered != score:
        # A form should have refused this; keep the card honest about what was entered.
        text += f"（录入{fmt(entered)}分超出0至{fmt(item.max)}分范围，已按范围计）"
    text += _entered_note(entry)
    return RuleOutcome(score, status, entered, f"满分{fmt(item.max)}分", text, level=level)


def _choice_words(choices: Sequence[tuple[str, Decimal]]) -> str:
    return "、".join(f"{label}{fmt(score)}分" for label, score in choices)


def _range_words(params: Mapping[str, Any]) -> str:
    low = to_decimal(params.get("deduct_min") or params.get("deduct_step") or 1)
    high = to_decimal(params["deduct_max"])
    return f"扣{fmt(low)}至{fmt(high)}分" if low != high else f"扣{fmt(high)}分"


def _entered_note(entry: ManualScore) -> str:
    text = f"。检查意见：{entry.comment}" if entry.comment else ""
    who = f"（{entry.entered_by}" if entry.entered_by else ""
    if who and entry.entered_on:
        who += f"，{entry.entered_on.isoformat()}"
    return text + (f"{who}）。" if who else "。")


# ---------------------------------------------------------------------------------------------
# levels
# ---------------------------------------------------------------------------------------------


def evaluate_levels(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """A judgement with named levels (好/一般/差 → 2/1.5/0).

    Levels with conditions are decided from records: the first level whose condition holds (a
    last level without one is the otherwise). Levels without conditions are chosen on site.
    """
    levels: Sequence[Mapping[str, Any]] = params["levels"]
    scale = "、".join(f"{level['name']}{fmt(level['points'])}分" for level in levels)
    if is_on_site(item):
        entry = ctx.manual_scores.get(item.id)
        if entry is None:
            text = f"{item.title}：待督导现场评定档次（{scale}）。"
            return RuleOutcome(ZERO, "pending", None, scale, text)
        entered = to_decimal(entry.points)
        chosen = next((lv for lv in levels if to_decimal(lv["points"]) == entered), None)
        if chosen is None:
            text = f"{item.title}：录入的{fmt(entered)}分不是本项的档次（{scale}），请督导重新评定。"
            return RuleOutcome(ZERO, "pending", entered, scale, text)
        how = "现场评定为"
        note = _entered_note(entry)
    else:
        chosen = next(
            (lv for lv in levels if lv.get("when") is None or lv["when"].holds(ctx.facts)), None
        )
        if chosen is None:
            text = f"{item.title}：记录不符合任何档次的条件（{scale}），按0分计。"
            return RuleOutcome(ZERO, "failed", None, scale, with_advice(item, text, "failed"))
        how = "按记录评定为"
        when = chosen.get("when")
        note = f"（{when.describe_zh(ctx.labels)}）。" if when is not None else "。"
    score = clamp(to_decimal(chosen["points"]), item.max)
    status = status_for(score, item.max)
    text = f"{item.title}：{how}「{chosen['name']}」，得{fmt(score)}分（档次：{scale}）{note}"
    return RuleOutcome(
        score, status, chosen["name"], scale, with_advice(item, text, status), level=chosen["name"]
    )


# ---------------------------------------------------------------------------------------------
# deductions and counts
# ---------------------------------------------------------------------------------------------


def count_of(
    ctx: RuleContext,
    metric: str,
    where: Sequence[Mapping[str, Any]] = (),
    *,
    missed: str | None = None,
    minimum: int = 1,
) -> tuple[Decimal, tuple[Evidence, ...]]:
    """Count a metric: the entries of a list that pass every filter, or a number as it is.

    :param where: ``[{field, op, value}]`` filters on the entries of a list metric (e.g.
        ``{field: ratio, op: "<", value: 0.8}`` on ``attendance.events``).
    :param missed: a period (quarter …): count the finished periods of a ``{"YYYY-MM": count}``
        metric with fewer than ``minimum`` events instead (每季度1次，每缺1次扣2分).
    :returns: the count and the counted entries (or missed periods) as evidence.
    :raises MissingMetric: when the metric is missing.
    """
    if missed is not None:
        held, _, gaps = periods_held(ctx, metric, missed, minimum)
        evidence = tuple(
            Evidence(
                description=f"{period_label(key, missed)}仅{held[key]}次，应至少{minimum}次",
                period=key,
            )
            for key in (gaps if ctx.evidence else ())
        )
        return Decimal(len(gaps)), evidence
    raw = ctx.metric(metric)
    if not isinstance(raw, list | tuple):
        return to_decimal(raw), ()
    kept = [entry for entry in raw if all(_passes(entry, rule) for rule in where)]
    evidence = tuple(_counted_evidence(entry) for entry in kept) if ctx.evidence else ()
    return Decimal(len(kept)), evidence


def _passes(entry: Any, rule: Mapping[str, Any]) -> bool:
    value = entry.get(rule["field"]) if isinstance(entry, Mapping) else None
    if value is None:
        return False
    if isinstance(rule["value"], str):
        return (str(value) == rule["value"]) == (rule["op"] == "==")
    return compare(to_decimal(value), rule["op"], to_decimal(rule["value"]))


def _counted_evidence(entry: Any) -> Evidence:
    if isinstance(entry, Mapping) and entry.get("ratio") is not None and not entry.get("name"):
        return Evidence(
            description=f"到会率{percent(to_decimal(entry['ratio']))}",
            record_id=_str_or_none(entry.get("id")),
            date=_str_or_none(entry.get("date")),
        )
    return _list_evidence(entry)


def filter_words(where: Sequence[Mapping[str, Any]]) -> str:
    """:returns: the filters in words, e.g. ``ratio小于0.8``."""
    return "、".join(
        f"{rule['field']}{CONDITION_OPERATORS[rule['op']]}{fmt(rule['value'])}" for rule in where
    )


def deduction_amount(entry: Mapping[str, Any], count: Decimal) -> Decimal:
    """What one counted deduction takes off.

    Without ``from``: ``per`` × count (每次扣0.5分). With ``from``: nothing below it, then
    ``points`` plus ``per`` for each unit above it (3年未发展党员扣2分，每多1年加扣1分).
    The line is capped at its ``max`` when given.
    """
    per = to_decimal(entry.get("per") or ZERO)
    start = entry.get("from")
    if start is None:
        amount = per * count
    elif count < to_decimal(start):
        amount = ZERO
    else:
        amount = to_decimal(entry.get("points") or ZERO) + per * (count - to_decimal(start))
    if entry.get("max") is not None:
        amount = min(amount, to_decimal(entry["max"]))
    return amount


def evaluate_deductions(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Several deductions share the item's points, 扣完为止 (never below 0).

    Each deduction is a condition (``when``), a finding (``finding: code`` reads
    ``flags.<code>``), or a count over a list with a filter, optionally with a base and an
    escalation (``from``, ``points``, ``per``).
    """
    lines: list[ScoreLine] = []
    evidence: list[Evidence] = []
    for entry in params["deductions"]:
        if entry.get("count") is not None:
            spec = entry["count"]
            count, counted = count_of(
                ctx,
                spec["metric"],
                spec.get("where") or (),
                missed=spec.get("missed"),
                minimum=int(spec.get("min") or 1),
            )
            amount = deduction_amount(entry, count)
            if amount > 0:
                lines.append(ScoreLine(entry["label"], points(amount), _count_detail(entry, count)))
                evidence.extend(counted)
        elif entry["when"].holds(ctx.facts):
            lines.append(
                ScoreLine(entry["label"], points(to_decimal(entry["points"])), entry["when"].describe_zh(ctx.labels))
            )
    lost = sum((line.points for line in lines), ZERO)
    score = clamp(item.max - lost, item.max)
    status = status_for(score, item.max)
    if lines:
        named = "；".join(f"{line.label}扣{fmt(line.points)}分" for line in lines)
        capped = "（扣完为止）" if lost > item.max else ""
        text = f"{item.title}：{named}，共扣{fmt(item.max - score)}分{capped}。"
    else:
        text = f"{item.title}：{len(params['deductions'])}项扣分情形均未出现。"
    value = {"deductions": len(lines), "lost": str(points(lost))}
    return RuleOutcome(
        score,
        status,
        value,
        f"满分{fmt(item.max)}分，扣完为止",
        with_advice(item, text, status),
        tuple(evidence),
        lines=tuple(lines),
    )


def _count_detail(entry: Mapping[str, Any], count: Decimal) -> str:
    per = fmt(entry.get("per") or 0)
    if entry.get("from") is None:
        text = f"{fmt(count)}次，每次扣{per}分"
    else:
        text = f"{fmt(count)}（满{fmt(entry['from'])}扣{fmt(entry.get('points') or 0)}分"
        text += f"，每多1加扣{per}分）" if entry.get("per") else "）"
    if entry.get("max") is not None:
        text += f"，此项最多扣{fmt(entry['max'])}分"
    return text


# ---------------------------------------------------------------------------------------------
# bonus
# ---------------------------------------------------------------------------------------------


def evaluate_bonus(item: Item, params: Mapping[str, Any], ctx: RuleContext) -> RuleOutcome:
    """Add points per counted unit (e.g. per honour), capped at the item's max (封顶).

    With ``from`` the bonus starts only at that count (报道达到5篇才奖分): ``points`` once
    reached, plus ``per`` for each unit above it. ``where`` filters the entries counted.
    """
    where = params.get("where") or ()
    try:
        count, evidence = count_of(ctx, params["metric"], where)
    except MissingMetric:
        count, evidence = ZERO, ()
    per = to_decimal(params.get("per") or ZERO)
    start = params.get("from")
    if start is None:
        earned = count * per
        rule = f"每项加{fmt(per)}分"
    else:
        earned = deduction_amount({"from": start, "points": params.get("points"), "per": per}, count)
        rule = f"达到{fmt(start)}项加{fmt(params.get('points') or 0)}分"
        rule += f"、每多1项再加{fmt(per)}分" if per else ""
    score = clamp(earned, item.max)
    target = f"最高加{fmt(item.max)}分"
    if score <= ZERO:
        if start is not None and count > 0:
            text = f"{item.title}：{fmt(count)}项，未达到{fmt(start)}项，不加分。"
        else:
            text = f"{item.title}：无加分事项。"
        return RuleOutcome(ZERO, "not_applicable", count, target, text, evidence)
    text = f"{item.title}：{fmt(count)}项，{rule}，封顶{fmt(item.max)}分，加{fmt(score)}分。"
    line = ScoreLine(item.title, score, f"{fmt(count)}项")
    return RuleOutcome(score, "met", count, target, text, evidence, lines=(line,))


# ---------------------------------------------------------------------------------------------
# The single definition of every rule kind and its params.
# ---------------------------------------------------------------------------------------------

_SCORING = ("all_or_nothing", "proportional")
TARGET_DESCRIPTION = (
    "目标值：数字、{parameter: 参数}、{metric: 指标}（取本支部的指标值），"
    "或按支部情况分档 [{when: 条件, target: 值}, …, {target: 其余情况}]"
)

#: What the rubric editor calls each param (a param name means the same in every kind).
PARAM_LABELS: dict[str, str] = {
    "metric": "指标",
    "period": "周期",
    "min_per_period": "每个周期至少次数",
    "deduct_per_missed": "每缺一个周期扣分",
    "evidence_metric": "佐证记录",
    "op": "比较方式",
    "target": "目标值",
    "scoring": "计分方式",
    "deduct_per_unit": "每差一个单位扣分",
    "unit": "计量单位",
    "step": "每档幅度",
    "deduct_per_step": "每档扣分",
    "leader_metric": "班子成员的指标",
    "leader_target": "班子成员的目标值",
    "names_metric": "党员名单",
    "required_share": "须达标的党员比例",
    "deduct_per_member": "每有一人未达标扣分",
    "items": "检查项",
    "formula": "公式",
    "actual": "实际值",
    "guidance": "现场检查要点",
    "deduct_min": "最少扣分",
    "deduct_max": "最多扣分",
    "deduct_step": "扣分档距",
    "levels": "档次",
    "deductions": "扣分情形",
    "per": "每项加分",
    "where": "只计符合条件的条目",
    "from": "达到此数才加分",
    "points": "达到时加分",
}

#: What the editor shows for the coded choices of params (values stay the codes).
CHOICE_LABELS: dict[str, str] = {
    "all_or_nothing": "达到得满分，未达到不得分",
    "proportional": "按达到的比例得分",
    "per_unit": "每差一个单位扣分",
    "per_member": "每有一人未达标扣分",
    **PERIOD_WORDS,
    **CONDITION_OPERATORS,
}

RULE_KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        RuleKind(
            "cadence",
            "按周期计次",
            {
                "metric": ParamSpec(
                    "metric", description_zh="按月计次的指标，如「党员大会每月次数」"
                ),
                "period": ParamSpec("period_ref", description_zh="每月、每季度、每半年、每年，或读取单位参数"),
                "min_per_period": ParamSpec("number_ref", required=False, default=1),
                "deduct_per_missed": ParamSpec(
                    "number_ref", required=False, description_zh="不填则按缺的比例扣分"
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
                "target": ParamSpec(
                    "target_ref", required=False, description_zh=TARGET_DESCRIPTION
                ),
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
                "target": ParamSpec("target_ref", description_zh=TARGET_DESCRIPTION),
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
                "metric": ParamSpec("metric", description_zh="每名党员一个数值的指标，如「党员学习学时」"),
                "target": ParamSpec("target_ref", description_zh=TARGET_DESCRIPTION),
                "leader_metric": ParamSpec("metric", required=False),
                "leader_target": ParamSpec(
                    "target_ref", required=False, description_zh=TARGET_DESCRIPTION
                ),
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
                "items": ParamSpec("checklist_items", description_zh="每行一项：{key: 检查项代码, label: 名称, points: 分值}"),
            },
            evaluate_checklist,
        ),
        RuleKind(
            "formula",
            "按公式计算要求",
            {
                "formula": ParamSpec("text", description_zh="本单位类型的公式（如经费、党务人员配备）"),
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
            {
                "guidance": ParamSpec("text", required=False),
                "deduct_min": ParamSpec(
                    "number", required=False, description_zh="现场检查最少扣分，如扣1–3分的1"
                ),
                "deduct_max": ParamSpec(
                    "number",
                    required=False,
                    description_zh="现场检查最多扣分；给出后只能选「不扣分」或范围内的扣分",
                ),
                "deduct_step": ParamSpec(
                    "number", required=False, description_zh="扣分档距，默认1分（可为0.5）"
                ),
            },
            evaluate_manual,
        ),
        RuleKind(
            "levels",
            "分档评定（好/一般/差）",
            {
                "levels": ParamSpec(
                    "level_list",
                    description_zh="档次 [{name: 好, points: 2}, …]，从高到低；"
                    "各档给出 when 时按记录评定，均不给出时由督导现场选择",
                ),
            },
            evaluate_levels,
        ),
        RuleKind(
            "deductions",
            "多项扣分（扣完为止）",
            {
                "deductions": ParamSpec(
                    "deduction_list",
                    description_zh="每行一种扣分情形：{label: 名称, points: 扣分, when: 条件}、"
                    "{label, points, finding: 认定类别代码}，或按次数 {label, count: {metric: 指标, "
                    "where: 筛选}, per: 每次扣分, from: 起扣次数, points: 起扣时扣分, max: 最多扣分}",
                ),
            },
            evaluate_deductions,
        ),
        RuleKind(
            "bonus",
            "加分（封顶）",
            {
                "metric": ParamSpec("metric", description_zh="计数的指标（列表或数值）"),
                "per": ParamSpec(
                    "number_ref", required=False, description_zh="每项加分；填了「达到此数才加分」时为超出部分每项加分"
                ),
                "where": ParamSpec(
                    "filter_list", required=False, description_zh="每行一个：{field: 字段, op: 比较, value: 值}，全部满足才计"
                ),
                "from": ParamSpec(
                    "number", required=False, description_zh="达到此数才加分（如报道达到5篇）"
                ),
                "points": ParamSpec(
                    "number", required=False, description_zh="刚达到「达到此数才加分」时加的分"
                ),
            },
            evaluate_bonus,
            bonus=True,
        ),
    )
}
