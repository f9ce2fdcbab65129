"""中小学校 (primary and secondary school): funding in the school budget, deputy secretary if large."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.plugins import hookimpl
from core.standards import national
from core.standards.types import Computation, Formula, Parameter, Source, SubKind, UnitType

STANDARD_FILES = (Path(__file__).parent / "standards" / "school-2025.yaml",)

SCHOOL_OPINION_2016 = Source(
    "《关于加强中小学校党的建设工作的意见》（2016年）",
    "V",
    url="http://edu.rednet.cn/c/2016/07/22/4041838.htm",
)
SEED_SCHOOL_TASKS = Source(
    "中小学校党建工作重点任务清单（县级）",
    "L",
    note="seeds/004：党建工作经费纳入学校年度经费预算，可按留存党费的一定比例下拨中小学校。",
)
PER_MEMBER_EXAMPLE = Source(
    "中山大学新华学院党组织工作经费办法（2016年，每名党员50元）",
    "L",
    url="https://djw.xhsysu.edu.cn/show.jsp?urltype=news.NewsContentUrl&wbnewsid=1345&wbtreeid=1009",
)
LARGE_SCHOOL = Source(
    "湖北省两新组织党建评分细则（2010年，党员30人以上配专职副书记）",
    "L",
    url="https://www.cj.gov.cn/p113/bmwj/20150701/141384.html",
)

FUNDING_PER_MEMBER = Parameter(
    key="funding_per_member",
    label_zh="学校预算中按党员人数安排的党组织工作经费",
    type="decimal",
    default=Decimal(50),
    unit="元/人",
    source=PER_MEMBER_EXAMPLE,
    note_zh="全国只要求列入学校经费预算，没有标准；默认值取自一所高校的做法，请县级按本地规定设置。",
)
DUES_RETURN_SHARE = Parameter(
    key="dues_return_share",
    label_zh="上级按留存党费下拨学校的比例",
    type="decimal",
    default=Decimal(0),
    unit="%",
    source=SEED_SCHOOL_TASKS,
)
LARGE_SCHOOL_THRESHOLD = Parameter(
    key="large_school_member_threshold",
    label_zh="党员达到此数的学校应配备专职副书记",
    type="integer",
    default=30,
    unit="人",
    source=LARGE_SCHOOL,
    note_zh="中小学意见只说「办学规模大、党员人数多」；默认30人取自地方细则，请县级确认。",
)
PARAMETERS = (
    FUNDING_PER_MEMBER,
    DUES_RETURN_SHARE,
    LARGE_SCHOOL_THRESHOLD,
    national.TRAINING_HOURS_MEMBER,
    national.TRAINING_HOURS_LEADER,
    national.PARTY_LESSON_PERIOD,
)


def required_funding(values: Mapping[str, Any]) -> Computation:
    """:returns: per-member budget plus the tenant's share of retained dues returned."""
    budget = values["staffing.unit_member_count"] * values["funding_per_member"]
    retained, share = values.get("dues.retained_last_year"), values["dues_return_share"]
    if not retained or not share:
        return Computation(budget)
    returned = retained * share / 100
    note = f"另加上年度留存党费{retained}元×{share}%={returned:.2f}元"
    return Computation(budget + returned, note)


def required_deputy_secretary(values: Mapping[str, Any]) -> int:
    """:returns: 1 full-time deputy secretary for schools with many members, otherwise 0."""
    return int(values["staffing.unit_member_count"] >= values["large_school_member_threshold"])


def funding_formula(unit_type: str, source: Source = SEED_SCHOOL_TASKS) -> Formula:
    """:returns: the school funding formula for ``unit_type`` (other plugins may reuse it)."""
    return Formula(
        name="funding",
        unit_type=unit_type,
        label_zh="党组织工作经费",
        inputs={
            "staffing.unit_member_count": "本单位党员人数",
            "dues.retained_last_year": "上年度留存党费",
        },
        optional_inputs=("dues.retained_last_year",),
        compute=required_funding,
        explanation_zh="党组织工作经费应纳入年度经费预算，不低于{result}元：党员{staffing_unit_member_count}人"
        "×{funding_per_member}元",
        source=source,
        result_unit="元",
        parameters=(FUNDING_PER_MEMBER, DUES_RETURN_SHARE),
    )


def staffing_formula(unit_type: str, source: Source = SCHOOL_OPINION_2016) -> Formula:
    """:returns: the full-time deputy secretary formula for ``unit_type``."""
    return Formula(
        name="staffing",
        unit_type=unit_type,
        label_zh="专职副书记",
        inputs={"staffing.unit_member_count": "本单位党员人数"},
        compute=required_deputy_secretary,
        explanation_zh="本单位党员{staffing_unit_member_count}人（{large_school_member_threshold}人以上应配备），"
        "应配备党组织专职副书记{result}人",
        source=source,
        result_unit="人",
        parameters=(LARGE_SCHOOL_THRESHOLD,),
    )


@hookimpl
def branchmark_unit_types() -> list[UnitType]:
    """中小学校, with seed 004's 中小学校党建工作重点任务清单 folded into its rubric."""
    return [
        UnitType(
            key="school",
            name_zh="中小学校",
            name_en="primary/secondary school",
            standard_files=STANDARD_FILES,
            parameters=PARAMETERS,
            sub_kinds=(
                SubKind("primary", "小学"),
                SubKind("secondary", "中学"),
                SubKind("nine_year", "九年一贯制学校"),
                SubKind("kindergarten", "幼儿园"),
            ),
            facility_checklist=national.six_item_checklist("党员活动室"),
            cadences=national.national_cadences(),
            training_targets=national.NATIONAL_TRAINING_TARGETS,
            organization_rules=national.NATIONAL_ORGANIZATION_RULES,
            document_types=national.document_types(national.INTEGRITY_LETTER),
            description_zh="中小学校党组织；党建工作由教育部门党组织统一领导和指导。",
        )
    ]


@hookimpl
def branchmark_formulas() -> list[Formula]:
    """funding and staffing (专职副书记)."""
    return [funding_formula("school"), staffing_formula("school")]
