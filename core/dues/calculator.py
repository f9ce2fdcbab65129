"""Monthly Party dues (党费) by 中组发〔2008〕3号: whole-base rate bands and fixed amounts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

SOURCE = "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）[V]"

#: (upper bound inclusive, or None for "above"; rate). "以下（含）" belongs to the lower band.
EMPLOYED_BANDS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal(3000), Decimal("0.005")),
    (Decimal(5000), Decimal("0.01")),
    (Decimal(10000), Decimal("0.015")),
    (None, Decimal("0.02")),
)
RETIRED_BANDS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal(5000), Decimal("0.005")),
    (None, Decimal("0.01")),
)

#: Students, unemployed members and 低保 recipients pay a fixed 0.20 元 a month.
FIXED_AMOUNT = Decimal("0.20")
#: Farmers pay 0.20–1.00 元, the exact amount set by the province; 0.20 is only the default
#: until the county configures its province's figure.
FARMER_MINIMUM, FARMER_MAXIMUM = Decimal("0.20"), Decimal("1.00")
FARMER_DEFAULT = FARMER_MINIMUM

CATEGORY_LABELS = {
    "employed": "在职党员",
    "annual_salary": "实行年薪制的党员",
    "self_employed": "不按月取得收入的党员（个体经营等）",
    "retired": "离退休党员",
    "farmer": "农民党员",
    "student": "学生党员",
    "unemployed": "下岗失业党员",
    "subsistence": "领取最低生活保障金的党员",
}
BASE_WORDS = {
    "employed": "每月工资收入（税后，相对固定、经常性的部分）",
    "annual_salary": "当月实际领取的薪酬收入",
    "self_employed": "上季度月平均纯收入",
    "retired": "每月离退休费（养老金）总额",
}
CENT = Decimal("0.01")


class DuesInputError(ValueError):
    """Input the calculator cannot use; the message names the field in Chinese."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DuesAssessment:
    """One member's monthly dues and the rule that produced them.

    :param base: the calculation base in 元 (0 for fixed-amount categories).
    :param rate: the whole-base rate, or ``None`` for fixed amounts.
    :param amount: 元, two places, ``ROUND_HALF_UP``.
    :param rule: the rule in Chinese, with its source.
    """

    category: str
    base: Decimal
    rate: Decimal | None
    amount: Decimal
    rule: str


def calculate_monthly_dues(
    category: str, base: Any = None, *, farmer_amount: Any = FARMER_DEFAULT
) -> DuesAssessment:
    """Calculate a member's monthly dues.

    Rates apply to the whole base, not progressively: 5400 元 → 1.5 % → 81.00 元.

    :param category: one of :data:`CATEGORY_LABELS` (``employed``, ``retired`` …).
    :param base: the month's base in 元 for ``employed``, ``annual_salary``, ``self_employed``
        and ``retired``; ignored for fixed-amount categories.
    :param farmer_amount: the province's amount for farmers (0.20–1.00 元).
    :returns: the assessment.
    :raises DuesInputError: for an unknown category, a missing or negative base, or a farmer
        amount outside 0.20–1.00 元.
    """
    if category not in CATEGORY_LABELS:
        known = "、".join(f"{key}（{label}）" for key, label in CATEGORY_LABELS.items())
        raise DuesInputError("category", f"党员类别「{category}」无效，可用：{known}")
    label = CATEGORY_LABELS[category]
    if category == "farmer":
        amount = _money(farmer_amount, "farmer_amount", "农民党员每月党费金额")
        if not FARMER_MINIMUM <= amount <= FARMER_MAXIMUM:
            raise DuesInputError(
                "farmer_amount",
                f"农民党员每月党费金额应在0.20元至1.00元之间（由省级党委确定），实际为{amount}元",
            )
        rule = f"{label}每月交纳党费0.2元至1元，具体由省级党委确定，本县设为{amount}元（{SOURCE}）"
        return DuesAssessment(category, Decimal("0.00"), None, amount, rule)
    if category in ("student", "unemployed", "subsistence"):
        rule = f"{label}每月交纳党费{FIXED_AMOUNT}元（{SOURCE}）"
        return DuesAssessment(category, Decimal("0.00"), None, FIXED_AMOUNT, rule)
    amount_base = _money(base, "base", f"计算基数（{BASE_WORDS[category]}）")
    if amount_base < 0:
        raise DuesInputError(
            "base", f"计算基数（{BASE_WORDS[category]}）不能为负数，实际为{amount_base}元"
        )
    bands = RETIRED_BANDS if category == "retired" else EMPLOYED_BANDS
    rate, words = _band(bands, amount_base)
    amount = (amount_base * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    rule = f"{label}以{BASE_WORDS[category]}为基数，{words}的，按{_percent(rate)}交纳（{SOURCE}）"
    return DuesAssessment(category, amount_base, rate, amount, rule)


def _band(bands: tuple[tuple[Decimal | None, Decimal], ...], base: Decimal) -> tuple[Decimal, str]:
    lower: Decimal | None = None
    for upper, rate in bands:
        if upper is None or base <= upper:
            if upper is None:
                return rate, f"{lower}元以上"
            if lower is None:
                return rate, f"{upper}元以下（含）"
            return rate, f"{lower}元以上至{upper}元（含）"
        lower = upper
    raise AssertionError("the last band is open-ended")


def _money(value: Any, field: str, label: str) -> Decimal:
    if value is None or isinstance(value, bool):
        raise DuesInputError(field, f"缺少{label}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DuesInputError(field, f"{label}应为金额，实际为「{value}」") from None
    if not number.is_finite():
        raise DuesInputError(field, f"{label}应为金额，实际为「{value}」")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"
