"""Password change and reset, deactivation of users and units, edits in host admin, and the
API tokens page and command: what each refuses, and that refused logins and tokens stay refused."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.accounts.models import ApiToken, User
from core.accounts.services import issue_token, password_problem
from core.audit.models import AuditLog
from core.cli import main
from core.host.models import Tenant
from core.tenancy import host_scope
from tests.conftest import TEST_PASSWORD
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import fresh_request


def _user(db, username: str) -> User:
    fresh_request()
    return db.session.scalar(select(User).where(User.username == username))


def _login(client, username: str, password: str = TEST_PASSWORD):
    fresh_request()
    client.post("/logout")
    fresh_request()
    response = client.post("/login", data={"username": username, "password": password})
    fresh_request()
    return response


def test_password_rule():
    assert password_problem("short1") == "密码至少 8 位"
    assert password_problem("abcdefgh") == "密码须包含字母、数字、符号中的至少两种"
    assert password_problem("czj-admin", username="czj-admin") == "密码不能与用户名相同"
    assert password_problem("branchmark-demo") is None


def test_change_own_password(as_user, county, db, client):
    as_user("secretary")
    wrong = client.post("/account/password", data={"current": "nope", "new": "new-pass-42", "confirm": "new-pass-42"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    weak = client.post("/account/password", data={"current": TEST_PASSWORD, "new": "aaaaaaaaa", "confirm": "aaaaaaaaa"})
    assert "密码须包含字母、数字、符号中的至少两种" in weak.get_data(as_text=True)
    mismatch = client.post("/account/password", data={"current": TEST_PASSWORD, "new": "new-pass-42", "confirm": "new-pass-43"})
    assert "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    ok = client.post("/account/password", data={"current": TEST_PASSWORD, "new": "new-pass-42", "confirm": "new-pass-42"})
    assert ok.status_code == 302
    assert _login(client, "czj-b01").status_code == 400
    assert _login(client, "czj-b01", "new-pass-42").status_code == 302
    with host_scope():
        logged = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "user_account",
                                                           AuditLog.action == "update")).all()
    assert any(row.after.get("password_hash") == "[hidden]" for row in logged)


def test_unit_admin_resets_a_secretary_who_must_change_first(as_user, county, db, client):
    admin = as_user("admin")
    page = admin.get("/account/users").get_data(as_text=True)
    assert "czj-b01" in page and "sw-b01" not in page
    secretary = _user(db, "czj-b01")
    assert admin.post(f"/account/users/{secretary.id}/password", data={"new": "short"}).status_code == 400
    assert admin.post(f"/account/users/{secretary.id}/password", data={"new": "temp-pass-7"}).status_code == 302
    assert _user(db, "czj-b01").must_change_password
    assert _login(client, "czj-b01", "temp-pass-7").status_code == 302
    # Nothing but the change form until the password is changed.
    blocked = client.get("/units/caizhengju/members")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/account/password")
    assert client.get("/api/v1/units/caizhengju/members").status_code == 403
    assert "管理员重置了您的密码" in client.get("/account/password").get_data(as_text=True)
    client.post("/account/password", data={"current": "temp-pass-7", "new": "mine-now-88", "confirm": "mine-now-88"})
    fresh_request()
    assert client.get("/units/caizhengju/members").status_code == 200
    assert not _user(db, "czj-b01").must_change_password


def test_reset_is_within_scope(as_user, county, db):
    theirs = _user(db, "sw-b01")
    host = _user(db, "county")
    admin = as_user("admin")
    assert admin.post(f"/account/users/{theirs.id}/password", data={"new": "temp-pass-7"}).status_code == 404
    assert admin.post(f"/account/users/{host.id}/active", data={"active": "0"}).status_code == 404
    secretary = as_user("secretary")
    admin_user = _user(db, "czj-admin")
    assert secretary.post(f"/account/users/{admin_user.id}/password", data={"new": "temp-pass-7"}).status_code == 403
    assert not _user(db, "sw-b01").must_change_password


def test_deactivated_user_cannot_log_in_or_use_tokens_and_keeps_history(as_user, county, db, client, app):
    secretary = _user(db, "czj-b01")
    token = issue_token(secretary, "script")
    db.session.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/units/caizhengju/members", headers=headers).status_code == 200
    host = as_user("host")
    assert host.post(f"/account/users/{secretary.id}/active", data={"active": "0"}).status_code == 302
    assert "已停用" in host.get("/host/users").get_data(as_text=True)
    assert _login(client, "czj-b01").status_code == 400
    fresh_request()
    assert api.get("/api/v1/units/caizhengju/members", headers=headers).status_code == 401
    assert _user(db, "czj-b01") is not None  # the row and its history stay
    # An admin cannot lock themselves out.
    me = _user(db, "county")
    as_user("host").post(f"/account/users/{me.id}/active", data={"active": "0"})
    assert _user(db, "county").active


def test_open_session_ends_when_deactivated(as_user, county, db, app):
    secretary_client = app.test_client()
    assert _login(secretary_client, "czj-b01").status_code == 302
    assert secretary_client.get("/units/caizhengju/members").status_code == 200
    user_id = _user(db, "czj-b01").id
    as_user("admin").post(f"/account/users/{user_id}/active", data={"active": "0"})
    fresh_request()
    assert secretary_client.get("/units/caizhengju/members").status_code == 302  # to the login page


def test_host_edits_and_disables_a_unit(as_user, county, db, client):
    host = as_user("host")
    tenant_id = county.tenant_id
    long = host.post(f"/host/units/{tenant_id}/edit", data={"name": "财" * 201, "enabled": "1"})
    assert long.status_code == 400 and "不能超过 200 个字符" in long.get_data(as_text=True)
    empty = host.post(f"/host/units/{tenant_id}/edit", data={"name": " ", "enabled": "1"})
    assert empty.status_code == 400 and "请填写单位名称" in empty.get_data(as_text=True)
    assert host.post(f"/host/units/{tenant_id}/edit", data={"name": "县财政局（更名）", "enabled": "1"}).status_code == 302
    fresh_request()
    assert db.session.get(Tenant, tenant_id).name == "县财政局（更名）"
    assert host.post(f"/host/units/{tenant_id}/edit", data={"name": "县财政局"}).status_code == 302
    fresh_request()
    assert db.session.get(Tenant, tenant_id).enabled is False
    assert _login(client, "czj-b01").status_code == 400
    assert _login(client, "sw-b01").status_code == 302  # another unit is untouched


def test_host_renames_a_user(as_user, county, db):
    host = as_user("host")
    user = _user(db, "czj-b01")
    assert host.post(f"/host/users/{user.id}/edit", data={"display_name": ""}).status_code == 400
    assert host.post(f"/host/users/{user.id}/edit", data={"display_name": "李书记"}).status_code == 302
    assert _user(db, "czj-b01").display_name == "李书记"
    assert as_user("admin").get(f"/host/users/{user.id}/edit").status_code == 403


def test_tokens_page_create_list_revoke(as_user, county, db, app):
    client = as_user("admin")
    assert client.post("/account/tokens", data={"name": " "}).status_code == 400
    created = client.post("/account/tokens", data={"name": "报表脚本"})
    page = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("bm_")
    listed = client.get("/account").get_data(as_text=True)
    assert "报表脚本" in listed and secret not in listed and "从未使用" in listed
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/units/caizhengju/members", headers=headers).status_code == 200
    fresh_request()
    record = db.session.scalar(select(ApiToken).where(ApiToken.name == "报表脚本"))
    token_id, first_use = record.id, record.last_used_at
    assert first_use is not None
    # A second call within the minute writes nothing.
    assert api.get("/api/v1/units/caizhengju/members", headers=headers).status_code == 200
    fresh_request()
    assert db.session.get(ApiToken, token_id).last_used_at == first_use
    with host_scope():
        assert db.session.scalar(select(AuditLog).where(AuditLog.table_name == "api_token",
                                                        AuditLog.action == "update")) is None
    # Someone else's token id: not found.
    other = as_user("secretary")
    assert other.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    client = as_user("admin")
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    fresh_request()
    assert api.get("/api/v1/units/caizhengju/members", headers=headers).status_code == 401
    fresh_request()
    assert "已撤销" in client.get("/account").get_data(as_text=True)


def test_last_use_is_written_again_after_a_minute(county, db, app):
    user = _user(db, "czj-admin")
    secret = issue_token(user, "cron")
    db.session.commit()
    record = db.session.scalar(select(ApiToken).where(ApiToken.name == "cron"))
    record.last_used_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    token_id = record.id
    db.session.commit()
    fresh_request()
    app.test_client().get("/api/v1/units/caizhengju/members", headers={"Authorization": f"Bearer {secret}"})
    fresh_request()
    assert db.session.get(ApiToken, token_id).last_used_at.year > 2020


def test_token_command(county, db, runner):
    made = runner.invoke(main, ["token", "create", "--user", "czj-admin", "--name", "同步"])
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("bm_")
    listed = runner.invoke(main, ["token", "list", "--user", "czj-admin"])
    assert "同步" in listed.output and "从未使用" in listed.output and secret not in listed.output
    token_id = listed.output.split("\t")[0]
    assert runner.invoke(main, ["token", "revoke", "--user", "czj-admin", token_id]).exit_code == 0
    assert "已撤销" in runner.invoke(main, ["token", "list", "--user", "czj-admin"]).output
    missing = runner.invoke(main, ["token", "revoke", "--user", "czj-b01", token_id])
    assert missing.exit_code != 0 and "没有这个令牌" in missing.output
    assert runner.invoke(main, ["token", "create", "--user", "nobody", "--name", "x"]).exit_code != 0


def test_query_budgets_of_the_listing_pages(as_user, county, db, queries):
    admin = as_user("admin")
    _, few_tokens = queries(lambda: admin.get("/account"))
    _, few_users = queries(lambda: admin.get("/account/users"))
    for n in range(12):
        admin.post("/account/tokens", data={"name": f"脚本{n}"})
    _, many_tokens = queries(lambda: admin.get("/account"))
    assert many_tokens == few_tokens and many_tokens <= 6
    host = as_user("host")
    _, few_deleted = queries(lambda: host.get("/host/audit?action=delete"))
    tenant = db.session.get(Tenant, county.tenant_id)
    for n in range(12):
        host.post("/host/users", data={"username": f"czj-extra{n}", "password": TEST_PASSWORD,
                                       "role": "secretary", "tenant": tenant.slug, "branch": "B01"})
    admin = as_user("admin")
    _, many_users = queries(lambda: admin.get("/account/users"))
    assert many_users == few_users and many_users <= 6
    assert admin.post(f"/units/caizhengju/members/{county.wang}/delete").status_code == 302
    host = as_user("host")
    _, many_deleted = queries(lambda: host.get("/host/audit?action=delete"))
    assert many_deleted == few_deleted and many_deleted <= 8
    assert "王珺" in host.get("/host/audit?action=delete").get_data(as_text=True)


def test_token_times_show_in_the_configured_zone_on_the_page_and_the_command(
    as_user, county, db, runner
):
    user = _user(db, "czj-admin")
    issue_token(user, "时区")
    db.session.commit()
    record = db.session.scalar(select(ApiToken).where(ApiToken.name == "时区"))
    # 16:30 UTC on 31 December is 00:30 on 1 January in Asia/Shanghai (the default TIME_ZONE).
    record.created_at = dt.datetime(2025, 12, 31, 16, 30, tzinfo=dt.UTC)
    record.last_used_at = dt.datetime(2025, 12, 31, 17, 45, tzinfo=dt.UTC)
    db.session.commit()
    fresh_request()
    page = as_user("admin").get("/account").get_data(as_text=True)
    assert "2026-01-01 00:30" in page and "2026-01-01 01:45" in page
    assert "2025-12-31 16:30" not in page
    listed = runner.invoke(main, ["token", "list", "--user", "czj-admin"]).output
    assert "创建 2026-01-01 00:30" in listed and "最近使用 2026-01-01 01:45" in listed
