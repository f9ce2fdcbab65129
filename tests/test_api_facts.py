"""API: development records and probation decisions, party documents, 报道, 群团组织 and their
activities, committee roles with vacancies, each meeting's attendance, set-ups due."""

from __future__ import annotations

import datetime as dt

import pytest

from core.events.models import Attendance, Event, EventKind
from core.members.models import DevelopmentCase, DevelopmentStep
from core.organizations.models import CommitteeSeat
from core.tenancy import use_tenant
from tests import test_api_client
from tests.test_api_client import audit_rows

api_as = test_api_client.api_as

U = "/api/v1/units/caizhengju"


@pytest.fixture
def unit(db, tenant, make_organization, make_member):
    # Ids taken at once: on PostgreSQL an expired row cannot be reloaded outside its unit (RLS).
    b1 = make_organization(tenant, "b1", name="第一党支部")
    b2_id = make_organization(tenant, "b2", name="第二党支部").id
    members = [make_member(b1, name=f"甲{n}", joined_on=dt.date(2010, 1, 1)) for n in range(4)]
    with use_tenant(tenant.id):
        case = DevelopmentCase(organization_id=b1.id, name="李预备", stage="probationary")
        db.session.add(case)
        db.session.flush()
        for step, day in ((1, dt.date(2023, 1, 5)), (15, dt.date(2024, 3, 1)), (17, dt.date(2024, 4, 1))):
            db.session.add(DevelopmentStep(case_id=case.id, step=step, done_on=day))
        meeting = Event(organization_id=b1.id, kind="general_meeting", held_on=dt.date(2025, 3, 5), topic="讨论预备党员转正")
        meeting.kinds.append(EventKind(kind="general_meeting"))
        db.session.add(meeting)
        db.session.flush()
        for n, member in enumerate(members):
            db.session.add(Attendance(event_id=meeting.id, member_id=member.id, status="present" if n else "absent"))
        db.session.add(CommitteeSeat(organization_id=b1.id, member_id=members[0].id, role="secretary",
                                     started_on=dt.date(2020, 1, 1), ended_on=dt.date(2025, 1, 31)))
        db.session.commit()
        ids = {"case": case.id, "meeting": meeting.id, "b1": b1.id, "members": [m.id for m in members]}
    return {"tenant": tenant, "b2": b2_id, **ids}


def test_development_records_are_kept_one_by_one(unit, make_user, api_as):
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b1"))
    first = secretary.post(f"{U}/development-records", {"case_id": unit["case"], "kind": "probationary_assessment", "done_on": "2024-06-30", "summary": "表现良好"})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["step"] == 21
    second = secretary.post(f"{U}/development-records", {"case_id": unit["case"], "kind": "probationary_assessment", "done_on": "2024-09-30"})
    assert second.status_code == 201
    listed = secretary.get(f"{U}/development-records?case_id={unit['case']}").get_json()
    assert [r["done_on"] for r in listed] == ["2024-06-30", "2024-09-30"]
    assert len(secretary.get(f"{U}/development-records?organization_id={unit['b1']}&year=2024").get_json()) == 2
    record_id = first.get_json()["id"]
    assert secretary.get(f"{U}/development-records/{record_id}").get_json()["summary"] == "表现良好"
    early = secretary.patch(f"{U}/development-records/{record_id}", {"done_on": "2024-01-01"})
    assert early.status_code == 422
    assert early.get_json()["errors"]["json"]["done_on"] == ["不能早于第 15 步（支部大会讨论）的日期 2024-03-01"]
    twice = secretary.patch(f"{U}/development-records/{record_id}", {"done_on": "2024-09-30"})
    assert twice.get_json()["errors"]["json"]["done_on"] == ["2024-09-30 已有一条预备党员考察记录"]
    assert secretary.patch(f"{U}/development-records/{record_id}", {"summary": "合格"}).status_code == 200
    assert secretary.delete(f"{U}/development-records/{second.get_json()['id']}").status_code == 204
    assert [r.action for r in audit_rows("development_record")] == ["insert", "insert", "update", "delete"]
    other = api_as(make_user("secretary", unit["tenant"], organization_code="b2"))
    assert other.get(f"{U}/development-records/{record_id}").status_code == 404
    assert other.get(f"{U}/development-records").get_json() == []


def test_probation_decisions_name_the_meeting_and_extend_once(unit, make_user, api_as):
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    short = admin.post(f"{U}/probation-decisions", {"case_id": unit["case"], "kind": "extend", "event_id": unit["meeting"], "extension_months": 3})
    assert short.status_code == 422
    assert short.get_json()["errors"]["json"]["extension_months"] == ["延长期限应为 6 至 12 个月"]
    extended = admin.post(f"{U}/probation-decisions", {"case_id": unit["case"], "kind": "extend", "event_id": unit["meeting"], "extension_months": 6})
    assert extended.status_code == 201, extended.get_json()
    assert extended.get_json()["decided_on"] == "2025-03-05"
    assert extended.get_json()["ends_on"] == "2025-09-01"
    again = admin.post(f"{U}/probation-decisions", {"case_id": unit["case"], "kind": "extend", "event_id": unit["meeting"], "extension_months": 12})
    assert again.get_json()["errors"]["json"]["kind"] == ["延长预备期只能一次"]
    convert = admin.post(f"{U}/probation-decisions", {"case_id": unit["case"], "kind": "convert", "event_id": unit["meeting"]})
    assert convert.get_json()["errors"]["json"]["kind"] == ["请先记录第 22 步（提出转正申请）"]
    assert [d["kind"] for d in admin.get(f"{U}/probation-decisions?case_id={unit['case']}").get_json()] == ["extend"]
    decision_id = extended.get_json()["id"]
    assert admin.get(f"{U}/probation-decisions/{decision_id}").get_json()["extension_months"] == 6
    assert admin.delete(f"{U}/probation-decisions/{decision_id}").status_code == 204
    assert [r.action for r in audit_rows("probation_decision")] == ["insert", "delete"]


def test_party_documents_follow_the_unit_types_list(unit, make_user, api_as):
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b1"))
    types = secretary.get(f"{U}/party-documents/types").get_json()
    plan = next(t for t in types if t["key"] == "annual_plan")
    assert (plan["label"], plan["due"]) == ("年度工作计划", "03-31")
    assert next(t for t in types if t["key"] == "secretary_report")["results"] == ["好", "较好", "一般", "差"]
    made = secretary.post(f"{U}/party-documents", {"organization_id": unit["b1"], "doc_type": "annual_plan", "year": 2025, "title": "2025年党建工作要点", "dated_on": "2025-02-10", "approved_by": "机关党委"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["has_file"] is False
    unknown = secretary.post(f"{U}/party-documents", {"organization_id": unit["b1"], "doc_type": "poem", "year": 2025, "title": "诗", "dated_on": "2025-02-10"})
    assert unknown.status_code == 422 and unknown.get_json()["errors"]["json"]["doc_type"][0].startswith("文档类别须为：年度工作计划")
    wrong_result = secretary.patch(f"{U}/party-documents/{made.get_json()['id']}", {"result": "好"})
    assert wrong_result.get_json()["errors"]["json"]["result"] == ["年度工作计划不记录评议结果"]
    renamed = secretary.patch(f"{U}/party-documents/{made.get_json()['id']}", {"title": "2025年工作计划"})
    assert renamed.get_json()["title"] == "2025年工作计划"
    assert secretary.get(f"{U}/party-documents?year=2025&doc_type=annual_plan").get_json()[0]["id"] == made.get_json()["id"]
    assert secretary.get(f"{U}/party-documents/{made.get_json()['id']}").status_code == 200
    assert secretary.delete(f"{U}/party-documents/{made.get_json()['id']}").status_code == 204
    assert [r.action for r in audit_rows("party_document")] == ["insert", "update", "delete"]


def test_publicity_reports(unit, make_user, api_as):
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b1"))
    made = secretary.post(f"{U}/publicity-reports", {"organization_id": unit["b1"], "title": "支部开展主题党日", "outlet": "县融媒体中心", "level": "county", "published_on": "2025-05-01", "url": "https://example.org/a"})
    assert made.status_code == 201, made.get_json()
    bad = secretary.post(f"{U}/publicity-reports", {"organization_id": unit["b1"], "title": "x", "outlet": "y", "level": "county", "published_on": "2025-05-01", "url": "javascript:alert(1)"})
    assert bad.get_json()["errors"]["json"]["url"] == ["网址须以 http:// 或 https:// 开头"]
    elsewhere = secretary.post(f"{U}/publicity-reports", {"organization_id": unit["b2"], "title": "x", "outlet": "y", "level": "county", "published_on": "2025-05-01"})
    assert elsewhere.status_code == 403
    report_id = made.get_json()["id"]
    assert secretary.patch(f"{U}/publicity-reports/{report_id}", {"level": "city"}).get_json()["level"] == "city"
    assert [r["id"] for r in secretary.get(f"{U}/publicity-reports?year=2025&level=city").get_json()] == [report_id]
    assert secretary.get(f"{U}/publicity-reports/{report_id}").get_json()["outlet"] == "县融媒体中心"
    assert secretary.delete(f"{U}/publicity-reports/{report_id}").status_code == 204


def test_mass_organizations_and_activities(unit, make_user, api_as):
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b1"))
    refused = secretary.post(f"{U}/mass-organizations", {"kind": "trade_union", "name": "机关工会", "set_up_on": "2018-03-01"})
    assert refused.status_code == 403
    union = admin.post(f"{U}/mass-organizations", {"kind": "trade_union", "name": "机关工会", "set_up_on": "2018-03-01", "leader": "王主席"})
    assert union.status_code == 201, union.get_json()
    union_id = union.get_json()["id"]
    early = admin.post(f"{U}/mass-activities", {"mass_organization_id": union_id, "held_on": "2017-05-01", "title": "运动会"})
    assert early.get_json()["errors"]["json"]["held_on"] == ["活动日期不能早于机关工会成立日期 2018-03-01"]
    activity = admin.post(f"{U}/mass-activities", {"mass_organization_id": union_id, "held_on": "2025-05-01", "title": "职工运动会", "participants": 80})
    assert activity.status_code == 201
    activity_id = activity.get_json()["id"]
    # Everyone of the unit reads the unit's 群团组织, a secretary too.
    assert [m["name"] for m in secretary.get(f"{U}/mass-organizations").get_json()] == ["机关工会"]
    assert secretary.get(f"{U}/mass-activities?year=2025").get_json()[0]["title"] == "职工运动会"
    assert secretary.get(f"{U}/mass-activities/{activity_id}").get_json()["participants"] == 80
    assert secretary.get(f"{U}/mass-organizations/{union_id}").get_json()["leader"] == "王主席"
    late = admin.patch(f"{U}/mass-organizations/{union_id}", {"set_up_on": "2025-06-01"})
    assert late.get_json()["errors"]["json"]["set_up_on"] == ["已有 2025-05-01 的活动记录，成立日期不能晚于它"]
    assert admin.patch(f"{U}/mass-activities/{activity_id}", {"participants": 85}).get_json()["participants"] == 85
    assert admin.patch(f"{U}/mass-organizations/{union_id}", {"leader": "李主席"}).status_code == 200
    assert admin.delete(f"{U}/mass-activities/{activity_id}").status_code == 204
    assert admin.delete(f"{U}/mass-organizations/{union_id}").status_code == 204
    assert [r.action for r in audit_rows("mass_organization")] == ["insert", "update", "delete"]


def test_committee_roles_show_the_vacancy_and_meetings_their_attendance(unit, make_user, api_as):
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    roles = admin.get(f"{U}/committee-seats/roles?organization_id={unit['b1']}&on=2025-03-02").get_json()
    assert roles == [{"role": "secretary", "label": "书记", "member_ids": [], "vacant_since": "2025-01-31", "vacant_days": 30}]
    attendance = admin.get(f"{U}/events/attendance?organization_id={unit['b1']}&year=2025").get_json()
    assert [(a["present"], a["expected"], a["ratio"], a["under_80"]) for a in attendance] == [(3, 4, 0.75, True)]
    other = api_as(make_user("secretary", unit["tenant"], organization_code="b2"))
    assert other.get(f"{U}/events/attendance?organization_id={unit['b1']}&year=2025").status_code == 404
    assert other.get(f"{U}/committee-seats/roles?organization_id={unit['b1']}").status_code == 404


def test_organizations_due_but_not_set_up(unit, make_user, make_member, api_as, db):
    from core.organizations.models import Organization

    with use_tenant(unit["tenant"].id):
        b2 = db.session.get(Organization, unit["b2"])
        for n in range(7):
            make_member(b2, name=f"乙{n}", joined_on=dt.date(2012, 1, 1), full_on=dt.date(2013, 1, 1) if n else dt.date(2019, 5, 4))
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    due = admin.get(f"{U}/alerts/organization-setup?as_of=2025-06-30").get_json()
    # Seven full members: the seventh became full on 2019-05-04, the day the committee fell due.
    assert [(a["subject"], a["due_on"], a["organization_id"]) for a in due] == [("committee", "2019-05-04", unit["b2"])]
    assert "第二党支部应设立支部委员会：正式党员7人" in due[0]["message"]
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b1"))
    assert secretary.get(f"{U}/alerts/organization-setup?as_of=2025-06-30").get_json() == []
