"""API: terms (换届), party groups and committee seats."""

from __future__ import annotations

import pytest

from tests import test_api_client
from tests.test_api_client import audit_rows

#: The shared fixture (a client with a token of the given user).
api_as = test_api_client.api_as

U = "/api/v1/units/caizhengju"


@pytest.fixture
def unit(tenant, make_organization, make_member):
    # Ids taken at once: on PostgreSQL an expired row cannot be reloaded outside its unit (RLS).
    b1 = make_organization(tenant, "b1", name="第一党支部")
    b1_id = b1.id
    b2 = make_organization(tenant, "b2", name="第二党支部")
    b2_id = b2.id
    zhang = make_member(b1, name="张三").id
    wang = make_member(b2, name="王五").id
    return {"tenant": tenant, "b1": b1_id, "b2": b2_id, "zhang": zhang, "wang": wang}


def test_terms(unit, make_user, api_as):
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b1"))
    response = secretary.post(f"{U}/terms", {"organization_id": unit["b1"], "elected_on": "2023-09-15"})
    assert response.status_code == 201, response.get_json()
    term = response.get_json()
    assert term["ends_on"] == "2026-09-15" and term["years"] == 3
    assert secretary.get(f"{U}/terms?organization_id={unit['b1']}").get_json()[0]["id"] == term["id"]
    assert secretary.get(f"{U}/terms/{term['id']}").status_code == 200
    longer = secretary.patch(f"{U}/terms/{term['id']}", {"years": 5})
    assert longer.status_code == 200 and longer.get_json()["ends_on"] == "2028-09-15"
    bad = secretary.patch(f"{U}/terms/{term['id']}", {"years": 9})
    assert bad.status_code == 422 and bad.get_json()["errors"]["json"]["years"] == ["任期年数应为 1 至 5 的整数"]
    other = secretary.post(f"{U}/terms", {"organization_id": unit["b2"], "elected_on": "2023-09-15"})
    assert other.status_code == 403
    assert [r.action for r in audit_rows("term")] == ["insert", "update"]


def test_party_groups(unit, make_user, api_as):
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    response = admin.post(f"{U}/party-groups", {"organization_id": unit["b1"], "name": "第一党小组", "leader_id": unit["zhang"]})
    assert response.status_code == 201, response.get_json()
    group = response.get_json()
    assert admin.get(f"{U}/party-groups").get_json()[0]["name"] == "第一党小组"
    assert admin.get(f"{U}/party-groups/{group['id']}").get_json()["leader_id"] == unit["zhang"]
    wrong_leader = admin.patch(f"{U}/party-groups/{group['id']}", {"leader_id": unit["wang"]})
    assert wrong_leader.status_code == 422
    assert wrong_leader.get_json()["errors"]["json"]["leader_id"] == ["组长须是本支部的在册党员"]
    renamed = admin.patch(f"{U}/party-groups/{group['id']}", {"name": "机关第一党小组"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "机关第一党小组"
    assert audit_rows("party_group", "insert")[-1].row_id == group["id"]


def test_committee_seats(unit, make_user, api_as):
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    response = admin.post(
        f"{U}/committee-seats",
        {"organization_id": unit["b1"], "member_id": unit["zhang"], "role": "secretary", "started_on": "2023-09-15"},
    )
    assert response.status_code == 201, response.get_json()
    seat = response.get_json()
    assert admin.get(f"{U}/committee-seats?current=true&role=secretary").get_json()[0]["id"] == seat["id"]
    assert admin.get(f"{U}/committee-seats/{seat['id']}").get_json()["role"] == "secretary"
    early = admin.patch(f"{U}/committee-seats/{seat['id']}", {"ended_on": "2020-01-01"})
    assert early.status_code == 422 and early.get_json()["errors"]["json"]["ended_on"] == ["离任日期不能早于任职日期"]
    ended = admin.patch(f"{U}/committee-seats/{seat['id']}", {"ended_on": "2025-01-01"})
    assert ended.status_code == 200 and ended.get_json()["ended_on"] == "2025-01-01"
    outsider = admin.post(
        f"{U}/committee-seats",
        {"organization_id": unit["b1"], "member_id": unit["wang"], "role": "organization", "started_on": "2023-09-15"},
    )
    assert outsider.status_code == 422 and "member_id" in outsider.get_json()["errors"]["json"]
    assert [r.action for r in audit_rows("committee_seat")] == ["insert", "update"]
