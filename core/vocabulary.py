"""The glossary's codes and their Chinese labels (translated through the catalogue).

Codes are what the database, API and plugins use; labels are what people read.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLES = {
    "host_admin": _l("县委组织部管理员"),
    "supervisor": _l("督导"),
    "unit_admin": _l("单位党组织管理员"),
    "secretary": _l("支部书记"),
}

ORGANIZATION_KINDS = {
    "committee": _l("基层党委"),
    "general_branch": _l("党总支"),
    "branch": _l("党支部"),
    "joint_branch": _l("联合党支部"),
}

MEMBER_STATUSES = {"full": _l("正式党员"), "probationary": _l("预备党员")}

GENDERS = {"male": _l("男"), "female": _l("女")}

#: 中组发〔2008〕3号 categories; the calculator in :mod:`core.dues.calculator` applies the rates.
DUES_CATEGORIES = {
    "employed": _l("在职"),
    "annual_salary": _l("年薪制"),
    "retired": _l("离退休"),
    "self_employed": _l("个体经营"),
    "farmer": _l("农民"),
    "student": _l("学生"),
    "unemployed": _l("下岗失业"),
    "subsistence": _l("低保"),
}

#: Why a membership of a branch (a period on its roll) began. An absence (流动党员外出, 出国出境)
#: keeps the member on the branch's roll: it ends one period and begins another in the same branch,
#: begun by the absence (:data:`ABSENCES`); the return ends that one and begins the next.
#: The boundaries an absence gives a period: the one it ends begins the next.
_ABSENCE_BOUNDARIES = {
    "outflow": _l("流动党员外出"),
    "abroad": _l("出国出境保留组织关系"),
    "inflow": _l("流动党员返回"),
    "returned": _l("出国出境回国恢复组织生活"),
}
_MOVED_WITHIN = {"moved_within": _l("单位内调整支部")}

MEMBERSHIP_START_REASONS = {
    "joined": _l("入党"),
    "transferred_in": _l("组织关系转入"),
    **_MOVED_WITHIN,
    **_ABSENCE_BOUNDARIES,
}

#: Why a membership of a branch ended: a move, the start or end of an absence, or leaving the
#: Party (去世；出党 = 开除党籍、除名；停止党籍；自行脱党；退党).
MEMBERSHIP_END_REASONS = {
    "transferred_out": _l("组织关系转出"),
    **_MOVED_WITHIN,
    **_ABSENCE_BOUNDARIES,
    "deceased": _l("去世"),
    "expelled": _l("开除党籍"),
    "removed": _l("除名"),
    "suspended": _l("停止党籍"),
    "lapsed": _l("自行脱党"),
    "withdrew": _l("退党"),
}

#: Absences that keep the member on the branch's roll (the start reason of their period): the
#: reason their return gives, the roster's mark (:data:`MEMBER_AWAY`), and what they count for.
#: 流动党员 (教管条例 第三十二条) are away without transferring, so the organization relationship
#: stays with the branch; 出国出境 keeps it too (保留组织关系, 第三十四条). Dues: a 流动党员 pays
#: the branch holding the relationship (党费规定 第九条; when paid at the 流入地 with the 活动证
#: the branch records it), so their months stay due; rules.md is silent on members abroad, and a
#: county supervisor expects neither dues nor a lapse from them while abroad (补交 on return).
#: Meetings: neither is expected at the branch's (a 流动党员 takes part where they are; a member
#: abroad keeps in touch twice a year, 第三十四条), so their rows leave the attendance ratios.
ABSENCES = {
    "outflow": {"returns_as": "inflow", "away": "mobile", "meetings": False, "dues": True},
    "abroad": {"returns_as": "returned", "away": "abroad", "meetings": False, "dues": False},
}

#: The absences a member's page and the API offer, by their label.
ABSENCE_KINDS = {code: MEMBERSHIP_START_REASONS[code] for code in ABSENCES}

#: A member's leaving (:attr:`Member.left_reason`) as the end of their last membership period:
#: the codes of the member's field, each the end reason it means (one vocabulary, one label).
LEAVING_TO_END_REASON = {
    "transferred": "transferred_out",
    "deceased": "deceased",
    "expelled": "expelled",
    "removed": "removed",
    "suspended": "suspended",
    "lapsed": "lapsed",
    "withdrew": "withdrew",
}
LEAVING_REASONS = {code: MEMBERSHIP_END_REASONS[end] for code, end in LEAVING_TO_END_REASON.items()}

TRANSFER_DIRECTIONS = {"out": _l("转出"), "in": _l("转入")}
TRANSFER_STATUSES = {
    "pending": _l("待接收"),
    "accepted": _l("已接收"),
    "refused": _l("已退回"),
    "cancelled": _l("已撤回"),
}

EVENT_KINDS = {
    "general_meeting": _l("党员大会"),
    "committee_meeting": _l("支委会"),
    "group_meeting": _l("党小组会"),
    "party_lesson": _l("党课"),
    "theme_day": _l("主题党日"),
    "org_life_meeting": _l("组织生活会"),
    "democratic_life_meeting": _l("民主生活会"),
    "democratic_appraisal": _l("民主评议"),
    "heart_talk": _l("谈心谈话"),
    "study_session": _l("集中学习"),
    "mass_work_study": _l("群团工作研究"),
}

ATTENDANCE_STATUSES = {"present": _l("出席"), "excused": _l("请假"), "absent": _l("缺席")}

#: A member away for a long time: the meeting form marks them and prefills 请假 with this reason.
MEMBER_AWAY = {"on_leave": _l("长期请假"), "mobile": _l("流动党员（外出）"), "abroad": _l("出国出境")}

#: Reasons offered beside every excused or absent member (a tap, not typing).
ABSENCE_REASONS = (
    _l("因公出差"), _l("病假"), _l("事假"), _l("外出务工"), _l("年老体弱"), _l("流动党员（外出）"),
)

COMMITTEE_ROLES = {
    "secretary": _l("书记"),
    "deputy_secretary": _l("副书记"),
    "organization": _l("组织委员"),
    "propaganda": _l("宣传委员"),
    "discipline": _l("纪检委员"),
    "youth": _l("青年委员"),
    "member": _l("委员"),
}

TRAINING_KINDS = {
    "concentrated": _l("集中培训"),
    "study": _l("集体学习"),
    "online": _l("网络培训"),
    "other": _l("其他"),
}

APPRAISAL_RESULTS = {
    "excellent": _l("优秀"),
    "qualified": _l("合格"),
    "basically_qualified": _l("基本合格"),
    "unqualified": _l("不合格"),
}

STAFF_KINDS = {
    "full_time": _l("专职党务工作人员"),
    "part_time": _l("兼职党务工作人员"),
    "instructor": _l("党建指导员"),
}

FUNDING_SOURCES = {
    "fiscal_budget": _l("财政预算"),
    "management_expenses": _l("管理费用"),
    "dues_retained": _l("党费留存"),
    "dues_returned": _l("党费返还"),
    "special_fund": _l("专项经费"),
}

#: 六有: 有场所、有设施、有标志、有党旗、有书报、有制度 (seeds 001, 004). Plugins word each item
#: for their unit type and say what counts as evidence.
FACILITY_ITEMS = {
    "site": _l("有场所"),
    "equipment": _l("有设施"),
    "signage": _l("有标志"),
    "flag": _l("有党旗"),
    "reading": _l("有书报"),
    "rules": _l("有制度"),
}

DEVELOPMENT_STAGES = {
    "applicant": _l("入党申请人"),
    "activist": _l("入党积极分子"),
    "target": _l("发展对象"),
    "probationary": _l("预备党员"),
    "full": _l("正式党员"),
    "closed": _l("已终止"),
}

#: The 25 steps of 《中国共产党发展党员工作细则》 (中办发〔2014〕34号), grouped in 5 stages.
DEVELOPMENT_STEPS: dict[int, tuple[str, object]] = {
    1: ("applicant", _l("递交入党申请书")),
    2: ("applicant", _l("党组织派人谈话")),
    3: ("activist", _l("推荐和确定入党积极分子")),
    4: ("activist", _l("报上级党委备案")),
    5: ("activist", _l("指定培养联系人")),
    6: ("activist", _l("培养教育考察")),
    7: ("target", _l("确定发展对象")),
    8: ("target", _l("报上级党委备案")),
    9: ("target", _l("确定入党介绍人")),
    10: ("target", _l("进行政治审查")),
    11: ("target", _l("开展集中培训")),
    12: ("probationary", _l("支部委员会审查")),
    13: ("probationary", _l("上级党委预审")),
    14: ("probationary", _l("填写入党志愿书")),
    15: ("probationary", _l("支部大会讨论")),
    16: ("probationary", _l("上级党委派人谈话")),
    17: ("probationary", _l("上级党委审批")),
    18: ("probationary", _l("再上一级党委组织部门备案")),
    19: ("full", _l("编入党支部和党小组")),
    20: ("full", _l("入党宣誓")),
    21: ("full", _l("继续教育考察")),
    22: ("full", _l("提出转正申请")),
    23: ("full", _l("支部大会讨论转正")),
    24: ("full", _l("上级党委审批转正")),
    25: ("full", _l("材料归档")),
}


#: Tables by their Chinese names: the audit log and the demo command name what they changed.
TABLE_NAMES = {
    "host": _l("县委组织部"),
    "host_parameter": _l("县级参数"),
    "tenant": _l("单位"),
    "user_account": _l("用户"),
    "fiscal_basis": _l("经费测算基数"),
    "funding_record": _l("经费记录"),
    "organization": _l("党组织"),
    "term": _l("届次"),
    "party_group": _l("党小组"),
    "member": _l("党员"),
    "committee_seat": _l("委员职务"),
    "staff_post": _l("党务工作人员"),
    "facility_check": _l("“六有”检查项"),
    "event": _l("组织生活记录"),
    "event_kind": _l("活动类型"),
    "attendance": _l("出勤记录"),
    "training_record": _l("培训学时记录"),
    "dues_payment": _l("党费记录"),
    "appraisal": _l("民主评议结果"),
    "development_case": _l("发展党员"),
    "development_step": _l("发展步骤"),
    "finding": _l("否决情形认定"),
    "honour": _l("表彰荣誉"),
    "audit_log": _l("审计日志"),
    "scorecard": _l("评分表"),
    "onsite_score": _l("现场检查评分"),
    "exemption": _l("豁免"),
    "rectification": _l("整改任务"),
    "job": _l("后台任务"),
    "api_token": _l("接口令牌"),
    "supervisor_scope": _l("督导范围"),
    "event_attachment": _l("活动附件"),
    "manual_score": _l("现场检查评分"),
    "finding_kind": _l("认定类别"),
    "login_throttle": _l("登录失败记录"),
    "county_standard": _l("县级评分标准"),
    "standard_version": _l("评分标准版本"),
    "unit_item_switch": _l("单位停用项目"),
    "unit_standard_setting": _l("单位评分标准设置"),
    "development_record": _l("发展党员考察记录"),
    "probation_decision": _l("预备期决定"),
    "party_document": _l("党建工作文档"),
    "mass_organization": _l("群团组织"),
    "mass_activity": _l("群团活动"),
    "publicity_report": _l("宣传报道"),
    "job_chunk": _l("后台任务分块"),
    "live_result": _l("当前评分结果"),
    "live_state": _l("单位评分状态"),
    "membership": _l("在册记录"),
    "unit_transfer": _l("组织关系转接"),
    # Not a table: the demo command's count of moves and transfers it applied.
    "membership_changes": _l("在册变动（调整支部、组织关系转接）"),
}


def label(vocabulary: dict, code: str | None) -> str:
    """The reader's label for a code, or the code itself when unknown."""
    if code is None:
        return ""
    return str(vocabulary.get(code, code))

SCORECARD_STATUSES = {
    "rated": _l("已评定"),
    "provisional": _l("待现场检查"),
    "not_rated": _l("不参加评定"),
}

EXEMPTION_STATUSES = {"requested": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回")}

RECTIFICATION_STATUSES = {"open": _l("整改中"), "closed": _l("已销号")}

#: The kinds of finding (veto grounds) are county data: :mod:`core.findings.kinds`.

HONOUR_LEVELS = {"county": _l("县级"), "city": _l("市级"), "province": _l("省级"), "national": _l("全国")}

#: Records kept again and again under one step of a development case (发展党员工作细则).
DEVELOPMENT_RECORD_KINDS = {
    "activist_assessment": _l("入党积极分子考察"),
    "probationary_assessment": _l("预备党员考察"),
    "thought_report": _l("思想汇报"),
    "training_certificate": _l("培训结业证书"),
}

#: What the 支部大会 decided when a probationary member's 预备期 ended (党章第七条).
PROBATION_DECISIONS = {
    "extend": _l("延长预备期"),
    "convert": _l("转为正式党员"),
    "cancel": _l("取消预备党员资格"),
}

#: 群团组织 a unit's Party organization leads (seed 004: 工青妇群团组织健全).
MASS_ORGANIZATION_KINDS = {
    "trade_union": _l("工会"),
    "youth_league": _l("共青团"),
    "women": _l("妇委会"),
    "other": _l("其他群团组织"),
}

#: Where a publicity report (报道) appeared.
PUBLICITY_LEVELS = {
    "unit": _l("本单位"),
    "county": _l("县级"),
    "city": _l("市级"),
    "province": _l("省级"),
    "national": _l("全国"),
}
