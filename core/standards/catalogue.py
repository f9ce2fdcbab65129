"""The metric catalogue: every metric a standard may read, declared once with its meaning.

A *metric family* is a group of metrics computed together from the same records (the meetings of
a year, the dues ledger …). Its declaration — :class:`FamilySpec` with one :class:`MetricSpec`
per metric — lives here, on the pure side, so the rubric checker, the documentation
(``docs/standards.md``), ``branchmark standard metrics`` and the rubric editor's pick lists read
the same table. The code that computes a family from the records is on the records side
(:mod:`core.metrics`), bound to its declaration by :class:`MetricFamily`; plugins supply more
families through the ``branchmark_metric_families`` hook.

A metric name may hold one placeholder, ``meetings.<event_kind>``: the family computes one metric
per code of a vocabulary (event kinds, finding kinds). Which codes exist is county data and is
passed in by whoever builds the :class:`Catalogue`; without it any well-formed code is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: What a metric's value is, with the words the docs and the pick lists use.
VALUE_TYPES: dict[str, str] = {
    "number": "数值",
    "integer": "整数",
    "money": "金额",
    "ratio": "比例（0–1）",
    "date": "日期",
    "boolean": "是/否",
    "code": "代码",
    "month_list": "月份列表",
    "month_counts": "每月次数",
    "members": "党员名单",
    "member_values": "每名党员的数值",
    "member_names": "党员姓名表",
    "records": "记录列表",
    "checklist": "检查项",
}
MetricType = Literal[
    "number", "integer", "money", "ratio", "date", "boolean", "code", "month_list",
    "month_counts", "members", "member_values", "member_names", "records", "checklist",
]
#: Whether a value belongs to the branch itself or is shared by every branch of its unit.
LEVELS: dict[str, str] = {"branch": "支部", "unit": "单位"}
Level = Literal["branch", "unit"]

METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
TEMPLATE = re.compile(r"^(?P<head>[a-z0-9_.]*)<(?P<vocabulary>[a-z_]+)>(?P<tail>[a-z0-9_.]*)$")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class MetricSpec:
    """One metric as a rubric author reads it.

    :param name: the dotted name rubric files use; may hold one ``<vocabulary>`` placeholder.
    :param label_zh: what a secretary calls it; ``{variant}`` stands for the code's label.
    :param type: one of :data:`VALUE_TYPES`.
    :param level: ``branch``, or ``unit`` when every branch of a unit gets the same value.
    :param unit: the unit of measure (``人``, ``次``, ``学时``, ``元`` …), empty when none.
    :param doc: how the value is found, in a sentence, with the rule it follows.
    :param evidence: the value only explains a result (the records behind a count); a ranking
        pass that shows no card may leave it out.
    :param values: for a ``code`` metric, what each code is called (a card words
        ``组织类别等于 党支部``, never the code).
    """

    name: str
    label_zh: str
    type: MetricType
    level: Level = "branch"
    unit: str = ""
    doc: str = ""
    evidence: bool = False
    values: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.type not in VALUE_TYPES:
            raise ValueError(f"metric {self.name!r}: unknown type {self.type!r}")
        if self.level not in LEVELS:
            raise ValueError(f"metric {self.name!r}: unknown level {self.level!r}")
        template = TEMPLATE.match(self.name)
        plain = self.name if template is None else self.name.replace(f"<{template['vocabulary']}>", "x")
        if not METRIC_NAME.match(plain):
            raise ValueError(f"metric name {self.name!r} is not dotted lower-case words")

    @property
    def vocabulary(self) -> str | None:
        """:returns: the placeholder's vocabulary (``event_kind``, ``finding``), or ``None``."""
        template = TEMPLATE.match(self.name)
        return template["vocabulary"] if template else None


@dataclass(frozen=True)
class FamilySpec:
    """A family of metrics computed together.

    :param key: unique name of the family (``meetings``, ``dues`` …).
    :param label_zh: the family's name in the catalogue.
    :param reads: the records (table names) it reads.
    :param doc: what the family computes, for the catalogue.
    :param metrics: its metrics; their names are unique across all families.
    """

    key: str
    label_zh: str
    reads: tuple[str, ...]
    doc: str
    metrics: tuple[MetricSpec, ...]

    @property
    def name(self) -> str:
        """The record name checked for uniqueness across plugins."""
        return self.key


#: A family's computation: a scope of branches in (see :class:`core.metrics.scope.Scope`), and
#: branch id → metric name → value out, every declared metric for every branch of the scope.
FamilyCompute = Callable[[Any], Mapping[int, Mapping[str, Any]]]


@dataclass(frozen=True)
class MetricFamily:
    """A declared family bound to the function that computes it (built-in or from a plugin).

    The function must use a constant number of database statements for the whole scope,
    however many branches, members or events it holds.
    """

    spec: FamilySpec
    compute: FamilyCompute

    @property
    def name(self) -> str:
        """The record name checked for uniqueness across plugins."""
        return self.spec.key


@dataclass(frozen=True)
class CatalogueEntry:
    """One concrete metric of the catalogue (a placeholder filled with a code)."""

    name: str
    label_zh: str
    spec: MetricSpec
    family: FamilySpec

    def to_dict(self) -> dict[str, Any]:
        """:returns: the entry as ``branchmark standard metrics --json`` prints it."""
        return {
            "name": self.name,
            "label": self.label_zh,
            "type": self.spec.type,
            "type_label": VALUE_TYPES[self.spec.type],
            "level": self.spec.level,
            "unit": self.spec.unit,
            "family": self.family.key,
            "reads": list(self.family.reads),
            "doc": self.spec.doc,
            "evidence": self.spec.evidence,
        }


class Catalogue:
    """The metrics of some families, with the codes their placeholders stand for.

    :param families: family declarations; metric names must be unique across them.
    :param vocabularies: vocabulary name → code → label. A vocabulary that is not given leaves
        its placeholder open: any lower-case code is accepted and shown by its code.
    :param labels: labels for codes of open vocabularies (the built-in finding kinds).
    :raises ValueError: when two families declare the same metric or family key.
    """

    def __init__(
        self,
        families: Iterable[FamilySpec],
        vocabularies: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        labels: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.families: tuple[FamilySpec, ...] = tuple(families)
        self.vocabularies = {name: dict(codes) for name, codes in (vocabularies or {}).items()}
        self._labels = {name: dict(codes) for name, codes in (labels or {}).items()}
        self._plain: dict[str, tuple[MetricSpec, FamilySpec]] = {}
        self._templates: list[tuple[re.Match[str], MetricSpec, FamilySpec]] = []
        keys: set[str] = set()
        for family in self.families:
            if family.key in keys:
                raise ValueError(f"metric family {family.key!r} is declared twice")
            keys.add(family.key)
            for spec in family.metrics:
                if spec.name in self._plain or any(s.name == spec.name for _, s, _ in self._templates):
                    raise ValueError(f"metric {spec.name!r} is declared twice")
                template = TEMPLATE.match(spec.name)
                if template is None:
                    self._plain[spec.name] = (spec, family)
                else:
                    self._templates.append((template, spec, family))

    # -- lookups --------------------------------------------------------------------------

    def find(self, name: str) -> CatalogueEntry | None:
        """:returns: the entry for a concrete metric name, or ``None`` when there is none."""
        found = self._plain.get(name)
        if found is not None:
            spec, family = found
            return CatalogueEntry(name, spec.label_zh, spec, family)
        # A plain name wins over a template (meetings.evidence.x is not meetings.<kind> "evidence").
        for template, spec, family in self._templates:
            head, tail = template["head"], template["tail"]
            if not (name.startswith(head) and name.endswith(tail)) or len(name) <= len(head) + len(tail):
                continue
            code = name[len(head) : len(name) - len(tail)]
            vocabulary = self.vocabularies.get(template["vocabulary"])
            if vocabulary is None and CODE.match(code):
                label = self._labels.get(template["vocabulary"], {}).get(code, code)
            elif vocabulary is not None and code in vocabulary:
                label = str(vocabulary[code])
            else:
                continue
            return CatalogueEntry(name, spec.label_zh.format(variant=label), spec, family)
        return None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def label(self, name: str) -> str:
        """:returns: the metric's Chinese label, or the name itself when it is unknown."""
        entry = self.find(name)
        return entry.label_zh if entry else name

    def problem(self, name: str) -> str | None:
        """:returns: why a rubric may not read ``name`` (in Chinese), or ``None`` when it may."""
        if self.find(name) is not None:
            return None
        for template, _, _ in self._templates:
            head, vocabulary = template["head"], template["vocabulary"]
            codes = self.vocabularies.get(vocabulary)
            if head and name.startswith(head) and codes is not None:
                return f"指标「{name}」不在指标目录中：「{head}」后可用：{'、'.join(codes)}"
        return f"指标「{name}」不在指标目录中（branchmark standard metrics 列出全部指标）"

    def entries(self) -> list[CatalogueEntry]:
        """:returns: every concrete metric, family by family; open placeholders stay as written."""
        rows: list[CatalogueEntry] = []
        for family in self.families:
            for spec in family.metrics:
                vocabulary = spec.vocabulary
                codes = self.vocabularies.get(vocabulary) if vocabulary else None
                if vocabulary is None:
                    rows.append(CatalogueEntry(spec.name, spec.label_zh, spec, family))
                elif codes is None:
                    rows.append(CatalogueEntry(spec.name, spec.label_zh.format(variant=f"<{vocabulary}>"), spec, family))
                else:
                    for code, label in codes.items():
                        name = spec.name.replace(f"<{vocabulary}>", code)
                        rows.append(CatalogueEntry(name, spec.label_zh.format(variant=str(label)), spec, family))
        return rows

    def names(self) -> list[str]:
        """:returns: every concrete metric name (see :meth:`entries`)."""
        return [entry.name for entry in self.entries()]

    def labels(self) -> dict[str, str]:
        """:returns: metric name → Chinese label for every concrete metric, and labelled codes."""
        found = {
            entry.name: entry.label_zh
            for entry in self.entries()
            if entry.spec.vocabulary is None or entry.spec.vocabulary in self.vocabularies
        }
        for template, spec, _ in self._templates:
            vocabulary = template["vocabulary"]
            if vocabulary in self.vocabularies:
                continue
            for code, label in self._labels.get(vocabulary, {}).items():
                found[spec.name.replace(f"<{vocabulary}>", code)] = spec.label_zh.format(variant=label)
        return found


    def to_markdown(self) -> str:
        """:returns: the catalogue as the Markdown section of ``docs/standards.md``.

        Placeholders stay written as ``<vocabulary>``; the codes they take are listed after the
        family's table.
        """
        lines: list[str] = []
        for family in self.families:
            reads = ", ".join(f"`{table}`" for table in family.reads) or "nothing"
            lines += [f"### {family.label_zh} (`{family.key}`)", "", f"{family.doc} Reads: {reads}.", ""]
            lines += ["| metric | 名称 | type | level | unit | notes |", "|---|---|---|---|---|---|"]
            vocabularies: list[str] = []
            for spec in family.metrics:
                label = spec.label_zh.format(variant=f"<{spec.vocabulary}>") if spec.vocabulary else spec.label_zh
                notes = ("Evidence only. " if spec.evidence else "") + spec.doc.replace("|", "\\|")
                lines.append(
                    f"| `{spec.name}` | {label} | {spec.type} | {spec.level} | {spec.unit or '—'} | {notes} |"
                )
                if spec.vocabulary and spec.vocabulary not in vocabularies:
                    vocabularies.append(spec.vocabulary)
            for vocabulary in vocabularies:
                codes = self.vocabularies.get(vocabulary)
                known = self._labels.get(vocabulary, {})
                if codes is None and known:
                    listed = ", ".join(f"`{code}` {label}" for code, label in known.items())
                    lines += ["", f"`<{vocabulary}>`: any {vocabulary} code the county uses; built in: {listed}."]
                elif codes is None:
                    lines += ["", f"`<{vocabulary}>`: any {vocabulary} code the county uses."]
                else:
                    listed = ", ".join(f"`{code}` {label}" for code, label in codes.items())
                    lines += ["", f"`<{vocabulary}>`: {listed}."]
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _m(
    name: str, label: str, type: MetricType, unit: str = "", doc: str = "", level: Level = "branch",
    *, evidence: bool = False, values: tuple[tuple[str, str], ...] = (),
) -> MetricSpec:
    return MetricSpec(name, label, type, level, unit, doc, evidence, values)


# ---------------------------------------------------------------------------------------------
# The built-in families. The records side binds each key to its computation (core.metrics).
# ---------------------------------------------------------------------------------------------

PERIOD = FamilySpec(
    "period", "考核期", (),
    "The year assessed and the day the records are read on; nothing is read from the records.",
    (
        _m("period.year", "考核年度", "integer", "年"),
        _m("period.months", "考核期内已结束的月份", "month_list", "", "Whole months of the year ended by the reading day; a running month is not due."),
        _m("period.as_of", "记录读取日期", "date"),
        _m("period.complete", "考核年度已结束", "boolean", "", "True once all twelve months have ended."),
    ),
)
ORGANIZATION = FamilySpec(
    "organization", "党组织", ("organization", "term"),
    "The branch itself and its current term of office, judged at the end of the period.",
    (
        _m("organization.kind", "组织类别", "code", "", "branch or joint_branch.",
           values=(("branch", "党支部"), ("joint_branch", "联合党支部"))),
        _m("organization.code", "组织代码", "code"),
        _m("organization.established_on", "成立日期", "date"),
        _m("organization.age_days", "党支部成立天数", "integer", "天", "From the founding day to the end of the period (last year's card does not change)."),
        _m("organization.term_ends_on", "本届任期届满日期", "date", "", "Of the latest term begun by the end of the period; empty when none is recorded."),
        _m("organization.term_overdue", "届期已满未换届", "boolean", "", "The latest term ended before the end of the period."),
        _m("organization.has_term", "已录入届次", "boolean"),
    ),
)
ROLL = FamilySpec(
    "roll", "党员名册", ("member", "membership"),
    "Members on the branch's roll (joined or transferred in, not yet left) at the end of the period."
    " A member away with the organization relationship kept (流动党员外出, 出国出境) stays on the roll"
    " and counts here (core.vocabulary.ABSENCES); 停止党籍、自行脱党、出党、退党 end it.",
    (
        _m("members.names", "党员姓名", "member_names", "", "Everyone on the roll on any day of the year, by member id."),
        _m("organization.member_count", "党员人数", "integer", "人"),
        _m("organization.full_member_count", "正式党员人数", "integer", "人"),
        _m("organization.probationary_count", "预备党员人数", "integer", "人"),
    ),
)
COMMITTEE = FamilySpec(
    "committee", "支委会与党小组", ("committee_seat", "party_group"),
    "Committee seats held at the end of the period, and party groups.",
    (
        _m("organization.committee_size", "支部委员人数", "integer", "人"),
        _m("organization.has_committee", "设立支部委员会", "boolean", "", "At least three seats, one of them not the secretary's (支部工作条例: 7名以上正式党员设支委会)."),
        _m("organization.has_secretary", "设有书记", "boolean"),
        _m("organization.group_count", "党小组数", "integer", "个"),
    ),
)
MEETINGS = FamilySpec(
    "meetings", "三会一课与组织生活", ("event", "event_kind"),
    "Events of the year by kind; one event may count as several kinds.",
    (
        _m("meetings.<event_kind>", "{variant}每月次数", "month_counts", "次", "YYYY-MM → number held; months without one are absent."),
        _m("meetings.evidence.<event_kind>", "{variant}记录", "records", "", "[{id, date, topic}] of every one held in the year.", evidence=True),
        _m("meetings.months_with_any", "开展组织生活的月份", "month_list", "", "Ended months with at least one event of any kind."),
    ),
)
ATTENDANCE = FamilySpec(
    "attendance", "党员到会", ("event", "event_kind", "attendance", "membership"),
    "Attendance at general meetings, party lessons and theme days (the meetings every member attends)."
    " Members away on the event's day (流动党员外出, 出国出境) are not expected: their rows count"
    " neither as present nor as expected.",
    (
        _m("attendance.ratio", "党员到会率", "ratio", "", "Present over expected across the year's events with attendance recorded; empty when none is."),
        _m("attendance.events", "各次会议到会率", "records", "", "[{id, date, ratio}] per event with attendance recorded.", evidence=True),
        _m("attendance.unrecorded_events", "未登记到会情况的会议", "records", "", "[{id, date, topic}].", evidence=True),
    ),
)
TRAINING = FamilySpec(
    "training", "学习培训", ("event", "attendance", "training_record", "member", "membership", "committee_seat"),
    "Hours earned in the year by members on the roll at its end: events attended plus training records.",
    (
        _m("training.hours_by_member", "党员学习学时", "member_values", "学时"),
        _m("training.leader_ids", "书记和支委（领导班子成员）", "members", "", "Members marked as leaders or holding a committee seat."),
    ),
)
DUES = FamilySpec(
    "dues", "党费交纳", ("dues_payment", "member", "membership"),
    "Months due while on the roll, up to the last whole month; runs may begin in the previous year."
    " A 流动党员 still owes the branch (党费规定 第九条) and an unpaid run continues across the"
    " outflow; nothing is due while abroad (出国出境), so no lapse either.",
    (
        _m("dues.max_consecutive_unpaid", "连续未交党费月数", "integer", "月", "The longest run still open at the last due month."),
        _m("dues.lapsed_members", "连续6个月以上未交党费的党员", "members", "", "[{member_id, name, months}] (中组发〔2008〕3号: 6个月 → 自行脱党)."),
        _m("dues.unpaid_3_members", "连续3个月以上未交党费的党员", "members", "", "[{member_id, name, months}], the lapsed included."),
        _m("dues.paid_ratio", "党费交纳率", "ratio", "", "Months paid over months due in the year."),
        _m("dues.on_time_ratio", "按时交纳党费比例", "ratio", "", "Paid by the end of the month after the one due."),
        _m("dues.late_members", "未按时交纳党费的党员及月份", "members", "", "[{member_id, name, months}]: this year's months not paid on time (the evidence of the on-time ratio).", evidence=True),
    ),
)
UNIT_DUES = FamilySpec(
    "unit_dues", "单位党费", ("dues_payment",),
    "Dues of the unit as a whole.",
    (
        _m("dues.retained_last_year", "上年度交纳党费总额", "money", "元", "The base of a school's share of retained dues.", "unit"),
    ),
)
FISCAL = FamilySpec(
    "fiscal", "经费", ("fiscal_basis", "funding_record"),
    "The unit's recorded fiscal basis of the year and its party-work funding.",
    (
        _m("fiscal.public_operating_expenses", "公用经费", "money", "元", level="unit"),
        _m("fiscal.wage_bill_last_year", "上年度工资总额", "money", "元", level="unit"),
        _m("fiscal.headcount", "在编（在册）人数", "integer", "人", level="unit"),
        _m("fiscal.staff_count", "工作人员（职工）人数", "integer", "人", "机关工作人员总数 for organs, 职工人数 elsewhere: the recorded headcount.", "unit"),
        _m("fiscal.carry_over", "上年结转党建经费", "money", "元", level="unit"),
        _m("funding.carry_over", "上年结转党建经费", "money", "元", level="unit"),
        _m("funding.budgeted", "党建工作经费预算", "money", "元", level="unit"),
        _m("funding.spent", "党建工作经费支出", "money", "元", level="unit"),
    ),
)
STAFFING = FamilySpec(
    "staffing", "党务工作力量", ("staff_post", "committee_seat", "member", "membership", "organization"),
    "Party-affairs posts held at the end of the period, and the unit's size.",
    (
        _m("staffing.full_time", "专职党务工作人员", "integer", "人", level="unit"),
        _m("staffing.part_time", "兼职党务工作人员", "integer", "人", level="unit"),
        _m("staffing.instructors", "党建指导员", "integer", "人", level="unit"),
        _m("organization.instructors", "本支部党建指导员", "integer", "人"),
        _m("staffing.unit_member_count", "本单位党员人数", "integer", "人", "Members of every branch of the unit on the roll at the end of the period.", "unit"),
        _m("staffing.unit_branch_count", "本单位党支部数", "integer", "个", level="unit"),
        _m("staffing.full_time_deputy_secretary", "专职副书记", "integer", "人", "Deputy-secretary seats held by someone in a full-time party-affairs post.", "unit"),
    ),
)
FACILITIES = FamilySpec(
    "facilities", "六有阵地", ("facility_check", "organization"),
    "The latest check of each 六有 item, the branch's own or else the nearest organization's above it.",
    (
        _m("facilities.items", "六有检查结果", "checklist", "", "key → {met, evidence, checked_on, checked_by, record_id}."),
    ),
)
APPRAISAL = FamilySpec(
    "appraisal", "民主评议党员", ("appraisal", "member", "membership"),
    "Democratic appraisal results recorded for the year.",
    (
        _m("appraisal.recorded_ratio", "民主评议结果录入比例", "ratio", "", "Full members on the roll with a result, over all of them."),
    ),
)
DEVELOPMENT = FamilySpec(
    "development", "发展党员", ("development_case", "development_step", "development_record", "probation_decision", "member", "membership"),
    "Activists and probationary members under assessment, 预备期 past their end, and the branch's last admission.",
    (
        _m("development.overdue_activist_assessments", "逾期未考察的入党积极分子", "records", "", "[{case_id, name, due_on}]: more than half a year since the last assessment record (or becoming an activist) (发展党员工作细则 第十一条)."),
        _m("development.overdue_probationary_assessments", "逾期未考察的预备党员", "records", "", "[{case_id, name, due_on}]: more than a quarter since the last assessment record (or the admission); 预备党员每季度考察一次."),
        _m("development.probation_overdue", "预备期满未讨论转正的预备党员", "records", "", "[{case_id, name, ends_on}]: the 预备期 (one year, plus any extension) ended before the end of the period with no conversion or cancellation decided (党章第七条)."),
        _m("development.last_admitted_on", "最近一次发展党员日期", "date", "", "The latest 支部大会 that admitted a probationary member (step 15), or the latest member who joined the party in the branch; empty when none."),
        _m("development.years_without_admission", "连续未发展党员年数", "integer", "年", "Whole years from the last admission (or the founding, when none) to the end of the period: 0 when a member was admitted within the year before."),
    ),
)
COMMITTEE_ROLES = FamilySpec(
    "committee_roles", "支委会职务", ("committee_seat", "term", "organization"),
    "Which committee roles are held at the end of the period and how long an empty one has stood empty (core.organizations.roles).",
    (
        _m("committee.seated.<committee_role>", "{variant}在任", "boolean", "", "True when someone holds the role at the end of the period."),
        _m("committee.vacancies", "空缺的支委职务", "records", "", "[{role, label, since, days}]: roles whose holder left with nobody seated after (since the current term began), and the secretary's when nobody has held it since the term began."),
        _m("committee.longest_vacancy_days", "职务最长空缺天数", "integer", "天", "The longest of the vacancies; 0 when every role is held."),
    ),
)
LESSONS = FamilySpec(
    "lessons", "党课主讲与双重组织生活", ("event", "event_kind", "member", "membership", "committee_seat", "attendance"),
    "Who presented the year's 党课 (the branch's secretary that day, a leader), and leaders' attendance at their own branch's organisational life (双重组织生活).",
    (
        _m("lessons.by_secretary", "书记讲党课次数", "integer", "次", "党课 of the year presented by the member holding the branch's secretary seat on that day."),
        _m("lessons.by_leader", "领导干部讲党课次数", "integer", "次", "党课 of the year at the branch presented by a member marked as a leader (班子成员)."),
        _m("lessons.items", "党课及主讲人", "records", "", "[{id, date, topic, presenter, by_secretary, by_leader}].", evidence=True),
        _m("dual_life.ratio", "领导干部参加所在支部组织生活到会率", "ratio", "", "Leaders on the roll at the end of the period: present over expected at their own branch's 党员大会、党小组会、党课、主题党日、组织生活会 of the year; empty when none was recorded."),
        _m("dual_life.leaders", "领导干部参加组织生活情况", "records", "", "[{member_id, name, present, expected, ratio}] per leader (双重组织生活, 机关条例 第十九条)."),
    ),
)
ATTENDANCE_DETAIL = FamilySpec(
    "attendance_detail", "各类会议到会率", ("event", "event_kind", "attendance", "membership"),
    "Attendance per kind of event and per event, over every event of the year with attendance recorded;"
    " members away on the event's day are not expected (as for 党员到会).",
    (
        _m("attendance.kind_ratio.<event_kind>", "{variant}到会率", "ratio", "", "Present over expected at the year's events counted as this kind; empty when none recorded attendance."),
        _m("attendance.events_under_80", "到会率低于80%的会议次数", "integer", "次", "Events of the year (any kind) with attendance recorded where fewer than 80 % of those expected were present."),
    ),
)
MASS = FamilySpec(
    "mass", "群团组织", ("mass_organization", "mass_activity"),
    "The unit's 群团组织 set up by the end of the period and the activities they held in the year.",
    (
        _m("mass.set_up.<mass_kind>", "已建立{variant}", "boolean", "", "Set up on or before the end of the period and not dissolved by then.", "unit"),
        _m("mass.activity_count", "群团组织开展活动次数", "integer", "次", "Activities of the unit's 群团组织 held in the year up to the reading day.", "unit"),
    ),
)
DOCUMENTS = FamilySpec(
    "documents", "党建工作文档", ("party_document",),
    "Party-building documents of the year, by the type the unit type's plugin supplies (due dates are the plugin's).",
    (
        _m("documents.count.<document_type>", "{variant}份数", "integer", "份", "Documents of this type for the year, dated by the reading day."),
        _m("documents.on_time.<document_type>", "{variant}按时形成", "boolean", "", "One of this type for the year is dated on or before the type's due day of the year (any in the year when the type has none)."),
        _m("documents.result.<document_type>", "{variant}评议结果", "code", "", "The result recorded on the latest document of this type for the year (书记述职评议: 好、较好、一般、差); empty when none."),
        _m("documents.overdue", "逾期未形成的文档", "records", "", "[{type, label, due_on}]: types of the branch's unit type whose due day has passed by the reading day with no document for the year."),
    ),
)
SETUP = FamilySpec(
    "setup", "组织设置", ("organization", "member", "membership", "committee_seat", "party_group", "term"),
    "Organizations the unit should have set up by the end of the period and has not (thresholds: the unit type's organization rules).",
    (
        _m("organization.setup_due", "应设未设的组织", "records", "", "[{kind, label, organization, due_on, days}]: ≥3 full members outside a branch, ≥7 without a committee, >30 without party groups, a term past its end; due_on is the day it became due.", "unit"),
    ),
)
PUBLICITY = FamilySpec(
    "publicity", "宣传报道", ("publicity_report",),
    "Reports (报道) about the branch published in the year up to the reading day.",
    (
        _m("publicity.count", "宣传报道篇数", "integer", "篇"),
        _m("publicity.items", "宣传报道", "records", "", "[{id, date, title, outlet, level}] (level: unit, county, city, province, national)."),
    ),
)
FLAGS = FamilySpec(
    "flags", "问题认定", ("finding",),
    "Findings recorded against the branch for the year, one metric per kind of finding.",
    (
        _m("flags.<finding>", "{variant}", "boolean", "", "True when a finding of this kind is recorded for the year."),
    ),
)
HONOURS = FamilySpec(
    "honours", "表彰", ("honour",),
    "Honours awarded in the year up to the reading day.",
    (
        _m("honours.items", "当年表彰", "records", "", "[{id, date, name}]."),
    ),
)

#: Every built-in family, in catalogue order.
BUILTIN_FAMILIES: tuple[FamilySpec, ...] = (
    PERIOD, ORGANIZATION, ROLL, COMMITTEE, MEETINGS, ATTENDANCE, TRAINING, DUES, UNIT_DUES,
    FISCAL, STAFFING, FACILITIES, APPRAISAL, DEVELOPMENT, FLAGS, HONOURS,
    COMMITTEE_ROLES, LESSONS, ATTENDANCE_DETAIL, MASS, DOCUMENTS, SETUP, PUBLICITY,
)

#: Labels of the finding kinds the platform ships, for conditions shown on a card when the
#: county's own finding kinds are not at hand (the pure evaluator has no database).
BUILTIN_FINDING_LABELS: dict[str, str] = {
    "leadership_discipline_violation": "班子成员违法违纪",
    "weak_and_lax": "被认定为软弱涣散党组织",
    "records_seriously_missing": "档案严重缺失",
    "teacher_ethics_violation": "严重违反师德",
    "medical_ethics_violation": "严重违反医德",
}


def default_catalogue(
    families: Iterable[FamilySpec] = (),
    vocabularies: Mapping[str, Mapping[str, Any]] | None = None,
) -> Catalogue:
    """:param families: further (plugin) families.
    :param vocabularies: the codes of ``event_kind`` / ``finding`` placeholders, when known.
    :returns: the built-in families and ``families`` as one catalogue."""
    return Catalogue(
        (*BUILTIN_FAMILIES, *families), vocabularies, labels={"finding": BUILTIN_FINDING_LABELS}
    )


__all__ = [
    "BUILTIN_FAMILIES",
    "BUILTIN_FINDING_LABELS",
    "LEVELS",
    "METRIC_NAME",
    "VALUE_TYPES",
    "Catalogue",
    "CatalogueEntry",
    "FamilySpec",
    "MetricFamily",
    "MetricSpec",
    "default_catalogue",
]
