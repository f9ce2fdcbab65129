"""The county adapts a standard in the browser; a unit switches an item off with approval.

This file changes the demo county's configuration (a published county standard for organs, an
approved switch), so it is named to run after the other browser files; it retires the version
and removes the switch at the end.
"""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text

from tests.browser.conftest import log_in

ORGAN = "organ"


def _cards(url: str, code: str) -> list[tuple[int, str, str]]:
    """(year, standard key, version) of a branch's stored cards, read like a second server would."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(row)
                for row in conn.execute(
                    text(
                        "SELECT s.year, s.standard_key, s.standard_version FROM scorecard s "
                        "JOIN organization o ON o.id = s.organization_id WHERE o.code = :code ORDER BY s.id"
                    ),
                    {"code": code},
                )
            ]
    finally:
        engine.dispose()


def test_county_adapts_previews_publishes_and_the_next_card_shows_it(
    page, context, login, browser_database_url, live_server
):
    before = _cards(browser_database_url, "cz-b1")
    login("tx-admin")
    page.goto("/host/standards/")
    page.locator(f"button[data-copy='{ORGAN}']").click()
    page.wait_for_url(re.compile(r"/host/standards/\d+$"))
    version_url = page.url.split("#")[0]
    assert "已复制为草稿" in page.locator(".flash").inner_text()

    # One item's points: 支部规模适当 2 → 3, with live validation on the way.
    page.locator("tr[data-item='org.branch_size'] a", has_text="修改").click()
    page.locator("#f-max").fill("三")
    # Waited for from outside the page: the CSP refuses script evaluated from a string.
    from playwright.sync_api import expect

    expect(page.locator("#live-status")).to_contain_text("应为数字")
    page.locator("#f-max").fill("3")
    expect(page.locator("#live-status")).to_contain_text("检查通过")
    page.locator("#save-item").click()
    assert "已保存项目「支部规模适当」" in page.locator(".flash").inner_text()

    # A new item with a condition on when it applies.
    page.locator("#block-organization a", has_text="在本块增加项目").click()
    with page.expect_navigation():  # the form is rebuilt for the chosen kind's params
        page.locator("#kind-choice").select_option("threshold")
    assert page.locator("[name='param.op']").count() == 1
    page.locator("#f-id").fill("org.local_register")
    page.locator("#f-title").fill("党员名册建立")
    page.locator("#f-rule").fill("党支部应建立党员名册（县里自定）。")
    page.locator("#f-max").fill("1")
    page.locator("[name='param.metric']").fill("organization.member_count")
    page.locator("[name='param.op']").select_option(">=")
    page.locator("[name='param.target']").fill("1")
    page.locator("#f-citation").select_option("zbtl")
    page.locator("#f-applies_when").fill("{metric: organization.kind, op: '==', value: branch}")
    page.locator("#save-item").click()
    assert "已保存项目「党员名册建立」" in page.locator(".flash").inner_text()

    # Units may ask to switch 活动阵地 off.
    page.locator("#unit-permissions input[value='support.facilities']").check()
    page.locator("#unit-permissions button").click()

    page.goto(version_url)
    page.locator("#preview-link").click()
    table = page.locator("#preview")
    assert "财政局" in table.inner_text()
    assert "党员名册建立" in table.inner_text() and "支部规模适当" in table.inner_text()

    page.goto(version_url)
    page.locator("input[name='effective_from']").fill("2026-01-01")
    page.locator("#publish").click()
    assert "已发布" in page.locator(".flash").inner_text()

    # The next card is scored with it; the cards stored before still cite the old version.
    page.goto("/host/assessment")
    page.locator("#year").select_option("2026")
    page.get_by_role("button", name="执行年度考核并存档").click()
    assert "已完成 2026 年度考核" in page.locator(".flash").inner_text()
    after = _cards(browser_database_url, "cz-b1")
    new = after[len(before):]
    assert new and new[-1][2].startswith("2025.1-县"), new
    assert after[: len(before)] == before and all(not v.startswith("2025.1-县") for _, _, v in before)
    page.goto("/units/caizheng/branches/cz-b1")
    assert "党员名册建立" in page.content()  # the live card lists the new item

    # A unit admin switches 活动阵地 off; only the supervisor's approval makes it count.
    unit_context = context.browser.new_context(base_url=live_server.base_url, locale="zh-CN")
    unit = unit_context.new_page()
    log_in(unit, "caizheng-admin")
    unit.goto("/units/caizheng/standard")
    unit.locator("#item_id").select_option("support.facilities")
    unit.locator("#request-switch").click()
    assert "停用项目须说明理由" in unit.inner_text("body")
    unit.locator("#item_id").select_option("support.facilities")
    unit.locator("#reason").fill("与县委党校共用活动场所")
    unit.locator("#request-switch").click()
    assert "待审批" in unit.locator("#switches").inner_text()
    unit.goto("/units/caizheng/branches/cz-b1")
    assert "已停用" not in unit.inner_text("body")
    unit_context.close()

    supervisor = context.browser.new_context(base_url=live_server.base_url, locale="zh-CN")
    try:
        checker = supervisor.new_page()
        log_in(checker, "tx-jgdd")
        checker.goto("/units/caizheng/standard")
        checker.get_by_role("button", name="批准").click()
        assert "已批准" in checker.locator("#switches").inner_text()
        checker.goto("/units/caizheng/branches/cz-b1")
        body = checker.inner_text("body")
        assert "项目「活动阵地（六有）」已停用" in body and "与县委党校共用活动场所" in body
    finally:
        supervisor.close()

    # Leave the demo county as the other browser tests expect it.
    engine = create_engine(browser_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM unit_item_switch"))
    finally:
        engine.dispose()
    page.goto("/host/standards/")
    page.locator("tr[data-version] button", has_text="停用").first.click()
    assert "已停用该版本" in page.locator(".flash").inner_text()
