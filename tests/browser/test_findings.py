"""A supervisor records a county-defined finding in the browser and the branch's card shows it.

The demo county defines its own kind 发生重大安全生产事故 (``tenants/demo/assessments.yaml``) and
the override of 交通投资集团 (``tenants/overrides/jiaotou.yaml``) adds a veto reading
``flags.major_safety_incident``. The branch used here (jt-b1) is read by no other browser test.
"""

from __future__ import annotations

import re
import subprocess

PDF = b"%PDF-1.4\n% browser test\n"


def test_supervisor_records_a_county_finding_and_the_card_shows_the_veto(page, login):
    login("tx-qydd")  # 国资委党委 etc. supervisor: soe in scope
    page.goto("/units/jiaotou/branches/jt-b1")
    assert "一票否决：发生重大安全生产事故" not in page.content()
    page.get_by_role("link", name="查看或记录认定与表彰").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("认定与表彰")

    # Without the deciding document the finding is refused in Chinese, and nothing is kept.
    page.get_by_label("认定类别").select_option(label="发生重大安全生产事故")
    page.get_by_role("button", name="保存认定").click()
    page.wait_for_load_state()
    assert page.get_by_text("请填写认定所依据的文件（文件名称或文号）").first.is_visible()
    assert page.get_by_text("没有认定记录。").is_visible()

    page.get_by_label("认定类别").select_option(label="发生重大安全生产事故")
    page.get_by_label("依据文件（文件名称或文号）").fill("桐安委〔2026〕12号")
    page.get_by_label("认定文件扫描件（PDF、JPG 或 PNG，可不上传）").set_input_files(
        {"name": "认定通知.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="保存认定").click()
    page.wait_for_load_state()
    assert page.get_by_text("已记录认定").is_visible()
    row = page.locator("table.findings tbody tr").first
    assert "发生重大安全生产事故" in row.inner_text() and "桐安委〔2026〕12号" in row.inner_text()
    assert row.get_by_role("link", name="文件").count() == 1

    # The branch's card: the county's veto has fired and caps the grade.
    page.goto("/units/jiaotou/branches/jt-b1")
    assert page.get_by_text("一票否决：发生重大安全生产事故——等级最高为二星").is_visible()
    # The scorecard words the veto's condition with the county's label, never the metric's code.
    year = page.evaluate("new Date().getFullYear()")
    card = page.request.get(f"/units/jiaotou/branches/jt-b1/scorecard.pdf?year={year}")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=card.body(), capture_output=True, check=True)
    text = re.sub(r"\s+", "", done.stdout.decode("utf-8"))
    assert "一票否决：发生重大安全生产事故——等级最高为二星（发生重大安全生产事故为是）" in text
    assert "flags." not in text and "major_safety_incident" not in text
    assert page.locator(".scoreline .grade").inner_text().strip() not in ("五星", "四星", "三星")
