"""Record pages in the browser: a meeting with its attendance roster, the members list, the dues ledger."""

from __future__ import annotations


def test_secretary_records_a_committee_meeting_with_attendance(page, login):
    login("cz-b2-sj")
    page.goto("/units/caizheng/branches/cz-b2/events/new?held_on=2026-11-18")
    assert page.locator("h1").inner_text().startswith("记录一次活动")
    page.get_by_label("日期", exact=True).fill("2026-11-18")
    page.get_by_label("主要类型", exact=True).select_option(label="支委会")
    page.get_by_label("主题", exact=True).fill("浏览器测试：研究十二月党员教育安排")
    page.get_by_label("地点", exact=True).fill("三楼会议室")
    # Everyone on the roll that day is pre-filled as present; the committee meets without most.
    selects = page.locator("table.roster select")
    names = page.locator("table.roster tbody tr td:first-child").all_inner_texts()
    assert len(names) >= 5 and selects.count() == len(names)
    for i in range(3, len(names)):
        selects.nth(i).select_option(value="")  # 不需参加
    first, second = names[1].split()[0], names[2].split()[0]
    page.get_by_label(f"{first} 出勤").select_option(label="请假")

    # An excused absence without a reason is refused, and nothing typed is lost.
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"{first}：请假须填写事由").is_visible()
    assert (
        page.get_by_label("主题", exact=True).input_value() == "浏览器测试：研究十二月党员教育安排"
    )

    page.get_by_label(f"{first} 事由").fill("出差")
    page.get_by_label(f"{second} 出勤").select_option(label="缺席")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("已记录：浏览器测试：研究十二月党员教育安排").is_visible()
    assert page.locator("h1").inner_text() == "浏览器测试：研究十二月党员教育安排"
    assert page.get_by_text("应到 3 人，出席 1 人").is_visible()
    rows = page.locator("table.grid tbody tr")
    assert rows.filter(has_text=first).inner_text().split("\t")[1:] == ["请假", "出差"]
    assert "缺席" in rows.filter(has_text=second).inner_text()

    page.goto("/units/caizheng/branches/cz-b2/events")
    assert page.get_by_role("link", name="浏览器测试：研究十二月党员教育安排").is_visible()


def test_unit_admin_finds_a_member_in_the_list(page, login):
    login("caizheng-admin")
    page.goto("/units/caizheng/members")
    assert page.locator("h1").inner_text() == "党员"
    assert page.get_by_text("共 62 条").is_visible()
    page.get_by_placeholder("按姓名查找").fill("于铭")
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 1
    assert "中共桐溪县财政局机关第二支部委员会" in rows.first.inner_text()


def test_dues_ledger_shows_the_planted_six_unpaid_months(page, login):
    login("lvxin-admin")
    page.goto("/units/lvxin/branches/lx-b1/dues?year=2026")
    row = page.locator("table.ledger tbody tr").filter(has_text="朱志强")
    assert row.locator("td.cell.late").count() == 6  # 2026-05 … 2026-10 (tenants/README.md)
    assert row.locator("td.cell.paid").count() == 4
