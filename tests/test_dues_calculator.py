"""Monthly dues by 中组发〔2008〕3号: every band boundary, fixed amounts, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.dues.calculator import DuesInputError, calculate_monthly_dues


@pytest.mark.parametrize(
    ("base", "rate", "amount"),
    [
        ("2999.99", "0.005", "15.00"),
        ("3000", "0.005", "15.00"),
        ("3000.01", "0.01", "30.00"),
        ("5000", "0.01", "50.00"),
        ("5000.01", "0.015", "75.00"),
        ("5400", "0.015", "81.00"),
        ("10000", "0.015", "150.00"),
        ("10000.01", "0.02", "200.00"),
        ("11500", "0.02", "230.00"),
        ("0", "0.005", "0.00"),
    ],
)
def test_employed_whole_base_bands(base: str, rate: str, amount: str) -> None:
    dues = calculate_monthly_dues("employed", Decimal(base))
    assert dues.rate == Decimal(rate)
    assert dues.amount == Decimal(amount)
    assert dues.amount.as_tuple().exponent == -2
    assert "中组发〔2008〕3号" in dues.rule


def test_rounding_is_half_up_to_cents() -> None:
    # 2999.99 × 0.5 % = 14.99995 → 15.00 (half up), never 14.99
    assert calculate_monthly_dues("employed", "2999.99").amount == Decimal("15.00")
    assert calculate_monthly_dues("employed", "3001").amount == Decimal("30.01")


def test_rule_text_names_the_band() -> None:
    assert "3000元以下（含）" in calculate_monthly_dues("employed", 3000).rule
    assert "5000元以上至10000元（含）" in calculate_monthly_dues("employed", 5400).rule
    assert "10000元以上" in calculate_monthly_dues("employed", 11500).rule


@pytest.mark.parametrize(
    ("base", "rate", "amount"),
    [("4999.99", "0.005", "25.00"), ("5000", "0.005", "25.00"), ("5000.01", "0.01", "50.00")],
)
def test_retired_bands(base: str, rate: str, amount: str) -> None:
    dues = calculate_monthly_dues("retired", base)
    assert (dues.rate, dues.amount) == (Decimal(rate), Decimal(amount))
    assert "离退休" in dues.rule


def test_annual_salary_uses_the_months_pay_with_employed_bands() -> None:
    dues = calculate_monthly_dues("annual_salary", "12000")
    assert (dues.rate, dues.amount) == (Decimal("0.02"), Decimal("240.00"))
    assert "当月实际领取的薪酬收入" in dues.rule


@pytest.mark.parametrize("category", ["student", "unemployed", "subsistence"])
def test_fixed_twenty_fen(category: str) -> None:
    dues = calculate_monthly_dues(category, base=None)
    assert dues.amount == Decimal("0.20")
    assert dues.rate is None


def test_farmer_default_is_the_national_minimum_and_configurable() -> None:
    assert calculate_monthly_dues("farmer").amount == Decimal("0.20")
    dues = calculate_monthly_dues("farmer", farmer_amount="0.5")
    assert dues.amount == Decimal("0.50")
    assert "省级党委" in dues.rule


@pytest.mark.parametrize(
    ("call", "field", "words"),
    [
        (lambda: calculate_monthly_dues("worker", 1000), "category", "党员类别「worker」无效"),
        (lambda: calculate_monthly_dues("employed", None), "base", "缺少计算基数"),
        (lambda: calculate_monthly_dues("employed", "三千"), "base", "应为金额"),
        (lambda: calculate_monthly_dues("employed", -1), "base", "不能为负数"),
        (
            lambda: calculate_monthly_dues("farmer", farmer_amount="1.5"),
            "farmer_amount",
            "0.20元至1.00元之间",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(call, field: str, words: str) -> None:
    with pytest.raises(DuesInputError) as caught:
        call()
    assert caught.value.field == field
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)
