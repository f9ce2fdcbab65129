"""A transfer between units in the browser: 疾控中心's admin sends a member to 农技推广中心 from the
member's page, and 农技推广中心's admin accepts it from the inbox into its branch."""

from __future__ import annotations

from tests.browser.conftest import log_in

MEMBER = "何思琪"  # jikong-015


def test_a_unit_admin_sends_a_transfer_and_the_other_unit_accepts_it(page, login, chromium_browser, live_server):
    login("jikong-admin")
    page.goto("/units/jikong/members?q=" + MEMBER)
    page.get_by_role("link", name=MEMBER).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="转到县内其他单位").click()
    page.wait_for_load_state()
    page.get_by_label("接收单位").select_option(label="桐溪县农业技术推广中心")
    page.get_by_label("转接日期").fill("2026-11-01")
    page.get_by_label("介绍信编号").fill("桐组转〔2026〕21号")
    page.get_by_label("转接原因").fill("工作调动")
    page.get_by_role("button", name="发出转接").click()
    page.wait_for_load_state()
    assert page.get_by_text("已发出转接，待接收单位办理").is_visible()
    row = page.locator("table.grid tbody tr").filter(has_text=MEMBER)
    assert "待接收" in row.inner_text()

    other = chromium_browser.new_context(base_url=live_server.base_url)
    receiver = other.new_page()
    log_in(receiver, "nongji-admin")
    receiver.goto("/units/nongji/transfers")
    incoming = receiver.locator("table.grid tbody tr").filter(has_text=MEMBER)
    assert "桐组转〔2026〕21号" in incoming.inner_text()
    incoming.get_by_label("接收党支部").select_option(index=1)
    incoming.get_by_role("button", name="接收").click()
    receiver.wait_for_load_state()
    assert receiver.locator("h1").inner_text().startswith(MEMBER)
    assert receiver.get_by_text("组织关系转入").first.is_visible()
    other.close()

    page.goto("/units/jikong/transfers")
    assert "已接收" in page.locator("table.grid tbody tr").filter(has_text=MEMBER).inner_text()
