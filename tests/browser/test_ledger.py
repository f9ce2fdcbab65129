"""A supervisor's on-site inspection reads a branch's 台账 on the web and downloads its PDF."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader


def test_supervisor_opens_a_branchs_ledger_and_downloads_the_pdf(page, login, tmp_path):
    login("tx-jgdd")
    page.goto("/units/caizheng/branches/cz-b1")
    page.locator(".report-downloads select[name=year]").select_option("2025")
    with page.expect_navigation():
        page.get_by_role("button", name="工作台账").click()
    assert "/units/caizheng/branches/cz-b1/ledger" in page.url and "year=2025" in page.url
    assert page.get_by_role("heading", name="2025 年度工作台账", exact=False).is_visible()
    # The contents lead to each section by its anchor.
    page.get_by_role("link", name="党费收缴登记表和公布表").click()
    assert page.url.endswith("#ledger-dues")
    assert page.locator("#ledger-dues").is_visible()
    # A supervisor does not read ID numbers in full.
    assert page.get_by_text("身份证号、联系电话仅显示后四位。").first.is_visible()

    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("link", name="下载台账（PDF）").click()
    download = info.value
    assert download.failure() is None
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert download.suggested_filename.startswith("caizheng-cz-b1-2025")
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).replace(" ", "")
    assert "党支部工作台账" in text and "三会一课及主题党日记录" in text
