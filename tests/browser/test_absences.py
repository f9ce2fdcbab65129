"""An absence in the browser: 一中's admin records that 张娟 goes abroad (保留组织关系) from her
page; the period shows in her 在册记录 and the page then offers to record her return."""

from __future__ import annotations

MEMBER = "张娟"  # yizhong-019


def test_a_unit_admin_records_a_stay_abroad_on_the_members_page(page, login):
    login("yizhong-admin")
    page.goto("/units/yizhong/members?q=" + MEMBER)
    page.get_by_role("link", name=MEMBER).first.click()
    page.wait_for_load_state()
    card = page.locator("details").filter(has_text="登记流动党员外出或出国出境")
    card.locator("summary").click()
    card.get_by_label("外出类别").select_option(label="出国出境保留组织关系")
    card.get_by_label("外出日期").fill("2026-10-08")
    card.get_by_label("外出去向（地点或国家、地区）").fill("新加坡（交流访问）")
    card.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    periods = page.locator("table.grid").first.inner_text()
    assert "2026-10-08 · 出国出境保留组织关系（新加坡（交流访问））" in periods
    assert page.get_by_text("登记返回（自 2026-10-08 起出国出境保留组织关系）").is_visible()
