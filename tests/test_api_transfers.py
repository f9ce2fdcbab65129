"""API: transfers between units (start, accept, refuse, withdraw, the host's list) and a member's
periods, moves within the unit and absences (流动党员外出, 出国出境) — roles, Chinese 422s, each
unit reading its own side only."""

from __future__ import annotations

import pytest

from core.extensions import db as _db
from core.organizations.models import Organization
from core.tenancy import use_tenant
from tests import test_api_client
from tests.test_api_client import audit_rows

api_as = test_api_client.api_as

PREFIX = "/api/v1/units"


@pytest.fixture
def units(tenant, other_tenant, make_organization, make_member, make_user):
    b1 = make_organization(tenant, "b1", name="第一党支部")
    b1_id = b1.id
    b2_id = make_organization(tenant, "b2", name="第二党支部").id
    theirs_id = make_organization(other_tenant, "t1", name="水务第一党支部").id
    member_id = make_member(b1, name="张三").id
    return {
        "b1": b1_id, "b2": b2_id, "theirs": theirs_id, "member": member_id, "other": other_tenant.id,
        "admin": make_user("unit_admin", tenant), "their_admin": make_user("unit_admin", other_tenant),
        "secretary": make_user("secretary", tenant, organization_code="b1"), "host": make_user("host_admin"),
    }


def test_move_within_the_unit_and_the_periods(units, api_as):
    client = api_as(units["admin"])
    path = f"{PREFIX}/caizhengju/members/{units['member']}"
    bad = client.post(f"{path}/move", json={"organization_id": units["b2"], "on": "2099-01-01"})
    assert bad.status_code == 422 and "日期不能晚于今天" in str(bad.get_json())
    assert api_as(units["secretary"]).post(f"{path}/move", json={"organization_id": units["b2"], "on": "2025-01-01"}).status_code == 403
    moved = client.post(f"{path}/move", json={"organization_id": units["b2"], "on": "2025-01-01"})
    assert moved.status_code == 200, moved.get_json()
    assert [(p["organization_id"], p["end_reason"]) for p in moved.get_json()] == [(units["b1"], "moved_within"), (units["b2"], None)]
    periods = api_as(units["secretary"]).get(f"{path}/periods")  # was on the secretary's branch
    assert periods.status_code == 200 and len(periods.get_json()) == 2
    assert api_as(units["their_admin"]).get(f"{PREFIX}/caizhengju/members/{units['member']}/periods").status_code == 404


def test_transfer_between_units_through_the_api(units, api_as):
    client = api_as(units["admin"])
    bad = client.post(f"{PREFIX}/caizhengju/transfers", json={
        "member_id": units["member"], "receiver_id": 999999, "transfer_on": "2026-02-01", "letter_no": "x", "reason": "y",
    })
    assert bad.status_code == 422 and "receiver_id" in bad.get_json()["errors"]["json"]
    assert api_as(units["secretary"]).get(f"{PREFIX}/caizhengju/transfers").status_code == 403
    started = client.post(f"{PREFIX}/caizhengju/transfers", json={
        "member_id": units["member"], "receiver_id": units["other"], "transfer_on": "2026-02-01",
        "letter_no": "组转〔2026〕9号", "reason": "工作调动",
    })
    assert started.status_code == 201, started.get_json()
    assert started.get_json()["direction"] == "out" and started.get_json()["status"] == "pending"
    them = api_as(units["their_admin"])
    (incoming,) = them.get(f"{PREFIX}/shuiwu-jituan/transfers").get_json()
    assert incoming["direction"] == "in" and incoming["member_id"] is None and incoming["member_name"] == "张三"
    # The sender's row is not the receiver's to handle, and the other way round.
    assert client.post(f"{PREFIX}/caizhengju/transfers/{incoming['id']}/accept", json={"organization_id": units["b1"]}).status_code == 404
    assert them.post(f"{PREFIX}/shuiwu-jituan/transfers/{started.get_json()['id']}/cancel").status_code == 404
    wrong = them.post(f"{PREFIX}/shuiwu-jituan/transfers/{incoming['id']}/accept", json={"organization_id": units["b1"]})
    assert wrong.status_code == 422
    accepted = them.post(f"{PREFIX}/shuiwu-jituan/transfers/{incoming['id']}/accept", json={"organization_id": units["theirs"]})
    assert accepted.status_code == 200, accepted.get_json()
    new_id = accepted.get_json()["member_id"]
    assert them.get(f"{PREFIX}/shuiwu-jituan/members/{new_id}/periods").get_json()[0]["start_reason"] == "transferred_in"
    again = them.post(f"{PREFIX}/shuiwu-jituan/transfers/{incoming['id']}/refuse", json={"refusal_reason": "晚了"})
    assert again.status_code == 422 and "已办结" in str(again.get_json())
    (out,) = client.get(f"{PREFIX}/caizhengju/transfers").get_json()
    assert out["status"] == "accepted"
    (pair,) = api_as(units["host"]).get("/api/v1/transfers").get_json()
    assert pair["sending"]["status"] == pair["receiving"]["status"] == "accepted"
    assert client.get("/api/v1/transfers").status_code == 403
    assert audit_rows("unit_transfer")


def test_refuse_and_withdraw_through_the_api(units, api_as):
    client = api_as(units["admin"])
    body = {"member_id": units["member"], "receiver_id": units["other"], "transfer_on": "2026-02-01",
            "letter_no": "组转〔2026〕10号", "reason": "工作调动"}
    first = client.post(f"{PREFIX}/caizhengju/transfers", json=body).get_json()
    them = api_as(units["their_admin"])
    (incoming,) = them.get(f"{PREFIX}/shuiwu-jituan/transfers").get_json()
    assert them.post(f"{PREFIX}/shuiwu-jituan/transfers/{incoming['id']}/refuse", json={"refusal_reason": ""}).status_code == 422
    refused = them.post(f"{PREFIX}/shuiwu-jituan/transfers/{incoming['id']}/refuse", json={"refusal_reason": "单位不符"})
    assert refused.status_code == 200 and refused.get_json()["status"] == "refused"
    second = client.post(f"{PREFIX}/caizhengju/transfers", json=body | {"letter_no": "组转〔2026〕11号"}).get_json()
    assert client.post(f"{PREFIX}/caizhengju/transfers/{first['id']}/cancel").status_code == 422
    cancelled = client.post(f"{PREFIX}/caizhengju/transfers/{second['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_absence_and_return_through_the_api(units, api_as, make_member, tenant):
    client = api_as(units["secretary"])  # records absences in their own branch, unlike moves
    path = f"{PREFIX}/caizhengju/members/{units['member']}"
    bad = client.post(f"{path}/absence", json={"kind": "outflow", "on": "2099-01-01", "place": "深圳"})
    assert bad.status_code == 422 and "日期不能晚于今天" in str(bad.get_json())
    assert client.post(f"{path}/absence", json={"kind": "trip", "on": "2026-01-01", "place": "深圳"}).status_code == 422
    with use_tenant(tenant.id):
        b2 = _db.session.get(Organization, units["b2"])
    other = f"{PREFIX}/caizhengju/members/{make_member(b2, name='李四').id}"
    assert client.post(f"{other}/absence", json={"kind": "outflow", "on": "2026-01-01", "place": "深圳"}).status_code == 404
    went = client.post(f"{path}/absence", json={"kind": "outflow", "on": "2026-01-01", "place": "深圳"})
    assert went.status_code == 200, went.get_json()
    assert [(p["start_reason"], p["end_reason"], p["note"]) for p in went.get_json()] == [
        ("joined", "outflow", None), ("outflow", None, "深圳"),
    ]
    again = client.post(f"{path}/absence", json={"kind": "abroad", "on": "2026-02-01", "place": "英国"})
    assert again.status_code == 422 and "请先登记返回" in str(again.get_json())
    back = client.post(f"{path}/return", json={"on": "2026-04-01"})
    assert back.status_code == 200
    assert [p["start_reason"] for p in back.get_json()] == ["joined", "outflow", "inflow"]
    assert client.post(f"{path}/return", json={"on": "2026-05-01"}).status_code == 422
    assert len(audit_rows("membership")) >= 3
