"""Correcting and removing records from their pages: one confirmation, the service's refusal
with its reason, the audit log's copy of the deleted row, and no way into another unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditLog
from core.dues.models import DuesPayment
from core.events import services as event_services
from core.events.models import Attendance, Event, TrainingRecord
from core.facilities.models import FacilityCheck
from core.funding.models import FundingRecord
from core.members.models import Appraisal, Member
from core.organizations import services as org_services
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term
from core.staffing.models import StaffPost
from core.tenancy import host_scope, use_tenant
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import fresh_request, rows

U = "/units/caizhengju"


def _add(db, tenant_id: int, make):
    fresh_request()
    with use_tenant(tenant_id):
        row = make()
        db.session.commit()
        return row.id


def _event(db, county) -> int:
    def make():
        branch = db.session.get(Organization, county.b1)
        return event_services.record_event(
            branch, ["general_meeting"], dt.date(2026, 3, 5), "学习党章",
            attendance={county.zhang: ("present", None), county.li: ("absent", None)},
        )
    return _add(db, county.tenant_id, make)


def _deleted(db, table: str, row_id: int) -> AuditLog | None:
    fresh_request()
    with host_scope():
        return db.session.scalar(
            select(AuditLog).where(AuditLog.action == "delete", AuditLog.table_name == table,
                                   AuditLog.row_id == row_id)
        )


def test_event_delete_asks_once_then_deletes_with_attendance_audited(as_user, county, db):
    event_id = _event(db, county)
    client = as_user("secretary")
    show = client.get(f"{U}/events/{event_id}").get_data(as_text=True)
    assert f"/events/{event_id}/delete" in show
    confirm = client.get(f"{U}/events/{event_id}/delete")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "确认删除" in page and "1 / 2 人出席" in page
    assert rows(db, county.tenant_id, Event) != []  # GET changes nothing
    done = client.post(f"{U}/events/{event_id}/delete")
    assert done.status_code == 302
    assert rows(db, county.tenant_id, Event) == [] and rows(db, county.tenant_id, Attendance) == []
    logged = _deleted(db, "event", event_id)
    assert logged is not None and logged.before["topic"] == "学习党章" and logged.actor == "czj-b01"
    with host_scope():
        attendance = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "delete", AuditLog.table_name == "attendance")
        ).all()
    assert {a.before["member_id"] for a in attendance} == {county.zhang, county.li}


def test_host_sees_deleted_rows_in_the_audit_log(as_user, county, db):
    event_id = _event(db, county)
    as_user("admin").post(f"{U}/events/{event_id}/delete")
    page = as_user("host").get("/host/audit?action=delete").get_data(as_text=True)
    assert "已删除记录" in page and "学习党章" in page
    inserts_only = as_user("host").get("/host/audit?action=insert&table=event").get_data(as_text=True)
    assert "学习党章" in inserts_only  # the insert row still holds it …
    assert "<td>删除</td>" not in inserts_only  # … but no delete row is listed


def test_member_with_history_is_refused_with_counts_and_kept(as_user, county, db):
    _event(db, county)
    _add(db, county.tenant_id, lambda: _dues(db, county.zhang))
    client = as_user("admin")
    page = client.get(f"{U}/members/{county.zhang}/delete").get_data(as_text=True)
    assert "该党员有 1 条党费记录、1 条出勤记录，不能删除" in page and "登记离开" in page
    assert "确认删除" not in page
    refused = client.post(f"{U}/members/{county.zhang}/delete")
    assert refused.status_code == 400
    assert len(rows(db, county.tenant_id, Member, Member.id == county.zhang)) == 1


def _dues(db, member_id: int) -> DuesPayment:
    payment = DuesPayment(member_id=member_id, year=2026, month=1, amount_due=Decimal("10"))
    db.session.add(payment)
    return payment


def test_member_without_history_is_deleted(as_user, county, db):
    client = as_user("admin")
    assert client.post(f"{U}/members/{county.wang}/delete").status_code == 302
    assert rows(db, county.tenant_id, Member, Member.id == county.wang) == []
    assert _deleted(db, "member", county.wang).before["name"] == "王珺"


@pytest.mark.parametrize("role", ["supervisor", "b2_secretary", "their_secretary", "other_supervisor"])
def test_others_cannot_delete_a_branch_record(as_user, county, db, role):
    event_id = _event(db, county)
    client = as_user(role)
    assert client.get(f"{U}/events/{event_id}/delete").status_code in (403, 404)
    assert client.post(f"{U}/events/{event_id}/delete").status_code in (403, 404)
    assert client.post(f"{U}/members/{county.zhang}/delete").status_code in (403, 404)
    assert len(rows(db, county.tenant_id, Event)) == 1
    assert len(rows(db, county.tenant_id, Member)) == 3


def test_ids_of_another_unit_are_not_found(as_user, county, db):
    event_id = _event(db, county)
    theirs = "/units/shuiwujituan"
    client = as_user("their_secretary")
    # Their own unit's address with our row's id: the tenant filter hides it.
    assert client.post(f"{theirs}/events/{event_id}/delete").status_code == 404
    assert client.get(f"{theirs}/members/{county.zhang}/delete").status_code == 404
    assert len(rows(db, county.tenant_id, Event)) == 1


def test_training_edit_and_delete(as_user, county, db):
    def make():
        member = db.session.get(Member, county.zhang)
        return event_services.create_training_record(
            member, taken_on=dt.date(2026, 2, 1), hours="4", title="党校轮训", kind="concentrated",
        )
    record_id = _add(db, county.tenant_id, make)
    client = as_user("secretary")
    bad = client.post(f"{U}/training/{record_id}/edit", data={
        "taken_on": "2026-02-01", "hours": "-3", "title": "党校轮训", "kind": "concentrated"})
    assert bad.status_code == 400
    ok = client.post(f"{U}/training/{record_id}/edit", data={
        "taken_on": "2026-02-02", "hours": "6", "title": "党校轮训班", "kind": "concentrated"})
    assert ok.status_code == 302
    (record,) = rows(db, county.tenant_id, TrainingRecord)
    assert record.title == "党校轮训班" and record.hours == Decimal("6")
    assert as_user("b2_secretary").post(f"{U}/training/{record_id}/delete").status_code == 403
    assert as_user("secretary").post(f"{U}/training/{record_id}/delete").status_code == 302
    assert rows(db, county.tenant_id, TrainingRecord) == []


def test_staff_funding_facility_appraisal_delete(as_user, county, db):
    post_id = _add(db, county.tenant_id, lambda: _row(db, StaffPost(
        person_name="赵专职", kind="full_time", started_on=dt.date(2024, 1, 1))))
    funding_id = _add(db, county.tenant_id, lambda: _row(db, FundingRecord(
        year=2026, source="fiscal_budget", budgeted=Decimal("1000"), spent=Decimal("0"))))
    check_id = _add(db, county.tenant_id, lambda: _row(db, FacilityCheck(
        organization_id=county.b1, item="site", met=True, checked_on=dt.date(2026, 1, 5), checked_by="张")))
    appraisal_id = _add(db, county.tenant_id, lambda: _row(db, Appraisal(
        member_id=county.zhang, year=2025, result="excellent")))
    admin = as_user("admin")
    for url in (f"{U}/staff/{post_id}/delete", f"{U}/funding/{funding_id}/delete",
                f"{U}/facilities/checks/{check_id}/delete", f"{U}/appraisals/{appraisal_id}/delete"):
        assert "确认删除" in admin.get(url).get_data(as_text=True), url
        assert admin.post(url).status_code == 302, url
    for model in (StaffPost, FundingRecord, FacilityCheck, Appraisal):
        assert rows(db, county.tenant_id, model) == []
    assert _deleted(db, "funding_record", funding_id).before["budgeted"] == "1000.00"


def _row(db, row):
    db.session.add(row)
    db.session.flush()
    return row


def test_secretary_cannot_delete_unit_records(as_user, county, db):
    post_id = _add(db, county.tenant_id, lambda: _row(db, StaffPost(
        person_name="赵专职", kind="full_time", started_on=dt.date(2024, 1, 1))))
    assert as_user("secretary").post(f"{U}/staff/{post_id}/delete").status_code == 403
    assert len(rows(db, county.tenant_id, StaffPost)) == 1


def test_terms_groups_seats_edit_and_delete(as_user, county, db):
    def term():
        return org_services.create_term(db.session.get(Organization, county.b1),
                                        elected_on=dt.date(2023, 6, 1), years=3)
    term_id = _add(db, county.tenant_id, term)
    group_id = _add(db, county.tenant_id, lambda: org_services.create_party_group(
        db.session.get(Organization, county.b1), name="第一党小组"))
    seat_id = _add(db, county.tenant_id, lambda: org_services.assign_seat(
        db.session.get(Organization, county.b1), member_id=county.zhang, role="secretary",
        started_on=dt.date(2023, 6, 1), term_id=term_id))
    client = as_user("secretary")
    base = f"{U}/organizations/B01"
    assert client.get(f"{base}/terms/{term_id}/edit").status_code == 200
    bad = client.post(f"{base}/terms/{term_id}/edit", data={"elected_on": "2023-06-01", "years": "9"})
    assert bad.status_code == 400
    ok = client.post(f"{base}/terms/{term_id}/edit", data={"elected_on": "2023-07-01", "started_on": "", "years": "5"})
    assert ok.status_code == 302, ok.get_data(as_text=True)
    (saved,) = rows(db, county.tenant_id, Term)
    assert saved.ends_on == dt.date(2028, 7, 1)
    refused = client.get(f"{base}/terms/{term_id}/delete").get_data(as_text=True)
    assert "该届有 1 个委员会职务，不能删除" in refused
    assert client.post(f"{base}/groups/{group_id}/edit", data={"name": "一组", "leader_id": ""}).status_code == 302
    assert rows(db, county.tenant_id, PartyGroup)[0].name == "一组"
    assert client.post(f"{base}/seats/{seat_id}/delete").status_code == 302
    assert rows(db, county.tenant_id, CommitteeSeat) == []
    assert client.post(f"{base}/terms/{term_id}/delete").status_code == 302
    assert client.post(f"{base}/groups/{group_id}/delete").status_code == 302
    assert rows(db, county.tenant_id, Term) == [] and rows(db, county.tenant_id, PartyGroup) == []
    # Another branch's group through this branch's address: not found.
    other = _add(db, county.tenant_id, lambda: org_services.create_party_group(
        db.session.get(Organization, county.b2), name="二支部小组"))
    assert as_user("admin").get(f"{base}/groups/{other}/edit").status_code == 404


def test_group_with_members_is_refused(as_user, county, db):
    group_id = _add(db, county.tenant_id, lambda: org_services.create_party_group(
        db.session.get(Organization, county.b1), name="第一党小组"))

    def assign():
        member = db.session.get(Member, county.zhang)
        member.party_group_id = group_id
        return member
    _add(db, county.tenant_id, assign)
    page = as_user("admin").post(f"{U}/organizations/B01/groups/{group_id}/delete")
    assert page.status_code == 400 or "该党小组有 1 名党员" in page.get_data(as_text=True)
    assert len(rows(db, county.tenant_id, PartyGroup)) == 1


def test_organization_delete_refused_then_allowed(as_user, county, db):
    client = as_user("admin")
    page = client.get(f"{U}/organizations/B02/delete").get_data(as_text=True)
    assert "该组织有 1 名党员，不能删除" in page and "撤销日期" in page
    empty = _add(db, county.tenant_id, lambda: _row(db, Organization(
        code="B09", name="空支部", kind="branch", established_on=dt.date(2020, 1, 1))))
    assert client.post(f"{U}/organizations/B09/delete").status_code == 302
    assert rows(db, county.tenant_id, Organization, Organization.id == empty) == []
    assert as_user("secretary").post(f"{U}/organizations/B01/delete").status_code == 403


def test_facility_check_edit(as_user, county, db):
    check_id = _add(db, county.tenant_id, lambda: _row(db, FacilityCheck(
        organization_id=county.b1, item="site", met=False, checked_on=dt.date(2026, 1, 5), checked_by="张")))
    client = as_user("secretary")
    page = client.get(f"{U}/facilities/checks/{check_id}/edit")
    assert page.status_code == 200 and "修改" in page.get_data(as_text=True)
    future = client.post(f"{U}/facilities/checks/{check_id}/edit", data={
        "met": "yes", "checked_on": "2999-01-01", "checked_by": "张"})
    assert future.status_code == 400 and "检查日期不能晚于今天" in future.get_data(as_text=True)
    ok = client.post(f"{U}/facilities/checks/{check_id}/edit", data={
        "met": "yes", "checked_on": "2026-01-06", "checked_by": "张喆", "evidence_note": "补记"})
    assert ok.status_code == 302
    (check,) = rows(db, county.tenant_id, FacilityCheck)
    assert check.met and check.checked_by == "张喆" and check.checked_on == dt.date(2026, 1, 6)
    assert as_user("b2_secretary").post(f"{U}/facilities/checks/{check_id}/edit", data={
        "met": "no", "checked_on": "2026-01-06", "checked_by": "王"}).status_code == 403
