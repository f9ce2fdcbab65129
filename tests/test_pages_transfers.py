"""Transfer pages: a unit admin starts a transfer from a member's page, the receiving unit's admin
accepts it from the inbox into a branch; the host sees both; each unit reads its own side only."""

from __future__ import annotations

import re

from core.members.models import Member, Membership
from core.transfers.models import UnitTransfer
from tests.conftest import TEST_PASSWORD
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, fresh_request, rows

U = "/units/caizhengju"
THEM = "/units/shuiwu-jituan"


def _login(client, username: str):
    fresh_request()
    client.post("/logout")
    fresh_request()
    assert client.post("/login", data={"username": username, "password": TEST_PASSWORD}).status_code == 302
    fresh_request()
    return client


def test_a_unit_admin_starts_a_transfer_the_other_unit_accepts(client, as_user, county, db, make_user, other_tenant):
    make_user("unit_admin", other_tenant, username="sw-admin")
    client = as_user("admin")
    page = client.get(f"{U}/members/{county.li}").get_data(as_text=True)
    assert "在册记录" in page and "转到县内其他单位" in page
    form = client.get(f"{U}/members/{county.li}/transfer-out").get_data(as_text=True)
    assert "县水务集团" in form
    refused = client.post(f"{U}/members/{county.li}/transfer-out", data={
        "receiver_id": str(county.tenant_id), "transfer_on": "2099-01-01", "letter_no": "", "reason": "",
    })
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "日期不能晚于今天" in text and "请填写介绍信编号" in text and "本单位内调整支部" in text
    assert rows(db, county.tenant_id, UnitTransfer) == []
    started = client.post(f"{U}/members/{county.li}/transfer-out", data={
        "receiver_id": str(county.other_id), "transfer_on": "2026-03-01", "letter_no": "组转〔2026〕3号",
        "reason": "工作调动",
    })
    assert started.status_code == 302
    outbox = client.get(f"{U}/transfers").get_data(as_text=True)
    assert "李堃" in outbox and "待接收" in outbox and "县水务集团" in outbox

    # A secretary does not handle transfers.
    assert as_user("secretary").get(f"{U}/transfers").status_code == 403

    them = _login(client, "sw-admin")
    inbox = them.get(f"{THEM}/transfers").get_data(as_text=True)
    assert "李堃" in inbox and "组转〔2026〕3号" in inbox and "县财政局" in inbox
    (incoming,) = rows(db, county.other_id, UnitTransfer)
    assert them.post(f"{THEM}/transfers/{incoming.id}/accept", data={}).status_code == 400
    accepted = them.post(f"{THEM}/transfers/{incoming.id}/accept", data={f"accept-{incoming.id}-organization_id": str(county.theirs)})
    assert accepted.status_code == 302
    new_id = int(re.search(r"/members/(\d+)", accepted.headers["Location"]).group(1))
    page = them.get(accepted.headers["Location"]).get_data(as_text=True)
    assert "李堃" in page and "组织关系转入" in page
    # The receiver cannot open the sender's member, nor the sender the receiver's.
    assert them.get(f"{U}/members/{county.li}").status_code == 404
    (new,) = rows(db, county.other_id, Member, Member.id == new_id)
    assert new.organization_id == county.theirs and new.transferred_in_on.isoformat() == "2026-03-01"
    assert [p.member_id for p in rows(db, county.other_id, Membership)] == [new_id]

    client = as_user("admin")
    assert client.get(f"{THEM}/members/{new_id}").status_code == 404
    (old,) = rows(db, county.tenant_id, Member, Member.id == county.li)
    assert old.left_reason == "transferred" and old.left_on.isoformat() == "2026-03-01"
    assert "已接收" in client.get(f"{U}/transfers").get_data(as_text=True)

    host = as_user("host").get("/host/transfers").get_data(as_text=True)
    assert "李堃" in host and "县财政局" in host and "县水务集团" in host and "已接收" in host
    assert as_user("admin").get("/host/transfers").status_code == 403
    assert audit_count(db, "unit_transfer") >= 4 and audit_count(db, "membership") >= 2


def test_a_move_within_the_unit_shows_both_periods(as_user, county, db):
    client = as_user("admin")
    response = client.post(f"{U}/members/{county.li}/transfer", data={
        "transfer-organization_id": str(county.b2), "transfer-transferred_in_on": "2025-01-01",
    })
    assert response.status_code == 302
    page = client.get(f"{U}/members/{county.li}").get_data(as_text=True)
    assert page.count("单位内调整支部") >= 2 and "机关第一党支部" in page and "机关第二党支部" in page
    periods = rows(db, county.tenant_id, Membership, Membership.member_id == county.li)
    assert [(p.organization_id, p.end_reason) for p in sorted(periods, key=lambda p: p.started_on)] == [
        (county.b1, "moved_within"), (county.b2, None)
    ]
