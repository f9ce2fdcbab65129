"""A secretary's month in the browser: a committee meeting from her landing page in at most ten
actions, and a dues month paid on one date with one exception."""

from __future__ import annotations

from typing import Any

#: The issue's target: a 支委会 with attendance recorded in ≤ 10 actions from her landing page.
ACTION_BUDGET = 10


class Actions:
    """Counts what a person does: each click, fill or select is one action."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def click(self, locator: Any) -> None:
        self.count += 1
        locator.click()
        self.page.wait_for_load_state()

    def fill(self, locator: Any, value: str) -> None:
        self.count += 1
        locator.fill(value)

    def select(self, locator: Any, **option: str) -> None:
        self.count += 1
        locator.select_option(**option)


def test_a_committee_meeting_takes_at_most_ten_actions_from_her_landing_page(page, login):
    login("cz-b3-sj")
    assert page.locator("h1").inner_text() == "中共桐溪县财政局直属单位支部委员会"
    act = Actions(page)
    act.click(page.get_by_role("link", name="记录支委会"))
    # The roster starts from the committee: its members present, everyone else not expected.
    rows = page.locator("table.roster tbody tr")
    committee = rows.filter(has=page.locator(".badge", has_text="支委"))
    others = rows.filter(has_not=page.locator(".badge", has_text="支委"))
    assert committee.count() >= 3 and others.count() >= 1
    assert {r.locator("select").input_value() for r in committee.all()} <= {"present", "excused"}
    assert {r.locator("select").input_value() for r in others.all()} == {""}
    assert page.get_by_label("主要类型", exact=True).input_value() == "committee_meeting"

    act.fill(page.get_by_label("主题", exact=True), "研究十二月主题党日安排")
    away = committee.nth(1)
    name = away.locator("td").first.inner_text().split()[0]
    act.select(page.get_by_label(f"{name} 出勤"), label="请假")
    act.fill(page.get_by_label(f"{name} 事由"), "因公出差")  # a reason offered in the list
    expected = committee.count()
    act.click(page.get_by_role("button", name="保存", exact=True))

    assert page.get_by_text("已记录：研究十二月主题党日安排").is_visible()
    assert page.get_by_text(f"应到 {expected} 人").is_visible()
    assert act.count <= ACTION_BUDGET, f"{act.count} actions"
    print(f"committee meeting recorded in {act.count} actions")  # the figure for the report


def test_all_present_and_none_toggle_every_row(page, login):
    login("cz-b3-sj")
    page.goto("/units/caizheng/branches/cz-b3/events/new?kind=committee_meeting")
    selects = page.locator("table.roster select")
    page.get_by_role("button", name="全部出席").click()
    assert {s.input_value() for s in selects.all()} == {"present"}
    page.get_by_role("button", name="全部不需参加").click()
    assert {s.input_value() for s in selects.all()} == {""}
    # Copy the last meeting's topic and presenter.
    page.get_by_role("link", name="沿用上次的主题和主持人").click()
    page.wait_for_load_state()
    assert page.get_by_label("主题", exact=True).input_value() != ""


def test_a_dues_month_all_paid_on_one_date_with_one_exception(page, login):
    login("cz-b3-sj")
    page.goto("/units/caizheng/branches/cz-b3/dues/2026/11")
    dates = page.locator("table.dues-month input[type=date]")
    assert {d.input_value() for d in dates.all()} == {""}  # November not yet entered (demo)
    page.get_by_label("统一交纳日期").fill("2026-11-25")
    page.get_by_role("button", name="全部按此日期交纳").click()
    page.wait_for_load_state()
    assert {d.input_value() for d in dates.all()} == {"2026-11-25"}
    names = page.locator("table.dues-month tbody tr td:first-child").all_inner_texts()
    unpaid = names[0].split()[0]
    page.get_by_label(f"{unpaid} 交纳日期").fill("")  # the exception: not paid this month
    page.get_by_role("button", name="保存全支部本月党费").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"已保存 2026 年 11 月党费（{len(names)} 人）").is_visible()
    rows = page.locator("table.ledger tbody tr")
    november = 10  # the eleventh month cell of a row
    assert "late" in rows.filter(has_text=unpaid).locator("td.cell").nth(november).get_attribute("class")
    paid = names[1].split()[0]
    assert "paid" in rows.filter(has_text=paid).locator("td.cell").nth(november).get_attribute("class")
