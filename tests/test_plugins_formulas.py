"""Each built-in plugin's formulas at their boundaries, with explanations and sources."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.plugins import create_registry
from core.standards.formulas import FormulaInputError, evaluate_formula


@pytest.fixture(scope="module")
def registry():
    return create_registry(load_entry_points=False)


def required(registry, unit_type: str, name: str, inputs: dict, parameters: dict | None = None):
    return evaluate_formula(registry.formula(unit_type, name), inputs, parameters)


def test_organ_funding_is_3_5_percent_of_operating_expenses(registry) -> None:
    result = required(registry, "organ", "funding", {"fiscal.public_operating_expenses": 1_000_000})
    assert result.value == Decimal("35000.00")
    assert result.unit == "元"
    assert result.explanation == "党组织活动经费应不低于正常公用经费总额1,000,000元×3.5%=35,000元"
    assert result.source.tag == "L"
    assert "seeds/001" in result.source.note


def test_institution_funding_is_2_percent(registry) -> None:
    result = required(
        registry, "institution", "funding", {"fiscal.public_operating_expenses": 1_000_000}
    )
    assert result.value == Decimal("20000.00")


def test_money_is_quantized_half_up_to_cents(registry) -> None:
    result = required(
        registry, "organ", "funding", {"fiscal.public_operating_expenses": "1234567.89"}
    )
    # 1234567.89 × 3.5 % = 43209.87615
    assert result.value == Decimal("43209.88")


@pytest.mark.parametrize(
    ("members", "full_time", "part_time"), [(49, 1, 1), (50, 3, 0), (60, 3, 0), (100, 3, 0)]
)
def test_organ_staffing_by_member_count(
    registry, members: int, full_time: int, part_time: int
) -> None:
    inputs = {"staffing.unit_member_count": members}
    assert required(registry, "organ", "staffing", inputs).value == full_time
    assert required(registry, "organ", "staffing_part_time", inputs).value == part_time


def test_organ_staffing_takes_the_national_one_percent_of_staff_when_larger(registry) -> None:
    result = required(
        registry, "organ", "staffing", {"staffing.unit_member_count": 40, "fiscal.staff_count": 250}
    )
    assert result.value == 3  # ceil(250 × 1 %) = 3 > 1 by members
    assert "第三十条 [V-full]" in result.explanation


def test_institution_staffing_ignores_the_organ_staff_ratio(registry) -> None:
    result = required(
        registry,
        "institution",
        "staffing",
        {"staffing.unit_member_count": 60, "fiscal.staff_count": 900},
    )
    assert result.value == 3


@pytest.mark.parametrize(
    ("carry_over", "expected"),
    [(None, "80000.00"), (160_000, "80000.00"), ("160000.01", "0.00")],
)
def test_soe_funding_stops_above_two_percent_carry_over(
    registry, carry_over, expected: str
) -> None:
    result = required(
        registry,
        "soe",
        "funding",
        {"fiscal.wage_bill_last_year": 8_000_000, "funding.carry_over": carry_over},
    )
    assert result.value == Decimal(expected)
    assert result.source.label.startswith(
        "《关于国有企业党组织工作经费问题的通知》（组通字〔2017〕38号）"
    )
    if expected == "0.00":
        assert "当年不再从管理费用中安排" in result.explanation


@pytest.mark.parametrize(("headcount", "staff"), [(0, 1), (100, 1), (101, 2), (150, 2)])
def test_soe_staffing_one_percent_rounded_up_marked_unverified(
    registry, headcount: int, staff: int
) -> None:
    result = required(registry, "soe", "staffing", {"fiscal.headcount": headcount})
    assert result.value == staff
    assert result.source.unconfirmed
    assert "待核实" in result.explanation


@pytest.mark.parametrize(("members", "deputy"), [(99, 0), (100, 1)])
def test_soe_deputy_secretary_for_large_enterprises(registry, members: int, deputy: int) -> None:
    assert (
        required(registry, "soe", "deputy_secretary", {"staffing.unit_member_count": members}).value
        == deputy
    )


def test_two_new_funding_is_five_per_mille(registry) -> None:
    result = required(registry, "two_new", "funding", {"fiscal.wage_bill_last_year": 8_000_000})
    assert result.value == Decimal("40000.00")
    assert result.warnings == ()


def test_two_new_funding_above_the_tax_deductible_cap_warns(registry) -> None:
    result = required(
        registry,
        "two_new",
        "funding",
        {"fiscal.wage_bill_last_year": 8_000_000},
        {"funding_ratio": 12},
    )
    assert result.value == Decimal("96000.00")
    assert len(result.warnings) == 1
    assert "高于10‰" in result.warnings[0]
    assert "超出部分不能扣除" in result.warnings[0]
    assert "[V]" in result.warnings[0]


def test_two_new_one_instructor_per_branch(registry) -> None:
    assert required(registry, "two_new", "staffing", {"staffing.unit_branch_count": 3}).value == 3
    alone = required(registry, "two_new", "staffing", {})
    assert alone.value == 1
    assert "按1个支部计算" in alone.explanation


def test_school_funding_per_member_plus_returned_dues(registry) -> None:
    assert required(
        registry, "school", "funding", {"staffing.unit_member_count": 40}
    ).value == Decimal("2000.00")
    result = required(
        registry,
        "school",
        "funding",
        {"staffing.unit_member_count": 40, "dues.retained_last_year": 10_000},
        {"dues_return_share": 20},
    )
    assert result.value == Decimal("4000.00")
    assert "留存党费" in result.explanation


@pytest.mark.parametrize(("members", "deputy"), [(29, 0), (30, 1)])
def test_school_deputy_secretary_for_large_schools(registry, members: int, deputy: int) -> None:
    assert (
        required(registry, "school", "staffing", {"staffing.unit_member_count": members}).value
        == deputy
    )


def test_parameter_below_national_floor_is_used_and_warned_with_source(registry) -> None:
    result = required(
        registry,
        "soe",
        "funding",
        {"fiscal.wage_bill_last_year": 8_000_000},
        {"funding_ratio": "0.5"},
    )
    assert result.value == Decimal("40000.00")
    assert result.warnings == (
        "参数「纳入管理费用的党组织工作经费占上年度职工工资总额的比例」设为0.5%，低于全国底线1%"
        "（《关于国有企业党组织工作经费问题的通知》（组通字〔2017〕38号） [V]）；已按设置值计算，请核实。",
    )


def test_missing_input_is_refused_naming_it(registry) -> None:
    with pytest.raises(
        FormulaInputError, match="缺少「正常公用经费总额」（fiscal.public_operating_expenses）"
    ):
        required(registry, "organ", "funding", {})
    with pytest.raises(FormulaInputError, match="应为数字"):
        required(registry, "organ", "funding", {"fiscal.public_operating_expenses": "很多"})


def test_result_is_json_ready(registry) -> None:
    data = required(
        registry, "organ", "funding", {"fiscal.public_operating_expenses": 1_000_000}
    ).to_dict()
    assert data["value"] == "35000.00"
    assert data["source"]["tag"] == "L"
