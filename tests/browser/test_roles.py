"""Each role logs in through the form and lands on its own page; a secretary stays in their unit."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in


def test_login_page_is_chinese_and_rejects_a_wrong_password(page):
    page.goto("/login")
    assert page.locator("h1").inner_text() == "登录"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    log_in(page, "tx-admin", "not-the-password")
    assert page.url.endswith("/login")
    assert page.get_by_text("用户名或密码错误").is_visible()


def test_host_admin_lands_on_every_unit_of_the_county(page, login):
    login("tx-admin")
    assert re.search(r"/$", page.url)
    assert page.locator("h1").first.inner_text() == "我可以查看的单位"
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 12
    assert page.get_by_role("link", name="桐溪县财政局").is_visible()
    assert page.get_by_role("link", name="桐溪县第一中学").is_visible()
    assert "县委组织部管理员" in page.locator(".who").inner_text()


def test_supervisor_lands_on_the_units_in_scope_only(page, login):
    login("tx-jgdd")  # 机关工委: organs and institutions
    names = page.locator("table.grid tbody tr td:first-child").all_inner_texts()
    assert sorted(names) == sorted(
        [
            "桐溪县财政局",
            "桐溪县市场监督管理局",
            "桐溪县民政局",
            "桐溪县疾病预防控制中心",
            "桐溪县农业技术推广中心",
        ]
    )
    assert "督导" in page.locator(".who").inner_text()


def test_unit_admin_lands_on_their_unit(page, login):
    login("caizheng-admin")
    assert "桐溪县财政局" in page.locator("h1").first.inner_text()
    for code in ("cz-b1", "cz-b2", "cz-b3"):
        assert page.locator(f"a[href$='/branches/{code}']").count() >= 1
    assert "单位党组织管理员" in page.locator(".who").inner_text()


def test_branch_secretary_lands_on_their_own_branch_only(page, login):
    login("cz-b2-sj")
    # Her landing page is her branch, with what is due this month.
    assert page.locator("h1").first.inner_text() == "中共桐溪县财政局机关第二支部委员会"
    assert page.get_by_role("heading", name="本月要做").is_visible()
    assert page.locator("a[href*='/branches/cz-b2/']").count() >= 1
    assert page.locator("a[href*='/branches/cz-b1']").count() == 0
    assert "支部书记" in page.locator(".who").inner_text()


@pytest.mark.parametrize(
    "path, status, message",
    [
        # Another unit answers like a missing one (404), so unit slugs cannot be enumerated.
        ("/units/shuiwu", 404, "页面不存在。"),
        ("/units/caizheng/branches/cz-b1", 403, "您没有权限查看此页面。"),
        ("/county", 403, "您没有权限查看此页面。"),
    ],
    ids=["other-unit", "other-branch", "county"],
)
def test_branch_secretary_gets_a_chinese_refusal_elsewhere(page, login, path, status, message):
    login("cz-b2-sj")
    response = page.goto(path)
    assert response.status == status
    assert page.locator("h1").inner_text() == str(status)
    assert page.get_by_text(message).is_visible()
    assert page.get_by_role("link", name="返回首页").is_visible()


def test_logout_returns_to_the_login_page(page, login):
    login("caizheng-admin")
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    assert page.url.endswith("/login")
    assert page.get_by_text("已退出登录").is_visible()
    assert page.goto("/units/caizheng").url.split("?")[0].endswith("/login")


def test_language_switch_shows_english_and_sticks(page, login):
    login("caizheng-admin")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
    page.goto("/")  # the choice is kept in the session
    assert page.get_by_role("link", name="中文").is_visible()
    assert "Units I can view" not in page.content()  # a unit admin lands on the unit page
    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("button", name="退出").is_visible()
