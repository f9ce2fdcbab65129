"""Reading an uploaded workbook so that a hostile file costs a bounded slice of one process.

1. :func:`check_archive` looks at the ``.xlsx`` (a ZIP) before anything parses it: the number
   of parts, the uncompressed size of each and of all, and the compression ratio — a 1 MB file
   that unpacks to 1 GiB is refused here, in microseconds.
2. :func:`read_rows` parses in a child process (``python -m core.excel.reader``) whose address
   space is capped with ``RLIMIT_AS`` and whose run time is capped with a timeout; openpyxl
   streams the rows (``read_only``), at most :data:`MAX_ROWS` rows of :data:`MAX_COLUMNS` cells,
   each text at most :data:`~core.validation.CELL_MAX` characters. The child imports nothing of
   the application (only openpyxl), so it starts small. The web worker or CLI only
   receives plain values (JSON), so it never grows with the file.

The numbers are settings (``EXCEL_MAX_ROWS`` …) with the defaults below.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

#: Data rows one import may hold (a county unit's roster is a few hundred).
MAX_ROWS = 5000
#: Columns read per row (the widest template has 14).
MAX_COLUMNS = 40
#: Parts of the ZIP (a workbook from Excel or WPS has 10–30).
MAX_PARTS = 200
#: Uncompressed bytes of the whole archive, and the largest compression ratio of one part.
MAX_UNCOMPRESSED = 64 * 1024 * 1024
MAX_RATIO = 200
#: Address space and run time of the parsing process.
MEMORY_LIMIT = 768 * 1024 * 1024
TIMEOUT_SECONDS = 60


class WorkbookRefused(ValueError):
    """The file is not read: ``message`` (Chinese) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Parsed:
    """What the child process read: the sheet names and the rows of the sheets asked for."""

    sheet_names: list[str]
    rows: dict[str, list[list[Any]]] = field(default_factory=dict)
    #: Cells longer than the cap: (sheet, row number, column number).
    long_cells: list[tuple[str, int, int]] = field(default_factory=list)


def _setting(name: str, default: int) -> int:
    try:
        from flask import current_app

        return int(current_app.config.get(name, default))
    except RuntimeError:  # outside an application (the child process)
        return default


def check_archive(data: bytes) -> None:
    """Refuse a file whose ZIP structure would cost too much to unpack.

    :raises WorkbookRefused: with a Chinese message.
    """
    from flask_babel import gettext as _

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise WorkbookRefused(_("不是有效的 Excel 文件（.xlsx），请使用下载的模板")) from None
    if len(members) > _setting("EXCEL_MAX_PARTS", MAX_PARTS):
        raise WorkbookRefused(_("文件结构异常（包含 %(count)d 个部件），未读取", count=len(members)))
    total = sum(m.file_size for m in members)
    if total > _setting("EXCEL_MAX_UNCOMPRESSED", MAX_UNCOMPRESSED):
        raise WorkbookRefused(
            _("文件解压后超过 %(mb)d MB，未读取；请删去多余内容或分批导入", mb=MAX_UNCOMPRESSED // (1024 * 1024))
        )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise WorkbookRefused(_("文件压缩比异常（疑似压缩炸弹），未读取"))


def read_rows(data: bytes, wanted: list[str], *, first_if_missing: bool = True) -> Parsed:
    """Parse the workbook in a memory-capped child process.

    :param wanted: sheet names whose rows are wanted; others are not parsed.
    :param first_if_missing: also read the first sheet when none of ``wanted`` exists.
    :raises WorkbookRefused: a bad archive, an unreadable file, or a parse over its limits.
    """
    from flask_babel import gettext as _

    from core.validation import CELL_MAX

    check_archive(data)
    request = {
        "wanted": wanted,
        "first_if_missing": first_if_missing,
        "max_rows": _setting("EXCEL_MAX_ROWS", MAX_ROWS),
        "max_columns": MAX_COLUMNS,
        "cell_max": CELL_MAX,
    }
    memory = _setting("EXCEL_PARSE_MEMORY", MEMORY_LIMIT)
    env = {**os.environ, "BRANCHMARK_READER_REQUEST": json.dumps(request)}
    try:
        done = subprocess.run(  # noqa: S603 - our own module, no shell, the file on stdin
            # -I: isolated (no site dir of the user, no script dir on the path); only openpyxl runs.
            [sys.executable, "-I", os.path.abspath(__file__)],
            input=data,
            capture_output=True,
            timeout=_setting("EXCEL_PARSE_TIMEOUT", TIMEOUT_SECONDS),
            preexec_fn=lambda: _limit_memory(memory),  # noqa: PLW1509 - no threads run in between
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise WorkbookRefused(_("文件过于复杂，读取超时，未导入；请删去多余内容或分批导入")) from None
    if done.returncode != 0:
        outcome = done.stdout.decode("utf-8", "replace").strip()
        if outcome == "too-many-rows":
            raise WorkbookRefused(_("数据超过 %(rows)d 行，未导入；请分批导入", rows=request["max_rows"]))
        if outcome == "unreadable":
            raise WorkbookRefused(_("不是有效的 Excel 文件（.xlsx），请使用下载的模板"))
        raise WorkbookRefused(_("文件过大或过于复杂，读取时超出内存限制，未导入；请分批导入"))
    return _decode(json.loads(done.stdout))


def _limit_memory(limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# --- the child process -------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
    return value


def _decode(payload: dict[str, Any]) -> Parsed:
    return Parsed(
        sheet_names=list(payload["sheet_names"]),
        rows={name: [[_decode_value(v) for v in row] for row in rows] for name, rows in payload["rows"].items()},
        long_cells=[tuple(c) for c in payload["long_cells"]],
    )


def _parse(source: IO[bytes], request: dict[str, Any]) -> dict[str, Any]:
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    # openpyxl reads each sheet's claimed size when it opens the workbook, and a sheet without a
    # <dimension> element is scanned to its end for it: 64 MB of rows cost seconds before the
    # first row. The claim is not trusted anyway (reset_dimensions below), so it is not read.
    ReadOnlyWorksheet._get_size = lambda self: None
    workbook = load_workbook(source, read_only=True, data_only=True)
    names = list(workbook.sheetnames)
    chosen = [n for n in names if n in request["wanted"]]
    if not chosen and request["first_if_missing"] and names:
        chosen = [names[0]]
    rows: dict[str, list[list[Any]]] = {}
    long_cells: list[tuple[str, int, int]] = []
    for name in chosen:
        out: list[list[Any]] = []
        sheet = workbook[name]
        sheet.reset_dimensions()  # a file's own dimensions claim is not trusted
        for number, cells in enumerate(sheet.iter_rows(max_col=request["max_columns"], values_only=True), start=1):
            if number > request["max_rows"] + 1:  # + the header row
                raise OverflowError("too-many-rows")
            row = []
            for column, value in enumerate(cells, start=1):
                if isinstance(value, str) and len(value) > request["cell_max"]:
                    long_cells.append((name, number, column))
                    value = value[: request["cell_max"]]
                row.append(_encode(value))
            while row and row[-1] in (None, ""):
                row.pop()
            out.append(row)
        while out and not out[-1]:
            out.pop()
        rows[name] = out
    workbook.close()
    return {"sheet_names": names, "rows": rows, "long_cells": long_cells}


def _main() -> int:
    request = json.loads(os.environ["BRANCHMARK_READER_REQUEST"])
    data = sys.stdin.buffer.read()
    try:
        payload = _parse(io.BytesIO(data), request)
    except OverflowError:
        sys.stdout.write("too-many-rows")
        return 3
    except MemoryError:
        return 4
    except Exception:  # noqa: BLE001 - any file openpyxl cannot read is "not a workbook"
        sys.stdout.write("unreadable")
        return 2
    sys.stdout.write(json.dumps(payload, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
