"""Excel pages (permissions, upload report, downloads) and the import/export commands."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.cli import main
from core.excel.sheets import SHEETS
from core.excel.workbooks import new_workbook, to_bytes
from core.members.models import Member
from core.staffing.models import StaffPost
from core.tenancy import use_tenant


@pytest.fixture
def unit(tenant, make_organization, make_member):
    b1 = make_organization(tenant, "b1", name="第一党支部")
    b1_id = b1.id
    b2 = make_organization(tenant, "b2", name="第二党支部")
    b2_id = b2.id
    make_member(b1, name="张三", dues_base=Decimal("5400"), id_number="11010519491231002X")
    make_member(b2, name="王五", dues_base=Decimal("3000"))
    return {"tenant": tenant, "b1": b1_id, "b2": b2_id}


def _staff_file(tenant, rows: list[tuple]) -> bytes:
    spec = SHEETS["staff"]
    with use_tenant(tenant.id):
        workbook = new_workbook(spec, tenant)
    sheet = workbook[spec.sheet]
    for row in rows:
        sheet.append(list(row))
    return to_bytes(workbook)


def _count(db, tenant, model) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count(model.id)))


def test_page_and_downloads_for_unit_admin(unit, make_user, login, client):
    login(make_user("unit_admin", unit["tenant"]))
    page = client.get("/units/caizhengju/excel")
    assert page.status_code == 200 and "党员花名册" in page.get_data(as_text=True)
    template = client.get("/units/caizhengju/excel/template/members")
    assert template.status_code == 200
    workbook = load_workbook(io.BytesIO(template.data))
    assert workbook.sheetnames[0] == "党员花名册"
    export = client.get("/units/caizhengju/excel/export/members")
    rows = list(load_workbook(io.BytesIO(export.data))["党员花名册"].iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in rows} == {"张三", "王五"}
    # The unit admin's role needs personal data: shown whole (a secretary's export masks it).
    assert next(r for r in rows if r[1] == "张三")[7] == "11010519491231002X"
    scores = client.get("/units/caizhengju/excel/export/scores?year=2025")
    assert scores.status_code == 200
    sheet = load_workbook(io.BytesIO(scores.data))["评分结果"]
    assert [c.value for c in sheet[1]] == ["单位", "支部代码", "支部", "分块", "条目", "得分", "满分", "状态", "说明", "依据"]
    assert sheet.max_row > 2 and {r[1] for r in sheet.iter_rows(min_row=2, values_only=True)} == {"b1", "b2"}
    assert client.get("/units/caizhengju/excel/template/nothing").status_code == 404


def test_upload_success_and_row_report(unit, make_user, login, client, db):
    login(make_user("unit_admin", unit["tenant"]))
    good = _staff_file(unit["tenant"], [("b1", "周专干", "专职党务工作人员", None, dt.date(2024, 1, 1))])
    response = client.post(
        "/units/caizhengju/excel/import", data={"file": (io.BytesIO(good), "staff.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "导入 1 行：新增 1，更新 0" in response.get_data(as_text=True)
    bad = _staff_file(
        unit["tenant"],
        [("b1", "吴干事", "兼职党务工作人员", None, dt.date(2024, 1, 1)), ("b2", "郑干事", "干事", None, "2024-02-30")],
    )
    response = client.post(
        "/units/caizhengju/excel/import", data={"file": (io.BytesIO(bad), "staff.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "导入失败，未写入任何数据" in html and "类别" in html and "任职日期" in html
    assert _count(db, unit["tenant"], StaffPost) == 1


def test_secretary_rows_of_another_branch_are_refused(unit, make_user, login, client, db):
    login(make_user("secretary", unit["tenant"], organization_code="b1"))
    template = load_workbook(io.BytesIO(client.get("/units/caizhengju/excel/template/staff").data))
    assert {c.value for row in template["代码表"].iter_rows(min_row=2) for c in row if c.value} >= {"b1"}
    assert "b2" not in {c.value for row in template["代码表"].iter_rows() for c in row}
    mixed = _staff_file(
        unit["tenant"],
        [("b1", "吴干事", "兼职党务工作人员", None, dt.date(2024, 1, 1)), ("b2", "郑干事", "兼职党务工作人员", None, dt.date(2024, 1, 1))],
    )
    response = client.post(
        "/units/caizhengju/excel/import", data={"file": (io.BytesIO(mixed), "staff.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "支部书记只能导入本支部的记录" in response.get_data(as_text=True)
    assert _count(db, unit["tenant"], StaffPost) == 0
    export = client.get("/units/caizhengju/excel/export/members")
    rows = list(load_workbook(io.BytesIO(export.data))["党员花名册"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["张三"]
    assert rows[0][7] == "**************002X"


def test_supervisors_and_other_units_are_refused(unit, other_tenant, make_user, login, client):
    login(make_user("supervisor", scope_unit_types=["organ"]))
    assert client.get("/units/caizhengju/excel").status_code == 403
    client.post("/logout")
    login(make_user("unit_admin", other_tenant))
    assert client.get("/units/caizhengju/excel").status_code == 404
    assert client.get("/units/caizhengju/excel/export/members").status_code == 404


def test_cli_export_then_import(unit, runner, make_tenant, make_organization, db, tmp_path):
    out = tmp_path / "members.xlsx"
    result = runner.invoke(main, ["export", "--tenant", "caizhengju", "--what", "members", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "已导出 2 行" in result.output
    target = make_tenant("target", name="目标单位")
    make_organization(target, "b1")
    make_organization(target, "b2")
    result = runner.invoke(main, ["import", "--tenant", "target", str(out)])
    assert result.exit_code == 0, result.output
    assert "新增 2" in result.output
    assert _count(db, target, Member) == 2
    scores = tmp_path / "scores.xlsx"
    result = runner.invoke(main, ["export", "--tenant", "caizhengju", "--what", "scores", "--year", "2025", "--as-of", "2025-12-31", "--out", str(scores)])
    assert result.exit_code == 0, result.output
    assert load_workbook(scores)["评分结果"].max_row > 1


def test_cli_import_with_errors_prints_rows_and_writes_nothing(unit, runner, db, tmp_path):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(_staff_file(unit["tenant"], [("b1", "周专干", "专职党务工作人员", None, dt.date(2024, 1, 1)), ("b9", None, "专职党务工作人员", None, None)]))
    result = runner.invoke(main, ["import", "--tenant", "caizhengju", str(path)])
    assert result.exit_code != 0
    assert "第 3 行「支部代码」" in result.output
    assert "nothing imported" in result.output
    assert _count(db, unit["tenant"], StaffPost) == 0
    assert runner.invoke(main, ["export", "--tenant", "caizhengju", "--what", "scores", "--out", str(tmp_path / "x.xlsx")]).exit_code != 0
    help_text = runner.invoke(main, ["import", "--help"]).output
    assert "导入" in help_text and "import" in help_text
