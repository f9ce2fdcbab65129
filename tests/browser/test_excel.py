"""Excel in the browser: a roster import with one bad row is refused, naming the row and column."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook


def _roster_with_one_bad_row(template: bytes) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["党员花名册"]
    headers = [c.value for c in sheet[1]]
    good = {
        "支部代码": "cz-b1",
        "姓名": "浏览器甲",
        "党员类别": "正式党员",
        "入党时间": "2015-07-01",
    }
    bad = {**good, "姓名": "浏览器乙", "身份证号": "37990119800101001"}  # 17 digits
    for row in (good, bad):
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_roster_import_with_one_bad_row_names_it_and_writes_nothing(page, login, tmp_path: Path):
    login("caizheng-admin")
    page.goto("/units/caizheng/excel")
    with page.expect_download() as info:
        page.get_by_role("link", name="党员花名册").first.click()
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)
    upload = tmp_path / "花名册.xlsx"
    upload.write_bytes(_roster_with_one_bad_row(template.read_bytes()))

    page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(upload))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()
    report = page.locator("section.import-errors")
    assert report.get_by_role("heading", name="导入失败，未写入任何数据").is_visible()
    errors = report.locator("tbody tr")
    assert errors.count() == 1
    row, column, problem = errors.first.locator("td").all_inner_texts()
    assert (row, column) == ("3", "身份证号")
    assert "身份证" in problem

    page.goto("/units/caizheng/members?q=浏览器")
    assert page.get_by_text("浏览器甲").count() == 0
