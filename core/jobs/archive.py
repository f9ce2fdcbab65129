"""The "download all" archive: the index sheet and the ZIP of PDFs (files only, no database)."""

from __future__ import annotations

import os
import re
import uuid
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

INDEX_NAME = "index.xlsx"
#: Characters a file name inside a ZIP must not carry (Windows is the strictest reader).
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')

INDEX_COLUMNS = (
    # (header, row key, width in characters)
    ("单位", "unit", 30),
    ("单位类型", "unit_type", 12),
    ("支部代码", "branch_code", 12),
    ("支部名称", "branch_name", 30),
    ("得分", "total", 8),
    ("满分", "max", 8),
    ("等级", "grade", 10),
    ("状态", "status", 22),
    ("文件名", "file", 60),
)
#: A bulk 台账's index: what each branch's ledger holds, not a score (a ledger has none).
LEDGER_INDEX_COLUMNS = (
    ("单位", "unit", 30),
    ("单位类型", "unit_type", 12),
    ("支部代码", "branch_code", 12),
    ("支部名称", "branch_name", 30),
    (_l("年度"), "year", 8),
    (_l("年末在册党员数"), "members_at_end", 10),
    (_l("已记录会议和活动数"), "events_recorded", 10),
    (_l("有记录的部分"), "sections_present", 60),
    (_l("无记录的部分"), "sections_missing", 40),
    ("状态", "status", 22),
    ("文件名", "file", 60),
)


def safe_name(text: str) -> str:
    """A file-name part that every unzip tool accepts."""
    return _UNSAFE.sub("_", text).strip(" .") or "_"


def write_index(
    rows: list[dict[str, Any]], path: Path, columns: tuple[tuple[Any, str, int], ...] = INDEX_COLUMNS
) -> None:
    """The ZIP's index as an Excel sheet: Chinese headers, widths set, header row frozen.

    :param columns: :data:`INDEX_COLUMNS` (scorecards) or :data:`LEDGER_INDEX_COLUMNS`.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from core.excel.safety import defuse

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("评分表索引") if columns is INDEX_COLUMNS else _("台账索引")
    sheet.append([_(str(header)) for header, _key, _width in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = []
        for _header, key, _width in columns:
            value = row.get(key)
            # Points as numbers, so the sheet can be sorted and summed.
            values.append(
                Decimal(value) if key in ("total", "max") and value not in (None, "") else value
            )
        sheet.append(values)
    for number, (_header, _key, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    path.parent.mkdir(parents=True, exist_ok=True)
    defuse(workbook)  # unit and branch names written as text, never as formulas
    workbook.save(path)


def write_zip(target: Path, index: Path, files: Iterable[tuple[Path, str]]) -> None:
    """Write the ZIP: the index first, then each ``(file on disk, name in the ZIP)``.

    Written under a temporary name and moved into place, so a reader never sees half a ZIP.
    """
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    with zipfile.ZipFile(temporary, "w") as archive:
        archive.write(index, INDEX_NAME, compress_type=zipfile.ZIP_DEFLATED)
        for source, name in files:
            # PDFs are compressed already: stored as they are, the ZIP is written at disk speed.
            archive.write(source, name, compress_type=zipfile.ZIP_STORED)
    os.replace(temporary, target)
