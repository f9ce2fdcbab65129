"""API: events with attendance, training, dues, funding, staff, facility checks, appraisals and
development cases — list, get, create, update, delete, with audit rows and Chinese 422s."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from core.events.models import Event
from core.tenancy import use_tenant
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
    m1 = make_member(b1, name="张三", dues_base="5400").id
    m2 = make_member(b1, name="李四", dues_base="3000").id
    m3 = make_member(b2, name="王五", dues_base="3000").id
    return {"tenant": tenant, "b1": b1_id, "b2": b2_id, "m1": m1, "m2": m2, "m3": m3}


@pytest.fixture
def admin_api(unit, make_user, api_as):
    return api_as(make_user("unit_admin", unit["tenant"]))


def _events(tenant) -> int:
    from core.extensions import db

    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count(Event.id)))


def test_event_with_attendance_lifecycle(unit, admin_api):
    body = {
        "organization_id": unit["b1"],
        "kinds": ["general_meeting", "party_lesson"],
        "held_on": "2025-03-05",
        "topic": "学习党章",
        "training_hours": "2",
        "attendance": [
            {"member_id": unit["m1"], "status": "present"},
            {"member_id": unit["m2"], "status": "excused", "reason": "出差"},
        ],
    }
    response = admin_api.post(f"{U}/events", body)
    assert response.status_code == 201, response.get_json()
    event = response.get_json()
    assert event["kind"] == "general_meeting"
    assert sorted(event["kinds"]) == ["general_meeting", "party_lesson"]
    assert {a["member_id"]: a["status"] for a in event["attendance"]} == {
        unit["m1"]: "present", unit["m2"]: "excused",
    }
    assert audit_rows("event", "insert")[-1].row_id == event["id"]
    assert len(audit_rows("attendance", "insert")) == 2

    listed = admin_api.get(f"{U}/events?kind=party_lesson&held_from=2025-01-01&held_to=2025-12-31")
    assert [e["id"] for e in listed.get_json()] == [event["id"]]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    assert admin_api.get(f"{U}/events/{event['id']}").get_json()["topic"] == "学习党章"

    changed = admin_api.patch(
        f"{U}/events/{event['id']}",
        {"topic": "学习新党章", "attendance": [{"member_id": unit["m1"], "status": "present"}]},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["topic"] == "学习新党章" and len(changed.get_json()["attendance"]) == 1

    assert admin_api.delete(f"{U}/events/{event['id']}").status_code == 204
    assert admin_api.get(f"{U}/events/{event['id']}").status_code == 404
    assert audit_rows("event", "delete")[-1].row_id == event["id"]


def test_event_from_another_branchs_members_is_refused_whole(unit, admin_api):
    before = _events(unit["tenant"])
    response = admin_api.post(
        f"{U}/events",
        {
            "organization_id": unit["b1"], "kinds": ["committee_meeting"], "held_on": "2025-03-05",
            "topic": "支委会", "attendance": [{"member_id": unit["m3"], "status": "present"}],
        },
    )
    assert response.status_code == 422
    assert "王五" in response.get_json()["errors"]["json"]["attendance"][0]
    assert _events(unit["tenant"]) == before
    bad_kind = admin_api.post(
        f"{U}/events", {"organization_id": unit["b1"], "kinds": ["picnic"], "held_on": "2025-03-05", "topic": "x"}
    )
    assert bad_kind.status_code == 422
    assert bad_kind.get_json()["errors"]["json"]["kinds"]["0"][0].startswith("须为以下之一")


def test_training_records(unit, admin_api):
    response = admin_api.post(
        f"{U}/training-records",
        {"member_id": unit["m1"], "taken_on": "2025-05-10", "hours": "8", "title": "县委党校轮训"},
    )
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert record["hours"] == "8.0" and record["kind"] == "concentrated"
    assert admin_api.get(f"{U}/training-records?year=2025&member_id={unit['m1']}").get_json()[0]["id"] == record["id"]
    assert admin_api.get(f"{U}/training-records/{record['id']}").status_code == 200
    patched = admin_api.patch(f"{U}/training-records/{record['id']}", {"hours": "6"})
    assert patched.status_code == 200 and patched.get_json()["hours"] == "6.0"
    bad = admin_api.patch(f"{U}/training-records/{record['id']}", {"hours": "abc"})
    assert bad.status_code == 422 and bad.get_json()["errors"]["json"]["hours"] == ["不是有效的数字"]
    assert admin_api.delete(f"{U}/training-records/{record['id']}").status_code == 204
    assert [r.action for r in audit_rows("training_record")] == ["insert", "update", "delete"]


def test_dues_payments(unit, admin_api):
    response = admin_api.post(
        f"{U}/dues-payments", {"member_id": unit["m1"], "year": 2025, "month": 3, "paid_on": "2025-03-10"}
    )
    assert response.status_code == 201, response.get_json()
    row = response.get_json()
    # 5400 元 → 1.5 % of the whole base (中组发〔2008〕3号), calculated by the service.
    assert row["amount_due"] == "81.00" and row["amount_paid"] == "81.00"
    assert admin_api.get(f"{U}/dues-payments?year=2025&month=3").get_json()[0]["id"] == row["id"]
    assert admin_api.get(f"{U}/dues-payments/{row['id']}").get_json()["month"] == 3
    patched = admin_api.patch(f"{U}/dues-payments/{row['id']}", {"note": "现金"})
    assert patched.status_code == 200
    assert patched.get_json()["note"] == "现金" and patched.get_json()["amount_due"] == "81.00"
    bad = admin_api.post(f"{U}/dues-payments", {"member_id": unit["m1"], "year": 2025, "month": "三月"})
    assert bad.status_code == 422 and bad.get_json()["errors"]["json"]["month"] == ["不是有效的整数"]
    assert admin_api.delete(f"{U}/dues-payments/{row['id']}").status_code == 204
    assert [r.action for r in audit_rows("dues_payment")] == ["insert", "update", "delete"]


def test_funding_records_unit_admin_only(unit, admin_api, make_user, api_as):
    response = admin_api.post(
        f"{U}/funding-records", {"year": 2025, "source": "fiscal_budget", "budgeted": "35000", "spent": "12000"}
    )
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert admin_api.get(f"{U}/funding-records?year=2025").get_json()[0]["budgeted"] == "35000.00"
    assert admin_api.get(f"{U}/funding-records/{record['id']}").status_code == 200
    assert admin_api.patch(f"{U}/funding-records/{record['id']}", {"spent": "20000"}).get_json()["spent"] == "20000.00"
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b1"))
    refused = secretary.post(f"{U}/funding-records", {"year": 2025, "source": "fiscal_budget"})
    assert refused.status_code == 403
    assert admin_api.delete(f"{U}/funding-records/{record['id']}").status_code == 204
    assert [r.action for r in audit_rows("funding_record")] == ["insert", "update", "delete"]


def test_staff_posts(unit, admin_api):
    response = admin_api.post(
        f"{U}/staff-posts", {"person_name": "周专干", "kind": "full_time", "started_on": "2024-01-01"}
    )
    assert response.status_code == 201, response.get_json()
    post = response.get_json()
    assert admin_api.get(f"{U}/staff-posts?current=true").get_json()[0]["id"] == post["id"]
    assert admin_api.get(f"{U}/staff-posts/{post['id']}").get_json()["kind"] == "full_time"
    ended = admin_api.patch(f"{U}/staff-posts/{post['id']}", {"ended_on": "2023-01-01"})
    assert ended.status_code == 422 and "离任日期" in ended.get_json()["errors"]["json"]["ended_on"][0]
    assert admin_api.delete(f"{U}/staff-posts/{post['id']}").status_code == 204
    assert [r.action for r in audit_rows("staff_post")] == ["insert", "delete"]


def test_facility_checks(unit, admin_api):
    response = admin_api.post(
        f"{U}/facility-checks",
        {"organization_id": unit["b1"], "item": "flag", "met": True, "checked_on": "2025-06-01", "checked_by": "检查组"},
    )
    assert response.status_code == 201, response.get_json()
    check = response.get_json()
    assert admin_api.get(f"{U}/facility-checks?item=flag").get_json()[0]["id"] == check["id"]
    assert admin_api.get(f"{U}/facility-checks/{check['id']}").get_json()["met"] is True
    bad = admin_api.post(
        f"{U}/facility-checks",
        {"organization_id": unit["b1"], "item": "pool", "met": "maybe", "checked_on": "2025-06-01", "checked_by": "x"},
    )
    assert bad.status_code == 422 and bad.get_json()["errors"]["json"]["met"] == ["不是有效的是/否值"]
    assert audit_rows("facility_check", "insert")[-1].row_id == check["id"]


def test_appraisals(unit, admin_api):
    response = admin_api.post(
        f"{U}/appraisals", {"member_id": unit["m1"], "year": 2025, "result": "excellent"}
    )
    assert response.status_code == 201, response.get_json()
    appraisal = response.get_json()
    assert admin_api.get(f"{U}/appraisals?year=2025").get_json()[0]["result"] == "excellent"
    assert admin_api.get(f"{U}/appraisals/{appraisal['id']}").status_code == 200
    assert admin_api.patch(f"{U}/appraisals/{appraisal['id']}", {"result": "qualified"}).get_json()["result"] == "qualified"
    assert admin_api.delete(f"{U}/appraisals/{appraisal['id']}").status_code == 204
    assert [r.action for r in audit_rows("appraisal")] == ["insert", "update", "delete"]


def test_development_cases(unit, admin_api):
    response = admin_api.post(
        f"{U}/development-cases", {"organization_id": unit["b1"], "name": "郑雨桐", "applied_on": "2025-01-05"}
    )
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["stage"] == "applicant" and case["steps"][0]["step"] == 1
    out_of_order = admin_api.patch(
        f"{U}/development-cases/{case['id']}", {"steps": [{"step": 7, "done_on": "2025-02-01"}]}
    )
    assert out_of_order.status_code == 422
    assert "请先记录第 6 步" in out_of_order.get_json()["errors"]["json"]["steps.7.step"][0]
    ok = admin_api.patch(
        f"{U}/development-cases/{case['id']}",
        {"steps": [{"step": 2, "done_on": "2025-01-20"}, {"step": 3, "done_on": "2025-03-01"}]},
    )
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["stage"] == "activist"
    assert admin_api.get(f"{U}/development-cases?stage=activist").get_json()[0]["id"] == case["id"]
    assert admin_api.get(f"{U}/development-cases/{case['id']}").get_json()["name"] == "郑雨桐"
    assert len(audit_rows("development_step", "insert")) == 3
