"""Reading and checking the demo data files, before anything is written.

Every problem raises :class:`DemoDataError` naming the file, the line (row) and the field, in
Chinese. The result is a :class:`DemoData` of plain values; nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from core import safe_yaml
from core.dues.calculator import DuesInputError, calculate_monthly_dues
from core.members.services import id_number_is_valid
from core.paths import PROJECT_ROOT
from core.standards.periods import add_years, month_at, month_index
from core.vocabulary import (
    APPRAISAL_RESULTS,
    COMMITTEE_ROLES,
    DEVELOPMENT_STAGES,
    DUES_CATEGORIES,
    EVENT_KINDS,
    ORGANIZATION_KINDS,
    TRAINING_KINDS,
)

#: Files of a demo folder, in the order they are read.
HOST_FILE = "host.yaml"
UNITS_FILE = "units.yaml"
MEMBERS_FILE = "members.csv"
EVENTS_FILE = "events.yaml"
DEVELOPMENT_FILE = "development.yaml"

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MONTH_RANGE = re.compile(r"^(\d{4})-(\d{2})\.\.(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
HALF = re.compile(r"^(\d{4})-H([12])$")

BRANCH_KINDS = ("branch", "joint_branch")

# Chinese spellings accepted in members.csv and development.yaml, besides the codes.
GENDER_WORDS = {"男": "male", "女": "female", "male": "male", "female": "female"}
STATUS_WORDS = {
    "正式": "full",
    "正式党员": "full",
    "full": "full",
    "预备": "probationary",
    "预备党员": "probationary",
    "probationary": "probationary",
}
DUES_WORDS = {
    "在职": "employed",
    "年薪制": "annual_salary",
    "离退休": "retired",
    "退休": "retired",
    "离休": "retired",
    "个体经营": "self_employed",
    "农民": "farmer",
    "学生": "student",
    "下岗失业": "unemployed",
    "低保": "subsistence",
    **{code: code for code in DUES_CATEGORIES},
}
POST_WORDS = {
    "书记": "secretary",
    "副书记": "deputy_secretary",
    "组织委员": "organization",
    "宣传委员": "propaganda",
    "纪检委员": "discipline",
    "青年委员": "youth",
    "委员": "member",
    **{code: code for code in COMMITTEE_ROLES},
}
YES_NO = {"是": True, "否": False, "": False, "true": True, "false": False, "1": True, "0": False}

MEMBER_COLUMNS = (
    "no",
    "unit",
    "branch",
    "group",
    "group_leader",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "position",
    "id_number",
    "phone",
    "status",
    "joined_on",
    "full_on",
    "dues_category",
    "dues_base",
    "is_leader",
    "party_post",
    "transferred_in_on",
    "note",
)


class DemoDataError(ValueError):
    """A data file is wrong; the message names the file, line and field, in Chinese."""

    def __init__(
        self, file: str, message: str, *, line: int | None = None, field: str | None = None
    ):
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        where = file
        if line is not None:
            where += f" 第 {line} 行"
        if field:
            where += f"，字段 {field}"
        super().__init__(f"{where}：{message}")


# ------------------------------------------------------------------------------------ YAML


class LineDict(dict):
    """A mapping read from YAML that remembers where it and each of its keys were."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(safe_yaml.BoundedLoader):
    """Safe YAML with line numbers, and dates kept as text so we can check them ourselves."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise DemoDataError(
                loader.name, f"键 {key} 重复", line=key_node.start_mark.line + 1, field=str(key)
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def display_path(path: Path) -> str:
    """The path as people see it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> LineDict:
    """One YAML data file as a :class:`LineDict`."""
    name = display_path(path)
    if not path.is_file():
        raise DemoDataError(name, "文件不存在")
    text = path.read_text(encoding="utf-8")
    if len(text) > safe_yaml.MAX_BYTES:
        raise DemoDataError(name, "文件过大")
    loader = _Loader(text)
    loader.name = name
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise DemoDataError(
            name, f"YAML 格式错误：{error.problem or error}", line=mark.line + 1 if mark else None
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, LineDict):
        raise DemoDataError(name, "文件内容应为键值映射（mapping）")
    return data


# ------------------------------------------------------------------------------- checking


class Checker:
    """Field checks for one file; each failure names the file, line and field."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, message: str, *, line: int | None = None, field: str | None = None):
        raise DemoDataError(self.file, message, line=line, field=field)

    def mapping(self, parent: LineDict, key: str, *, required: bool = True) -> LineDict:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail("缺少此项", line=parent.line, field=key)
            empty = LineDict()
            empty.line, empty.key_lines = parent.line, {}
            return empty
        if not isinstance(value, LineDict):
            self.fail("应为键值映射", line=parent.line_of(key), field=key)
        return value

    def items(self, parent: LineDict, key: str, *, required: bool = True) -> list:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail("缺少此项", line=parent.line, field=key)
            return []
        if not isinstance(value, list):
            self.fail("应为列表", line=parent.line_of(key), field=key)
        return value

    def text(
        self, parent: LineDict, key: str, *, required: bool = True, max_len: int = 200
    ) -> str | None:
        value = parent.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail("缺少此项", line=parent.line, field=key)
            return None
        if not isinstance(value, str | int):
            self.fail("应为文字", line=parent.line_of(key), field=key)
        value = str(value).strip()
        if len(value) > max_len:
            self.fail(f"不能超过 {max_len} 个字符", line=parent.line_of(key), field=key)
        return value

    def date(self, parent: LineDict, key: str, *, required: bool = True) -> dt.date | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail("缺少此项", line=parent.line, field=key)
            return None
        return self.parse_date(value, line=parent.line_of(key), field=key)

    def parse_date(self, value: Any, *, line: int | None, field: str) -> dt.date:
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"日期格式应为 YYYY-MM-DD（得到 {value}）", line=line, field=field)

    def number(
        self, parent: LineDict, key: str, *, required: bool = True, integer: bool = False
    ) -> Decimal | int | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail("缺少此项", line=parent.line, field=key)
            return None
        return self.parse_number(value, line=parent.line_of(key), field=key, integer=integer)

    def parse_number(self, value: Any, *, line: int | None, field: str, integer: bool = False):
        if isinstance(value, bool):
            self.fail(f"应为数字（得到 {value}）", line=line, field=field)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(f"应为数字（得到 {value}）", line=line, field=field)
        if not number.is_finite() or number < 0:
            self.fail(f"应为非负数（得到 {value}）", line=line, field=field)
        if integer:
            if number != number.to_integral_value():
                self.fail(f"应为整数（得到 {value}）", line=line, field=field)
            return int(number)
        return number

    def share(self, parent: LineDict, key: str, default: float) -> float:
        value = parent.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            self.fail(
                f"应为 0 到 1 之间的比例（得到 {value}）", line=parent.line_of(key), field=key
            )
        return float(value)

    def choice(self, parent: LineDict, key: str, allowed, *, required: bool = True) -> str | None:
        value = self.text(parent, key, required=required)
        if value is None:
            return None
        if value not in allowed:
            self.fail(
                f"取值 {value} 无效，可选：{', '.join(allowed)}",
                line=parent.line_of(key),
                field=key,
            )
        return value

    def known_keys(self, mapping: LineDict, allowed: set[str], where: str = "") -> None:
        for key in mapping:
            if key not in allowed:
                self.fail(
                    f"未知的字段 {key}{('（' + where + '）') if where else ''}，可用：{', '.join(sorted(allowed))}",
                    line=mapping.line_of(key),
                    field=str(key),
                )


def months_of(value: Any, checker: Checker, *, line: int, field: str) -> set[tuple[int, int]]:
    """Months named by ``2025-03``, ``2026-01..2026-06``, ``2025-Q2`` or ``2026-H1``."""
    text = str(value).strip()
    if m := MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return {(year, month)}
    elif m := MONTH_RANGE.match(text):
        start, end = (int(m[1]), int(m[2])), (int(m[3]), int(m[4]))
        if 1 <= start[1] <= 12 and 1 <= end[1] <= 12 and start <= end:
            return {month_at(index) for index in range(month_index(*start), month_index(*end) + 1)}
    elif m := QUARTER.match(text):
        year, quarter = int(m[1]), int(m[2])
        return {(year, month) for month in range(quarter * 3 - 2, quarter * 3 + 1)}
    elif m := HALF.match(text):
        year, half = int(m[1]), int(m[2])
        return {(year, month) for month in range(half * 6 - 5, half * 6 + 1)}
    checker.fail(
        f"月份写法应为 2025-03、2026-01..2026-06、2025-Q2 或 2026-H1（得到 {value}）",
        line=line,
        field=field,
    )


# ------------------------------------------------------------------------------- the specs


@dataclass
class UserSpec:
    username: str
    role: str
    display_name: str
    scope_unit_types: list[str] = field(default_factory=list)


@dataclass
class HostSpec:
    name: str
    county: str
    as_of: dt.date
    password: str
    parameters: list[dict[str, Any]]
    users: list[UserSpec]


@dataclass
class TermSpec:
    elected_on: dt.date
    years: int


@dataclass
class OrgSpec:
    code: str
    kind: str
    name: str
    established_on: dt.date
    parent_code: str | None
    depth: int
    covered_units: str | None
    terms: list[TermSpec]
    committee: list[tuple[str, str]]  # (role, member no) for 党委/总支 committees
    #: Seats left empty: role → the day its holder left the post, nobody elected since (空缺).
    vacated: dict[str, dt.date]
    secretary_login: str | None
    unmet: dict[str, str]
    checked_on: dt.date
    checked_by: str
    line: int
    #: unmet item → the line it is on
    unmet_lines: dict[str, int] = field(default_factory=dict)

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS


@dataclass
class StaffSpec:
    member_no: str | None
    name: str | None
    kind: str
    title: str | None
    started_on: dt.date
    ended_on: dt.date | None
    organization: str | None
    line: int = 0


@dataclass
class UnitSpec:
    slug: str
    name: str
    unit_type: str
    sub_kind: str | None
    address: str | None
    admin: UserSpec
    fiscal: dict[int, dict[str, Any]]
    funding: dict[int, list[dict[str, Any]]]
    staff: list[StaffSpec]
    organizations: list[OrgSpec]
    line: int

    def organization(self, code: str) -> OrgSpec | None:
        return next((o for o in self.organizations if o.code == code), None)


@dataclass
class MemberSpec:
    no: str
    unit: str
    branch: str
    group: str | None
    group_leader: bool
    name: str
    gender: str | None
    birth_date: dt.date | None
    ethnicity: str | None
    education: str | None
    position: str | None
    id_number: str | None
    phone: str | None
    status: str
    joined_on: dt.date
    full_on: dt.date | None
    dues_category: str
    dues_base: Decimal | None
    is_leader: bool
    party_post: str | None
    transferred_in_on: dt.date | None
    note: str | None
    line: int

    @property
    def start(self) -> dt.date:
        """The day the member began to belong to this branch (their first period's start)."""
        return self.transferred_in_on or self.joined_on


@dataclass
class PatternSpec:
    id: str
    kinds: list[str]
    months: set[int]
    day: int
    hours: Decimal
    attendees: str
    presenter: str


@dataclass
class BranchPlan:
    attendance: float
    profile: str
    location: str
    missed: dict[str, set[tuple[int, int]]]


@dataclass
class TrainingSpec:
    title: str
    organizer: str | None
    kind: str
    taken_on: dt.date
    hours: Decimal
    who: str
    unit_types: list[str]
    units: list[str]
    share: float
    except_members: set[str]


@dataclass
class DuesGap:
    member_no: str
    first: tuple[int, int]
    note: str | None


@dataclass
class DuesSpec:
    first_month: tuple[int, int]
    paid_day: tuple[int, int]
    quarterly_share_retired: float
    proxy_share: float
    gaps: list[DuesGap]


@dataclass
class AppraisalSpec:
    year: int
    excellent_share: float
    results: dict[str, str]


@dataclass
class EventsSpec:
    seed: int
    start: dt.date
    absent_share: float
    excuse_reasons: list[str]
    patterns: dict[str, PatternSpec]
    profiles: dict[str, list[str]]
    default_profile: dict[str, str]
    default_attendance: float
    default_location: str
    branches: dict[tuple[str, str], BranchPlan]
    topics: dict[str, list[str]]
    pinned: dict[str, dict[tuple[int, int], str]]
    training: list[TrainingSpec]
    dues: DuesSpec
    appraisals: list[AppraisalSpec]

    def plan(self, unit: UnitSpec, branch: OrgSpec) -> BranchPlan:
        plan = self.branches.get((unit.slug, branch.code))
        if plan is not None:
            return plan
        return BranchPlan(
            attendance=self.default_attendance,
            profile=self.default_profile[unit.unit_type],
            location=self.default_location,
            missed={},
        )


@dataclass
class CaseSpec:
    unit: str
    branch: str
    member_no: str | None
    name: str | None
    gender: str | None
    birth_date: dt.date | None
    stage: str
    note: str | None
    steps: dict[int, dt.date]
    step_notes: dict[int, str]
    line: int = 0
    #: step → the line its date is on
    step_lines: dict[int, int] = field(default_factory=dict)


@dataclass
class DemoData:
    """Every demo data file, read and checked."""

    folder: Path
    host: HostSpec
    units: list[UnitSpec]
    members: list[MemberSpec]
    events: EventsSpec
    cases: list[CaseSpec]

    def unit(self, slug: str) -> UnitSpec | None:
        return next((u for u in self.units if u.slug == slug), None)


# ----------------------------------------------------------------------------- host.yaml


def read_host(folder: Path, as_of: dt.date | None) -> HostSpec:
    data = read_yaml(folder / HOST_FILE)
    check = Checker(display_path(folder / HOST_FILE))
    check.known_keys(data, {"host", "as_of", "demo_password", "parameters", "users"})
    host = check.mapping(data, "host")
    check.known_keys(host, {"name", "county"})
    password = check.text(data, "demo_password")
    if len(password) < 8:
        check.fail("演示密码至少 8 位", line=data.line_of("demo_password"), field="demo_password")
    parameters = []
    seen: set[str] = set()
    for item in check.items(data, "parameters"):
        if not isinstance(item, LineDict):
            check.fail("每个参数应为键值映射", line=data.line_of("parameters"), field="parameters")
        check.known_keys(item, {"key", "value", "label", "source"})
        key = check.text(item, "key", max_len=100)
        if key in seen:
            check.fail(f"参数 {key} 重复", line=item.line, field="key")
        seen.add(key)
        if "value" not in item or item["value"] is None:
            check.fail("缺少此项", line=item.line, field="value")
        parameters.append(
            {
                "key": key,
                "value": _plain(item["value"]),
                "label": check.text(item, "label"),
                "source": check.text(item, "source", max_len=2000),
            }
        )
    users = []
    for item in check.items(data, "users"):
        user = _read_user(check, item, host_level=True)
        users.append(user)
    return HostSpec(
        name=check.text(host, "name"),
        county=check.text(host, "county", max_len=100),
        as_of=as_of or check.date(data, "as_of"),
        password=password,
        parameters=parameters,
        users=users,
    )


def _plain(value: Any) -> Any:
    """A YAML value as plain JSON-able Python (LineDict → dict)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _read_user(check: Checker, item: Any, *, host_level: bool, role: str | None = None) -> UserSpec:
    if not isinstance(item, LineDict):
        check.fail("用户应为键值映射", field="users")
    allowed = {"username", "display_name"} | ({"role", "scope_unit_types"} if host_level else set())
    check.known_keys(item, allowed)
    username = check.text(item, "username", max_len=64)
    if not USERNAME.match(username):
        check.fail(
            "用户名须为 3–64 位字母、数字、下划线、点或连字符",
            line=item.line_of("username"),
            field="username",
        )
    if host_level:
        role = check.choice(item, "role", ("host_admin", "supervisor"))
    scopes = [str(s) for s in item.get("scope_unit_types") or []]
    if role == "supervisor" and not scopes:
        check.fail("督导须至少指定一个单位类型", line=item.line, field="scope_unit_types")
    return UserSpec(
        username=username,
        role=role,
        display_name=check.text(item, "display_name", max_len=100) or username,
        scope_unit_types=scopes,
    )


# ---------------------------------------------------------------------------- units.yaml


def read_units(folder: Path) -> list[UnitSpec]:
    data = read_yaml(folder / UNITS_FILE)
    check = Checker(display_path(folder / UNITS_FILE))
    check.known_keys(data, {"facility_check", "units"})
    defaults = check.mapping(data, "facility_check")
    default_checked_on = check.date(defaults, "checked_on")
    default_checked_by = check.text(defaults, "checked_by", max_len=50)
    units: list[UnitSpec] = []
    slugs: set[str] = set()
    logins: set[str] = set()
    for item in check.items(data, "units"):
        if not isinstance(item, LineDict):
            check.fail("每个单位应为键值映射", line=data.line_of("units"), field="units")
        check.known_keys(
            item,
            {
                "slug",
                "name",
                "unit_type",
                "sub_kind",
                "address",
                "admin",
                "fiscal",
                "funding",
                "staff",
                "organizations",
            },
            "单位",
        )
        slug = check.text(item, "slug", max_len=64)
        if not SLUG.match(slug):
            check.fail(
                "单位代码须为 3–64 位小写字母、数字或连字符",
                line=item.line_of("slug"),
                field="slug",
            )
        if slug in slugs:
            check.fail(f"单位代码 {slug} 重复", line=item.line_of("slug"), field="slug")
        slugs.add(slug)
        admin = _read_user(check, check.mapping(item, "admin"), host_level=False, role="unit_admin")
        organizations: list[OrgSpec] = []
        _walk_orgs(
            check,
            check.items(item, "organizations"),
            None,
            0,
            organizations,
            logins | {admin.username},
            (default_checked_on, default_checked_by),
            item.line,
        )
        for org in organizations:
            if org.secretary_login:
                logins.add(org.secretary_login)
        if not any(o.is_branch for o in organizations):
            check.fail(
                "单位至少要有一个党支部", line=item.line_of("organizations"), field="organizations"
            )
        if admin.username in logins:
            check.fail(
                f"用户名 {admin.username} 重复", line=item.line_of("admin"), field="admin.username"
            )
        logins.add(admin.username)
        unit = UnitSpec(
            slug=slug,
            name=check.text(item, "name"),
            unit_type=check.text(item, "unit_type", max_len=64),
            sub_kind=check.text(item, "sub_kind", required=False, max_len=64),
            address=check.text(item, "address", required=False, max_len=300),
            admin=admin,
            fiscal=_read_fiscal(check, check.mapping(item, "fiscal", required=False)),
            funding=_read_funding(check, check.mapping(item, "funding", required=False)),
            staff=[],
            organizations=organizations,
            line=item.line,
        )
        for node in check.items(item, "staff", required=False):
            unit.staff.append(_read_staff(check, node, unit))
        units.append(unit)
    if not units:
        check.fail("没有任何单位", line=data.line, field="units")
    return units


def _walk_orgs(
    check: Checker,
    nodes: list,
    parent: str | None,
    depth: int,
    found: list[OrgSpec],
    taken: set[str],
    checks: tuple[dt.date, str],
    unit_line: int,
) -> None:
    """Read an organization tree depth-first into ``found`` (parents before children)."""
    for node in nodes:
        if not isinstance(node, LineDict):
            check.fail("每个组织应为键值映射", line=unit_line, field="organizations")
        org = _read_org(check, node, parent, depth, *checks)
        if any(o.code == org.code for o in found):
            check.fail(f"组织代码 {org.code} 在本单位重复", line=node.line_of("code"), field="code")
        if org.secretary_login:
            if org.secretary_login in taken:
                check.fail(
                    f"用户名 {org.secretary_login} 重复",
                    line=node.line_of("secretary_login"),
                    field="secretary_login",
                )
            taken.add(org.secretary_login)
        found.append(org)
        _walk_orgs(
            check,
            check.items(node, "children", required=False),
            org.code,
            depth + 1,
            found,
            taken,
            checks,
            unit_line,
        )


def _read_org(
    check: Checker,
    node: LineDict,
    parent: str | None,
    depth: int,
    checked_on: dt.date,
    checked_by: str,
) -> OrgSpec:
    check.known_keys(
        node,
        {
            "code",
            "kind",
            "name",
            "established_on",
            "covered_units",
            "terms",
            "committee",
            "secretary_login",
            "facilities",
            "children",
            "vacated",
        },
        "组织",
    )
    code = check.text(node, "code", max_len=32)
    kind = check.choice(node, "kind", tuple(ORGANIZATION_KINDS))
    if kind in BRANCH_KINDS and node.get("children"):
        check.fail("党支部不能再有下级组织", line=node.line_of("children"), field="children")
    if kind not in BRANCH_KINDS and node.get("secretary_login"):
        check.fail(
            "只有党支部设支部书记账号",
            line=node.line_of("secretary_login"),
            field="secretary_login",
        )
    if kind in BRANCH_KINDS and node.get("committee"):
        check.fail(
            "党支部的委员在 members.csv 的 party_post 列填写",
            line=node.line_of("committee"),
            field="committee",
        )
    terms = []
    for term in check.items(node, "terms"):
        if not isinstance(term, LineDict):
            check.fail("每届应为键值映射", line=node.line_of("terms"), field="terms")
        check.known_keys(term, {"elected_on", "years"})
        years = check.number(term, "years", integer=True)
        if not 1 <= years <= 5:
            check.fail("任期年限应为 1–5 年", line=term.line, field="years")
        terms.append(TermSpec(elected_on=check.date(term, "elected_on"), years=years))
    committee: list[tuple[str, str]] = []
    seats = check.mapping(node, "committee", required=False)
    for role, holders in seats.items():
        if role not in COMMITTEE_ROLES:
            check.fail(
                f"未知的委员职务 {role}，可选：{', '.join(COMMITTEE_ROLES)}",
                line=seats.line_of(role),
                field=f"committee.{role}",
            )
        for holder in holders if isinstance(holders, list) else [holders]:
            committee.append((role, str(holder)))
    vacated_map = check.mapping(node, "vacated", required=False)
    vacated: dict[str, dt.date] = {}
    for role in vacated_map:
        if role not in COMMITTEE_ROLES:
            check.fail(
                f"未知的委员职务 {role}，可选：{', '.join(COMMITTEE_ROLES)}",
                line=vacated_map.line_of(role),
                field=f"vacated.{role}",
            )
        vacated[role] = check.date(vacated_map, role)
    facilities = check.mapping(node, "facilities", required=False)
    check.known_keys(facilities, {"unmet", "checked_on", "checked_by"})
    unmet_map = check.mapping(facilities, "unmet", required=False)
    unmet: dict[str, str] = {}
    for item, note in unmet_map.items():  # the unit type's checklist is the facilities service's to know
        unmet[str(item)] = str(note or "未达标")
    established = check.date(node, "established_on")
    for term in terms:
        if term.elected_on < established:
            check.fail(
                "换届日期早于组织成立日期", line=node.line_of("terms"), field="terms.elected_on"
            )
    return OrgSpec(
        code=code,
        kind=kind,
        name=check.text(node, "name"),
        established_on=established,
        parent_code=parent,
        depth=depth,
        covered_units=check.text(node, "covered_units", required=False, max_len=500),
        terms=sorted(terms, key=lambda t: t.elected_on),
        committee=committee,
        vacated=vacated,
        secretary_login=check.text(node, "secretary_login", required=False, max_len=64),
        unmet=unmet,
        unmet_lines={str(item): unmet_map.line_of(item) for item in unmet_map},
        checked_on=check.date(facilities, "checked_on", required=False) or checked_on,
        checked_by=check.text(facilities, "checked_by", required=False, max_len=50) or checked_by,
        line=node.line,
    )


FISCAL_FIELDS = {
    "public_operating_expenses",
    "wage_bill_last_year",
    "headcount",
    "carry_over",
    "note",
}


def _read_fiscal(check: Checker, fiscal: LineDict) -> dict[int, dict[str, Any]]:
    result: dict[int, dict[str, Any]] = {}
    for year, values in fiscal.items():
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            check.fail(
                f"年份应为四位数字（得到 {year}）", line=fiscal.line_of(year), field="fiscal"
            )
        if not isinstance(values, LineDict):
            check.fail("应为键值映射", line=fiscal.line_of(year), field=f"fiscal.{year}")
        check.known_keys(values, FISCAL_FIELDS)
        row: dict[str, Any] = {}
        for key in ("public_operating_expenses", "wage_bill_last_year", "carry_over"):
            row[key] = check.number(values, key, required=False)
        row["headcount"] = check.number(values, "headcount", required=False, integer=True)
        row["note"] = check.text(values, "note", required=False, max_len=1000)
        result[year] = row
    return result


def _read_funding(check: Checker, funding: LineDict) -> dict[int, list[dict[str, Any]]]:
    """Funding lines by year, each with the ``line`` it was read from; the lines' own rules
    (source, amounts, year) are the funding service's, which the loader asks."""
    result: dict[int, list[dict[str, Any]]] = {}
    for year, lines in funding.items():
        if not isinstance(year, int):
            check.fail(
                f"年份应为四位数字（得到 {year}）", line=funding.line_of(year), field="funding"
            )
        if not isinstance(lines, list):
            check.fail("应为列表", line=funding.line_of(year), field=f"funding.{year}")
        rows = []
        for line in lines:
            if not isinstance(line, LineDict):
                check.fail(
                    "每条经费应为键值映射", line=funding.line_of(year), field=f"funding.{year}"
                )
            check.known_keys(line, {"source", "budgeted", "spent", "note"})
            rows.append(
                {
                    "source": check.text(line, "source"),
                    "budgeted": check.number(line, "budgeted"),
                    "spent": check.number(line, "spent"),
                    "note": check.text(line, "note", required=False, max_len=1000),
                    "line": line.line,
                }
            )
        result[year] = rows
    return result


def _read_staff(check: Checker, node: Any, unit: UnitSpec) -> StaffSpec:
    if not isinstance(node, LineDict):
        check.fail("每名党务人员应为键值映射", line=unit.line, field="staff")
    check.known_keys(
        node, {"member", "name", "kind", "title", "started_on", "ended_on", "organization"}
    )
    member = check.text(node, "member", required=False, max_len=64)
    name = check.text(node, "name", required=False)
    if bool(member) == bool(name):
        check.fail(
            "member（党员编号）和 name（非本单位党员的姓名）须填且只填一项",
            line=node.line,
            field="member",
        )
    org = check.text(node, "organization", required=False, max_len=32)
    if org and unit.organization(org) is None:
        check.fail(
            f"本单位没有代码为 {org} 的组织",
            line=node.line_of("organization"),
            field="organization",
        )
    # The post's own rules (kind, lengths, dates in order) are the staffing service's; the loader asks it.
    return StaffSpec(
        member_no=member,
        name=name,
        kind=check.text(node, "kind"),
        title=check.text(node, "title", required=False),
        started_on=check.date(node, "started_on"),
        ended_on=check.date(node, "ended_on", required=False),
        organization=org,
        line=node.line,
    )


# --------------------------------------------------------------------------- members.csv


def read_members(folder: Path, units: list[UnitSpec], as_of: dt.date) -> list[MemberSpec]:
    path = folder / MEMBERS_FILE
    name = display_path(path)
    check = Checker(name)
    if not path.is_file():
        check.fail("文件不存在")
    by_slug = {u.slug: u for u in units}
    members: list[MemberSpec] = []
    numbers: set[str] = set()
    header: list[str] | None = None
    with path.open(encoding="utf-8", newline="") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = next(csv.reader([line]))
            if header is None:
                header = [c.strip() for c in cells]
                missing = [c for c in MEMBER_COLUMNS if c not in header]
                if missing:
                    check.fail(f"表头缺少列：{', '.join(missing)}", line=line_no)
                continue
            if len(cells) != len(header):
                check.fail(f"应有 {len(header)} 列，实有 {len(cells)} 列", line=line_no)
            row = {k: (v or "").strip() for k, v in zip(header, cells, strict=True)}
            member = _read_member(check, row, line_no, by_slug, as_of)
            if member.no in numbers:
                check.fail(f"党员编号 {member.no} 重复", line=line_no, field="no")
            numbers.add(member.no)
            members.append(member)
    if not members:
        check.fail("没有任何党员")
    _check_committees(check, members, units)
    return members


def _read_member(
    check: Checker, row: dict[str, str], line: int, units: dict[str, UnitSpec], as_of: dt.date
) -> MemberSpec:
    def need(key: str) -> str:
        if not row.get(key):
            check.fail("缺少此项", line=line, field=key)
        return row[key]

    def date_of(key: str, required: bool = False) -> dt.date | None:
        value = need(key) if required else row.get(key)
        if not value:
            return None
        day = check.parse_date(value, line=line, field=key)
        if day > as_of:
            check.fail(f"日期 {day} 晚于截至日期 {as_of}", line=line, field=key)
        return day

    def word(key: str, words: dict[str, Any], *, required: bool = True) -> Any:
        value = need(key) if required else row.get(key, "")
        if value not in words:
            choices = "、".join(k for k in words if k)
            check.fail(f"取值 {value} 无效，可选：{choices}", line=line, field=key)
        return words[value]

    no = need("no")
    unit = units.get(need("unit"))
    if unit is None:
        check.fail(f"units.yaml 中没有代码为 {row['unit']} 的单位", line=line, field="unit")
    branch = unit.organization(need("branch"))
    if branch is None or not branch.is_branch:
        check.fail(
            f"单位 {unit.slug} 没有代码为 {row['branch']} 的党支部", line=line, field="branch"
        )
    status = word("status", STATUS_WORDS)
    joined_on = date_of("joined_on", required=True)
    full_on = date_of("full_on")
    # What makes a member valid (dates in order, 18 at joining, ID number, phone …) is the member
    # service's to say: the loader asks it for each row (new_member_errors). Here only what the
    # demo's own record of its people asks beyond that.
    if status == "full" and full_on is None:
        check.fail("正式党员须填写转正日期", line=line, field="full_on")
    if status == "probationary" and add_years(joined_on, 2) < as_of:
        check.fail("预备期一般为一年（最长延长至两年），入党日期过早", line=line, field="joined_on")
    birth = date_of("birth_date")
    gender = word("gender", GENDER_WORDS, required=False) if row.get("gender") else None
    id_number = row.get("id_number") or None
    if id_number is not None and id_number_is_valid(id_number):
        if birth is not None and id_number[6:14] != birth.strftime("%Y%m%d"):
            check.fail("身份证号中的出生日期与 birth_date 不一致", line=line, field="id_number")
        if gender is not None and (int(id_number[16]) % 2 == 1) != (gender == "male"):
            check.fail("身份证号第17位与性别不一致", line=line, field="id_number")
    phone = row.get("phone") or None
    base = row.get("dues_base")
    dues_base = check.parse_number(base, line=line, field="dues_base") if base else None
    dues_category = word("dues_category", DUES_WORDS)
    try:
        calculate_monthly_dues(dues_category, dues_base)
    except DuesInputError as error:
        check.fail(
            str(error), line=line, field="dues_base" if error.field == "base" else "dues_category"
        )
    transferred = date_of("transferred_in_on")
    post = word("party_post", POST_WORDS) if row.get("party_post") else None
    if post is not None and status != "full":
        check.fail("支部委员须为正式党员", line=line, field="party_post")
    group = row.get("group") or None
    group_leader = word("group_leader", YES_NO, required=False)
    if group_leader and group is None:
        check.fail("党小组长须填写所在党小组", line=line, field="group_leader")
    return MemberSpec(
        no=no,
        unit=unit.slug,
        branch=branch.code,
        group=group,
        group_leader=group_leader,
        name=need("name"),
        gender=gender,
        birth_date=birth,
        ethnicity=row.get("ethnicity") or None,
        education=row.get("education") or None,
        position=row.get("position") or None,
        id_number=id_number,
        phone=phone,
        status=status,
        joined_on=joined_on,
        full_on=full_on,
        dues_category=dues_category,
        dues_base=dues_base,
        is_leader=word("is_leader", YES_NO, required=False),
        party_post=post,
        transferred_in_on=transferred,
        note=row.get("note") or None,
        line=line,
    )


def _check_committees(check: Checker, members: list[MemberSpec], units: list[UnitSpec]) -> None:
    """Each branch with a secretary login has exactly one 书记; groups have at most one leader."""
    for unit in units:
        for org in unit.organizations:
            if not org.is_branch:
                continue
            secretaries = [
                m
                for m in members
                if m.unit == unit.slug and m.branch == org.code and m.party_post == "secretary"
            ]
            if len(secretaries) > 1:
                check.fail(
                    f"支部 {unit.slug}/{org.code} 有多名书记",
                    line=secretaries[1].line,
                    field="party_post",
                )
            if org.secretary_login and not secretaries:
                check.fail(
                    f"支部 {unit.slug}/{org.code} 没有书记（party_post 为 书记 的党员）",
                    field="party_post",
                )
    leaders: dict[tuple[str, str, str], MemberSpec] = {}
    for m in members:
        if m.group_leader:
            key = (m.unit, m.branch, m.group)
            if key in leaders:
                check.fail(f"党小组 {m.group} 有多名组长", line=m.line, field="group_leader")
            leaders[key] = m


def check_member_references(folder: Path, units: list[UnitSpec], members: list[MemberSpec]) -> None:
    """units.yaml refers to members by number: each must exist in that unit."""
    by_no = {m.no: m for m in members}
    check = Checker(display_path(folder / UNITS_FILE))
    for unit in units:
        for org in unit.organizations:
            for role, no in org.committee:
                member = by_no.get(no)
                if member is None or member.unit != unit.slug:
                    check.fail(
                        f"本单位没有编号为 {no} 的党员", line=org.line, field=f"committee.{role}"
                    )
                if member.status != "full":
                    check.fail(
                        f"{no} 是预备党员，不能任委员", line=org.line, field=f"committee.{role}"
                    )
        for staff in unit.staff:
            if staff.member_no:
                member = by_no.get(staff.member_no)
                if member is None or member.unit != unit.slug:
                    check.fail(
                        f"本单位没有编号为 {staff.member_no} 的党员",
                        line=unit.line,
                        field="staff.member",
                    )


# ---------------------------------------------------------------------------- events.yaml

PATTERN_FIELDS = {"kinds", "months", "day", "hours", "attendees", "presenter"}
ATTENDEES = ("all", "committee", "group")
PRESENTERS = ("secretary", "leader", "organization")
WHO = ("secretaries", "leaders", "probationary", "all")


def read_events(folder: Path, units: list[UnitSpec], members: list[MemberSpec]) -> EventsSpec:
    data = read_yaml(folder / EVENTS_FILE)
    check = Checker(display_path(folder / EVENTS_FILE))
    check.known_keys(
        data,
        {
            "seed",
            "start",
            "attendance",
            "patterns",
            "profiles",
            "default_profile",
            "default_attendance",
            "branches",
            "default_location",
            "topics",
            "pinned",
            "training",
            "dues",
            "appraisals",
        },
    )
    by_no = {m.no: m for m in members}
    attendance = check.mapping(data, "attendance")
    check.known_keys(attendance, {"absent_share", "excuse_reasons"})
    reasons = [str(r) for r in check.items(attendance, "excuse_reasons")]
    if not reasons:
        check.fail("至少给出一个请假原因", line=attendance.line, field="excuse_reasons")

    patterns: dict[str, PatternSpec] = {}
    raw_patterns = check.mapping(data, "patterns")
    for pid, node in raw_patterns.items():
        if not isinstance(node, LineDict):
            check.fail("应为键值映射", line=raw_patterns.line_of(pid), field=f"patterns.{pid}")
        check.known_keys(node, PATTERN_FIELDS, f"活动模式 {pid}")
        kinds = [str(k) for k in check.items(node, "kinds")]
        if not kinds:
            check.fail("至少一种活动类型", line=node.line, field=f"patterns.{pid}.kinds")
        for kind in kinds:
            if kind not in EVENT_KINDS:
                check.fail(
                    f"未知的活动类型 {kind}，可选：{', '.join(EVENT_KINDS)}",
                    line=node.line_of("kinds"),
                    field=f"patterns.{pid}.kinds",
                )
        months_value = node.get("months", "all")
        if months_value == "all":
            months = set(range(1, 13))
        elif isinstance(months_value, list) and all(
            isinstance(m, int) and 1 <= m <= 12 for m in months_value
        ):
            months = set(months_value)
        else:
            check.fail(
                "months 应为 all 或 1–12 的列表",
                line=node.line_of("months"),
                field=f"patterns.{pid}.months",
            )
        day = check.number(node, "day", integer=True)
        if not 1 <= day <= 28:
            check.fail("day 应为 1–28", line=node.line_of("day"), field=f"patterns.{pid}.day")
        patterns[str(pid)] = PatternSpec(
            id=str(pid),
            kinds=kinds,
            months=months,
            day=day,
            hours=check.number(node, "hours"),
            attendees=check.choice(node, "attendees", ATTENDEES, required=False) or "all",
            presenter=check.choice(node, "presenter", PRESENTERS, required=False) or "secretary",
        )

    profiles: dict[str, list[str]] = {}
    raw_profiles = check.mapping(data, "profiles")
    for name, ids in raw_profiles.items():
        if not isinstance(ids, list):
            check.fail(
                "应为活动模式名称的列表", line=raw_profiles.line_of(name), field=f"profiles.{name}"
            )
        for pid in ids:
            if pid not in patterns:
                check.fail(
                    f"没有名为 {pid} 的活动模式",
                    line=raw_profiles.line_of(name),
                    field=f"profiles.{name}",
                )
        profiles[str(name)] = [str(p) for p in ids]

    default_profile: dict[str, str] = {}
    raw_default = check.mapping(data, "default_profile")
    for unit_type, profile in raw_default.items():
        if profile not in profiles:
            check.fail(
                f"没有名为 {profile} 的活动组合",
                line=raw_default.line_of(unit_type),
                field=f"default_profile.{unit_type}",
            )
        default_profile[str(unit_type)] = str(profile)
    for unit in units:
        if unit.unit_type not in default_profile:
            check.fail(
                f"单位类型 {unit.unit_type} 没有默认活动组合",
                line=raw_default.line,
                field="default_profile",
            )

    default_attendance = check.share(data, "default_attendance", 0.9)
    default_location = check.text(data, "default_location", max_len=200)
    branches: dict[tuple[str, str], BranchPlan] = {}
    raw_branches = check.mapping(data, "branches", required=False)
    for key, node in raw_branches.items():
        line = raw_branches.line_of(key)
        slug, _, code = str(key).partition("/")
        unit = next((u for u in units if u.slug == slug), None)
        org = unit.organization(code) if unit else None
        if org is None or not org.is_branch:
            check.fail(f"没有支部 {key}（写法：单位代码/支部代码）", line=line, field="branches")
        if not isinstance(node, LineDict):
            check.fail("应为键值映射", line=line, field=f"branches.{key}")
        check.known_keys(node, {"attendance", "profile", "location", "missed"}, f"支部 {key}")
        profile = str(node.get("profile") or default_profile[unit.unit_type])
        if profile not in profiles:
            check.fail(
                f"没有名为 {profile} 的活动组合",
                line=node.line_of("profile"),
                field=f"branches.{key}.profile",
            )
        missed: dict[str, set[tuple[int, int]]] = {}
        raw_missed = check.mapping(node, "missed", required=False)
        for pid, months in raw_missed.items():
            if pid not in profiles[profile]:
                check.fail(
                    f"活动组合 {profile} 中没有活动模式 {pid}",
                    line=raw_missed.line_of(pid),
                    field=f"branches.{key}.missed",
                )
            if not isinstance(months, list):
                check.fail(
                    "应为月份列表",
                    line=raw_missed.line_of(pid),
                    field=f"branches.{key}.missed.{pid}",
                )
            missed[str(pid)] = set().union(
                *(
                    months_of(
                        m, check, line=raw_missed.line_of(pid), field=f"branches.{key}.missed.{pid}"
                    )
                    for m in months
                )
            )
        branches[(slug, code)] = BranchPlan(
            attendance=check.share(node, "attendance", default_attendance),
            profile=profile,
            location=check.text(node, "location", required=False) or default_location,
            missed=missed,
        )

    topics: dict[str, list[str]] = {}
    raw_topics = check.mapping(data, "topics")
    for kind, pool in raw_topics.items():
        if kind not in EVENT_KINDS:
            check.fail(
                f"未知的活动类型 {kind}", line=raw_topics.line_of(kind), field=f"topics.{kind}"
            )
        if not isinstance(pool, list) or not pool:
            check.fail("应为非空的议题列表", line=raw_topics.line_of(kind), field=f"topics.{kind}")
        for topic in pool:
            if len(str(topic)) > 300:
                check.fail(
                    "议题不能超过 300 字", line=raw_topics.line_of(kind), field=f"topics.{kind}"
                )
        topics[str(kind)] = [str(t) for t in pool]
    for pattern in patterns.values():
        if pattern.kinds[0] not in topics:
            check.fail(
                f"活动类型 {pattern.kinds[0]} 没有议题库", line=raw_topics.line, field="topics"
            )
    pinned: dict[str, dict[tuple[int, int], str]] = {}
    raw_pinned = check.mapping(data, "pinned", required=False)
    for kind, by_month in raw_pinned.items():
        if kind not in EVENT_KINDS or not isinstance(by_month, LineDict):
            check.fail(
                "应为 活动类型 → {月份: 议题}",
                line=raw_pinned.line_of(kind),
                field=f"pinned.{kind}",
            )
        pinned[str(kind)] = {}
        for month, topic in by_month.items():
            found = months_of(month, check, line=by_month.line_of(month), field=f"pinned.{kind}")
            if len(found) != 1:
                check.fail(
                    "固定议题须对应单个月份", line=by_month.line_of(month), field=f"pinned.{kind}"
                )
            pinned[str(kind)][found.pop()] = str(topic)

    training = [
        _read_training(check, node, by_no, units)
        for node in check.items(data, "training", required=False)
    ]
    dues = _read_dues(check, check.mapping(data, "dues"), by_no)
    appraisals = []
    for node in check.items(data, "appraisals", required=False):
        if not isinstance(node, LineDict):
            check.fail("应为键值映射", line=data.line_of("appraisals"), field="appraisals")
        check.known_keys(node, {"year", "excellent_share", "results"})
        results: dict[str, str] = {}
        raw_results = check.mapping(node, "results", required=False)
        for no, result in raw_results.items():
            if no not in by_no:
                check.fail(f"没有编号为 {no} 的党员", line=raw_results.line_of(no), field="results")
            if result not in APPRAISAL_RESULTS:
                check.fail(
                    f"评议结果应为 {', '.join(APPRAISAL_RESULTS)} 之一",
                    line=raw_results.line_of(no),
                    field=f"results.{no}",
                )
            results[str(no)] = str(result)
        appraisals.append(
            AppraisalSpec(
                year=check.number(node, "year", integer=True),
                excellent_share=check.share(node, "excellent_share", 0.15),
                results=results,
            )
        )
    seed = check.number(data, "seed", integer=True)
    return EventsSpec(
        seed=seed,
        start=check.date(data, "start"),
        absent_share=check.share(attendance, "absent_share", 0.3),
        excuse_reasons=reasons,
        patterns=patterns,
        profiles=profiles,
        default_profile=default_profile,
        default_attendance=default_attendance,
        default_location=default_location,
        branches=branches,
        topics=topics,
        pinned=pinned,
        training=training,
        dues=dues,
        appraisals=appraisals,
    )


def _read_training(
    check: Checker, node: Any, by_no: dict[str, MemberSpec], units: list[UnitSpec]
) -> TrainingSpec:
    if not isinstance(node, LineDict):
        check.fail("每项培训应为键值映射", field="training")
    check.known_keys(
        node,
        {
            "title",
            "organizer",
            "kind",
            "taken_on",
            "hours",
            "who",
            "unit_types",
            "units",
            "share",
            "except",
        },
        "培训",
    )
    for no in node.get("except") or []:
        if no not in by_no:
            check.fail(f"没有编号为 {no} 的党员", line=node.line_of("except"), field="except")
    slugs = {u.slug for u in units}
    for slug in node.get("units") or []:
        if slug not in slugs:
            check.fail(f"没有代码为 {slug} 的单位", line=node.line_of("units"), field="units")
    return TrainingSpec(
        title=check.text(node, "title"),
        organizer=check.text(node, "organizer", required=False),
        kind=check.choice(node, "kind", tuple(TRAINING_KINDS)),
        taken_on=check.date(node, "taken_on"),
        hours=check.number(node, "hours"),
        who=check.choice(node, "who", WHO),
        unit_types=[str(t) for t in node.get("unit_types") or []],
        units=[str(s) for s in node.get("units") or []],
        share=check.share(node, "share", 1.0),
        except_members={str(n) for n in node.get("except") or []},
    )


def _read_dues(check: Checker, node: LineDict, by_no: dict[str, MemberSpec]) -> DuesSpec:
    check.known_keys(
        node, {"first_month", "paid_day", "quarterly_share_retired", "proxy_share", "gaps"}
    )
    first = months_of(
        check.text(node, "first_month"),
        check,
        line=node.line_of("first_month"),
        field="dues.first_month",
    )
    if len(first) != 1:
        check.fail(
            "应为单个月份，如 2025-01", line=node.line_of("first_month"), field="dues.first_month"
        )
    paid_day = node.get("paid_day") or [5, 25]
    if (
        not isinstance(paid_day, list)
        or len(paid_day) != 2
        or not all(isinstance(d, int) and 1 <= d <= 28 for d in paid_day)
        or paid_day[0] > paid_day[1]
    ):
        check.fail(
            "paid_day 应为 [最早日, 最晚日]，1–28",
            line=node.line_of("paid_day"),
            field="dues.paid_day",
        )
    gaps = []
    for gap in check.items(node, "gaps", required=False):
        if not isinstance(gap, LineDict):
            check.fail("应为键值映射", line=node.line_of("gaps"), field="dues.gaps")
        check.known_keys(gap, {"member", "from", "note"})
        no = check.text(gap, "member", max_len=64)
        if no not in by_no:
            check.fail(
                f"没有编号为 {no} 的党员", line=gap.line_of("member"), field="dues.gaps.member"
            )
        start = months_of(
            check.text(gap, "from"), check, line=gap.line_of("from"), field="dues.gaps.from"
        )
        if len(start) != 1:
            check.fail("应为单个月份", line=gap.line_of("from"), field="dues.gaps.from")
        gaps.append(
            DuesGap(member_no=no, first=start.pop(), note=check.text(gap, "note", required=False))
        )
    return DuesSpec(
        first_month=first.pop(),
        paid_day=(paid_day[0], paid_day[1]),
        quarterly_share_retired=check.share(node, "quarterly_share_retired", 0.0),
        proxy_share=check.share(node, "proxy_share", 0.0),
        gaps=gaps,
    )


# ----------------------------------------------------------------------- development.yaml


def read_cases(
    folder: Path, units: list[UnitSpec], members: list[MemberSpec], as_of: dt.date
) -> list[CaseSpec]:
    path = folder / DEVELOPMENT_FILE
    if not path.is_file():
        return []
    data = read_yaml(path)
    check = Checker(display_path(path))
    check.known_keys(data, {"cases"})
    by_no = {m.no: m for m in members}
    cases = []
    for node in check.items(data, "cases"):
        if not isinstance(node, LineDict):
            check.fail("每个发展对象应为键值映射", line=data.line, field="cases")
        check.known_keys(
            node,
            {
                "unit",
                "branch",
                "member",
                "name",
                "gender",
                "birth_date",
                "stage",
                "note",
                "steps",
                "step_notes",
            },
            "发展党员",
        )
        slug = check.text(node, "unit", max_len=64)
        unit = next((u for u in units if u.slug == slug), None)
        if unit is None:
            check.fail(f"没有代码为 {slug} 的单位", line=node.line_of("unit"), field="unit")
        code = check.text(node, "branch", max_len=32)
        org = unit.organization(code)
        if org is None or not org.is_branch:
            check.fail(
                f"单位 {slug} 没有代码为 {code} 的党支部",
                line=node.line_of("branch"),
                field="branch",
            )
        stage = check.choice(node, "stage", tuple(DEVELOPMENT_STAGES))
        member_no = check.text(node, "member", required=False, max_len=64)
        member = None
        if member_no:
            member = by_no.get(member_no)
            if member is None or member.unit != slug:
                check.fail(
                    f"本单位没有编号为 {member_no} 的党员",
                    line=node.line_of("member"),
                    field="member",
                )
        elif stage in ("probationary", "full"):
            check.fail("已接收为党员的须填写 member（党员编号）", line=node.line, field="member")
        else:
            check.text(node, "name")
        gender = node.get("gender")
        if gender is not None and gender not in GENDER_WORDS:
            check.fail("性别应为 男 或 女", line=node.line_of("gender"), field="gender")
        steps: dict[int, dt.date] = {}
        raw_steps = check.mapping(node, "steps")
        # Which steps exist and their order are the development service's rules (the loader asks it).
        for step, day in raw_steps.items():
            if not isinstance(step, int):
                check.fail(
                    f"步骤编号应为 1–25（得到 {step}）", line=raw_steps.line_of(step), field="steps"
                )
            steps[step] = check.parse_date(day, line=raw_steps.line_of(step), field=f"steps.{step}")
            if steps[step] > as_of:
                check.fail(
                    f"日期晚于截至日期 {as_of}", line=raw_steps.line_of(step), field=f"steps.{step}"
                )
        if (
            member is not None
            and stage in ("probationary", "full")
            and steps.get(15) != member.joined_on
        ):
            check.fail(
                f"第15步（支部大会讨论）日期应与名册中的入党日期 {member.joined_on} 一致",
                line=raw_steps.line_of(15),
                field="steps.15",
            )
        notes = check.mapping(node, "step_notes", required=False)
        for step in notes:
            if step not in steps:
                check.fail(
                    f"步骤 {step} 没有完成日期", line=notes.line_of(step), field="step_notes"
                )
        cases.append(
            CaseSpec(
                unit=slug,
                branch=code,
                member_no=member_no,
                name=member.name if member else check.text(node, "name"),
                gender=member.gender if member else (GENDER_WORDS[gender] if gender else None),
                birth_date=member.birth_date
                if member
                else check.date(node, "birth_date", required=False),
                stage=stage,
                note=check.text(node, "note", required=False, max_len=2000),
                steps=steps,
                step_notes={int(k): str(v) for k, v in notes.items()},
                line=node.line,
                step_lines={step: raw_steps.line_of(step) for step in steps},
            )
        )
    return cases


# ----------------------------------------------------------------------------- everything


def read_demo(folder: Path, as_of: dt.date | None = None) -> DemoData:
    """Read and check every file of a demo folder.

    :param as_of: overrides the ``as_of`` date of ``host.yaml``.
    :raises DemoDataError: on the first problem, naming file, line and field.
    """
    if not folder.is_dir():
        raise DemoDataError(display_path(folder), "目录不存在")
    host = read_host(folder, as_of)
    units = read_units(folder)
    members = read_members(folder, units, host.as_of)
    check_member_references(folder, units, members)
    events = read_events(folder, units, members)
    cases = read_cases(folder, units, members, host.as_of)
    return DemoData(
        folder=folder, host=host, units=units, members=members, events=events, cases=cases
    )
