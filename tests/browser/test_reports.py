"""Scorecard PDFs downloaded through the pages' download buttons, as a person would."""

from __future__ import annotations

from pathlib import Path


def _download(page, button: str, tmp_path: Path) -> tuple[str, bytes]:
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name=button).click()
    download = info.value
    assert download.failure() is None
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return download.suggested_filename, target.read_bytes()


def test_branch_secretary_downloads_their_scorecard_pdf(page, login, tmp_path):
    login("cz-b2-sj")
    page.goto("/units/caizheng/branches/cz-b2")
    page.locator(".report-downloads select[name=year]").select_option("2025")
    name, pdf = _download(page, "下载评分表（PDF）", tmp_path)
    assert name.endswith(".pdf") and "cz-b2-2025" in name
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]


def test_unit_admin_downloads_the_unit_summary_pdf(page, login, tmp_path):
    login("nongji-admin")
    name, pdf = _download(page, "下载单位评分汇总（PDF）", tmp_path)
    assert name.startswith("nongji-") and name.endswith(".pdf")
    assert pdf.startswith(b"%PDF-")


def test_secretary_has_no_unit_summary_and_cannot_fetch_one(page, login):
    login("cz-b2-sj")
    assert page.get_by_role("button", name="下载单位评分汇总（PDF）").count() == 0
    response = page.goto("/units/caizheng/summary.pdf?year=2025")
    assert response.status == 403
    assert page.get_by_text("您没有权限查看此页面。").is_visible()
