"""Correcting and removing in the browser: an event deleted after one confirmation and found
under 已删除记录; a deactivated user who can no longer log in; an API token created, used and
revoked from the account page."""

from __future__ import annotations

from tests.browser.conftest import DEMO_PASSWORD, log_in

TOPIC = "浏览器测试：待删除的一次党员大会"


def test_secretary_deletes_an_event_and_the_host_sees_it_in_the_audit_log(
    page, login, chromium_browser, live_server
):
    login("cz-b2-sj")
    page.goto("/units/caizheng/branches/cz-b2/events/new?held_on=2026-11-12")
    page.get_by_label("日期", exact=True).fill("2026-11-12")
    page.get_by_label("主要类型", exact=True).select_option(label="党员大会")
    page.get_by_label("主题", exact=True).fill(TOPIC)
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == TOPIC

    page.get_by_role("link", name="删除").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"删除活动“{TOPIC}”"
    assert page.get_by_text("2026-11-12").is_visible()
    page.get_by_role("button", name="确认删除").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"已删除活动“{TOPIC}”").is_visible()
    assert page.get_by_role("link", name=TOPIC).count() == 0

    other = chromium_browser.new_context(base_url=live_server.base_url)
    host = other.new_page()
    log_in(host, "tx-admin")
    host.goto("/host/audit")
    host.get_by_role("link", name="已删除记录").click()
    host.wait_for_load_state()
    row = host.locator("table.audit tbody tr").filter(has_text=TOPIC)
    assert row.count() == 1
    assert "删除" in row.inner_text() and "cz-b2-sj" in row.inner_text()
    other.close()


def test_host_deactivates_a_user_who_then_cannot_log_in(page, login, chromium_browser, live_server):
    login("tx-admin")
    page.goto("/host/users")
    page.locator("#username").fill("browser-temp-admin")
    page.locator("#display_name").fill("临时管理员")
    page.locator("#password").fill("temp-pass-2026")
    page.locator("#role").select_option(value="unit_admin")
    page.locator("#tenant").select_option(label="桐溪县财政局")
    page.get_by_role("button", name="新建", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("已新建用户 browser-temp-admin").is_visible()

    other = chromium_browser.new_context(base_url=live_server.base_url)
    person = other.new_page()
    log_in(person, "browser-temp-admin", "temp-pass-2026")
    assert not person.url.endswith("/login")

    row = page.locator("table.users tbody tr").filter(has_text="browser-temp-admin")
    row.get_by_role("button", name="停用").click()
    page.wait_for_load_state()
    assert page.get_by_text("已停用 browser-temp-admin").is_visible()
    row = page.locator("table.users tbody tr").filter(has_text="browser-temp-admin")
    assert "已停用" in row.inner_text()

    # The open session ends, and a new login is refused.
    person.goto("/units/caizheng")
    assert "/login" in person.url
    log_in(person, "browser-temp-admin", "temp-pass-2026")
    assert person.url.endswith("/login")
    assert person.get_by_text("用户名或密码错误").is_visible()
    other.close()
    assert DEMO_PASSWORD != "temp-pass-2026"


def test_a_token_is_created_used_and_revoked(page, login, context):
    login("caizheng-admin")
    page.locator(".who").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "我的账号"
    page.get_by_label("令牌名称").fill("浏览器测试脚本")
    page.get_by_role("button", name="新建令牌").click()
    page.wait_for_load_state()
    secret = page.locator("#new-token").inner_text().strip()
    assert secret.startswith("bm_")
    row = page.locator("table.grid tbody tr").filter(has_text="浏览器测试脚本")
    assert "从未使用" in row.inner_text()

    api = context.request
    headers = {"Authorization": f"Bearer {secret}"}
    answer = api.get("/api/v1/units/caizheng/organizations", headers=headers)
    assert answer.status == 200 and any(o["code"] == "cz-b1" for o in answer.json())

    page.goto("/account")
    row = page.locator("table.grid tbody tr").filter(has_text="浏览器测试脚本")
    assert "从未使用" not in row.inner_text()
    assert secret not in page.content()  # shown once only
    row.get_by_role("button", name="撤销").click()
    page.wait_for_load_state()
    assert page.get_by_text("已撤销令牌 浏览器测试脚本").is_visible()
    refused = api.get("/api/v1/units/caizheng/organizations", headers=headers)
    assert refused.status == 401
