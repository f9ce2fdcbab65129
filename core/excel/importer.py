"""Excel imports: every row checked by the API's schemas and the feature services, all or nothing.

Each row is read into the fields the JSON API takes (labels → codes, branch codes → ids, names →
member ids), loaded through the same marshmallow schema, then handed to the same service a form
or the API would call. Every bad cell of every row is reported as (row as Excel numbers it,
column header, Chinese message). Rows are written in one transaction; when any row is bad the
whole transaction is rolled back, so a file is imported completely or not at all.

The caller chooses the unit (``use_tenant``) and the audit actor; :func:`import_workbook` commits
only when every row is good.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from core.api.development_records import DevelopmentRecordSchema
from core.api.dues import DuesPaymentSchema
from core.api.events import EventSchema
from core.api.members import MemberSchema
from core.api.publicity import PublicitySchema
from core.api.staffing import StaffPostSchema
from core.development import services as development_services
from core.development.models import DevelopmentRecord
from core.dues import services as dues_services
from core.dues.models import DuesPayment
from core.events import services as event_services
from core.events.models import Event
from core.excel.reader import WorkbookRefused, read_rows
from core.excel.safety import restore
from core.excel.sheets import (
    BOOLEAN,
    BRANCH,
    CODE,
    CODES,
    DATE,
    DECIMAL,
    INTEGER,
    NAMES,
    NO,
    SHEETS,
    YES,
    Column,
    SheetSpec,
    kind_of_sheet,
)
from core.extensions import db
from core.members import services as member_services
from core.members.models import DevelopmentCase, Member
from core.organizations.models import Organization
from core.publicity import services as publicity_services
from core.publicity.models import PublicityReport
from core.staffing import services as staff_services
from core.staffing.models import StaffPost
from core.validation import CELL_MAX, RecordError

#: Separators between several labels or names in one cell.
LIST_SEPARATORS = re.compile(r"[、，,；;\n]+")
#: ``李四（出差）`` or ``李四(出差)``: a name with the reason for an absence.
NAME_WITH_REASON = re.compile(r"^(?P<name>[^（(]+?)\s*[（(](?P<reason>.*)[）)]$")
#: Message key → column key, where a service's key is not a column's.
SERVICE_KEYS = {"organization_id": "branch", "member_id": "member", "attendance": "present", "case_id": "case"}
WHOLE_ROW = "（整行）"


@dataclass(frozen=True)
class RowError:
    """One bad cell: the row as Excel numbers it, the column header, the message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row:
            return _("第 %(row)d 行「%(column)s」：%(message)s", row=self.row, column=self.column, message=self.message)
        return _("%(column)s：%(message)s", column=self.column, message=self.message)


@dataclass
class ImportResult:
    """What an import did, or why it did nothing."""

    kind: str | None
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            return _("共 %(count)d 处错误，未导入任何数据", count=len(self.errors))
        return _(
            "导入 %(rows)d 行：新增 %(created)d，更新 %(updated)d",
            rows=self.rows, created=self.created, updated=self.updated,
        )


class _RowProblems(Exception):
    """A row's errors, by column key."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


# --- reading cells ---------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: How much of a cell a message quotes: enough to find it, never a whole 5,000-character cell.
QUOTE_MAX = 30


def _shown(text: str) -> str:
    """``text`` as a message quotes it: cut to :data:`QUOTE_MAX` characters with an ellipsis."""
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX] + "…"


def _text(value: Any) -> str:
    value = restore(value)  # an exported cell's ' prefix (core.excel.safety)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone or ID typed as a number
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _labels(column: Column) -> dict[str, str]:
    """Label or code → code, for reading a code cell."""
    mapping = {str(text): code for code, text in (column.vocabulary or {}).items()}
    mapping.update({code: code for code in column.vocabulary or {}})
    return mapping


def _code(column: Column, value: Any) -> str:
    text = _text(value)
    code = _labels(column).get(text)
    if code is None:
        choices = "、".join(str(v) for v in (column.vocabulary or {}).values())
        raise ValueError(_("“%(value)s”无效，须为以下之一：%(choices)s", value=_shown(text), choices=choices))
    return code


def _cell_value(column: Column, value: Any) -> Any:
    """The value the schema takes for a cell (raises ValueError with a Chinese message)."""
    if column.kind == DATE:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return _text(value)
    if column.kind == INTEGER:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value if isinstance(value, int) else _text(value)
    if column.kind == DECIMAL:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return str(value)
        return _text(value)
    if column.kind == BOOLEAN:
        if isinstance(value, bool):
            return value
        text = _text(value)
        if text in (YES, "Y", "y", "1", "true", "True"):
            return True
        if text in (NO, "N", "n", "0", "false", "False"):
            return False
        raise ValueError(_("“%(value)s”无效，须为 是 或 否", value=_shown(text)))
    if column.kind == CODE:
        return _code(column, value)
    if column.kind == CODES:
        return [_code(column, part) for part in LIST_SEPARATORS.split(_text(value)) if part.strip()]
    return _text(value)


# --- the import ------------------------------------------------------------------------------


class _Context:
    """Look-ups shared by the rows of one file: branches by code, members by branch and name."""

    def __init__(self, branch_id: int | None) -> None:
        self.branch_id = branch_id
        self.organizations = {o.code: o for o in db.session.scalars(select(Organization))}
        #: Cells of the current row that could not be read (reported with the schema's errors).
        self.unreadable: dict[str, str] = {}
        self._members: dict[int, dict[str, list[int]]] = {}

    def organization(self, code: Any, *, required: bool = True) -> Organization | None:
        if _blank(code):
            if required:
                raise _RowProblems({"branch": _("缺少必填项")})
            if self.branch_id is not None:
                raise _RowProblems({"branch": _("支部书记只能导入本支部的记录，请填写本支部代码")})
            return None
        organization = self.organizations.get(_text(code))
        if organization is None:
            raise _RowProblems({"branch": _("本单位没有代码为“%(code)s”的党组织", code=_shown(_text(code)))})
        if self.branch_id is not None and organization.id != self.branch_id:
            raise _RowProblems({"branch": _("支部书记只能导入本支部的记录")})
        return organization

    def member_ids(self, organization: Organization, name: str) -> list[int]:
        if organization.id not in self._members:
            by_name: dict[str, list[int]] = {}
            rows = db.session.execute(
                select(Member.id, Member.name).where(Member.organization_id == organization.id)
            )
            for member_id, member_name in rows:
                by_name.setdefault(member_name, []).append(member_id)
            self._members[organization.id] = by_name
        return self._members[organization.id].get(name, [])

    def member(self, organization: Organization, name: str, column: str) -> int:
        ids = self.member_ids(organization, name)
        if not ids:
            raise _RowProblems({column: _("%(branch)s没有名为“%(name)s”的党员", branch=organization.name, name=_shown(name))})
        if len(ids) > 1:
            raise _RowProblems(
                {
                    column: _(
                        "%(branch)s有 %(count)d 名党员叫“%(name)s”，无法区分，请在花名册中区分姓名后再导入",
                        branch=organization.name, count=len(ids), name=name,
                    )
                }
            )
        return ids[0]


def _read_row(spec: SheetSpec, positions: dict[str, int], cells: tuple) -> tuple[dict[str, Any], dict[str, str]]:
    """Raw cells by column key, and the errors of cells that cannot be read."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for column in spec.columns:
        position = positions.get(column.key)
        raw = cells[position] if position is not None and position < len(cells) else None
        if _blank(raw):
            continue
        if column.kind in (BRANCH, NAMES):
            values[column.key] = _text(raw)
            continue
        try:
            values[column.key] = _cell_value(column, raw)
        except ValueError as error:
            errors[column.key] = str(error)
    return values, errors


def _schema_errors(error: ValidationError) -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, messages in error.messages.items():
        flat[name] = _first_message(messages)
    return flat


def _first_message(messages: Any) -> str:
    if isinstance(messages, list):
        return "；".join(_first_message(m) for m in messages)
    if isinstance(messages, dict):
        return "；".join(_first_message(m) for m in messages.values())
    return str(messages)


def _load(
    schema_class, data: dict[str, Any], unreadable: dict[str, str], earlier: dict[str, str] | None = None,
    *, partial: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The row through the API's schema; cells that could not be read, and problems found
    earlier in the row (a bad branch code), are reported with it, so one pass finds them all.

    :param partial: fields the schema may lack (those an earlier problem left unknown).
    """
    earlier = earlier or {}
    try:
        loaded = schema_class(partial=partial or None).load(data)
    except ValidationError as error:
        raise _RowProblems({**_schema_errors(error), **unreadable, **earlier}) from None
    if unreadable or earlier:
        raise _RowProblems({**unreadable, **earlier})
    return loaded


def _typed(schema_class, data: dict[str, Any]) -> dict[str, Any]:
    """The cells of ``data`` the schema accepts, as the schema types them (a date written as
    text becomes a date), so a service's own checks judge the value, not its spelling."""
    try:
        return schema_class(partial=True).load(data)
    except ValidationError as error:
        return dict(error.valid_data or {})


def _collect(problems: dict[str, str], look_up, *args: Any, **kwargs: Any) -> Any:
    """Call a look-up; its problems go into ``problems`` (and ``None`` is returned)."""
    try:
        return look_up(*args, **kwargs)
    except _RowProblems as error:
        problems.update(error.errors)
        return None


def _service(function, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except RecordError as error:
        raise _RowProblems(dict(error.errors)) from None


# --- one row of each kind --------------------------------------------------------------------


def _member_row(values: dict[str, Any], context: _Context) -> str:
    problems: dict[str, str] = {}
    organization = _collect(problems, context.organization, values.pop("branch", None))
    data = {k: v for k, v in values.items()}
    if organization is not None:
        data["organization_id"] = organization.id
    try:
        fields = _load(MemberSchema, data, context.unreadable, partial=() if organization else ("organization_id",))
    except _RowProblems as error:
        # The member's own checks run on the cells the schema took, so one pass names them all.
        rest = _typed(
            MemberSchema,
            {k: v for k, v in data.items() if k not in error.errors and k != "organization_id"},
        )
        raise _RowProblems({**member_services.validate_member_fields(rest), **error.errors, **problems}) from None
    if problems:
        raise _RowProblems({**member_services.validate_member_fields(fields), **problems})
    existing = None
    if fields.get("id_number"):
        existing = db.session.scalar(select(Member).where(Member.id_number == str(fields["id_number"]).upper()))
    elif fields.get("name") and fields.get("joined_on"):
        # No ID number: the same name, branch and joining date is the same person.
        same = db.session.scalars(
            select(Member).where(
                Member.organization_id == organization.id,
                Member.name == fields["name"],
                Member.joined_on == fields["joined_on"],
            )
        ).all()
        existing = same[0] if len(same) == 1 else None
    if existing is not None:
        if context.branch_id is not None and existing.organization_id != context.branch_id:
            raise _RowProblems({"id_number": _("此身份证号的党员属于其他支部，支部书记不能修改")})
        _service(member_services.update_member, existing, **fields)
        return "updated"
    fields.pop("organization_id")
    _service(member_services.create_member, organization, **fields)
    return "created"


def _attendance(values: dict[str, Any], organization: Organization, context: _Context) -> tuple[list[dict[str, Any]], dict[int, str]]:
    entries: list[dict[str, Any]] = []
    where: dict[int, str] = {}
    problems: dict[str, str] = {}
    for column in ("present", "excused", "absent"):
        for part in LIST_SEPARATORS.split(values.pop(column, "") or ""):
            part = part.strip()
            if not part:
                continue
            match = NAME_WITH_REASON.match(part)
            name, reason = (match["name"].strip(), match["reason"].strip() or None) if match else (part, None)
            try:
                member_id = context.member(organization, name, column)
            except _RowProblems as error:
                problems.update(error.errors)
                continue
            if member_id in where:
                problems[column] = _("“%(name)s”在出勤中出现了不止一次", name=_shown(name))
                continue
            where[member_id] = column
            entries.append({"member_id": member_id, "status": column, "reason": reason})
    if problems:
        raise _RowProblems(problems)
    return entries, where


def _event_row(values: dict[str, Any], context: _Context) -> str:
    problems: dict[str, str] = {}
    organization = _collect(problems, context.organization, values.pop("branch", None))
    if organization is None:
        for column in ("present", "excused", "absent"):
            values.pop(column, None)
        main = values.get("kind")
        kinds = [main] if main else []
        kinds += [k for k in values.pop("kinds", []) if k not in kinds]
        _load(EventSchema, {**values, "kinds": kinds}, context.unreadable, problems,
              partial=("organization_id", "attendance"))
    entries, where = _attendance(values, organization, context)
    main = values.get("kind")
    kinds = [main] if main else []
    kinds += [k for k in values.pop("kinds", []) if k not in kinds]
    data = {**values, "organization_id": organization.id, "kinds": kinds, "attendance": entries}
    try:
        fields = _load(EventSchema, data, context.unreadable)
    except _RowProblems as error:
        raise _RowProblems(_attendance_keys(error.errors, where)) from None
    attendance = {e["member_id"]: (e["status"], e.get("reason")) for e in fields.pop("attendance")}
    fields.pop("organization_id")
    existing = db.session.scalar(
        select(Event).where(
            Event.organization_id == organization.id,
            Event.held_on == fields["held_on"],
            Event.kind == fields.get("kind", kinds[0] if kinds else None),
            Event.topic == fields.get("topic"),
        )
    )
    try:
        if existing is not None:
            _service(event_services.update_event, existing, attendance=attendance, **fields)
            return "updated"
        _service(
            event_services.record_event,
            organization,
            fields.pop("kinds"),
            fields.pop("held_on"),
            fields.pop("topic"),
            attendance=attendance,
            **fields,
        )
    except _RowProblems as error:
        raise _RowProblems(_attendance_keys(error.errors, where)) from None
    return "created"


def _attendance_keys(errors: dict[str, str], where: dict[int, str]) -> dict[str, str]:
    """``attendance.<member id>`` → the column that listed the member."""
    mapped: dict[str, str] = {}
    for key, message in errors.items():
        if key.startswith("attendance."):
            member_part = key.split(".")[1]
            column = where.get(int(member_part), "present") if member_part.isdigit() else "present"
            mapped[column] = f"{mapped[column]}；{message}" if column in mapped else message
        else:
            mapped[key] = message
    return mapped


def _dues_row(values: dict[str, Any], context: _Context) -> str:
    problems: dict[str, str] = {}
    organization = _collect(problems, context.organization, values.pop("branch", None))
    name = values.pop("member", None)
    member_id = None
    if _blank(name):
        problems["member"] = _("缺少必填项")
    elif organization is not None:
        member_id = _collect(problems, context.member, organization, name, "member")
    if member_id is None:
        _load(DuesPaymentSchema, values, context.unreadable, problems, partial=("member_id",))
    fields = _load(DuesPaymentSchema, {**values, "member_id": member_id}, context.unreadable)
    member = db.session.get(Member, fields.pop("member_id"))
    year, month = fields.pop("year"), fields.pop("month")
    existed = db.session.scalar(
        select(DuesPayment.id).where(
            DuesPayment.member_id == member.id, DuesPayment.year == year, DuesPayment.month == month
        )
    )
    _service(dues_services.set_dues_month, member, year, month, **fields)
    return "updated" if existed else "created"


def _staff_row(values: dict[str, Any], context: _Context) -> str:
    problems: dict[str, str] = {}
    organization = _collect(problems, context.organization, values.pop("branch", None), required=False)
    data = {**values, "organization_id": organization.id if organization else None}
    fields = _load(StaffPostSchema, data, context.unreadable, problems)
    existing = db.session.scalar(
        select(StaffPost).where(
            StaffPost.person_name == fields.get("person_name"),
            StaffPost.kind == fields.get("kind"),
            StaffPost.started_on == fields.get("started_on"),
        )
    )
    if existing is not None:
        if context.branch_id is not None and existing.organization_id != context.branch_id:
            raise _RowProblems({"person_name": _("此岗位属于其他支部，支部书记不能修改")})
        _service(staff_services.update_staff_post, existing, **fields)
        return "updated"
    _service(staff_services.create_staff_post, **fields)
    return "created"


def _publicity_row(values: dict[str, Any], context: _Context) -> str:
    problems: dict[str, str] = {}
    organization = _collect(problems, context.organization, values.pop("branch", None))
    data = {**values, "organization_id": organization.id if organization else None}
    fields = _load(PublicitySchema, data, context.unreadable, problems)
    existing = db.session.scalar(
        select(PublicityReport).where(
            PublicityReport.organization_id == organization.id,
            PublicityReport.published_on == fields["published_on"],
            PublicityReport.title == fields["title"],
        )
    )
    fields.pop("organization_id")
    if existing is not None:
        _service(publicity_services.update_report, existing, **fields)
        return "updated"
    _service(publicity_services.create_report, organization, **fields)
    return "created"


def _development_record_row(values: dict[str, Any], context: _Context) -> str:
    problems: dict[str, str] = {}
    organization = _collect(problems, context.organization, values.pop("branch", None))
    name = _text(values.pop("case", None))
    case = None
    if organization is not None and name:
        found = db.session.scalars(
            select(DevelopmentCase).where(DevelopmentCase.organization_id == organization.id, DevelopmentCase.name == name)
        ).all()
        if not found:
            problems["case"] = _("%(branch)s没有名为“%(name)s”的发展党员案例", branch=organization.name, name=name)
        elif len(found) > 1:
            problems["case"] = _("%(branch)s有 %(count)d 个名为“%(name)s”的发展党员案例，无法区分", branch=organization.name, count=len(found), name=name)
        else:
            case = found[0]
    elif not name:
        problems["case"] = _("缺少必填项")
    fields = _load(DevelopmentRecordSchema, {**values, "case_id": case.id if case else None}, context.unreadable, problems)
    fields.pop("case_id")
    existing = db.session.scalar(
        select(DevelopmentRecord).where(
            DevelopmentRecord.case_id == case.id,
            DevelopmentRecord.kind == fields["kind"],
            DevelopmentRecord.done_on == fields["done_on"],
        )
    )
    if existing is not None:
        _service(development_services.update_record, existing, **{k: v for k, v in fields.items() if k not in ("kind", "done_on")})
        return "updated"
    _service(development_services.add_record, case, **fields)
    return "created"


#: The columns that make two rows of one file the same record (see :func:`_identity`).
IDENTITY = {
    "members": (("id_number",), ("branch", "name", "joined_on")),
    "events": (("branch", "held_on", "kind", "topic"),),
    "dues": (("branch", "member", "year", "month"),),
    "staff": (("person_name", "kind", "started_on"),),
    "publicity": (("branch", "published_on", "title"),),
    "development_records": (("branch", "case", "kind", "done_on"),),
}


def _identity(kind: str, values: dict[str, Any]) -> tuple | None:
    """What identifies the row's record within the file (the first key whose cells are all given)."""
    for columns in IDENTITY[kind]:
        key = tuple(values.get(c) for c in columns)
        if all(not _blank(v) for v in key):
            if columns == ("id_number",):
                key = (str(key[0]).upper(),)
            return (columns, *(str(v) for v in key))
    return None


ROW_HANDLERS = {
    "members": _member_row, "events": _event_row, "dues": _dues_row, "staff": _staff_row,
    "publicity": _publicity_row, "development_records": _development_record_row,
}


# --- the file --------------------------------------------------------------------------------


def _header(spec: SheetSpec, key: str) -> str:
    key = SERVICE_KEYS.get(key, key)
    column = spec.column(key)
    if column is not None:
        return column.header
    head = key.split(".")[0]
    column = spec.column(SERVICE_KEYS.get(head, head))
    return column.header if column is not None else WHOLE_ROW


def import_workbook(
    source: str | Path | IO[bytes],
    *,
    kind: str | None = None,
    branch_id: int | None = None,
) -> ImportResult:
    """Import one workbook into the current unit; commit only if every row is good.

    :param source: a path or a binary file object (an upload).
    :param kind: ``members``, ``events``, ``dues`` or ``staff``; ``None`` → from the sheet name.
    :param branch_id: a secretary's branch: a row of any other branch is refused.
    :returns: the counts, or the row errors (and then nothing was written).
    """
    try:
        data = source.read() if hasattr(source, "read") else Path(source).read_bytes()
    except OSError:
        return ImportResult(kind, errors=[RowError(0, _("文件"), _("无法读取文件"))])
    wanted = [SHEETS[kind].sheet] if kind in SHEETS else [s.sheet for s in SHEETS.values()]
    try:
        parsed = read_rows(data, wanted)
    except WorkbookRefused as refused:
        return ImportResult(kind, errors=[RowError(0, _("文件"), refused.message)])
    if kind is None:
        kind = kind_of_sheet(parsed.sheet_names)
        if kind is None:
            names = "、".join(f"“{s.sheet}”" for s in SHEETS.values())
            return ImportResult(None, errors=[RowError(0, _("文件"), _("无法识别文件内容：找不到工作表 %(names)s，请使用下载的模板或指定类型", names=names))])
    if kind not in SHEETS:
        return ImportResult(kind, errors=[RowError(0, _("类型"), _("不支持的类型“%(kind)s”，可选：%(kinds)s", kind=kind, kinds="、".join(SHEETS)))])
    spec = SHEETS[kind]
    sheet_name = spec.sheet if spec.sheet in parsed.rows else next(iter(parsed.rows), None)
    result = ImportResult(kind)
    if sheet_name is None:
        result.errors.append(RowError(0, spec.sheet, _("工作表中没有数据行")))
        return result

    rows = iter(parsed.rows[sheet_name])
    header = next(rows, None) or ()
    titles = {_text(title): index for index, title in enumerate(header) if not _blank(title)}
    positions = {c.key: titles[c.header] for c in spec.columns if c.header in titles}
    missing = [c.header for c in spec.columns if c.required and c.key not in positions]
    if missing:
        result.errors.append(RowError(1, _("表头"), _("缺少列：%(columns)s", columns="、".join(missing))))
        return result
    headers_by_position = {index: title for title, index in titles.items()}
    for name, row_number, column_number in parsed.long_cells:
        if name == sheet_name:
            result.errors.append(
                RowError(row_number, headers_by_position.get(column_number - 1, WHOLE_ROW),
                         _("内容超过 %(limit)d 个字符", limit=CELL_MAX))
            )

    context = _Context(branch_id)
    handler = ROW_HANDLERS[kind]
    seen: dict[tuple, int] = {}
    for number, cells in enumerate(rows, start=2):
        if all(_blank(c) for c in cells):
            continue
        result.rows += 1
        values, unreadable = _read_row(spec, positions, cells)
        identity = _identity(kind, values)
        if identity is not None:
            if identity in seen:
                result.errors.append(
                    RowError(number, WHOLE_ROW, _("与第 %(row)d 行重复（同一条记录只能出现一次）", row=seen[identity]))
                )
                continue
            seen[identity] = number
        context.unreadable = unreadable
        try:
            outcome = handler(values, context)
        except _RowProblems as problems:
            for key, message in {**problems.errors, **unreadable}.items():
                result.errors.append(RowError(number, _header(spec, key), message))
            continue
        except SQLAlchemyError as error:
            # The database refused a row the checks let through: stop, nothing is kept.
            db.session.rollback()
            result.errors.append(RowError(number, WHOLE_ROW, _("数据库拒绝写入：%(error)s", error=error.__class__.__name__)))
            return result
        if outcome == "created":
            result.created += 1
        else:
            result.updated += 1
    if result.rows == 0:
        result.errors.append(RowError(0, spec.sheet, _("工作表中没有数据行")))
    if result.errors:
        db.session.rollback()
        return result
    db.session.commit()
    return result
