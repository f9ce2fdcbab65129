"""Hostile files: a ZIP bomb, a huge cell, too many rows, the wrong type — through the web and the
CLI, each refused with a Chinese message while this process's memory stays flat (the parse runs
in a capped child process). Also: duplicate rows name both rows, and one pass reports every
error of a row (a bad branch code no longer hides the others)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from core.cli import main
from core.excel.reader import WorkbookRefused, check_archive
from core.excel.sheets import SHEETS
from core.excel.workbooks import new_workbook, to_bytes
from core.members.models import Member
from core.tenancy import use_tenant

#: Growth of this process's peak memory any one hostile file may cause.
MAX_GROWTH_KB = 40 * 1024


@pytest.fixture
def unit(tenant, make_organization):
    make_organization(tenant, "b1", name="第一党支部")
    return tenant


def _members_file(tenant, rows: list[list]) -> bytes:
    spec = SHEETS["members"]
    with use_tenant(tenant.id):
        workbook = new_workbook(spec, tenant)
    sheet = workbook[spec.sheet]
    for row in rows:
        sheet.append(row)
    return to_bytes(workbook)


def _row(**cells) -> list:
    headers = [c.key for c in SHEETS["members"].columns]
    base = {"branch": "b1", "name": "张三", "status": "正式党员", "joined_on": dt.date(2010, 7, 1)}
    base.update(cells)
    return [base.get(key) for key in headers]


def _bomb() -> bytes:
    """A valid-looking .xlsx whose shared strings unpack to 80 MB (about 80 KB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w") as part:
            chunk = b"A" * (1024 * 1024)
            for _ in range(80):
                part.write(chunk)
    return buffer.getvalue()


def _many_parts() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(500):
            archive.writestr(f"xl/part{number}.xml", "<x/>")
    return buffer.getvalue()


def _many_rows(count: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员花名册")
    sheet.append([c.header for c in SHEETS["members"].columns])
    for number in range(count):
        sheet.append(["b1", f"党员{number}", None, None, None, None, None, None, None, "正式党员", "2010-07-01"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _upload(client, data: bytes, name: str = "members.xlsx"):
    # Encoded here, in memory: the test client would spool a body over 500 KB to a temporary
    # file it never closes (a ResourceWarning in whichever test runs next).
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(
        "/units/caizhengju/excel/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _errors(response) -> set[tuple[str, str, str]]:
    """(row, column, message) of the upload report's table."""
    rows = re.findall(r"<tr><td>(\d*)</td><td>(.*?)</td><td>(.*?)</td></tr>", response.get_data(as_text=True))
    return set(rows)


def _count(db, tenant) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count(Member.id)))


def test_archive_checks_refuse_before_parsing():
    with pytest.raises(WorkbookRefused, match="解压后超过"):
        check_archive(_bomb())
    with pytest.raises(WorkbookRefused, match="部件"):
        check_archive(_many_parts())
    with pytest.raises(WorkbookRefused, match="不是有效的 Excel"):
        check_archive(b"\x89PNG\r\n\x1a\n not a zip")


class TestHostileFiles:
    @pytest.fixture
    def app_config(self):
        return {"EXCEL_MAX_ROWS": 300}

    @pytest.mark.parametrize(
        "make, message",
        [
            (_bomb, "解压后超过"),
            (_many_parts, "部件"),
            (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048, "不是有效的 Excel"),
            (lambda: "姓名,支部\n张三,b1\n".encode(), "不是有效的 Excel"),
            (lambda: _many_rows(400), "超过 300 行"),
            (lambda: _million_rows(), "超过 300 行"),
            (lambda: _one_huge_cell_bomb(), "解压后超过"),
            (lambda: _huge_cell_within_limits(), "内容超过 5000 个字符"),
        ],
        ids=["bomb", "parts", "png", "csv", "rows", "million-rows", "huge-cell-bomb", "huge-cell"],
    )
    def test_web_and_cli_refuse_with_bounded_memory(
        self, unit, make_user, login, client, runner, db, tmp_path, make, message
    ):
        data = make()
        login(make_user("unit_admin", unit))
        before = _peak_kb()
        response = _upload(client, data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        path = tmp_path / "hostile.xlsx"
        path.write_bytes(data)
        result = runner.invoke(main, ["import", "--tenant", "caizhengju", "--kind", "members", str(path)])
        assert result.exit_code != 0 and message in result.output, result.output
        assert _peak_kb() - before < MAX_GROWTH_KB
        assert _count(db, unit) == 0

    def test_huge_cell_is_named(self, unit, make_user, login, client, db):
        login(make_user("unit_admin", unit))
        data = _members_file(unit, [_row(note="长" * 100_000)])
        before = _peak_kb()
        response = _upload(client, data)
        assert response.status_code == 400
        assert ("2", "备注", "内容超过 5000 个字符") in _errors(response), _errors(response)
        assert _peak_kb() - before < MAX_GROWTH_KB
        assert _count(db, unit) == 0


def test_duplicate_rows_name_both_rows(unit, make_user, login, client, db):
    login(make_user("unit_admin", unit))
    data = _members_file(unit, [_row(), _row(name="李四"), _row()])
    errors = _errors(_upload(client, data))
    assert ("4", "（整行）", "与第 2 行重复（同一条记录只能出现一次）") in errors, errors
    assert _count(db, unit) == 0


def test_every_error_of_a_row_in_one_pass(unit, make_user, login, client, db):
    login(make_user("unit_admin", unit))
    data = _members_file(unit, [_row(branch="zz", phone="123", gender="未知")])
    columns = {(row, column) for row, column, _message in _errors(_upload(client, data))}
    assert {("2", "支部代码"), ("2", "手机号"), ("2", "性别")} <= columns, columns
    assert _count(db, unit) == 0


def test_a_good_file_still_imports(unit, make_user, login, client, db):
    login(make_user("unit_admin", unit))
    data = _members_file(unit, [_row(), _row(name="李四", joined_on=dt.date(2012, 7, 1))])
    response = _upload(client, data)
    assert response.status_code == 200, response.get_data(as_text=True)[-800:]
    assert _count(db, unit) == 2


# --- YAML ------------------------------------------------------------------------------------

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(8)
) + "parameters: {organ.funding_ratio: *i}\n"


def test_yaml_alias_bomb_is_refused_quickly():
    import yaml

    from core import safe_yaml

    with pytest.raises(yaml.YAMLError, match="别名炸弹"):
        safe_yaml.load(BILLION_LAUGHS)
    assert safe_yaml.load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}
    with pytest.raises(yaml.YAMLError, match="超过"):
        safe_yaml.load("a: " + "x" * (safe_yaml.MAX_BYTES + 1))


def test_override_file_with_an_alias_bomb_is_a_clear_error(tmp_path):
    from core.scoring.overrides import OverrideFileError, read_override_file

    path = tmp_path / "overrides.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    with pytest.raises(OverrideFileError, match="别名炸弹"):
        read_override_file(path)


def test_standard_file_with_an_alias_bomb_is_a_problem(tmp_path):
    from core.standards.loader import check_standard_file

    path = tmp_path / "standard.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    problems = check_standard_file(path)
    assert any("别名炸弹" in p.message for p in problems), problems


# --- the same hostile files through `branchmark import`, a real process ------------------------

#: Peak resident memory the CLI process and its parsing child may reach on any hostile file.
CLI_MAX_RSS_KB = 300 * 1024


def _one_huge_cell_bomb() -> bytes:
    """One 1 GiB cell in a file of about 1 MB (issue 13's "huge cell" that held a worker at 2 GB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
            chunk = b"A" * (16 * 1024 * 1024)
            for _ in range(64):
                part.write(chunk)
            part.write(b"</t></is></c></row></sheetData></worksheet>")
    return buffer.getvalue()


def _workbook_with_sheet(write_rows) -> bytes:
    """A members workbook whose sheet XML is written by ``write_rows(part)`` (streamed, so a
    file of a million rows takes a second rather than openpyxl's minutes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_many_rows(1))) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                archive.writestr(item, source.read(item))
                continue
            with archive.open(item.filename, "w", force_zip64=True) as part:
                part.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row>')
                for column in SHEETS["members"].columns:
                    part.write(b'<c t="inlineStr"><is><t>%s</t></is></c>' % column.header.encode())
                part.write(b"</row>")
                write_rows(part)
                part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _huge_cell_within_limits() -> bytes:
    """One cell of 8 million characters that do not compress away (24 MB of XML text)."""
    import random

    text = "".join(random.Random(13).choices("党支部标准化规范化建设平台", k=8_000_000)).encode()
    return _workbook_with_sheet(lambda part: part.write(b'<row><c t="inlineStr"><is><t>' + text + b"</t></is></c></row>"))


def _million_rows() -> bytes:
    """A sheet of one million rows (within the archive's limits: the row cap must stop it)."""

    def rows(part) -> None:
        for number in range(2, 1_000_002):
            part.write(b'<row r="%d"><c r="K%d"><v>%d</v></c></row>' % (number, number, number * 7919 % 100_003))

    return _workbook_with_sheet(rows)


#: Runs a command and prints its exit code, then the peak RSS (KB) and CPU seconds of it and every
#: process it waited for. A small process of its own, because a child forked straight from this
#: (large) test process would carry the test's resident pages in its peak until it execs.
_MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"\\n{code} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.2f}")
"""


def _run_cli(args: list[str], database_url: str) -> tuple[int, str, int, float]:
    """Run ``branchmark ARGS`` as its own process: (exit code, output, peak RSS in KB, CPU seconds).

    The peak is the largest resident set of the CLI process and of the parsing process it
    starts, so it covers the whole import.
    """
    command = [sys.executable, "-I", "-c", _MEASURE, str(Path(sys.executable).with_name("branchmark")), *args]
    env = {**os.environ, "BRANCHMARK_DATABASE_URL": database_url}
    # The timeout is a hang guard only: time is reported (docs/security.md), never asserted.
    done = subprocess.run(command, capture_output=True, env=env, timeout=300, check=False)  # noqa: S603
    output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    code, peak_kb, cpu = done.stdout.decode().rsplit("\n", 2)[-2].split()
    return int(code), output, int(peak_kb), float(cpu)


@pytest.mark.slow
@pytest.mark.parametrize(
    "make, message",
    [
        (_bomb, "解压后超过"),
        (_one_huge_cell_bomb, "解压后超过"),
        (_huge_cell_within_limits, "内容超过 5000 个字符"),
        (_million_rows, "超过 5000 行"),
        (_many_parts, "部件"),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048, "不是有效的 Excel"),
        (lambda: "姓名,支部\n张三,b1\n".encode(), "不是有效的 Excel"),
    ],
    ids=["bomb", "huge-cell-bomb", "huge-cell", "million-rows", "parts", "png", "csv"],
)
def test_cli_process_refuses_hostile_files_within_300_mb(unit, db, database_url, tmp_path, make, message):
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(make())
    code, output, peak_kb, cpu = _run_cli(["import", "--tenant", "caizhengju", "--kind", "members", str(path)], database_url)
    print(f"{path.stat().st_size // 1024} KB file: exit {code}, peak {peak_kb // 1024} MB, CPU {cpu:.1f} s")
    assert code != 0
    assert message in output, output[-2000:]
    assert "Traceback" not in output
    assert max(len(line) for line in output.splitlines()) < 300, "a message quotes a whole hostile cell"
    assert peak_kb < CLI_MAX_RSS_KB, f"{peak_kb // 1024} MB"
    assert _count(db, unit) == 0
