"""医院 (hospital) unit type for Branchmark: a third-party plugin that follows the school rules."""

from __future__ import annotations

from pathlib import Path

from core.plugins import hookimpl
from core.standards import national
from core.standards.types import Formula, Source, SubKind, UnitType
from plugins import school

STANDARD_FILES = (Path(__file__).parent / "standards" / "hospital-2025.yaml",)

#: seeds/004: "参照中小学校党建工作要求，全面加强医院系统党建工作".
FOLLOWS_SCHOOLS = Source(
    "机关事业单位党建重点项目及责任分解（县级）第7项",
    "L",
    note="seeds/004：参照中小学校党建工作要求，全面加强医院系统党建工作。",
)


@hookimpl
def branchmark_unit_types() -> list[UnitType]:
    """医院, reusing the school plugin's parameters and the national baseline."""
    return [
        UnitType(
            key="hospital",
            name_zh="医院",
            name_en="hospital",
            standard_files=STANDARD_FILES,
            parameters=school.PARAMETERS,
            sub_kinds=(
                SubKind("public_general", "公立综合医院"),
                SubKind("public_specialist", "公立专科医院"),
                SubKind("township_health_centre", "乡镇卫生院"),
            ),
            facility_checklist=national.six_item_checklist("党员活动室"),
            cadences=national.national_cadences(),
            training_targets=national.NATIONAL_TRAINING_TARGETS,
            organization_rules=national.NATIONAL_ORGANIZATION_RULES,
            description_zh="医院党组织，县级文件要求参照中小学校党建工作要求执行。",
        )
    ]


@hookimpl
def branchmark_formulas() -> list[Formula]:
    """The school funding and deputy-secretary formulas, cited to the county's rule for hospitals."""
    return [
        school.funding_formula("hospital", FOLLOWS_SCHOOLS),
        school.staffing_formula("hospital", FOLLOWS_SCHOOLS),
    ]
