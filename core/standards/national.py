"""National baseline rules with their sources, for unit-type plugins to build on."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from core.standards.types import (
    Cadence,
    DocumentType,
    FacilityItem,
    OrganizationRule,
    Parameter,
    Source,
    TrainingTarget,
)

# -- documents (tags and addresses from reference/rules.md) ------------------------------------

BRANCH_REGULATIONS = Source(
    "《中国共产党支部工作条例（试行）》",
    "V",
    url="http://xgll.com.cn/zt/fzxcyrysf/2021-09/17/content_380854.htm",
)
ORGAN_REGULATIONS = Source("《中国共产党党和国家机关基层组织工作条例》", "V-full")
MEMBER_EDUCATION_REGULATIONS = Source("《中国共产党党员教育管理工作条例》", "V-full")
TRAINING_PLAN_2019 = Source(
    "《2019—2023年全国党员教育培训工作规划》",
    "V",
    url="https://wodeyuanxiao.com/Educationandtraining/vxwvowpkge.html",
)
DUES_RULES_2008 = Source(
    "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）",
    "V",
    url="http://mxssacg.com/col/1679966397876/2023/04/07/1680856755248.html",
)
PARTY_FLAG_RULES = Source(
    "《中国共产党党旗党徽制作和使用的若干规定》", "V", url="http://m.elopeaz.com/article/6006.html"
)
SEED_ORGAN_OPINION = Source(
    "临蒙发〔2018〕13号《关于加强和改进机关党的建设工作的意见》",
    "L",
    note="seeds/001_c07dd3164fce8be0.txt",
)
SEED_BRANCH_STANDARDS = Source(
    "《单位党支部建设标准》（机关事业、国有企业、两新组织、中小学校）",
    "L",
    note="seeds/004_45c4aeca1d85c5fd.txt",
)
SEED_BUREAU_RULES = Source(
    "局机关党支部工作制度（党课每季度至少一次）", "L", note="seeds/003_8e53474684f4d639.txt"
)
FACILITY_RUBRIC = Source(
    "非公企业党建活动阵地规范化建设考核细则",
    "L",
    url="https://fzchengheng.com/zhuantifanwen/dangjiancailiao/31383.html",
)

# -- training hours (学时) ------------------------------------------------------------------

TRAINING_HOURS_MEMBER = Parameter(
    key="training_hours_member",
    label_zh="党员每年集中学习培训学时",
    type="decimal",
    default=Decimal(32),
    unit="学时",
    source=Source(MEMBER_EDUCATION_REGULATIONS.document, "V-full", article="第二十条"),
    floor=Decimal(32),
    floor_source=Source(MEMBER_EDUCATION_REGULATIONS.document, "V-full", article="第二十条"),
    note_zh="县级《单位党支部建设标准》（seeds/004）写的是24学时，低于全国规定；默认采用全国规定，"
    "单位如设为24，评分表会提示低于全国底线。",
)
TRAINING_HOURS_LEADER = Parameter(
    key="training_hours_leader",
    label_zh="书记和班子成员每年集中培训学时",
    type="decimal",
    default=Decimal(56),
    unit="学时",
    source=TRAINING_PLAN_2019,
    floor=Decimal(56),
    floor_source=TRAINING_PLAN_2019,
    note_zh="县级《单位党支部建设标准》（seeds/004）写的是40学时，低于全国规定；默认采用全国规定，"
    "单位如设为40，评分表会提示低于全国底线。",
)

NATIONAL_TRAINING_TARGETS: tuple[TrainingTarget, ...] = (
    TrainingTarget("member", "党员", TRAINING_HOURS_MEMBER),
    TrainingTarget("leader", "书记和班子成员", TRAINING_HOURS_LEADER),
)

# -- meetings (三会一课 and others) ----------------------------------------------------------

PARTY_LESSON_PERIOD = Parameter(
    key="party_lesson_period",
    label_zh="党课周期",
    type="choice",
    default="quarter",
    choices=("quarter", "half", "year"),
    source=SEED_BUREAU_RULES,
    note_zh="全国条例未规定普通党课次数（党委书记每年至少1次）；每季度为常见地方做法，"
    "县级《单位党支部建设标准》为每半年一次，可改为 half。",
)

#: The county's per-type standard (seed 004) asks for a 党课 every half year instead.
HALF_YEARLY_PARTY_LESSON_PERIOD = dataclasses.replace(
    PARTY_LESSON_PERIOD,
    default="half",
    source=SEED_BRANCH_STANDARDS,
    note_zh="县级《单位党支部建设标准》：党课教育半年一次。",
)


def national_cadences(party_lesson: Parameter = PARTY_LESSON_PERIOD) -> tuple[Cadence, ...]:
    """:param party_lesson: the unit type's 党课 period parameter; its default is the cadence.
    :returns: 支部工作条例's meeting cadences plus the 党课 cadence."""
    return (
        Cadence("general_meeting", "党员大会", "quarter", 1, BRANCH_REGULATIONS),
        Cadence("committee_meeting", "支委会", "month", 1, BRANCH_REGULATIONS),
        Cadence("group_meeting", "党小组会", "month", 1, BRANCH_REGULATIONS),
        Cadence("theme_day", "主题党日", "month", 1, BRANCH_REGULATIONS),
        Cadence("org_life_meeting", "组织生活会", "year", 1, BRANCH_REGULATIONS),
        Cadence("democratic_appraisal", "民主评议党员", "year", 1, BRANCH_REGULATIONS),
        Cadence("heart_talk", "谈心谈话", "year", 1, BRANCH_REGULATIONS),
        Cadence(
            "party_lesson",
            "党课",
            party_lesson.default,
            1,
            party_lesson.source,
            parameter=party_lesson.key,
        ),
    )


# -- organisation set-up ----------------------------------------------------------------------

PARTY_GROUP_THRESHOLD = Parameter(
    key="party_group_threshold",
    label_zh="党员人数超过此数的支部应划分党小组",
    type="integer",
    default=30,
    unit="人",
    source=SEED_ORGAN_OPINION,
)

NATIONAL_ORGANIZATION_RULES: tuple[OrganizationRule, ...] = (
    OrganizationRule(
        "branch_min_full_members", "正式党员3人以上应成立党支部", 3, "人", BRANCH_REGULATIONS
    ),
    OrganizationRule(
        "committee_min_full_members", "正式党员7人以上应设立支部委员会", 7, "人", BRANCH_REGULATIONS
    ),
    OrganizationRule(
        "committee_size_min", "支部委员会一般由3至5人组成", 3, "人", BRANCH_REGULATIONS
    ),
    OrganizationRule("committee_size_max", "支部委员会一般不超过7人", 7, "人", BRANCH_REGULATIONS),
    OrganizationRule(
        "branch_max_members", "党支部党员人数一般不超过50人", 50, "人", BRANCH_REGULATIONS
    ),
    OrganizationRule(
        "general_branch_min_members",
        "党员50人以上、不足100人的可设立党总支",
        50,
        "人",
        BRANCH_REGULATIONS,
    ),
    OrganizationRule(
        "primary_committee_min_members",
        "党员100人以上的设立基层党委",
        100,
        "人",
        BRANCH_REGULATIONS,
    ),
    OrganizationRule(
        "joint_branch_max_units", "联合党支部覆盖单位一般不超过5个", 5, "个", BRANCH_REGULATIONS
    ),
    OrganizationRule("branch_term_years", "党支部委员会每届任期3年", 3, "年", BRANCH_REGULATIONS),
    OrganizationRule("committee_term_years", "基层党委每届任期5年", 5, "年", ORGAN_REGULATIONS),
    OrganizationRule(
        "party_group_over_members",
        "党员人数超过30人的党支部划分党小组",
        30,
        "人",
        SEED_ORGAN_OPINION,
    ),
)


def six_item_checklist(place: str, site_extra: str = "") -> tuple[FacilityItem, ...]:
    """The 六有 checklist in a unit type's wording.

    :param place: what the activity room is called in this unit type (``党员活动室``,
        ``党员职工活动中心（活动室）`` …).
    :param site_extra: a unit-type remark on the site (e.g. room sharing in 机关).
    :returns: the six items with what counts as evidence (rules §8.2, seed 004).
    """
    return (
        FacilityItem(
            "site",
            "有场所",
            f"有固定的{place}，面积原则上不少于20㎡，有条件的按党员人均不少于3㎡。{site_extra}",
            f"{place}照片或平面图，注明面积；与会议室共用的，有共用安排的书面记录。",
            FACILITY_RUBRIC,
        ),
        FacilityItem(
            "equipment",
            "有设施",
            "配备满足学习会议需要的桌椅、书柜报刊架，有条件的配备电教（多媒体）设备。",
            "设施清单或照片。",
            SEED_BRANCH_STANDARDS,
        ),
        FacilityItem(
            "signage",
            "有标志",
            f"门外悬挂支部名称牌和「{place}」标牌；入党誓词、党员权利和义务上墙。",
            "标牌和上墙内容的照片。",
            SEED_BRANCH_STANDARDS,
        ),
        FacilityItem(
            "flag",
            "有党旗",
            "室内墙壁中间悬挂党旗一面，规格一般为四号144cm×96cm（不小于1㎡）。",
            "党旗悬挂照片，注明规格。",
            PARTY_FLAG_RULES,
        ),
        FacilityItem(
            "reading",
            "有书报",
            "订阅党报党刊，配备党建书籍、学习资料，并及时更新。",
            "当年党报党刊订阅凭证或书报清单。",
            SEED_BRANCH_STANDARDS,
        ),
        FacilityItem(
            "rules",
            "有制度",
            "「三会一课」等组织生活制度和党支部工作制度上墙，台账（会议记录本、党费收缴登记本、党员花名册）齐全。",
            "制度上墙照片；台账在平台中的记录即为凭证，无需另行拍照。",
            SEED_BRANCH_STANDARDS,
        ),
    )


# -- party-building documents (党建工作文档) -----------------------------------------------------

SEED_ZHANGDIAN_OPINION = Source(
    "张店区机关党建工作意见（每年年初制定党建工作要点，年中汇报进展，年末总结）",
    "L",
    note="seeds/000_656be47232a15a44.txt 第22条",
)
#: 述职评议 results as county rubrics grade them (好、较好、一般、差).
REPORT_RESULTS = ("好", "较好", "一般", "差")

ANNUAL_PLAN = DocumentType(
    "annual_plan", "年度工作计划", SEED_BRANCH_STANDARDS, due="03-31",
    note_zh="支部全年党建工作要点或计划，年初制定（参考目录第1条）。",
)
HALF_YEAR_SUMMARY = DocumentType(
    "half_year_summary", "半年工作总结", SEED_ZHANGDIAN_OPINION, due="07-31",
    note_zh="年中向上级汇报工作进展。",
)
YEAR_END_SUMMARY = DocumentType(
    "year_end_summary", "年终工作总结", SEED_ZHANGDIAN_OPINION, due="12-31",
    note_zh="年末对全年工作完成情况进行总结。",
)
RULES = DocumentType(
    "rules", "工作制度", SEED_BRANCH_STANDARDS,
    note_zh="三会一课、组织生活会、民主评议、党务公开等制度，每项制度一份。",
)
SECRETARY_REPORT = DocumentType(
    "secretary_report", "书记抓党建述职", Source(ORGAN_REGULATIONS.document, "V-full", article="第三十九条"),
    due="12-31", results=REPORT_RESULTS,
    note_zh="书记每年向上级党组织述职，记录评议结果。",
)
DISCLOSURE = DocumentType(
    "disclosure", "党务公开", SEED_BRANCH_STANDARDS,
    note_zh="每次公开一条（公开内容、时间、范围），参考目录第9条。",
)
RESPONSIBILITY_LETTER = DocumentType(
    "responsibility_letter", "党建工作责任书", SEED_BRANCH_STANDARDS, due="03-31",
    note_zh="党建工作责任状（书），年初签订。",
)
INTEGRITY_LETTER = DocumentType(
    "integrity_letter", "党风廉政建设责任书", SEED_BRANCH_STANDARDS, due="03-31",
    note_zh="签订的党风廉政建设责任书（参考目录第12条）。",
)

#: The documents every unit type keeps; plugins add or leave out their own.
NATIONAL_DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    ANNUAL_PLAN, HALF_YEAR_SUMMARY, YEAR_END_SUMMARY, RULES, SECRETARY_REPORT, DISCLOSURE,
    RESPONSIBILITY_LETTER,
)


def document_types(*extra: DocumentType, without: tuple[str, ...] = ()) -> tuple[DocumentType, ...]:
    """:returns: the national document types less ``without`` (keys), then ``extra``."""
    return tuple(t for t in NATIONAL_DOCUMENT_TYPES if t.key not in without) + extra
