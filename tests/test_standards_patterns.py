"""The rule patterns of real rubrics: how the checker refuses bad ones (line, field, Chinese) and
how the engine scores good ones. The same patterns are scored from database records in
tests/test_rubrics_encoded.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from core.standards import ManualScore, check_standard_file, evaluate, load_standard
from core.standards.model import AllOf, AnyOf, Condition, Not
from core.standards.rules import onsite_choices
from tests.standards_fixtures import YEAR_END, good_branch, monthly

HEAD = """\
key: t-2025
version: "1"
title: 测试
effective_from: 2025-01-01
max: {max}
sources:
  - {{id: s, document: 细则, tag: L}}
blocks:
  - id: b
    title: 部分
    max: {block_max}
    items:
"""
TAIL = """\
grades:
  bands:
    - {{grade: 一类, min: {one}}}
    - {{grade: 二类, min: {two}}}
    - {{grade: 三类, min: 0}}
"""


def rubric(tmp_path: Path, items: str, maximum: int = 4, block_max: int | None = None) -> Path:
    """A one-block rubric around ``items``; bands 一类 ≥ 80 %, 二类 ≥ 50 %, 三类."""
    path = tmp_path / "r.yaml"
    head = HEAD.format(max=maximum, block_max=block_max or maximum)
    tail = TAIL.format(one=maximum * 8 / 10, two=maximum / 2)
    path.write_text(head + items + tail, encoding="utf-8")
    return path


def problems(tmp_path: Path, items: str, maximum: int = 4) -> list[tuple[int, str, str]]:
    return [(p.line, p.field, p.message) for p in check_standard_file(rubric(tmp_path, items, maximum))]


def score(tmp_path: Path, items: str, facts: dict, maximum: int = 4, **kwargs):
    standard = load_standard(rubric(tmp_path, items, maximum))
    return evaluate(standard, None, facts, on=YEAR_END, **kwargs)


SET_UP = """\
      - id: org
        title: 班子健全
        rule: 未设支委会扣1分，未设书记扣1分，委员超额扣0.5分；软弱涣散扣3分。
        max: 4
        kind: deductions
        params:
          deductions:
            - {label: 未设支委会, points: 1, when: {metric: organization.has_committee, op: is_false}}
            - {label: 未设书记, points: 1, when: {metric: organization.has_secretary, op: is_false}}
            - {label: 委员超额, points: 0.5, when: {metric: organization.committee_size, op: ">", value: 5}}
            - {label: 软弱涣散, points: 3, finding: weak_and_lax}
"""


def test_deductions_share_the_items_points_until_none_are_left(tmp_path) -> None:
    facts = good_branch(**{"organization.has_secretary": False, "organization.committee_size": 6})
    item = score(tmp_path, SET_UP, facts).item("org")
    assert item.score == Decimal("2.50")
    assert item.explanation == "班子健全：未设书记扣1分；委员超额扣0.5分，共扣1.5分。"
    facts["flags.weak_and_lax"] = True
    item = score(tmp_path, SET_UP, facts).item("org")
    assert item.score == 0  # 1 + 0.5 + 3 = 4.5 > 4: 扣完为止
    assert item.explanation.endswith("共扣4分（扣完为止）。")
    assert [line.label for line in item.lines] == ["未设书记", "委员超额", "软弱涣散"]


def test_compound_conditions_combine_and_describe_themselves() -> None:
    big = Condition("organization.member_count", ">=", Decimal(7))
    none = Condition("organization.has_committee", "is_false")
    both = AllOf((big, none))
    either = AnyOf((big, Not(none)))
    facts = {"organization.member_count": 9, "organization.has_committee": True}
    assert not both.holds(facts) and either.holds(facts)
    assert both.describe_zh() == "党员人数不少于 7并且设立支部委员会为否"
    assert Not(both).describe_zh() == "并非（党员人数不少于 7并且设立支部委员会为否）"
    assert AnyOf((both, none)).describe_zh().startswith("（党员人数")


def test_a_code_is_worded_by_its_name_on_the_card() -> None:
    # 组织类别 == branch (every shipped rubric's 支部规模 item) reads 党支部 on a joint branch's card.
    kind = Condition("organization.kind", "==", "branch")
    assert kind.describe_zh() == "组织类别等于 党支部"
    assert Not(Condition("organization.kind", "==", "joint_branch")).describe_zh() == "并非（组织类别等于 联合党支部）"
    assert not kind.holds({"organization.kind": "joint_branch"})  # compared as the code, as before
    assert Condition("organization.code", "==", "cz-b1").describe_zh() == "组织代码等于 cz-b1"  # no names: as is


def test_compound_conditions_are_accepted_wherever_a_condition_is(tmp_path) -> None:
    items = """\
      - id: org
        title: 支委
        rule: 正式党员7人以上应设支委会
        max: 4
        kind: threshold
        params: {metric: organization.has_committee, op: is_true}
        applies_when:
          all_of:
            - {metric: organization.full_member_count, op: ">=", value: 7}
            - {not: {metric: organization.kind, op: "==", value: general_branch}}
        zero_when: {any_of: [{finding: weak_and_lax}, {finding: records_seriously_missing}]}
vetoes:
  - id: v
    title: 否决
    when: {any_of: [{finding: weak_and_lax}, {metric: organization.term_overdue, op: is_true}]}
    cap: 三类
not_rated:
  - {id: n, when: {all_of: [{metric: organization.age_days, op: "<", value: 365}, {not: {finding: weak_and_lax}}]}, reason: 新建}
"""
    facts = good_branch(**{"organization.term_overdue": True})
    result = score(tmp_path, items, facts)
    assert result.total == Decimal("4.00")
    assert (result.band_grade, result.grade) == ("一类", "三类")
    assert [v.id for v in result.vetoes] == ["v"]
    facts["organization.full_member_count"] = 5
    assert score(tmp_path, items, facts).item("org").status == "not_applicable"


def test_the_checker_names_line_and_field_of_bad_new_constructs(tmp_path) -> None:
    items = """\
      - id: org
        title: 班子
        rule: 扣分
        max: 4
        kind: deductions
        params:
          deductions:
            - {label: 甲, when: {metric: organization.has_committee, op: is_false}}
            - {label: 乙, points: 1, when: {all_of: [{metric: organization.has_committee, op: is_false}]}}
            - {label: 丙, points: 1, finding: Weak-And-Lax}
            - {label: 丁, count: {metric: attendance.events, where: [{field: ratio, op: "<"}]}}
            - {label: 戊, points: 1}
            - {label: 己, points: 1, when: {metric: organization.has_committee, op: is_false}, per: 1}
            - {label: 庚, count: {metric: attendance.events}, per: 0.5, points: 1}
"""
    found = problems(tmp_path, items)
    assert (20, "blocks[0].items[0].params.deductions[0].points", "缺少必填字段「points」（扣几分）") in found
    assert (21, "blocks[0].items[0].params.deductions[1].when.all_of", "「all_of」至少应有两个条件") in found
    assert any(
        line == 22 and field.endswith("deductions[2].finding") and "认定事项代码「Weak-And-Lax」格式不对" in message
        for line, field, message in found
    )
    assert (23, "blocks[0].items[0].params.deductions[3].count.where[0].value", "缺少必填字段「value」") in found
    assert (23, "blocks[0].items[0].params.deductions[3].per", "按次扣分须给出 per（每次扣分），或 from 与 points（达到若干次扣分）") in found
    assert any(line == 24 and "须给出 when（条件）、finding（认定事项）或 count（计次）中的一个" in m for line, _, m in found)
    assert (25, "blocks[0].items[0].params.deductions[5].per", "「per」只用于按次扣分（count）") in found
    assert (26, "blocks[0].items[0].params.deductions[6].points", "按次扣分的 points 只与 from 一起使用（达到若干次时扣的分）") in found


def test_the_checker_refuses_bad_levels_targets_ranges_and_bonuses(tmp_path) -> None:
    items = """\
      - id: a
        title: 甲
        rule: 好2分，一般1.5分，差0分
        max: 1
        kind: levels
        params: {levels: [{name: 好, points: 2}, {name: 一般, points: 2}, {name: 差, points: 0, when: {finding: weak_and_lax}}]}
      - id: b
        title: 乙
        rule: 按人数
        max: 1
        kind: threshold
        params:
          metric: organization.committee_size
          op: ">="
          target: [{target: 3}, {when: {metric: organization.member_count, op: ">=", value: 50}, target: 5}]
      - id: c
        title: 丙
        rule: 扣1–3分
        max: 1
        kind: manual
        params: {deduct_min: 3, deduct_max: 2}
      - id: d
        title: 丁
        rule: 达到5篇奖1分
        max: 1
        kind: bonus
        params: {metric: honours.items, from: 5}
      - id: e
        title: 戊
        rule: 现场
        max: 1
        kind: manual
        params: {deduct_step: 0.5}
"""
    found = problems(tmp_path, items, maximum=4)
    fields = {(line, field): message for line, field, message in found}
    assert fields[(18, "blocks[0].items[0].params.levels[1].points")] == "两个档次都是2分，无法区分"
    assert "除最后一档（其余情况）外每档都须给出 when" in fields[(18, "blocks[0].items[0].params.levels")]
    top = problems(
        tmp_path,
        """\
      - id: a
        title: 甲
        rule: 好3分，差0分
        max: 4
        kind: levels
        params: {levels: [{name: 好, points: 3}, {name: 差, points: 0}]}
""",
    )
    assert top == [(18, "blocks[0].items[0].params.levels", "最高档3分应等于本项满分4分")]
    assert fields[(27, "blocks[0].items[1].params.target[0].when")] == "只有最后一档可以省略 when（其余情况）"
    assert fields[(33, "blocks[0].items[2].params.deduct_max")] == "最多扣2分，超过本项满分1分"
    assert fields[(33, "blocks[0].items[2].params.deduct_min")] == "最少扣分3大于最多扣分2"
    assert fields[(39, "blocks[0].items[3].params.points")] == "给出 from 时须给出 points（达到时加的分）"
    assert fields[(45, "blocks[0].items[4].params.deduct_max")] == "给出 deduct_min 或 deduct_step 时须给出 deduct_max"


LEVELS = """\
      - id: role
        title: 书记履职
        rule: 好2分，一般1.5分，差0分
        max: 2
        kind: levels
        params: {levels: [{name: 好, points: 2}, {name: 一般, points: 1.5}, {name: 差, points: 0}]}
      - id: ledger
        title: 台账
        rule: 台账不规范扣1–3分
        max: 3
        kind: manual
        params: {deduct_min: 1, deduct_max: 3, deduct_step: 0.5}
"""


def test_on_site_levels_and_deduction_ranges(tmp_path) -> None:
    standard = load_standard(rubric(tmp_path, LEVELS, maximum=5))
    role, ledger = standard.item("role"), standard.item("ledger")
    assert onsite_choices(role) == [("好", 2), ("一般", Decimal("1.5")), ("差", 0)]
    assert onsite_choices(ledger) == [
        ("不扣分", 3), ("扣1分", 2), ("扣1.5分", Decimal("1.5")), ("扣2分", 1), ("扣2.5分", Decimal("0.5")), ("扣3分", 0),
    ]
    scores = {"role": ManualScore(Decimal("1.5"), "基本履职"), "ledger": ManualScore(Decimal("2"), "缺页")}
    result = evaluate(standard, None, good_branch(), on=YEAR_END, manual_scores=scores)
    assert result.item("role").level == "一般"
    assert result.item("role").explanation.startswith("书记履职：现场评定为「一般」，得1.5分（档次：好2分、一般1.5分、差0分）")
    assert result.item("ledger").explanation.startswith("台账：现场检查扣1分（本项可扣1至3分），得2分")
    stale = {"role": ManualScore(Decimal("1"))}
    assert evaluate(standard, None, good_branch(), on=YEAR_END, manual_scores=stale).item("role").status == "pending"


def test_levels_decided_from_records(tmp_path) -> None:
    items = """\
      - id: records
        title: 记录
        rule: 全5分，不全3分，无0分
        max: 4
        kind: levels
        params:
          levels:
            - {name: 全, points: 4, when: {all_of: [{metric: meetings.general_meeting, op: not_empty}, {metric: meetings.party_lesson, op: not_empty}]}}
            - {name: 不全, points: 3, when: {any_of: [{metric: meetings.general_meeting, op: not_empty}, {metric: meetings.party_lesson, op: not_empty}]}}
            - {name: 无, points: 0}
"""
    assert score(tmp_path, items, good_branch()).item("records").level == "全"
    half = score(tmp_path, items, good_branch(**{"meetings.party_lesson": {}})).item("records")
    assert (half.level, half.score) == ("不全", Decimal("3.00"))
    none = good_branch(**{"meetings.party_lesson": {}, "meetings.general_meeting": {}})
    assert score(tmp_path, items, none).item("records").level == "无"


def test_targets_by_case_or_from_a_metric(tmp_path) -> None:
    items = """\
      - id: size
        title: 支委人数
        rule: 50人以上5人，7人以上3人，每少1人扣1分
        max: 2
        kind: threshold
        params:
          metric: organization.committee_size
          op: ">="
          target:
            - {when: {metric: organization.member_count, op: ">=", value: 50}, target: 5}
            - {when: {metric: organization.member_count, op: ">=", value: 7}, target: 3}
          scoring: per_unit
          deduct_per_unit: 1
      - id: upper
        title: 上限
        rule: 委员不超过正式党员
        max: 2
        kind: threshold
        params: {metric: organization.committee_size, op: "<=", target: {metric: organization.full_member_count}}
"""
    big = score(tmp_path, items, good_branch(**{"organization.member_count": 60, "organization.committee_size": 4}))
    assert big.item("size").score == Decimal("1.00")
    assert "（目标按「党员人数不少于 50」取5）" in big.item("size").explanation
    small = score(tmp_path, items, good_branch(**{"organization.member_count": 5}))
    assert small.item("size").status == "not_applicable"  # no case applies and no otherwise
    odd = score(tmp_path, items, good_branch(**{"organization.committee_size": 12}))
    assert odd.item("upper").score == 0  # 12 committee members, 11 full members


def test_counts_with_a_filter_and_escalation(tmp_path) -> None:
    items = """\
      - id: attendance
        title: 到会率
        rule: 到会率低于80%的会议每次扣0.5分
        max: 2
        kind: deductions
        params:
          deductions:
            - {label: 到会率低于80%, count: {metric: attendance.events, where: [{field: ratio, op: "<", value: 0.8}]}, per: 0.5}
      - id: development
        title: 党费
        rule: 连续2个月未交党费扣1分，每多1个月加扣0.5分（同「N年未发展党员扣a分，每多一年加扣b分」）
        max: 2
        kind: deductions
        params:
          deductions:
            - {label: 连续未交党费, count: {metric: dues.max_consecutive_unpaid}, from: 2, points: 1, per: 0.5}
"""
    events = [
        {"id": "e1", "date": "2025-02-01", "ratio": 0.9},
        {"id": "e2", "date": "2025-05-01", "ratio": 0.75},
        {"id": "e3", "date": "2025-08-01", "ratio": 0.5},
    ]
    facts = good_branch(**{"attendance.events": events, "dues.max_consecutive_unpaid": 1})
    result = score(tmp_path, items, facts)
    attendance = result.item("attendance")
    assert attendance.score == Decimal("1.00")
    assert [e.record_id for e in attendance.evidence] == ["e2", "e3"]
    assert attendance.evidence[0].description == "到会率75%"
    assert result.item("development").score == Decimal("2.00")  # 1 year: below the start
    for years, expected in ((2, "1.00"), (3, "0.50"), (5, "0.00")):
        facts["dues.max_consecutive_unpaid"] = years
        assert score(tmp_path, items, facts).item("development").score == Decimal(expected), years


def test_bonus_from_a_count_capped_per_item_and_overall(tmp_path) -> None:
    items = """\
      - id: base
        title: 基础
        rule: 基础
        max: 4
        kind: threshold
        params: {metric: organization.has_committee, op: is_true}
      - id: reports
        title: 宣传报道
        rule: 表彰达到3项奖1分，每多1项再奖0.5分，最多2分（同「报道达到5篇才奖分」）
        max: 2
        kind: bonus
        params: {metric: honours.items, from: 3, points: 1, per: 0.5}
      - id: county_honours
        title: 县级表彰
        rule: 县级表彰每项0.5分，最多1分
        max: 1
        kind: bonus
        params: {metric: honours.items, per: 0.5, where: [{field: level, op: "==", value: county}]}
"""
    path = rubric(tmp_path, items).read_text(encoding="utf-8").replace("max: 4\nsources", "max: 4\nbonus_cap: 2.5\nsources", 1)
    (tmp_path / "r.yaml").write_text(path, encoding="utf-8")
    standard = load_standard(tmp_path / "r.yaml")
    two = [{"id": 1, "level": "county"}, {"id": 2, "level": "city"}]
    few = evaluate(standard, None, good_branch(**{"honours.items": two}), on=YEAR_END)
    assert few.item("reports").score == 0 and "未达到3项" in few.item("reports").explanation
    assert few.item("county_honours").score == Decimal("0.50")  # only the county honour counts
    five = two + [{"id": n, "level": "county"} for n in range(3, 6)]
    more = evaluate(standard, None, good_branch(**{"honours.items": five}), on=YEAR_END)
    assert more.item("reports").score == Decimal("2.00")  # 1 + 0.5 × 2
    assert more.item("county_honours").score == Decimal("1.00")  # 4 × 0.5, capped at 1
    assert more.bonus == Decimal("2.50")  # 2 + 1 = 3, overall cap 2.5
    assert more.total == Decimal("4.00")  # the total never exceeds max


def test_a_finding_zeroes_an_item_or_a_block_and_bands_can_be_classes(tmp_path) -> None:
    items = """\
      - id: a
        title: 甲
        rule: 设支委会
        max: 2
        kind: threshold
        params: {metric: organization.has_committee, op: is_true}
        zero_when: {finding: records_seriously_missing}
      - id: b
        title: 乙
        rule: 设书记
        max: 2
        kind: threshold
        params: {metric: organization.has_secretary, op: is_true}
  - id: c
    title: 丙部分
    max: 6
    zero_when: {finding: weak_and_lax}
    items:
      - id: c1
        title: 丙一
        rule: 设支委会
        max: 6
        kind: threshold
        params: {metric: organization.has_committee, op: is_true}
"""
    standard = load_standard(rubric(tmp_path, items, maximum=10, block_max=4))
    facts = good_branch(**{"organization.has_secretary": True})
    assert evaluate(standard, None, facts, on=YEAR_END).grade == "一类"
    facts["flags.records_seriously_missing"] = True
    item = evaluate(standard, None, facts, on=YEAR_END).item("a")
    assert (item.score, item.explanation) == (0, "甲：不得分（档案严重缺失为是）。")
    facts["flags.weak_and_lax"] = True
    result = evaluate(standard, None, facts, on=YEAR_END)
    assert result.item("c1").explanation == "丙一：丙部分不得分（被认定为软弱涣散党组织为是）。"
    assert (result.total, result.grade) == (Decimal("2.00"), "三类")


def test_missed_periods_counted_inside_shared_points(tmp_path) -> None:
    items = """\
      - id: base
        title: 基础管理
        rule: 每月召开支委会，每缺1次扣0.5分
        max: 4
        kind: deductions
        params:
          deductions:
            - {label: 支委会未按月召开, count: {metric: meetings.committee_meeting, missed: month}, per: 0.5}
"""
    facts = good_branch(**{"meetings.committee_meeting": monthly(skip=("2025-03", "2025-07", "2025-11"))})
    item = score(tmp_path, items, facts).item("base")
    assert item.score == Decimal("2.50")
    assert [e.period for e in item.evidence] == ["2025-03", "2025-07", "2025-11"]


@pytest.mark.parametrize("name", ["biaozhunhua-baifenzhi.yaml", "yuanxi-kaoping.yaml", "gongsi-kaohe.yaml", "patterns.yaml"])
def test_encoded_rubrics_load(name: str) -> None:
    assert load_standard(Path(__file__).parent / "rubrics" / name).effective_from == dt.date(2025, 1, 1)
