"""两新组织 (non-public enterprises and social organizations): 5 ‰ funding, one instructor per branch."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.plugins import hookimpl
from core.standards import national
from core.standards.types import Computation, Formula, Parameter, Source, SubKind, UnitType

STANDARD_FILES = (Path(__file__).parent / "standards" / "two_new-2025.yaml",)

SEED_FUNDING = Source(
    national.SEED_BRANCH_STANDARDS.document,
    "L",
    note="seeds/004：党支部工作经费不低于职工年度工资总额的5‰，纳入企业管理费用。",
)
TAX_CAP = Source(
    "中组部、财政部、税务总局关于非公有制企业党组织工作经费问题的通知（2014年）",
    "V",
    url="http://bashu-it.com/html/bmwz942404653256015872201705111937005.html",
)
SEED_INSTRUCTOR = Source(
    national.SEED_BRANCH_STANDARDS.document,
    "L",
    note="seeds/004：每个「两新」组织党支部要配备1名党建指导员。",
)

FUNDING_RATIO = Parameter(
    key="funding_ratio",
    label_zh="党支部工作经费占职工年度工资总额的比例",
    type="decimal",
    default=Decimal(5),
    unit="‰",
    source=SEED_FUNDING,
    ceiling=Decimal(10),
    ceiling_source=TAX_CAP,
    ceiling_note_zh="不超过职工年度工资薪金总额1%的部分才能在企业所得税前扣除，超出部分不能扣除",
)
INSTRUCTORS_PER_BRANCH = Parameter(
    key="instructors_per_branch",
    label_zh="每个党支部配备党建指导员人数",
    type="integer",
    default=1,
    unit="人",
    source=SEED_INSTRUCTOR,
)
PARAMETERS = (
    FUNDING_RATIO,
    INSTRUCTORS_PER_BRANCH,
    national.TRAINING_HOURS_MEMBER,
    national.TRAINING_HOURS_LEADER,
    national.HALF_YEARLY_PARTY_LESSON_PERIOD,
)


def required_funding(values: Mapping[str, Any]) -> Decimal:
    """:returns: the wage bill × the ratio (per mille); above 1 % the parameter's ceiling warns."""
    return values["fiscal.wage_bill_last_year"] * values["funding_ratio"] / 1000


def required_instructors(values: Mapping[str, Any]) -> Computation:
    """:returns: instructors for all of the organization's branches (one branch when unknown)."""
    branches = values.get("staffing.unit_branch_count")
    per_branch = values["instructors_per_branch"]
    if branches is None:
        return Computation(Decimal(per_branch), "未取得本组织党支部数，按1个支部计算")
    return Computation(Decimal(branches * per_branch))


@hookimpl
def branchmark_unit_types() -> list[UnitType]:
    """两新组织, with seed 004's「两新」组织党支部建设标准 as its rubric."""
    return [
        UnitType(
            key="two_new",
            name_zh="两新组织",
            name_en='"two new" organization',
            standard_files=STANDARD_FILES,
            parameters=PARAMETERS,
            sub_kinds=(
                SubKind("non_public_enterprise", "非公有制企业"),
                SubKind("social_organization", "社会组织"),
            ),
            facility_checklist=national.six_item_checklist("党员职工活动中心（活动室）"),
            cadences=national.national_cadences(national.HALF_YEARLY_PARTY_LESSON_PERIOD),
            training_targets=national.NATIONAL_TRAINING_TARGETS,
            organization_rules=national.NATIONAL_ORGANIZATION_RULES,
            document_types=national.document_types(without=("responsibility_letter",)),
            description_zh="非公有制企业和社会组织；经费和党建指导员按县级标准。",
        )
    ]


@hookimpl
def branchmark_formulas() -> list[Formula]:
    """funding and staffing (党建指导员)."""
    return [
        Formula(
            name="funding",
            unit_type="two_new",
            label_zh="党支部工作经费",
            inputs={"fiscal.wage_bill_last_year": "职工年度工资总额"},
            compute=required_funding,
            explanation_zh="党支部工作经费应不低于职工年度工资总额{fiscal_wage_bill_last_year}元"
            "×{funding_ratio}‰={result}元",
            source=SEED_FUNDING,
            result_unit="元",
            parameters=(FUNDING_RATIO,),
        ),
        Formula(
            name="staffing",
            unit_type="two_new",
            label_zh="党建指导员",
            inputs={"staffing.unit_branch_count": "本组织党支部数"},
            optional_inputs=("staffing.unit_branch_count",),
            compute=required_instructors,
            explanation_zh="每个党支部配备{instructors_per_branch}名党建指导员，应配备不少于{result}人",
            source=SEED_INSTRUCTOR,
            result_unit="人",
            parameters=(INSTRUCTORS_PER_BRANCH,),
        ),
    ]
