"""Whole-rubric evaluation: weighted blocks, grades, vetoes, not-rated, exemptions, overrides, quota."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.standards import (
    Exemption,
    ManualScore,
    TenantOverrides,
    apply_grade_quota,
    evaluate,
    load_standard,
)
from core.standards.evaluation import prepare, scored_metrics
from core.standards.types import Parameter, Source

ON = dt.date(2025, 12, 31)
FLOOR_SOURCE = Source("《中国共产党党员教育管理工作条例》", "V-full", article="第二十条")
HOURS = Parameter(
    "training_hours_member",
    "党员每年集中学习培训学时",
    "decimal",
    Decimal(32),
    FLOOR_SOURCE,
    unit="学时",
    floor=Decimal(32),
    floor_source=FLOOR_SOURCE,
)

RUBRIC = """
key: test-2025
version: "1"
title: 测试评分表
effective_from: 2025-01-01
max: 100
scoring: {scoring}
bonus_cap: 3
sources:
  - {{id: zbtl, document: 《中国共产党支部工作条例（试行）》, tag: V}}
  - {{id: local, document: 本县评分细则, tag: L}}
blocks:
  - id: records
    title: 台账记录
    max: {records_max}
    {records_weight}
    items:
      - id: rec.meetings
        title: 党员大会
        rule: 每季度1次
        max: 40
        kind: cadence
        params: {{metric: meetings.general_meeting, period: quarter, deduct_per_missed: 10}}
        citation: zbtl
      - id: rec.training
        title: 学时
        rule: 党员32学时
        max: 30
        kind: member_threshold
        params: {{metric: training.hours_by_member, target: {{parameter: training_hours_member}}}}
        citation: {{source: zbtl, article: 第二十条}}
      - id: rec.bonus
        title: 表彰
        rule: 每项加2分
        max: 4
        kind: bonus
        params: {{metric: honours.items, per: 2}}
  - id: appraisal
    title: 评议
    max: 30
    {appraisal_weight}
    items:
      - id: app.onsite
        title: 现场评议
        rule: 督导评分
        max: 30
        kind: manual
grades:
  citation: local
  bands:
    - {{grade: 五星, min: 90}}
    - {{grade: 四星, min: 80}}
    - {{grade: 三星, min: 70}}
    - {{grade: 二星, min: 60}}
    - {{grade: 一星, min: 0}}
vetoes:
  - id: veto.discipline
    title: 班子成员违法违纪
    when: {{metric: flags.leadership_discipline_violation, op: is_true}}
    cap: 二星
    citation: local
not_rated:
  - id: new_branch
    when: {{metric: organization.age_days, op: "<", value: 365}}
    reason: 成立不满1年的党支部不参加评星定级
    citation: local
quota: {{grade: 五星, max_share: 0.3, demote_to: 四星, citation: local}}
"""


def write_standard(tmp_path: Path, *, weighted: bool = False):
    text = RUBRIC.format(
        scoring="weighted" if weighted else "points",
        records_max=70,
        records_weight="weight: 0.7" if weighted else "",
        appraisal_weight="weight: 0.3" if weighted else "",
    )
    path = tmp_path / "test.yaml"
    path.write_text(text, encoding="utf-8")
    return load_standard(path, parameters=(HOURS,))


@pytest.fixture
def standard(tmp_path: Path):
    return write_standard(tmp_path)


def facts(**changes: Any) -> dict[str, Any]:
    base = {
        "period.months": [f"2025-{m:02d}" for m in range(1, 13)],
        "meetings.general_meeting": {"2025-02": 1, "2025-05": 1, "2025-08": 1, "2025-11": 1},
        "training.hours_by_member": {"a": 40, "b": 33},
        "organization.age_days": 900,
        "flags.leadership_discipline_violation": False,
    }
    base.update(changes)
    return base


FULL_ONSITE = {"app.onsite": ManualScore(Decimal(30))}


def score(standard, overrides=None, manual=FULL_ONSITE, exemptions=(), on=ON, **changes):
    return evaluate(
        standard, overrides, facts(**changes), manual_scores=manual, exemptions=exemptions, on=on
    )


def test_full_marks_and_grade(standard) -> None:
    result = score(standard)
    assert (result.total, result.grade, result.status) == (Decimal("100.00"), "五星", "rated")


@pytest.mark.parametrize(
    ("onsite", "grade"), [("20", "五星"), ("19.99", "四星"), ("10", "四星"), ("9.99", "三星")]
)
def test_grade_band_boundaries(standard, onsite: str, grade: str) -> None:
    result = score(standard, manual={"app.onsite": ManualScore(Decimal(onsite))})
    assert result.grade == grade


def test_weighted_blocks_scale_each_block_to_its_weight(tmp_path: Path) -> None:
    weighted = write_standard(tmp_path, weighted=True)
    # records: 40 − 2 missed quarters × 10 = 20 of 40, training 30 → 50/70; appraisal 15/30
    result = score(
        weighted,
        manual={"app.onsite": ManualScore(Decimal(15))},
        **{"meetings.general_meeting": {"2025-02": 1, "2025-05": 1}},
    )
    # 0.7 × 50/70 + 0.3 × 15/30 = 0.5 + 0.15 → 65
    assert result.total == Decimal("65.00")
    assert [block.score for block in result.blocks] == [Decimal("50.00"), Decimal("15.00")]


def test_bonus_adds_on_top_but_the_total_stays_within_max(standard) -> None:
    honours = [{"id": i} for i in range(5)]
    partial = score(
        standard, manual={"app.onsite": ManualScore(Decimal(20))}, **{"honours.items": honours}
    )
    assert partial.bonus == Decimal("3.00")  # item capped at 4, rubric bonus_cap 3
    assert partial.total == Decimal("93.00")
    assert score(standard, **{"honours.items": honours}).total == Decimal("100.00")


def test_veto_caps_the_grade_but_keeps_the_score(standard) -> None:
    result = score(standard, **{"flags.leadership_discipline_violation": True})
    assert result.total == Decimal("100.00")
    assert (result.band_grade, result.grade) == ("五星", "二星")
    assert result.vetoes[0].title == "班子成员违法违纪"
    assert result.grade_reasons == (
        "一票否决：班子成员违法违纪，等级最高为二星（按得分应为五星）。",
    )


def test_veto_does_not_raise_a_lower_grade(standard) -> None:
    result = score(
        standard,
        manual={"app.onsite": ManualScore(Decimal(0))},
        **{"flags.leadership_discipline_violation": True, "training.hours_by_member": {"a": 1}},
    )
    assert result.total == Decimal("40.00")
    assert result.grade == "一星"
    assert result.grade_reasons == ()


@pytest.mark.parametrize(("age", "status"), [(364, "not_rated"), (365, "rated")])
def test_branch_under_one_year_is_not_rated(standard, age: int, status: str) -> None:
    result = score(standard, **{"organization.age_days": age})
    assert result.status == status
    if status == "not_rated":
        assert result.grade is None
        assert result.not_rated_reason == "成立不满1年的党支部不参加评星定级"
        assert result.total == Decimal("100.00")


def test_pending_manual_item_makes_the_result_provisional(standard) -> None:
    result = score(standard, manual={})
    assert result.status == "provisional"
    assert result.pending_items == ("app.onsite",)
    assert result.item("app.onsite").status == "pending"


def test_active_exemption_counts_as_full_and_expired_one_does_not(standard) -> None:
    exemption = Exemption(
        "rec.meetings", "县委组织部 李督导", dt.date(2025, 12, 31), "机构改革期间暂停"
    )
    lacking = {"meetings.general_meeting": {}}
    exempt = score(standard, exemptions=[exemption], **lacking).item("rec.meetings")
    assert (exempt.status, exempt.score) == ("exempt", Decimal(40))
    assert exempt.exemption == exemption
    assert (
        "经县委组织部 李督导批准豁免（机构改革期间暂停），有效期至2025-12-31" in exempt.explanation
    )
    expired = score(standard, exemptions=[exemption], on=dt.date(2026, 1, 1), **lacking).item(
        "rec.meetings"
    )
    assert (expired.status, expired.score) == ("failed", 0)
    assert expired.explanation.endswith("（原豁免已于2025-12-31到期）")


def test_missing_metric_fails_the_item_and_says_which(standard) -> None:
    data = facts()
    del data["training.hours_by_member"]
    result = evaluate(standard, None, data, manual_scores=FULL_ONSITE, on=ON)
    item = result.item("rec.training")
    assert (item.status, item.score) == ("failed", 0)
    # Named as the secretary knows it, never by the metric's code.
    assert "缺少「党员学习学时」数据" in item.explanation and "training." not in item.explanation


def test_a_county_finding_kind_in_a_condition_is_worded_with_its_label(standard) -> None:
    """The pure evaluator knows only the built-in kinds; the scoring run passes the county's."""
    import dataclasses

    from core.standards.model import Condition, VetoRule

    veto = VetoRule("veto.safety", "发生重大安全生产事故", Condition("flags.major_safety_incident", "is_true"), standard.bands[-2].grade, None)
    local = dataclasses.replace(standard, vetoes=(*standard.vetoes, veto))
    data = {**facts(), "flags.major_safety_incident": True}
    unlabelled = evaluate(local, None, data, manual_scores=FULL_ONSITE, on=ON)
    assert unlabelled.vetoes[-1].condition == "上级认定事项为是"
    labelled = evaluate(
        local, None, data, manual_scores=FULL_ONSITE, on=ON, labels={"flags.major_safety_incident": "发生重大安全生产事故"}
    )
    assert labelled.vetoes[-1].condition == "发生重大安全生产事故为是"


def test_parameter_below_the_national_floor_is_used_with_a_warning(standard) -> None:
    result = score(
        standard,
        TenantOverrides(parameters={"training_hours_member": 24}),
        **{"training.hours_by_member": {"a": 24, "b": 30}},
    )
    assert result.item("rec.training").status == "met"
    assert result.warnings == (
        "参数「党员每年集中学习培训学时」设为24学时，低于全国底线32学时"
        "（《中国共产党党员教育管理工作条例》第二十条）；已按设置值计算，请核实。",
    )


def test_bad_parameter_values_fall_back_with_warnings(standard) -> None:
    result = score(
        standard, TenantOverrides(parameters={"training_hours_member": "很多", "colour": "red"})
    )
    assert (
        "参数「党员每年集中学习培训学时」应为数字，实际为「很多」，已按默认值32学时计算。"
        in result.warnings
    )
    assert "参数「colour」不是本单位类型的参数，已忽略。" in result.warnings


def test_switched_off_item_is_removed_and_the_total_rescaled(standard) -> None:
    overrides = TenantOverrides(disabled_items={"rec.meetings": "本县不考核"})
    result = score(standard, overrides, manual={"app.onsite": ManualScore(Decimal(15))})
    assert [item.id for item in result.blocks[0].items] == ["rec.training", "rec.bonus"]
    assert result.blocks[0].max == Decimal(30)
    # (30 + 15) of 60 → 75 of 100
    assert result.total == Decimal("75.00")


def test_extra_items_and_replaced_bands(standard) -> None:
    extra = {
        "id": "rec.study",
        "title": "集中学习",
        "rule": "每月1次",
        "max": 10,
        "kind": "cadence",
        "params": {"metric": "meetings.study_session", "period": "month"},
        "citation": "local",
    }
    broken = {"id": "rec.bad", "title": "坏项目", "rule": "x", "max": 1, "kind": "nonsense"}
    overrides = TenantOverrides(
        extra_items={"records": [extra, broken]},
        bands=[{"grade": "达标", "min": 80}, {"grade": "不达标", "min": 0}],
    )
    result = score(standard, overrides, **{"meetings.study_session": {}})
    assert result.item("rec.study").status == "failed"
    assert result.total == Decimal("90.91")  # 70 + 30 of 110
    assert result.grade == "达标"
    assert any("未知的规则类型「nonsense」" in warning for warning in result.warnings)


def test_result_is_json_serialisable(standard) -> None:
    result = score(standard, **{"meetings.general_meeting": {"2025-02": 1}})
    text = json.dumps(result.to_dict(), ensure_ascii=False)
    data = json.loads(text)
    meetings = data["blocks"][0]["items"][0]
    assert meetings["status"] == "partial"
    assert meetings["lost"] == "30.00"
    assert [e["period"] for e in meetings["evidence"]] == ["2025-Q2", "2025-Q3", "2025-Q4"]
    assert (
        data["blocks"][0]["items"][1]["citation"]["label"]
        == "《中国共产党支部工作条例（试行）》"
    )


# -- quota -------------------------------------------------------------------------------------


def county(standard, totals: dict[str, str]):
    result = score(standard)
    return {key: dataclasses.replace(result, total=Decimal(total)) for key, total in totals.items()}


def test_quota_demotes_beyond_thirty_percent_by_total(standard) -> None:
    totals = {f"b{i}": str(90 + i) for i in range(10)}  # ten 五星 branches, 90 … 99
    adjusted = apply_grade_quota(county(standard, totals), standard.quota)
    assert sorted(k for k, r in adjusted.items() if r.grade == "五星") == ["b7", "b8", "b9"]
    assert adjusted["b6"].grade == "四星"
    assert adjusted["b6"].grade_reasons[-1] == (
        "五星名额限30%（本县评分细则）：参评10个支部中最多3个，本支部得分96列第4名，降为四星。"
    )


def test_quota_demotes_everyone_tied_at_the_cut(standard) -> None:
    totals = {
        "a": "99",
        "b": "95",
        "c": "95",
        "d": "80",
        "e": "80",
        "f": "80",
        "g": "80",
        "h": "80",
        "i": "80",
        "j": "80",
    }
    branches = county(standard, totals)
    for key in "defghij":
        branches[key] = dataclasses.replace(branches[key], grade="四星")
    adjusted = apply_grade_quota(branches, standard.quota)
    # 3 places and exactly three 五星 branches: b and c tie, but nobody is beyond the cut
    assert [k for k, r in adjusted.items() if r.grade == "五星"] == ["a", "b", "c"]
    branches["d"] = dataclasses.replace(branches["d"], grade="五星", total=Decimal(95))
    adjusted = apply_grade_quota(branches, standard.quota)
    assert [k for k, r in adjusted.items() if r.grade == "五星"] == ["a"]
    assert "同分并列" in adjusted["b"].grade_reasons[-1]


def test_quota_ignores_not_rated_branches_and_leaves_small_counts_alone(standard) -> None:
    branches = county(standard, {"a": "99", "b": "98", "c": "97", "d": "96"})
    branches["d"] = dataclasses.replace(branches["d"], status="not_rated", grade=None)
    adjusted = apply_grade_quota(branches, standard.quota)
    # 3 rated → floor(0.9) = 0 places
    assert [r.grade for r in adjusted.values()] == ["四星", "四星", "四星", None]
    within = county(standard, {f"b{i}": "95" for i in range(2)} | {f"c{i}": "85" for i in range(8)})
    for key in within:
        if key.startswith("c"):
            within[key] = dataclasses.replace(within[key], grade="四星")
    assert apply_grade_quota(within, standard.quota) == within


def test_scored_metrics_name_what_points_and_grades_read_not_what_is_only_shown(tmp_path: Path) -> None:
    # What a ranking pass must compute: params, targets, conditions, vetoes and not-rated rules;
    # an item's evidence_metric is only listed on a card, a counted list is scored.
    text = RUBRIC.format(scoring="points", records_max=70, records_weight="", appraisal_weight="").replace(
        "params: {metric: meetings.general_meeting, period: quarter, deduct_per_missed: 10}",
        "params: {metric: meetings.general_meeting, period: quarter, deduct_per_missed: 10, "
        "evidence_metric: meetings.evidence.general_meeting}",
    ).replace(
        "params: {metric: honours.items, per: 2}",
        "params: {metric: attendance.events, per: 2, where: [{field: ratio, op: '>=', value: 0.9}]}",
    )
    path = tmp_path / "shown.yaml"
    path.write_text(text, encoding="utf-8")
    read = scored_metrics(load_standard(path, parameters=(HOURS,)))
    assert read == {
        "meetings.general_meeting",
        "training.hours_by_member",
        "attendance.events",
        "flags.leadership_discipline_violation",
        "organization.age_days",
    }


def test_a_prepared_standard_scores_as_the_standard_with_its_overrides(standard) -> None:
    overrides = TenantOverrides(parameters={"training_hours_member": 36}, disabled_items={"rec.bonus": "不适用"})
    prepared = prepare(standard, overrides)
    for changes in ({}, {"training.hours_by_member": {"a": 35}}, {"organization.age_days": 10}):
        assert evaluate(prepared, None, facts(**changes), on=ON) == evaluate(standard, overrides, facts(**changes), on=ON)
    # Without overrides the standard itself is kept: a pass derives things from it once per unit type.
    assert prepare(standard, None).standard is standard
