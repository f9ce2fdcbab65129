"""The Excel layouts: one sheet per kind of record, its Chinese column headers and their meaning.

A template, an import and an export of the same kind share one :class:`SheetSpec`, so a file
exported from one unit imports unchanged into another. The data sheet's name tells an import
which kind of records it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.vocabulary import (
    ATTENDANCE_STATUSES,
    DEVELOPMENT_RECORD_KINDS,
    DUES_CATEGORIES,
    EVENT_KINDS,
    GENDERS,
    LEAVING_REASONS,
    MEMBER_STATUSES,
    PUBLICITY_LEVELS,
    STAFF_KINDS,
)

#: Cell types: how a cell is read and written.
TEXT, DATE, INTEGER, DECIMAL, BOOLEAN, CODE, CODES, BRANCH, NAMES = (
    "text", "date", "integer", "decimal", "boolean", "code", "codes", "branch", "names",
)

#: Words accepted for yes/no cells.
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    :param key: the field the value goes to (a schema or service field, or a reference such as
        ``branch``).
    :param header: the Chinese header people see (and imports match).
    :param kind: how the cell is read: one of the cell types above.
    :param vocabulary: for ``code``/``codes`` cells, the codes and their Chinese labels; the cell
        holds the label.
    :param required: shown in the instructions; the schema and the service decide.
    :param note: the instructions' explanation.
    :param width: column width in the template.
    """

    key: str
    header: str
    kind: str = TEXT
    vocabulary: dict | None = None
    required: bool = False
    note: str = ""
    width: int = 14


@dataclass(frozen=True)
class SheetSpec:
    """A kind of record as an Excel sheet."""

    kind: str
    sheet: str
    title: str
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


BRANCH_COLUMN = Column("branch", "支部代码", BRANCH, required=True, note="本单位党支部的代码，见下拉列表", width=10)

MEMBERS = SheetSpec(
    kind="members",
    sheet="党员花名册",
    title="党员花名册",
    columns=(
        BRANCH_COLUMN,
        Column("name", "姓名", required=True, width=10),
        Column("gender", "性别", CODE, GENDERS, width=6),
        Column("birth_date", "出生日期", DATE, note="YYYY-MM-DD"),
        Column("ethnicity", "民族", width=8),
        Column("education", "学历", width=10),
        Column("position", "职务", width=16),
        Column("id_number", "身份证号", note="18 位，末位可为 X；已有此身份证号的党员将被更新", width=21),
        Column("phone", "手机号", note="11 位", width=13),
        Column("status", "党员类别", CODE, MEMBER_STATUSES, required=True, width=10),
        Column("joined_on", "入党时间", DATE, required=True, note="YYYY-MM-DD"),
        Column("full_on", "转正时间", DATE, note="YYYY-MM-DD；预备党员不填"),
        Column("dues_category", "党费类别", CODE, DUES_CATEGORIES, note="不填为“在职”", width=10),
        Column("dues_base", "党费基数", DECIMAL, note="元/月（税后工资、离退休费等）", width=10),
        Column("is_leader", "班子成员", BOOLEAN, note="是/否", width=8),
        Column("transferred_in_on", "转入日期", DATE, note="从其他支部转入本支部的日期"),
        Column("left_on", "离开日期", DATE, note="与离开原因同时填写"),
        Column("left_reason", "离开原因", CODE, LEAVING_REASONS, width=12),
        Column("note", "备注", width=20),
    ),
    notes=(
        "每行一名党员。",
        "已有相同身份证号的党员（无身份证号时：同一支部、同名、同一入党时间）会被更新，其余新增。",
    ),
)

ATTENDANCE_NOTE = "姓名之间用顿号“、”分隔；请假须注明原因，如 李四（出差）"

EVENTS = SheetSpec(
    kind="events",
    sheet="组织生活",
    title="组织生活记录（会议、活动及出勤）",
    columns=(
        BRANCH_COLUMN,
        Column("held_on", "日期", DATE, required=True, note="YYYY-MM-DD"),
        Column("kind", "主要类型", CODE, EVENT_KINDS, required=True, width=12),
        Column("kinds", "同时计入", CODES, EVENT_KINDS, note="该活动同时算作的其他类型，顿号分隔，如 党课、主题党日", width=18),
        Column("topic", "议题", required=True, width=30),
        Column("location", "地点", width=14),
        Column("presenter", "主持人/讲课人", width=12),
        Column("recorder", "记录人", width=10),
        Column("training_hours", "学时", DECIMAL, note="到会党员每人计入的学时，没有填 0", width=6),
        Column("paper_record", "纸质记录", BOOLEAN, note="是/否", width=8),
        Column("present", "出席", NAMES, note=ATTENDANCE_NOTE, width=30),
        Column("excused", "请假", NAMES, note=ATTENDANCE_NOTE, width=20),
        Column("absent", "缺席", NAMES, note=ATTENDANCE_NOTE, width=14),
        Column("minutes", "会议记录", width=30),
    ),
    notes=("每行一次会议或活动，出勤写在同一行。", "出勤人员须是活动当天本支部的党员，按姓名填写。"),
)

DUES = SheetSpec(
    kind="dues",
    sheet="党费台账",
    title="党费台账（每名党员每月一行）",
    columns=(
        BRANCH_COLUMN,
        Column("member", "姓名", required=True, note="本支部党员的姓名", width=10),
        Column("year", "年度", INTEGER, required=True, width=6),
        Column("month", "月份", INTEGER, required=True, note="1–12", width=6),
        Column("amount_due", "应交金额", DECIMAL, note="元；不填按党费基数计算", width=10),
        Column("amount_paid", "实交金额", DECIMAL, note="元；不填且有交纳日期时等于应交", width=10),
        Column("paid_on", "交纳日期", DATE, note="YYYY-MM-DD；未交不填"),
        Column("paid_by_proxy", "代交", BOOLEAN, note="是/否", width=6),
        Column("proxy_name", "代交人", width=10),
        Column("note", "备注", width=20),
    ),
    notes=("每行一名党员一个月。同一党员同一月份已有记录时将被替换。",),
)

STAFF = SheetSpec(
    kind="staff",
    sheet="党务工作人员",
    title="党务工作人员（专职、兼职、党建指导员）",
    columns=(
        Column("branch", "支部代码", BRANCH, note="不填表示全单位", width=10),
        Column("person_name", "姓名", required=True, width=10),
        Column("kind", "类别", CODE, STAFF_KINDS, required=True, width=16),
        Column("title", "职务", width=16),
        Column("started_on", "任职日期", DATE, required=True, note="YYYY-MM-DD"),
        Column("ended_on", "离任日期", DATE, note="YYYY-MM-DD；在任不填"),
    ),
    notes=("每行一个岗位。",),
)

PUBLICITY = SheetSpec(
    kind="publicity",
    sheet="宣传报道",
    title="宣传报道（每篇一行）",
    columns=(
        BRANCH_COLUMN,
        Column("published_on", "刊发日期", DATE, required=True, note="YYYY-MM-DD"),
        Column("title", "标题", required=True, width=30),
        Column("outlet", "刊发媒体或平台", required=True, width=18),
        Column("level", "级别", CODE, PUBLICITY_LEVELS, required=True, width=8),
        Column("url", "网址", note="http:// 或 https:// 开头，可不填", width=24),
        Column("note", "备注", width=20),
    ),
    notes=("每行一篇报道。同一支部、同一日期、同一标题已有记录时将被更新。",),
)

DEVELOPMENT_RECORDS = SheetSpec(
    kind="development_records",
    sheet="发展党员考察记录",
    title="发展党员考察、思想汇报及结业证书（每次一行）",
    columns=(
        BRANCH_COLUMN,
        Column("case", "姓名", required=True, note="本支部发展党员案例中的姓名", width=10),
        Column("kind", "记录类别", CODE, DEVELOPMENT_RECORD_KINDS, required=True, width=16),
        Column("done_on", "日期", DATE, required=True, note="YYYY-MM-DD"),
        Column("summary", "考察意见或内容", width=30),
        Column("assessor", "考察人", width=10),
        Column("note", "备注", width=20),
    ),
    notes=(
        "每行一次考察、一份思想汇报或一份结业证书；之前的记录都保留。",
        "入党积极分子每半年考察一次，预备党员每季度考察一次。",
    ),
)

SHEETS: dict[str, SheetSpec] = {
    spec.kind: spec for spec in (MEMBERS, EVENTS, DUES, STAFF, PUBLICITY, DEVELOPMENT_RECORDS)
}
#: What ``--kind`` and the web accept, with their Chinese names.
KIND_LABELS = {kind: spec.title for kind, spec in SHEETS.items()}

#: Columns of the scorecard export (one row per item).
SCORE_HEADERS = (
    "单位", "支部代码", "支部", "分块", "条目", "得分", "满分", "状态", "说明", "依据",
)

#: Attendance statuses by the column that lists them.
ATTENDANCE_COLUMNS = {"present": "present", "excused": "excused", "absent": "absent"}
assert set(ATTENDANCE_COLUMNS.values()) == set(ATTENDANCE_STATUSES)


def kind_of_sheet(sheet_names: list[str]) -> str | None:
    """The kind of records a workbook holds, from its sheet names (the template's)."""
    for spec in SHEETS.values():
        if spec.sheet in sheet_names:
            return spec.kind
    return None
