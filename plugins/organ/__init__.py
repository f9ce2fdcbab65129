"""党政机关 (government organ) and 事业单位 (public institution): one standard, two funding ratios."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.plugins import hookimpl
from core.standards import national
from core.standards.types import (
    Computation,
    Formula,
    Parameter,
    Source,
    SubKind,
    UnitType,
)

STANDARDS = Path(__file__).parent / "standards"
STANDARD_FILES = (STANDARDS / "organ-2025.yaml",)

ORGAN_FUNDING = Source(
    national.SEED_ORGAN_OPINION.document,
    "L",
    note="seeds/001：机关、事业单位分别按不低于正常公用经费总额3.5%、2%列支党组织活动经费；"
    "全国无统一比例，机关条例第四十条只要求列入部门预算。",
)
STAFF_RATIO_SOURCE = Source(national.ORGAN_REGULATIONS.document, "V-full", article="第三十条")


def _funding_ratio(default: str) -> Parameter:
    return Parameter(
        key="funding_ratio",
        label_zh="党组织活动经费占正常公用经费总额的比例",
        type="decimal",
        default=Decimal(default),
        unit="%",
        source=ORGAN_FUNDING,
    )


STAFFING_SMALL_FULL_TIME = Parameter(
    key="staffing_full_time_under_50",
    label_zh="党员不足50人：专职党务工作人员不少于",
    type="integer",
    default=1,
    unit="人",
    source=national.SEED_ORGAN_OPINION,
)
STAFFING_SMALL_PART_TIME = Parameter(
    key="staffing_part_time_under_50",
    label_zh="党员不足50人：兼职党务工作人员不少于",
    type="integer",
    default=1,
    unit="人",
    source=national.SEED_ORGAN_OPINION,
)
STAFFING_MEDIUM_FULL_TIME = Parameter(
    key="staffing_full_time_50_to_100",
    label_zh="党员50至100人：专职党务工作人员不少于",
    type="integer",
    default=3,
    unit="人",
    source=national.SEED_ORGAN_OPINION,
    note_zh="党员超过100人的机关同样按此数，县级文件要求「适当增加」但未给数字。",
)
STAFF_RATIO = Parameter(
    key="staffing_staff_ratio",
    label_zh="专职党务工作人员占机关工作人员总数的比例",
    type="decimal",
    default=Decimal(1),
    unit="%",
    source=STAFF_RATIO_SOURCE,
    floor=Decimal(1),
    floor_source=STAFF_RATIO_SOURCE,
    note_zh="机关条例：一般占1%至2%；工作人员较少的单位应保证有专人负责。",
)

COMMON_PARAMETERS = (
    STAFFING_SMALL_FULL_TIME,
    STAFFING_SMALL_PART_TIME,
    STAFFING_MEDIUM_FULL_TIME,
    national.TRAINING_HOURS_MEMBER,
    national.TRAINING_HOURS_LEADER,
    national.PARTY_LESSON_PERIOD,
)
ORGAN_PARAMETERS = (_funding_ratio("3.5"), STAFF_RATIO, *COMMON_PARAMETERS)
INSTITUTION_PARAMETERS = (_funding_ratio("2"), *COMMON_PARAMETERS)

CHECKLIST = national.six_item_checklist(
    "党员活动室", "不具备条件的，可一室多用、多支部共用，悬挂「会议室」和「党员活动室」标牌。"
)


def required_funding(values: Mapping[str, Any]) -> Decimal:
    """:returns: 正常公用经费总额 × the tenant's ratio (percent)."""
    return values["fiscal.public_operating_expenses"] * values["funding_ratio"] / 100


def required_full_time_by_members(values: Mapping[str, Any]) -> int:
    """:returns: full-time staff the county rule asks for, by the unit's member count (seed 001)."""
    if values["staffing.unit_member_count"] < 50:
        return int(values["staffing_full_time_under_50"])
    return int(values["staffing_full_time_50_to_100"])


def required_full_time_organ(values: Mapping[str, Any]) -> Computation:
    """:returns: the larger of the county rule and 机关条例's 1 % of staff (at least one person)."""
    by_members = required_full_time_by_members(values)
    staff = values.get("fiscal.staff_count")
    if staff is None:
        return Computation(Decimal(by_members), "未填机关工作人员总数，仅按党员人数计算")
    by_staff = max(1, math.ceil(staff * values["staffing_staff_ratio"] / 100))
    note = (
        f"按党员人数应配{by_members}人，按工作人员{staff}人的{values['staffing_staff_ratio']}%"
        f"应配{by_staff}人（{STAFF_RATIO_SOURCE.label}），取较大者"
    )
    return Computation(Decimal(max(by_members, by_staff)), note)


def required_part_time(values: Mapping[str, Any]) -> int:
    """:returns: part-time staff the county rule asks for (only units under 50 members)."""
    if values["staffing.unit_member_count"] < 50:
        return int(values["staffing_part_time_under_50"])
    return 0


def _funding(unit_type: str, parameters: tuple[Parameter, ...]) -> Formula:
    return Formula(
        name="funding",
        unit_type=unit_type,
        label_zh="党组织活动经费",
        inputs={"fiscal.public_operating_expenses": "正常公用经费总额"},
        compute=required_funding,
        explanation_zh="党组织活动经费应不低于正常公用经费总额{fiscal_public_operating_expenses}元"
        "×{funding_ratio}%={result}元",
        source=ORGAN_FUNDING,
        result_unit="元",
        parameters=tuple(p for p in parameters if p.key == "funding_ratio"),
    )


def _staffing(unit_type: str, parameters: tuple[Parameter, ...]) -> tuple[Formula, Formula]:
    staffing_keys = {p.key for p in parameters if p.key.startswith("staffing_")}
    own = tuple(p for p in parameters if p.key in staffing_keys)
    organ = unit_type == "organ"
    full_time = Formula(
        name="staffing",
        unit_type=unit_type,
        label_zh="专职党务工作人员",
        inputs={
            "staffing.unit_member_count": "本单位党员人数",
            **({"fiscal.staff_count": "机关工作人员总数"} if organ else {}),
        },
        optional_inputs=("fiscal.staff_count",),
        compute=required_full_time_organ if organ else required_full_time_by_members,
        explanation_zh="本单位党员{staffing_unit_member_count}人，应配备专职党务工作人员不少于{result}人",
        source=national.SEED_ORGAN_OPINION,
        result_unit="人",
        parameters=own,
    )
    part_time = Formula(
        name="staffing_part_time",
        unit_type=unit_type,
        label_zh="兼职党务工作人员",
        inputs={"staffing.unit_member_count": "本单位党员人数"},
        compute=required_part_time,
        explanation_zh="本单位党员{staffing_unit_member_count}人，应配备兼职党务工作人员不少于{result}人",
        source=national.SEED_ORGAN_OPINION,
        result_unit="人",
        parameters=own,
    )
    return full_time, part_time


def _unit_type(
    key: str, name_zh: str, name_en: str, parameters: tuple[Parameter, ...], **extra: Any
) -> UnitType:
    return UnitType(
        key=key,
        name_zh=name_zh,
        name_en=name_en,
        standard_files=STANDARD_FILES,
        parameters=parameters,
        facility_checklist=CHECKLIST,
        cadences=national.national_cadences(),
        training_targets=national.NATIONAL_TRAINING_TARGETS,
        organization_rules=national.NATIONAL_ORGANIZATION_RULES,
        document_types=national.document_types(national.INTEGRITY_LETTER),
        **extra,
    )


@hookimpl
def branchmark_unit_types() -> list[UnitType]:
    """党政机关 and 事业单位 share seed 004's 机关事业 standard; their funding ratios differ."""
    return [
        _unit_type(
            "organ",
            "党政机关",
            "government organ",
            ORGAN_PARAMETERS,
            sub_kinds=(
                SubKind("party", "党的机关"),
                SubKind("government", "政府部门"),
                SubKind("congress_cppcc", "人大、政协机关"),
                SubKind("judicial", "监察、审判、检察机关"),
                SubKind("mass_organization", "群团机关"),
                SubKind("township", "乡镇（街道）机关"),
            ),
            description_zh="适用《中国共产党党和国家机关基层组织工作条例》的县级以上机关。",
        ),
        _unit_type(
            "institution",
            "事业单位",
            "public institution",
            INSTITUTION_PARAMETERS,
            sub_kinds=(
                SubKind("public_welfare_1", "公益一类"),
                SubKind("public_welfare_2", "公益二类"),
            ),
            description_zh="事业单位无单独的全国条例，参照支部工作条例和机关做法；经费比例按县级规定。",
        ),
    ]


@hookimpl
def branchmark_formulas() -> list[Formula]:
    """funding, staffing and staffing_part_time for both unit types."""
    return [
        _funding("organ", ORGAN_PARAMETERS),
        *_staffing("organ", ORGAN_PARAMETERS),
        _funding("institution", INSTITUTION_PARAMETERS),
        *_staffing("institution", INSTITUTION_PARAMETERS),
    ]
