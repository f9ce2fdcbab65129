"""API: members and organizations — roles, cross-unit refusal, writes with audit, Chinese 422s."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from core.members.models import Member
from core.tenancy import use_tenant
from tests import test_api_client
from tests.test_api_client import audit_rows

#: The shared fixture (a client with a token of the given user).
api_as = test_api_client.api_as

PREFIX = "/api/v1/units"


@pytest.fixture
def unit(tenant, make_organization, make_member):
    """A unit with two branches and three members."""
    # Ids taken at once: on PostgreSQL an expired row cannot be reloaded outside its unit (RLS).
    b1 = make_organization(tenant, "b1", name="第一党支部")
    b1_id = b1.id
    b2 = make_organization(tenant, "b2", name="第二党支部")
    b2_id = b2.id
    members = [
        make_member(b1, name="张三", id_number="11010519491231002X", phone="13800001111").id,
        make_member(b1, name="李四").id,
        make_member(b2, name="王五").id,
    ]
    return {"tenant": tenant, "b1": b1_id, "b2": b2_id, "members": members}


def test_unit_admin_lists_members_with_pagination(unit, make_user, api_as):
    admin = make_user("unit_admin", unit["tenant"])
    response = api_as(admin).get(f"{PREFIX}/caizhengju/members?page=1&page_size=2")
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()) == 2
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 3 and pagination["total_pages"] == 2
    second = api_as(admin).get(f"{PREFIX}/caizhengju/members?page=2&page_size=2").get_json()
    assert [m["name"] for m in second] == ["王五"]


def test_personal_data_masked_for_secretary_not_for_admin(unit, make_user, api_as):
    admin = make_user("unit_admin", unit["tenant"])
    secretary = make_user("secretary", unit["tenant"], organization_code="b1")
    zhang = unit["members"][0]
    shown = api_as(admin).get(f"{PREFIX}/caizhengju/members/{zhang}").get_json()
    assert shown["phone"] == "13800001111"
    masked = api_as(secretary).get(f"{PREFIX}/caizhengju/members/{zhang}").get_json()
    assert masked["phone"] == "*******1111"
    assert masked["id_number"].endswith("002X") and "1101" not in masked["id_number"]


def test_secretary_sees_only_own_branch(unit, make_user, api_as):
    secretary = make_user("secretary", unit["tenant"], organization_code="b1")
    client = api_as(secretary)
    names = {m["name"] for m in client.get(f"{PREFIX}/caizhengju/members").get_json()}
    assert names == {"张三", "李四"}
    wang = unit["members"][2]
    assert client.get(f"{PREFIX}/caizhengju/members/{wang}").status_code == 404
    orgs = client.get(f"{PREFIX}/caizhengju/organizations").get_json()
    assert [o["code"] for o in orgs] == ["b1"]
    assert client.get(f"{PREFIX}/caizhengju/organizations/{unit['b2']}").status_code == 404


def test_other_units_token_learns_nothing(unit, other_tenant, make_user, api_as):
    stranger = make_user("unit_admin", other_tenant)
    client = api_as(stranger)
    member_id = unit["members"][0]
    for path in (
        f"{PREFIX}/caizhengju/members",
        f"{PREFIX}/caizhengju/members/{member_id}",
        f"{PREFIX}/caizhengju",
        f"{PREFIX}/no-such-unit/members",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        body = response.get_json()
        assert "张三" not in json.dumps(body, ensure_ascii=False)
        assert body["message"] == "单位不存在"
    # Nor can it write there; the answer is the same 404.
    response = client.post(f"{PREFIX}/caizhengju/members", {"name": "入侵者"})
    assert response.status_code == 404
    # Its own unit's list does not show the other unit's members either.
    own = client.get(f"{PREFIX}/shuiwu-jituan/members")
    assert own.status_code == 200 and own.get_json() == []
    units = client.get(PREFIX).get_json()
    assert [u["slug"] for u in units] == ["shuiwu-jituan"]


def test_no_token_or_bad_token_is_401_in_chinese(unit, api_as, app):
    response = api_as(None).get(f"{PREFIX}/caizhengju/members")
    assert response.status_code == 401
    assert "令牌" in response.get_json()["message"]
    bad = app.test_client().get(
        f"{PREFIX}/caizhengju/members", headers={"Authorization": "Bearer bm_not-a-token"}
    )
    assert bad.status_code == 401 and bad.get_json()["message"] == "API 令牌无效或已撤销"


def test_supervisor_reads_in_scope_but_cannot_write(unit, make_user, api_as):
    supervisor = make_user("supervisor", scope_unit_types=["organ"])
    client = api_as(supervisor)
    assert client.get(f"{PREFIX}/caizhengju/members").status_code == 200
    response = client.post(
        f"{PREFIX}/caizhengju/members",
        {"organization_id": unit["b1"], "name": "赵六", "status": "full", "joined_on": "2020-07-01"},
    )
    assert response.status_code == 403
    assert response.get_json()["message"] == "您只能查看此单位的记录，不能修改"


def test_create_update_member_with_audit(unit, make_user, api_as, db):
    admin = make_user("unit_admin", unit["tenant"])
    client = api_as(admin)
    response = client.post(
        f"{PREFIX}/caizhengju/members",
        {"organization_id": unit["b1"], "name": "赵六", "status": "probationary", "joined_on": "2025-07-01", "dues_base": "5400"},
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["name"] == "赵六" and created["dues_base"] == "5400.00"
    inserts = [r for r in audit_rows("member", "insert") if r.row_id == created["id"]]
    assert len(inserts) == 1 and inserts[0].actor == admin.username and inserts[0].user_id == admin.id

    response = client.patch(f"{PREFIX}/caizhengju/members/{created['id']}", {"position": "科员"})
    assert response.status_code == 200 and response.get_json()["position"] == "科员"
    updates = [r for r in audit_rows("member", "update") if r.row_id == created["id"]]
    assert updates[-1].after == {"position": "科员"}


def _member_count(tenant) -> int:
    from core.extensions import db

    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count(Member.id)))


def test_bad_input_is_422_with_chinese_field_messages_and_nothing_written(unit, make_user, api_as):
    admin = make_user("unit_admin", unit["tenant"])
    client = api_as(admin)
    before = _member_count(unit["tenant"])
    # Types wrong: the schema answers, in Chinese, for every field at once.
    response = client.post(
        f"{PREFIX}/caizhengju/members",
        {"organization_id": "第一支部", "joined_on": "2025-13-45", "status": "full", "colour": "red"},
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert errors["name"] == ["缺少必填项"]
    assert errors["organization_id"] == ["不是有效的整数"]
    assert errors["joined_on"] == ["不是有效的日期（格式 YYYY-MM-DD）"]
    assert errors["colour"] == ["未知字段"]
    # Types right, rules broken: the service answers with the same shape.
    response = client.post(
        f"{PREFIX}/caizhengju/members",
        {"organization_id": unit["b1"], "name": "钱七", "status": "full", "joined_on": "2020-07-01", "full_on": "2019-01-01", "phone": "123"},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    assert body["errors"]["json"]["full_on"] == ["转正时间不能早于入党时间"]
    assert _member_count(unit["tenant"]) == before
    assert audit_rows("member", "insert") == [] or all(r.row_id != None for r in audit_rows("member", "insert"))  # noqa: E711


def test_secretary_cannot_write_other_branch(unit, make_user, api_as):
    secretary = make_user("secretary", unit["tenant"], organization_code="b1")
    client = api_as(secretary)
    response = client.post(
        f"{PREFIX}/caizhengju/members",
        {"organization_id": unit["b2"], "name": "孙八", "status": "full", "joined_on": "2020-07-01"},
    )
    assert response.status_code == 403
    assert response.get_json()["errors"]["json"]["organization_id"] == ["只能是本支部"]
    ok = client.post(
        f"{PREFIX}/caizhengju/members",
        {"organization_id": unit["b1"], "name": "孙八", "status": "full", "joined_on": "2020-07-01"},
    )
    assert ok.status_code == 201, ok.get_json()
    # Nor may a secretary reshape the unit's organizations.
    assert client.patch(f"{PREFIX}/caizhengju/organizations/{unit['b1']}", {"name": "改名"}).status_code == 403


def test_organizations_create_update(unit, make_user, api_as):
    admin = make_user("unit_admin", unit["tenant"])
    client = api_as(admin)
    response = client.post(
        f"{PREFIX}/caizhengju/organizations",
        {"code": "zz", "name": "机关党总支", "kind": "general_branch", "established_on": "2010-01-01"},
    )
    assert response.status_code == 201, response.get_json()
    zz = response.get_json()["id"]
    moved = client.patch(f"{PREFIX}/caizhengju/organizations/{unit['b1']}", {"parent_id": zz})
    assert moved.status_code == 200 and moved.get_json()["parent_id"] == zz
    clash = client.post(
        f"{PREFIX}/caizhengju/organizations",
        {"code": "b1", "name": "重复", "kind": "branch", "established_on": "2010-01-01"},
    )
    assert clash.status_code == 422
    assert "已被本单位其他党组织使用" in clash.get_json()["errors"]["json"]["code"][0]
    listed = client.get(f"{PREFIX}/caizhengju/organizations?kind=general_branch").get_json()
    assert [o["code"] for o in listed] == ["zz"]
    one = client.get(f"{PREFIX}/caizhengju/organizations/{zz}").get_json()
    assert one["name"] == "机关党总支"
    assert audit_rows("organization", "insert")[-1].actor == admin.username
