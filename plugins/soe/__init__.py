"""国有企业 (state-owned enterprise): 1 % of last year's wage bill, stopped above 2 % carry-over."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.plugins import hookimpl
from core.standards import national
from core.standards.types import Computation, Formula, Parameter, Source, SubKind, UnitType

STANDARD_FILES = (Path(__file__).parent / "standards" / "soe-2025.yaml",)

SOE_FUNDING = Source(
    "《关于国有企业党组织工作经费问题的通知》（组通字〔2017〕38号）",
    "V",
    url="http://www.cnread.news/content/14369923.html",
)
SOE_STAFF_RATIO = Source(
    "国有企业专职党务工作人员按不低于职工总数1%配备（常见说法，全国文件中未核实）",
    "U",
    url="http://fsou.com/html/text/chl/421/42131_3.html",
)
DEPUTY_SECRETARY = Source(
    national.SEED_BRANCH_STANDARDS.document,
    "L",
    note="seeds/004：规模较大的国有企业配备专职抓党建工作的副书记。",
)

FUNDING_RATIO = Parameter(
    key="funding_ratio",
    label_zh="纳入管理费用的党组织工作经费占上年度职工工资总额的比例",
    type="decimal",
    default=Decimal(1),
    unit="%",
    source=SOE_FUNDING,
    floor=Decimal(1),
    floor_source=SOE_FUNDING,
)
CARRY_OVER_CAP = Parameter(
    key="carry_over_cap",
    label_zh="累计结转超过上年度职工工资总额此比例的，当年不再安排",
    type="decimal",
    default=Decimal(2),
    unit="%",
    source=SOE_FUNDING,
)
STAFF_RATIO = Parameter(
    key="staffing_ratio",
    label_zh="专职党务工作人员占职工总数的比例",
    type="decimal",
    default=Decimal(1),
    unit="%",
    source=SOE_STAFF_RATIO,
)
DEPUTY_SECRETARY_THRESHOLD = Parameter(
    key="deputy_secretary_member_threshold",
    label_zh="党员达到此数的企业配备专职副书记",
    type="integer",
    default=100,
    unit="人",
    source=DEPUTY_SECRETARY,
    note_zh="县级文件只说「规模较大」；默认按设立基层党委的100人计。",
)

PARAMETERS = (
    FUNDING_RATIO,
    CARRY_OVER_CAP,
    STAFF_RATIO,
    DEPUTY_SECRETARY_THRESHOLD,
    national.TRAINING_HOURS_MEMBER,
    national.TRAINING_HOURS_LEADER,
    national.HALF_YEARLY_PARTY_LESSON_PERIOD,
)


def required_funding(values: Mapping[str, Any]) -> Computation:
    """:returns: 1 % of last year's wage bill, or nothing when the carry-over exceeds 2 % of it."""
    wage_bill = values["fiscal.wage_bill_last_year"]
    carry_over = values.get("funding.carry_over") or Decimal(0)
    cap = wage_bill * values["carry_over_cap"] / 100
    if carry_over > cap:
        note = (
            f"累计结转{carry_over}元超过上年度职工工资总额的{values['carry_over_cap']}%（{cap:.2f}元），"
            "当年不再从管理费用中安排"
        )
        return Computation(Decimal(0), note)
    return Computation(wage_bill * values["funding_ratio"] / 100)


def required_staff(values: Mapping[str, Any]) -> Decimal:
    """:returns: staff at the ratio of the workforce, rounded up, at least one person."""
    return Decimal(max(1, math.ceil(values["fiscal.headcount"] * values["staffing_ratio"] / 100)))


def required_deputy_secretary(values: Mapping[str, Any]) -> int:
    """:returns: 1 full-time deputy secretary for large enterprises, otherwise 0."""
    return int(values["staffing.unit_member_count"] >= values["deputy_secretary_member_threshold"])


@hookimpl
def branchmark_unit_types() -> list[UnitType]:
    """国有企业, with seed 004's 国有企业党支部建设标准 as its rubric."""
    return [
        UnitType(
            key="soe",
            name_zh="国有企业",
            name_en="state-owned enterprise",
            standard_files=STANDARD_FILES,
            parameters=PARAMETERS,
            sub_kinds=(
                SubKind("wholly_owned", "国有独资、全资企业"),
                SubKind("controlled", "国有资本控股企业"),
            ),
            facility_checklist=national.six_item_checklist("党员活动室"),
            cadences=national.national_cadences(national.HALF_YEARLY_PARTY_LESSON_PERIOD),
            training_targets=national.NATIONAL_TRAINING_TARGETS,
            organization_rules=national.NATIONAL_ORGANIZATION_RULES,
            document_types=national.document_types(national.INTEGRITY_LETTER),
            description_zh="国有独资、全资和国有资本控股企业；党组织工作经费按组通字〔2017〕38号。",
        )
    ]


@hookimpl
def branchmark_formulas() -> list[Formula]:
    """funding, staffing and deputy_secretary."""
    return [
        Formula(
            name="funding",
            unit_type="soe",
            label_zh="党组织工作经费（纳入管理费用部分）",
            inputs={
                "fiscal.wage_bill_last_year": "上年度职工工资总额",
                "funding.carry_over": "累计结转",
            },
            optional_inputs=("funding.carry_over",),
            compute=required_funding,
            explanation_zh="上年度职工工资总额{fiscal_wage_bill_last_year}元，按{funding_ratio}%安排，"
            "纳入管理费用的党组织工作经费应不低于{result}元",
            source=SOE_FUNDING,
            result_unit="元",
            parameters=(FUNDING_RATIO, CARRY_OVER_CAP),
        ),
        Formula(
            name="staffing",
            unit_type="soe",
            label_zh="专职党务工作人员",
            inputs={"fiscal.headcount": "职工总数"},
            compute=required_staff,
            explanation_zh="职工{fiscal_headcount}人，按{staffing_ratio}%（待核实）应配备专职党务工作人员不少于{result}人",
            source=SOE_STAFF_RATIO,
            result_unit="人",
            parameters=(STAFF_RATIO,),
        ),
        Formula(
            name="deputy_secretary",
            unit_type="soe",
            label_zh="专职副书记",
            inputs={"staffing.unit_member_count": "本企业党员人数"},
            compute=required_deputy_secretary,
            explanation_zh="本企业党员{staffing_unit_member_count}人（{deputy_secretary_member_threshold}人以上为规模较大），"
            "应配备专职副书记{result}人",
            source=DEPUTY_SECRETARY,
            result_unit="人",
            parameters=(DEPUTY_SECRETARY_THRESHOLD,),
        ),
    ]
