"""Each rule kind on its own: boundaries, caps and the evidence it returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.standards.model import Item
from core.standards.rules import RULE_KINDS, ManualScore, MissingMetric, RuleContext, RuleOutcome
from core.standards.types import Computation, Formula, Source

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def run(
    kind: str, params: dict[str, Any], facts: dict[str, Any], *, max: str = "4", **context: Any
) -> RuleOutcome:
    item = Item(id="x", title="测试项", rule="规则", max=Decimal(max), kind=kind, params=params)
    spec = RULE_KINDS[kind].params
    full = {name: p.default for name, p in spec.items() if p.default is not None} | params
    return RULE_KINDS[kind].evaluate(item, full, RuleContext(facts=facts, **context))


# -- cadence -----------------------------------------------------------------------------------


def quarterly_facts(held: dict[str, int], months: list[str] = MONTHS) -> dict[str, Any]:
    return {"period.months": months, "meetings.general_meeting": held}


def test_cadence_deducts_per_missed_quarter_with_the_missing_periods_as_evidence() -> None:
    outcome = run(
        "cadence",
        {"metric": "meetings.general_meeting", "period": "quarter", "deduct_per_missed": 1},
        quarterly_facts({"2025-02": 1, "2025-08": 1, "2025-11": 2}),
    )
    assert outcome.score == Decimal("3.00")
    assert outcome.status == "partial"
    assert [e.period for e in outcome.evidence] == ["2025-Q2"]
    assert "2025年第2季度未达到（共1个季度），扣1分" in outcome.explanation


def test_cadence_deduction_is_capped_at_the_item_max() -> None:
    outcome = run(
        "cadence",
        {"metric": "meetings.general_meeting", "period": "month", "deduct_per_missed": 1},
        quarterly_facts({}),
        max="3",
    )
    assert outcome.score == 0
    assert outcome.status == "failed"
    assert len(outcome.evidence) == 12


def test_cadence_only_expects_periods_wholly_in_scope() -> None:
    months = MONTHS[:5]  # January–May: Q2 is still running
    outcome = run(
        "cadence",
        {"metric": "meetings.general_meeting", "period": "quarter", "deduct_per_missed": 1},
        quarterly_facts({"2025-02": 1}, months),
    )
    assert outcome.status == "met"
    assert outcome.value == {"held": 1, "expected_periods": 1, "missed": 0}


def test_cadence_with_no_finished_period_is_not_applicable() -> None:
    outcome = run(
        "cadence",
        {"metric": "meetings.general_meeting", "period": "year"},
        quarterly_facts({}, MONTHS[:5]),
    )
    assert outcome.status == "not_applicable"
    assert outcome.score == Decimal(4)
    assert "尚无已结束的年度" in outcome.explanation


def test_cadence_without_deduction_is_proportional_and_counts_minimum_per_period() -> None:
    outcome = run(
        "cadence",
        {"metric": "meetings.general_meeting", "period": "half", "min_per_period": 2},
        quarterly_facts({"2025-03": 1, "2025-04": 1, "2025-09": 1}),
    )
    # H1 held 2 (met), H2 held 1 of 2 → half the periods missed
    assert outcome.score == Decimal("2.00")
    assert [e.period for e in outcome.evidence] == ["2025-H2"]
    assert "仅1次，应至少2次" in outcome.evidence[0].description


def test_cadence_lists_held_events_as_evidence() -> None:
    facts = quarterly_facts({m: 1 for m in ("2025-02", "2025-05", "2025-08", "2025-11")})
    facts["meetings.evidence.general_meeting"] = [{"id": 7, "date": "2025-02-14", "topic": "学习"}]
    outcome = run(
        "cadence",
        {
            "metric": "meetings.general_meeting",
            "period": "quarter",
            "evidence_metric": "meetings.evidence.general_meeting",
        },
        facts,
    )
    assert outcome.status == "met"
    assert [(e.record_id, e.date) for e in outcome.evidence] == [("7", "2025-02-14")]


def test_missing_metric_is_signalled() -> None:
    with pytest.raises(MissingMetric) as caught:
        run(
            "cadence",
            {"metric": "meetings.general_meeting", "period": "month"},
            {"period.months": MONTHS},
        )
    assert caught.value.metric == "meetings.general_meeting"


# -- threshold ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "score", "status"), [(50, "2", "met"), (51, "0", "failed")])
def test_threshold_all_or_nothing(value: int, score: str, status: str) -> None:
    outcome = run(
        "threshold",
        {"metric": "organization.member_count", "op": "<=", "target": 50, "unit": "人"},
        {"organization.member_count": value},
        max="2",
    )
    assert (outcome.score, outcome.status) == (Decimal(score), status)
    assert outcome.target == "不超过50人"


def test_threshold_proportional() -> None:
    outcome = run(
        "threshold",
        {"metric": "appraisal.recorded_ratio", "op": ">=", "target": 1, "scoring": "proportional"},
        {"appraisal.recorded_ratio": 0.75},
    )
    assert outcome.score == Decimal("3.00")
    assert outcome.status == "partial"


def test_threshold_per_unit_on_a_list_with_entries_as_evidence() -> None:
    lapsed = [
        {"member_id": 3, "name": "张三", "months": ["2025-01", "2025-06"]},
        {"member_id": 4, "name": "李四", "months": ["2025-02"]},
    ]
    outcome = run(
        "threshold",
        {
            "metric": "dues.lapsed_members",
            "op": "==",
            "target": 0,
            "scoring": "per_unit",
            "deduct_per_unit": "2.5",
            "unit": "人",
        },
        {"dues.lapsed_members": lapsed},
        max="5",
    )
    assert outcome.score == 0
    assert [e.member_id for e in outcome.evidence] == ["3", "4"]
    assert outcome.evidence[0].description == "张三（2025-01、2025-06）"
    one = run(
        "threshold",
        {
            "metric": "dues.lapsed_members",
            "op": "==",
            "target": 0,
            "scoring": "per_unit",
            "deduct_per_unit": "2.5",
        },
        {"dues.lapsed_members": lapsed[:1]},
        max="5",
    )
    assert one.score == Decimal("2.50")


def test_threshold_boolean() -> None:
    overdue = run(
        "threshold",
        {"metric": "organization.term_overdue", "op": "is_false"},
        {"organization.term_overdue": True},
    )
    assert overdue.status == "failed"
    assert "「届期已满未换届」应为「否」，实际为「是」" in overdue.explanation


# -- stepped_ratio -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "score"),
    [
        (0.8, "3"),
        (0.95, "3"),
        (0.79, "2"),
        (0.7, "2"),
        (0.69, "1"),
        (0.6, "1"),
        (0.59, "0"),
        (0.0, "0"),
    ],
)
def test_stepped_ratio_each_started_step_below_target_costs_a_point(
    ratio: float, score: str
) -> None:
    outcome = run(
        "stepped_ratio",
        {"metric": "attendance.ratio", "target": 0.8, "step": 0.1, "deduct_per_step": 1},
        {"attendance.ratio": ratio},
        max="3",
    )
    assert outcome.score == Decimal(score)


def test_stepped_ratio_evidence_lists_events_below_target() -> None:
    events = [
        {"id": 1, "date": "2025-03-01", "ratio": 0.9},
        {"id": 2, "date": "2025-04-01", "ratio": 0.5},
    ]
    outcome = run(
        "stepped_ratio",
        {
            "metric": "attendance.ratio",
            "target": 0.8,
            "step": 0.1,
            "deduct_per_step": 1,
            "evidence_metric": "attendance.events",
        },
        {"attendance.ratio": 0.7, "attendance.events": events},
        max="3",
    )
    assert [(e.record_id, e.description) for e in outcome.evidence] == [("2", "到会率50%")]
    assert "实际为70%，低于要求1档" in outcome.explanation


# -- member_threshold --------------------------------------------------------------------------


def training_facts(**hours: float) -> dict[str, Any]:
    return {
        "training.hours_by_member": hours,
        "training.leader_ids": ["a"],
        "members.names": {"a": "王书记", "b": "李明", "c": "赵红", "d": "陈新"},
    }


def test_member_threshold_uses_the_leader_target_and_lists_members_below() -> None:
    params = {
        "metric": "training.hours_by_member",
        "target": 32,
        "leader_metric": "training.leader_ids",
        "leader_target": 56,
        "names_metric": "members.names",
        "unit": "学时",
    }
    # a is a leader at 40 (< 56); b has 32 (= target); c 31.5; d has no record at all
    outcome = run("member_threshold", params, training_facts(a=40, b=32, c=31.5), max="8")
    assert outcome.value == Decimal("0.25")
    assert outcome.score == Decimal("2.00")
    assert [e.member_id for e in outcome.evidence] == ["a", "c", "d"]
    assert outcome.evidence[0].description == "王书记（班子成员）：40学时，应达56学时"
    assert outcome.evidence[2].description == "陈新：0学时，应达32学时"


def test_member_threshold_per_member_deduction() -> None:
    params = {
        "metric": "training.hours_by_member",
        "target": 32,
        "scoring": "per_member",
        "deduct_per_member": 1,
        "names_metric": "members.names",
    }
    outcome = run("member_threshold", params, training_facts(a=60, b=60, c=10, d=60), max="8")
    assert outcome.score == Decimal("7.00")


# -- checklist ---------------------------------------------------------------------------------

CHECKLIST = [
    {"key": key, "label": label, "points": 1}
    for key, label in [
        ("site", "有场所"),
        ("equipment", "有设施"),
        ("signage", "有标志"),
        ("flag", "有党旗"),
        ("reading", "有书报"),
        ("rules", "有制度"),
    ]
]


def test_checklist_deducts_each_unmet_item_and_names_it() -> None:
    items = {key: {"met": True} for key in ("site", "equipment", "signage", "reading", "rules")}
    items["reading"] = {"met": False, "checked_on": "2025-05-01"}
    outcome = run(
        "checklist",
        {"metric": "facilities.items", "items": CHECKLIST},
        {"facilities.items": items},
        max="6",
    )
    assert outcome.score == Decimal("4.00")
    assert [e.description for e in outcome.evidence] == ["未达到：有党旗", "未达到：有书报"]
    assert outcome.evidence[1].date == "2025-05-01"
    assert "6项中2项未达到（有党旗、有书报）" in outcome.explanation


# -- formula -----------------------------------------------------------------------------------


def funding_formula(
    compute=lambda values: (
        values["fiscal.public_operating_expenses"] * values["funding_ratio"] / 100
    ),
):
    from core.standards.types import Parameter

    return Formula(
        name="funding",
        unit_type="organ",
        label_zh="经费",
        inputs={"fiscal.public_operating_expenses": "正常公用经费总额"},
        compute=compute,
        explanation_zh="应不低于{result}元",
        source=Source("测试", "L"),
        result_unit="元",
        parameters=(
            Parameter(
                "funding_ratio", "比例", "decimal", Decimal("3.5"), Source("测试", "L"), unit="%"
            ),
        ),
    )


@pytest.mark.parametrize(
    ("budget", "scoring", "score"),
    [
        (35000, "all_or_nothing", "5"),
        (34999.99, "all_or_nothing", "0"),
        (17500, "proportional", "2.5"),
    ],
)
def test_formula_compares_actual_with_required(budget: float, scoring: str, score: str) -> None:
    outcome = run(
        "formula",
        {"formula": "funding", "actual": "funding.budgeted", "scoring": scoring},
        {"fiscal.public_operating_expenses": 1_000_000, "funding.budgeted": budget},
        max="5",
        formulas={"funding": funding_formula()},
        parameters={"funding_ratio": Decimal("3.5")},
    )
    assert outcome.score == Decimal(score)
    assert outcome.target == "不少于35,000元"


def test_formula_requiring_nothing_is_met() -> None:
    formula = funding_formula(lambda values: Computation(Decimal(0), "结转超标"))
    outcome = run(
        "formula",
        {"formula": "funding", "actual": "funding.budgeted"},
        {"fiscal.public_operating_expenses": 1, "funding.budgeted": 0},
        formulas={"funding": formula},
    )
    assert outcome.status == "met"
    assert "（结转超标）" in outcome.explanation


def test_formula_input_missing_is_a_missing_metric() -> None:
    with pytest.raises(MissingMetric, match="fiscal.public_operating_expenses"):
        run(
            "formula",
            {"formula": "funding", "actual": "funding.budgeted"},
            {"funding.budgeted": 1},
            formulas={"funding": funding_formula()},
        )


# -- manual and bonus --------------------------------------------------------------------------


def test_manual_without_a_score_is_pending() -> None:
    outcome = run("manual", {}, {})
    assert (outcome.status, outcome.score) == ("pending", 0)


def test_manual_score_with_comment_and_out_of_range_entry() -> None:
    entered = ManualScore(Decimal("3.5"), "台账较完整", "督导王", dt.date(2025, 12, 1))
    outcome = run("manual", {}, {}, manual_scores={"x": entered}, max="5")
    assert (outcome.status, outcome.score) == ("partial", Decimal("3.50"))
    assert (
        outcome.explanation
        == "测试项：现场检查得3.5分。检查意见：台账较完整（督导王，2025-12-01）。"
    )
    too_many = run("manual", {}, {}, manual_scores={"x": ManualScore(Decimal(9))}, max="5")
    assert too_many.score == 5
    assert "超出0至5分范围" in too_many.explanation


def test_bonus_is_capped() -> None:
    honours = [{"id": i, "date": "2025-07-01", "name": f"表彰{i}"} for i in range(3)]
    outcome = run(
        "bonus", {"metric": "honours.items", "per": 1}, {"honours.items": honours}, max="2"
    )
    assert (outcome.score, outcome.status) == (Decimal(2), "met")
    nothing = run("bonus", {"metric": "honours.items", "per": 1}, {}, max="2")
    assert (nothing.score, nothing.status) == (0, "not_applicable")
