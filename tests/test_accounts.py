"""Login, logout, CSRF, rate limiting, API tokens and what each role lands on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.accounts.models import ApiToken, User
from core.accounts.services import AccountError, create_user, issue_token, user_for_token
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def county(db, tenant, other_tenant, make_organization, make_member, make_user):
    """Two units with a branch each, and one user of every role."""
    branch = make_organization(tenant, code="B01", name="机关第一党支部")
    second = make_organization(tenant, code="B02", name="机关第二党支部")
    theirs = make_organization(other_tenant, code="B01", name="水务集团第一党支部")
    make_member(branch, name="张喆")
    make_member(second, name="李堃")
    make_member(theirs, name="王珺")
    users = {
        "host": make_user("host_admin", username="county"),
        "organs": make_user("supervisor", username="jiguan-dudao", scope_unit_types=["organ"]),
        "soes": make_user("supervisor", username="guoqi-dudao", scope_unit_types=["soe"]),
        "admin": make_user("unit_admin", tenant, username="czj-admin"),
        "secretary": make_user("secretary", tenant, username="czj-b01", organization_code="B01"),
        "their_secretary": make_user("secretary", other_tenant, username="sw-b01", organization_code="B01"),
    }
    return users


def test_password_is_stored_hashed(db, county):
    user = county["admin"]
    assert TEST_PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_login_page_is_chinese(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and "用户名" in page and "密码" in page


def test_wrong_password_is_refused_with_a_chinese_message(client, county):
    response = client.post("/login", data={"username": "county", "password": "nope-nope"})
    assert response.status_code == 400
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_unknown_user_gets_the_same_message(client, county):
    response = client.post("/login", data={"username": "ghost", "password": "whatever1"})
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_pages_need_login(client, county):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_host_admin_lands_on_every_unit(client, county, login):
    login(county["host"])
    page = client.get("/").get_data(as_text=True)
    assert "县财政局" in page and "县水务集团" in page
    assert "党政机关" in page and "国有企业" in page  # unit types by name, not code


def test_supervisor_sees_only_the_scope(client, county, login):
    login(county["organs"])
    page = client.get("/").get_data(as_text=True)
    assert "县财政局" in page and "县水务集团" not in page
    refused = client.get("/units/shuiwu-jituan")  # out of scope: answered like a missing unit
    assert refused.status_code == 404 and "页面不存在" in refused.get_data(as_text=True)
    assert client.get("/units/caizhengju").status_code == 200


def test_unit_admin_lands_on_the_unit_with_its_branches(client, county, login):
    login(county["admin"])
    page = client.get("/").get_data(as_text=True)
    assert "机关第一党支部" in page and "机关第二党支部" in page
    assert "水务集团第一党支部" not in page
    assert client.get("/units/shuiwu-jituan").status_code == 404  # foreign unit: the same answer as a missing one


def test_secretary_sees_only_the_own_branch(client, county, login):
    login(county["secretary"])
    page = client.get("/").get_data(as_text=True)
    assert "机关第一党支部" in page and "机关第二党支部" not in page
    branch_page = client.get("/units/caizhengju/branches/B01").get_data(as_text=True)
    assert "张喆" in branch_page
    assert client.get("/units/caizhengju/branches/B02").status_code == 403
    assert client.get("/units/shuiwu-jituan/branches/B01").status_code == 404  # foreign unit: the same answer as a missing one


def test_other_units_secretary_cannot_open_this_unit(client, county, login):
    login(county["their_secretary"])
    assert client.get("/units/caizhengju").status_code == 404  # foreign unit: the same answer as a missing one
    page = client.get("/").get_data(as_text=True)
    # Her landing page is her own branch (its members), nothing of the other unit.
    assert "水务集团第一党支部" in page and "王珺" in page
    assert "张喆" not in page and "县财政局" not in page


def test_logout_ends_the_session(client, county, login):
    login(county["host"])
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_open_redirect_after_login_is_refused(client, county):
    response = client.post(
        "/login?next=https://evil.example/", data={"username": "county", "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_english_is_switchable(client, county, login):
    login(county["host"])
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in page


def test_api_token_is_stored_hashed_and_resolves_to_its_user(db, county):
    user = county["admin"]
    token = issue_token(user, "import script")
    db.session.commit()
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token not in (stored.token_hash, stored.prefix) and stored.token_hash != token
    assert user_for_token(token).id == user.id
    assert user_for_token(token + "x") is None
    stored.revoked_at = stored.created_at
    db.session.commit()
    assert user_for_token(token) is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"username": "a", "role": "host_admin"}, "username", "用户名须为"),
        ({"username": "someone", "role": "host_admin", "password": "short"}, "password", "密码至少"),
        ({"username": "someone", "role": "unit_admin"}, "tenant", "必须属于一个单位"),
        ({"username": "someone", "role": "supervisor"}, "scope", "督导须至少指定"),
    ],
)
def test_bad_account_input_names_the_field(db, fields, field, message):
    fields.setdefault("password", TEST_PASSWORD)
    with pytest.raises(AccountError) as error:
        create_user(**fields)
    assert error.value.field == field and message in error.value.message
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == fields["username"])) is None


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_login_without_csrf_token_is_refused(self, client, county):
        response = client.post("/login", data={"username": "county", "password": TEST_PASSWORD})
        assert response.status_code == 400
        assert client.get("/").status_code == 302

    def test_login_with_csrf_token_works(self, client, county):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(
            "/login", data={"username": "county", "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_MAX_PER_ADDRESS": 3}

    def test_repeated_failed_logins_are_slowed_down(self, client, county):
        for _ in range(3):
            assert client.post("/login", data={"username": "county", "password": "bad-guess"}).status_code == 400
        response = client.post("/login", data={"username": "county", "password": TEST_PASSWORD})
        assert response.status_code == 429
        assert "尝试次数过多" in response.get_data(as_text=True)
