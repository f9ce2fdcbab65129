"""The 台账 as an Excel workbook: one sheet per section, its tables one under another."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.excel.workbooks import HEADER_FILL, HEADER_FONT, to_bytes
from core.ledger.build import Ledger

#: Characters Excel refuses in a sheet name.
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
CAPTION_FONT = Font(bold=True, size=12)
FIGURE_FILL = PatternFill("solid", fgColor="F3E5E5")


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # a number Excel can add up
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def ledger_workbook(ledger: Ledger) -> bytes:
    """The workbook's bytes; every text cell is neutralised (never read as a formula)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in ledger.sections:
        name = _SHEET_UNSAFE.sub("", f"{section.number}.{section.title}")[:31]
        sheet = workbook.create_sheet(name)
        sheet.append([f"{ledger.unit_name} · {ledger.branch_name} · {ledger.year}年度 · {section.title}"])
        sheet["A1"].font = Font(bold=True, size=14)
        widths: dict[int, int] = {}
        if section.figures:
            sheet.append([])
            for figure, value in section.figures:
                sheet.append([figure, _value(value)])
                sheet.cell(row=sheet.max_row, column=1).fill = FIGURE_FILL
        for table in section.tables:
            sheet.append([])
            sheet.append([table.caption])
            sheet.cell(row=sheet.max_row, column=1).font = CAPTION_FONT
            sheet.append(list(table.headers))
            for cell in sheet[sheet.max_row]:
                cell.font, cell.fill = HEADER_FONT, HEADER_FILL
                cell.alignment = Alignment(horizontal="center", wrap_text=True)
            for index, head in enumerate(table.headers):
                widths[index] = max(widths.get(index, 0), len(head) * 2 + 2)
            if not table.rows:
                sheet.append([table.empty])
            for row in table.rows:
                sheet.append([_value(v) for v in row])
                for index, value in enumerate(row):
                    cell = sheet.cell(row=sheet.max_row, column=index + 1)
                    if isinstance(value, dt.date):
                        cell.number_format = "yyyy-mm-dd"
                    if index in table.long:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                        widths[index] = max(widths.get(index, 0), 40)
                    else:
                        widths[index] = min(max(widths.get(index, 0), len(str(value or "")) + 4), 30)
        for index, width in widths.items():
            sheet.column_dimensions[get_column_letter(index + 1)].width = max(width, 8)
    return to_bytes(workbook)
