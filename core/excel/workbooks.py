"""Writing workbooks: import templates and exports of a unit's records and scorecards.

A template and an export are the same workbook — an export is a template with rows — so what a
unit exports imports unchanged (into itself or another unit with the same branch codes). Codes
are written as their Chinese labels; drop-down lists (data validation) offer the labels and the
unit's branch codes from a hidden code sheet.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api.schemas import shows_personal_data
from core.audit.recorder import mask_personal
from core.dues.models import DuesPayment
from core.events.models import Event
from core.excel.safety import defuse
from core.excel.sheets import (
    BOOLEAN,
    BRANCH,
    CODE,
    CODES,
    NAMES,
    NO,
    SCORE_HEADERS,
    SHEETS,
    YES,
    SheetSpec,
)
from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member
from core.organizations.models import Organization
from core.sorting import pinyin_key
from core.staffing.models import StaffPost
from core.vocabulary import label

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B22222")
CODE_SHEET = "代码表"
INSTRUCTIONS_SHEET = "填写说明"
#: Rows that carry a drop-down list in a template.
VALIDATED_ROWS = 2000


def _branch_codes(branch_id: int | None) -> list[str]:
    query = select(Organization.code).order_by(Organization.code)
    if branch_id is not None:
        query = query.where(Organization.id == branch_id)
    else:
        query = query.where(Organization.kind.in_(("branch", "joint_branch")))
    return list(db.session.scalars(query))


def new_workbook(spec: SheetSpec, tenant: Tenant, *, branch_id: int | None = None) -> Workbook:
    """An empty import template for ``spec``: data sheet, instructions and drop-down lists.

    :param branch_id: a secretary's branch: the only code offered.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.sheet
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"

    codes = workbook.create_sheet(CODE_SHEET)
    lists: dict[str, list[str]] = {}
    for column in spec.columns:
        if column.kind in (CODE, CODES) and column.vocabulary:
            lists[column.key] = [str(v) for v in column.vocabulary.values()]
        elif column.kind == BOOLEAN:
            lists[column.key] = [YES, NO]
        elif column.kind == BRANCH:
            lists[column.key] = _branch_codes(branch_id)
    for position, (key, values) in enumerate(lists.items(), start=1):
        column = spec.column(key)
        codes.cell(row=1, column=position, value=column.header)
        for row, value in enumerate(values, start=2):
            codes.cell(row=row, column=position, value=value)
        if column.kind == CODES or not values:
            continue  # several labels in one cell: a list would refuse them
        letter = get_column_letter(position)
        validation = DataValidation(
            type="list",
            formula1=f"'{CODE_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="输入有误",
            error=f"请从下拉列表中选择{column.header}",
        )
        data_letter = get_column_letter(spec.columns.index(column) + 1)
        validation.add(f"{data_letter}2:{data_letter}{VALIDATED_ROWS + 1}")
        sheet.add_data_validation(validation)
    codes.sheet_state = "hidden"

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.append([f"{tenant.name} · {spec.title} · 填写说明"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in (
        *spec.notes,
        f"数据写在“{spec.sheet}”工作表，第 1 行为表头，请勿修改表头和工作表名称。",
        "导入时逐行检查：任何一行有错，整个文件都不会写入，并列出每个出错的行和列。",
    ):
        notes.append([line])
    notes.append([])
    notes.append(["列", "必填", "说明", "可选值"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        choices = "、".join(lists.get(column.key, [])) if column.kind != BRANCH else ""
        notes.append([column.header, YES if column.required else "", column.note, choices])
    for letter, width in zip("ABCD", (16, 6, 50, 60), strict=True):
        notes.column_dimensions[letter].width = width
    return workbook


def to_bytes(workbook: Workbook) -> bytes:
    """The workbook as an .xlsx file's bytes, every cell a value (:func:`~core.excel.safety.defuse`)."""
    defuse(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(kind: str, value: Any, vocabulary: dict | None = None) -> Any:
    if value is None:
        return None
    if kind == CODE:
        return label(vocabulary or {}, value)
    if kind == BOOLEAN:
        return YES if value else NO
    if isinstance(value, Decimal):
        # A number Excel can add up; str(float) gives back the same two decimals on import.
        return float(value)
    return value


def _write_rows(workbook: Workbook, spec: SheetSpec, rows: Iterable[dict[str, Any]]) -> int:
    sheet = workbook[spec.sheet]
    count = 0
    for row_number, row in enumerate(rows, start=2):
        for index, column in enumerate(spec.columns, start=1):
            value = row.get(column.key)
            if column.kind not in (CODES, NAMES, BRANCH):
                value = _cell(column.kind, value, column.vocabulary)
            cell = sheet.cell(row=row_number, column=index, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        count += 1
    return count


def _personal(value: str | None) -> str | None:
    return value if shows_personal_data() else mask_personal(value)


def member_rows(branch_id: int | None = None) -> list[dict[str, Any]]:
    """The unit's current and former members as template rows (personal data per role)."""
    query = select(Member, Organization.code).join(Organization, Organization.id == Member.organization_id)
    if branch_id is not None:
        query = query.where(Member.organization_id == branch_id)
    rows = []
    for member, code in db.session.execute(query.order_by(Organization.code, Member.id)):
        row = {column.key: getattr(member, column.key, None) for column in SHEETS["members"].columns}
        row["branch"] = code
        row["id_number"] = _personal(member.id_number)
        row["phone"] = _personal(member.phone)
        rows.append(row)
    # Within each branch, names in pinyin order (the export is read by people).
    return sorted(rows, key=lambda row: (row["branch"], pinyin_key(row.get("name"))))


def _names(entries: list[tuple[str, str | None]]) -> str | None:
    if not entries:
        return None
    return "、".join(f"{name}（{reason}）" if reason else name for name, reason in entries)


def event_rows(branch_id: int | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """Events with their attendance as template rows."""
    query = (
        select(Event)
        .options(selectinload(Event.kinds), selectinload(Event.attendance), selectinload(Event.organization))
        .order_by(Event.held_on, Event.id)
    )
    if branch_id is not None:
        query = query.where(Event.organization_id == branch_id)
    if year is not None:
        query = query.where(Event.held_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    events = list(db.session.scalars(query))
    names = dict(
        db.session.execute(
            select(Member.id, Member.name).where(
                Member.id.in_({a.member_id for e in events for a in e.attendance})
            )
        ).all()
    ) if events else {}
    rows = []
    for event in events:
        attendance: dict[str, list[tuple[str, str | None]]] = {"present": [], "excused": [], "absent": []}
        for entry in sorted(event.attendance, key=lambda a: a.member_id):
            attendance[entry.status].append((names.get(entry.member_id, str(entry.member_id)), entry.reason))
        others = [k for k in event.kind_codes if k != event.kind]
        rows.append(
            {
                "branch": event.organization.code,
                "held_on": event.held_on,
                "kind": event.kind,
                "kinds": "、".join(label(SHEETS["events"].column("kinds").vocabulary, k) for k in sorted(others)) or None,
                "topic": event.topic,
                "location": event.location,
                "presenter": event.presenter,
                "recorder": event.recorder,
                "training_hours": event.training_hours,
                "paper_record": event.paper_record,
                "present": _names(attendance["present"]),
                "excused": _names(attendance["excused"]),
                "absent": _names(attendance["absent"]),
                "minutes": event.minutes,
            }
        )
    return rows


def dues_rows(branch_id: int | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """The dues ledger as template rows."""
    query = (
        select(DuesPayment, Member.name, Organization.code)
        .join(Member, Member.id == DuesPayment.member_id)
        .join(Organization, Organization.id == Member.organization_id)
        .order_by(Organization.code, Member.id, DuesPayment.year, DuesPayment.month)
    )
    if branch_id is not None:
        query = query.where(Member.organization_id == branch_id)
    if year is not None:
        query = query.where(DuesPayment.year == year)
    rows = []
    for payment, name, code in db.session.execute(query):
        row = {column.key: getattr(payment, column.key, None) for column in SHEETS["dues"].columns}
        row.update(branch=code, member=name)
        rows.append(row)
    return sorted(
        rows, key=lambda row: (row["branch"], pinyin_key(row["member"]), row["year"], row["month"])
    )


def staff_rows(branch_id: int | None = None) -> list[dict[str, Any]]:
    """Staff posts as template rows."""
    query = select(StaffPost, Organization.code).outerjoin(
        Organization, Organization.id == StaffPost.organization_id
    ).order_by(StaffPost.started_on, StaffPost.id)
    if branch_id is not None:
        query = query.where(StaffPost.organization_id == branch_id)
    rows = []
    for post, code in db.session.execute(query):
        row = {column.key: getattr(post, column.key, None) for column in SHEETS["staff"].columns}
        row["branch"] = code
        rows.append(row)
    return rows


def publicity_rows(branch_id: int | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """The unit's reports (one branch's, one year's) in the import layout, by date."""
    from core.publicity.models import PublicityReport

    query = (
        select(PublicityReport, Organization.code)
        .join(Organization, Organization.id == PublicityReport.organization_id)
        .order_by(PublicityReport.published_on, PublicityReport.id)
    )
    if branch_id is not None:
        query = query.where(PublicityReport.organization_id == branch_id)
    if year is not None:
        query = query.where(PublicityReport.published_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    rows = []
    for report, code in db.session.execute(query):
        row = {column.key: getattr(report, column.key, None) for column in SHEETS["publicity"].columns}
        row["branch"] = code
        rows.append(row)
    return rows


def development_record_rows(branch_id: int | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """The unit's repeated development records (one branch's, one year's), by date."""
    from core.development.models import DevelopmentRecord
    from core.members.models import DevelopmentCase

    query = (
        select(DevelopmentRecord, DevelopmentCase.name, Organization.code)
        .join(DevelopmentCase, DevelopmentCase.id == DevelopmentRecord.case_id)
        .join(Organization, Organization.id == DevelopmentCase.organization_id)
        .order_by(DevelopmentRecord.done_on, DevelopmentRecord.id)
    )
    if branch_id is not None:
        query = query.where(DevelopmentCase.organization_id == branch_id)
    if year is not None:
        query = query.where(DevelopmentRecord.done_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    rows = []
    for record, name, code in db.session.execute(query):
        row = {column.key: getattr(record, column.key, None) for column in SHEETS["development_records"].columns}
        row.update(branch=code, case=name)
        rows.append(row)
    return rows


ROWS = {
    "members": member_rows, "events": event_rows, "dues": dues_rows, "staff": staff_rows,
    "publicity": publicity_rows, "development_records": development_record_rows,
}
#: Exports that take a year.
BY_YEAR = ("events", "dues", "publicity", "development_records")


def export_records(kind: str, tenant: Tenant, *, branch_id: int | None = None, year: int | None = None) -> Workbook:
    """A unit's records of one kind in the import template's layout (the tenant must be chosen).

    :param branch_id: only this branch's rows (a secretary's export).
    :param year: for events and dues: only this year.
    """
    spec = SHEETS[kind]
    workbook = new_workbook(spec, tenant, branch_id=branch_id)
    producer = ROWS[kind]
    rows = producer(branch_id, year) if kind in BY_YEAR else producer(branch_id)
    _write_rows(workbook, spec, rows)
    return workbook


def score_rows(score: dict[str, Any]) -> list[list[Any]]:
    """``score_unit(...).to_dict()`` as rows: one per item of every branch."""
    rows = []
    for branch in score["branches"]:
        for block in branch["blocks"]:
            for item in block["items"]:
                rows.append(
                    [
                        score["tenant_name"], branch["code"], branch["name"], block["title"],
                        item["title"], _number(item["score"]), _number(item["max"]), item["status"],
                        _plain_text(item["explanation"]), _plain_text(item["citation"]),
                    ]
                )
    return rows


def _plain_text(value: Any) -> str | None:
    """A citation or explanation as one cell of text (citations come as dicts with a label)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("label") or value.get("document") or value)
    if isinstance(value, list | tuple):
        return "；".join(t for t in (_plain_text(v) for v in value) if t)
    return str(value)


def _number(value: Any) -> Any:
    if value is None:
        return None
    try:
        return float(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return value


def export_scores(score: dict[str, Any]) -> Workbook:
    """A scorecard result as a workbook: items sheet plus a branch summary sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "评分结果"
    sheet.append(list(SCORE_HEADERS))
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in score_rows(score):
        sheet.append(row)
    for letter, width in zip("ABCDEFGHIJ", (18, 10, 16, 16, 30, 7, 7, 10, 60, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    summary = workbook.create_sheet("支部汇总")
    summary.append(["单位", "支部代码", "支部", "总分", "满分", "等次", "状态", "不评定原因"])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    for branch in score["branches"]:
        summary.append(
            [
                score["tenant_name"], branch["code"], branch["name"], _number(branch["total"]),
                _number(branch["max"]), branch["grade"], branch["status"], branch["not_rated_reason"],
            ]
        )
    if score.get("not_scored_reason"):
        summary.append([score["tenant_name"], None, None, None, None, None, None, score["not_scored_reason"]])
    return workbook
