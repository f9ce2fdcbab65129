"""Records the rubrics read, through their pages and services: repeated development records and
probation decisions, committee roles with vacancies, 党课 presenters and attendance, party
documents with files, 报道, 群团组织, set-ups due; and the yearly lists the 台账 prints."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from core.development import services as development
from core.development.models import DevelopmentRecord, ProbationDecision
from core.documents import services as documents
from core.documents.models import PartyDocument
from core.events.models import Attendance, Event, EventKind
from core.mass import services as mass
from core.mass.models import MassActivity, MassOrganization
from core.members.models import DevelopmentCase, DevelopmentStep, Member
from core.organizations.models import CommitteeSeat, Organization
from core.organizations.roles import seats_in_year
from core.plugins.manager import get_registry
from core.publicity import services as publicity
from core.publicity.models import PublicityReport
from core.scoring.alerts import unit_alerts
from core.tenancy import use_tenant
from core.timezone import local_today
from core.validation import RecordError
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, fresh_request, rows

UNIT = "/units/caizhengju"
PDF = b"%PDF-1.4\n" + b"0" * 64


def _case(db, county, name: str, steps: dict[int, dt.date], stage: str, member_id: int | None = None) -> int:
    with use_tenant(county.tenant_id):
        case = DevelopmentCase(organization_id=county.b1, name=name, stage=stage, member_id=member_id)
        db.session.add(case)
        db.session.flush()
        for step, day in steps.items():
            db.session.add(DevelopmentStep(case_id=case.id, step=step, done_on=day))
        db.session.commit()
        return case.id


def _meeting(db, county, day: dt.date, kind: str = "general_meeting", branch: int | None = None) -> int:
    with use_tenant(county.tenant_id):
        event = Event(organization_id=branch or county.b1, kind=kind, held_on=day, topic=f"{kind}{day}")
        event.kinds.append(EventKind(kind=kind))
        db.session.add(event)
        db.session.commit()
        return event.id


def _alerts(db, county, as_of: dt.date) -> list[str]:
    fresh_request()
    with use_tenant(county.tenant_id):
        from core.host.models import Tenant

        tenant = db.session.get(Tenant, county.tenant_id)
        return [a.message for a in unit_alerts(tenant, as_of, get_registry()).get(county.b1, [])]


def test_every_half_yearly_assessment_is_kept_and_an_overdue_one_raises_the_alert(as_user, county, db):
    case_id = _case(db, county, "赵积极", {1: dt.date(2024, 1, 5), 2: dt.date(2024, 1, 20), 3: dt.date(2024, 3, 1)}, "activist")
    client = as_user("secretary")
    for day in ("2024-09-01", "2025-03-01"):
        response = client.post(f"{UNIT}/development/{case_id}/records", data={"record-kind": "activist_assessment", "record-done_on": day, "record-summary": "表现良好"})
        assert response.status_code == 302, response.get_data(as_text=True)
    kept = rows(db, county.tenant_id, DevelopmentRecord, DevelopmentRecord.case_id == case_id)
    assert sorted(r.done_on.isoformat() for r in kept) == ["2024-09-01", "2025-03-01"]
    assert {r.step for r in kept} == {6}
    assert audit_count(db, "development_record") == 2
    # Half a year after the last one (183 days) it is overdue, and the branch is told.
    assert not any("赵积极" in a for a in _alerts(db, county, dt.date(2025, 8, 31)))
    assert "入党积极分子 赵积极 的半年考察已逾期（应于2025-08-31前）" in _alerts(db, county, dt.date(2025, 9, 2))
    page = client.get(f"{UNIT}/development/{case_id}").get_data(as_text=True)
    assert "2025-03-01 入党积极分子考察（表现良好）" in page  # under step 6 of the 25-step page
    assert "第 6 步" in page and "递交入党申请书" in page
    records = client.get(f"{UNIT}/development/{case_id}/records").get_data(as_text=True)
    assert "下次入党积极分子考察应于 2025-08-31 前进行" in records


def test_a_record_before_its_step_is_refused_in_chinese(as_user, county, db):
    case_id = _case(db, county, "钱申请", {1: dt.date(2025, 1, 5)}, "applicant")
    response = as_user("secretary").post(f"{UNIT}/development/{case_id}/records", data={"record-kind": "activist_assessment", "record-done_on": "2025-03-01"})
    assert response.status_code == 400
    assert "请先记录第 3 步（推荐和确定入党积极分子）" in response.get_data(as_text=True)
    assert rows(db, county.tenant_id, DevelopmentRecord) == []


def test_extension_conversion_and_the_meeting_that_decided(as_user, county, db, make_member):
    with use_tenant(county.tenant_id):
        member = db.session.get(Member, county.zhang)
        member.status, member.full_on, member.joined_on = "probationary", None, dt.date(2024, 3, 1)
        db.session.commit()
    steps = {n: dt.date(2024, 3, 1) for n in range(1, 18)} | {22: dt.date(2025, 2, 20)}
    case_id = _case(db, county, "张喆", steps, "probationary", member_id=county.zhang)
    committee = _meeting(db, county, dt.date(2025, 3, 5), kind="committee_meeting")
    general = _meeting(db, county, dt.date(2025, 3, 6))
    client = as_user("secretary")
    url = f"{UNIT}/development/{case_id}/decisions"
    not_general = client.post(url, data={"decision-kind": "extend", "decision-event_id": committee, "decision-extension_months": "6"})
    assert not_general.status_code == 400
    assert "转正、延长或取消预备期须经支部党员大会讨论：所选活动不是党员大会" in not_general.get_data(as_text=True)
    assert client.post(url, data={"decision-kind": "extend", "decision-event_id": general, "decision-extension_months": "6"}).status_code == 302
    # The probation now ends 2025-09-01: the alert moves with it.
    assert any("预备期于2025-09-01期满" in a for a in _alerts(db, county, dt.date(2025, 8, 1)))
    once = client.post(url, data={"decision-kind": "extend", "decision-event_id": general, "decision-extension_months": "12"})
    assert "延长预备期只能一次" in once.get_data(as_text=True)
    later = _meeting(db, county, dt.date(2025, 8, 28))
    converted = client.post(url, data={"decision-kind": "convert", "decision-event_id": later, "decision-approved_on": "2025-09-10"})
    assert converted.status_code == 302
    fresh_request()
    with use_tenant(county.tenant_id):
        case = db.session.get(DevelopmentCase, case_id)
        assert case.stage == "full"
        assert development.step_dates(case)[23] == dt.date(2025, 8, 28)
        assert development.step_dates(case)[24] == dt.date(2025, 9, 10)
        member = db.session.get(Member, county.zhang)
        assert (member.status, member.full_on) == ("full", dt.date(2025, 8, 28))
    # The meeting a decision names cannot be deleted from under it.
    refused = client.post(f"{UNIT}/events/{general}/delete")
    assert refused.status_code == 400 and "1 个预备期决定（延长、转正或取消）" in refused.get_data(as_text=True)
    assert len(rows(db, county.tenant_id, Event, Event.id == general)) == 1
    assert audit_count(db, "probation_decision") == 2


def test_a_cancellation_closes_the_case_and_deleting_it_reopens(as_user, county, db):
    case_id = _case(db, county, "孙预备", {n: dt.date(2024, 3, 1) for n in range(1, 18)}, "probationary")
    meeting = _meeting(db, county, dt.date(2025, 3, 6))
    client = as_user("admin")
    assert client.post(f"{UNIT}/development/{case_id}/decisions", data={"decision-kind": "cancel", "decision-event_id": meeting, "decision-note": "不履行党员义务"}).status_code == 302
    (decision,) = rows(db, county.tenant_id, ProbationDecision)
    assert rows(db, county.tenant_id, DevelopmentCase, DevelopmentCase.id == case_id)[0].stage == "closed"
    assert client.post(f"{UNIT}/probation-decisions/{decision.id}/delete").status_code == 302
    assert rows(db, county.tenant_id, DevelopmentCase, DevelopmentCase.id == case_id)[0].stage == "probationary"


def test_the_committee_page_names_each_role_and_its_vacancy(as_user, county, db):
    with use_tenant(county.tenant_id):
        db.session.add_all([
            CommitteeSeat(organization_id=county.b1, member_id=county.zhang, role="secretary", started_on=dt.date(2022, 1, 1)),
            CommitteeSeat(organization_id=county.b1, member_id=county.li, role="organization", started_on=dt.date(2022, 1, 1), ended_on=dt.date(2025, 2, 1)),
        ])
        db.session.commit()
    page = as_user("supervisor").get(f"{UNIT}/organizations/B01").get_data(as_text=True)
    assert "张喆" in page
    days = (local_today() - dt.date(2025, 2, 1)).days  # the page's day: the configured zone's
    assert re.search(rf"自 2025-02-01 起空缺 {days - 1}|自 2025-02-01 起空缺 {days}", page)
    assert any("组织委员自2025-02-01起空缺" in a for a in _alerts(db, county, dt.date(2025, 6, 1)))


def test_the_lesson_presenter_is_chosen_and_attendance_is_shown_by_kind_and_meeting(as_user, county, db):
    with use_tenant(county.tenant_id):
        db.session.add(CommitteeSeat(organization_id=county.b1, member_id=county.zhang, role="secretary", started_on=dt.date(2022, 1, 1)))
        li = db.session.get(Member, county.li)
        li.is_leader = True
        db.session.commit()
    client = as_user("secretary")
    form = client.get(f"{UNIT}/branches/B01/events/new?kind=party_lesson").get_data(as_text=True)
    assert "主讲党员" in form and "李堃（领导干部）" in form
    response = client.post(f"{UNIT}/branches/B01/events/new?kind=party_lesson", data={
        "kind": "party_lesson", "held_on": "2025-04-10", "topic": "学习党章", "presenter_member_id": str(county.zhang),
        "training_hours": "2", f"s{county.zhang}": "present", f"s{county.li}": "absent",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    (event,) = rows(db, county.tenant_id, Event)
    assert (event.presenter_member_id, event.presenter) == (county.zhang, "张喆")
    shown = client.get(f"{UNIT}/events/{event.id}").get_data(as_text=True)
    assert "主讲党员：张喆" in shown and "到会率 50.0%" in shown and "低于80%" in shown
    page = client.get(f"{UNIT}/branches/B01/attendance?year=2025").get_data(as_text=True)
    assert "书记讲党课 1 次，领导干部讲党课 0 次" in page
    assert "到会率低于80%的会议：1 次" in page
    assert re.search(r"<td>党课</td><td class=\"num\">50.0%</td>", page)
    assert re.search(r"<td>李堃</td><td class=\"num\">0 / 1</td>", page)  # 双重组织生活


def test_a_document_with_its_file_and_the_type_overdue(as_user, county, db, app, tmp_path):
    app.instance_path = str(tmp_path)
    client = as_user("secretary")
    url = f"{UNIT}/branches/B01/documents?year=2025"
    page = client.get(url).get_data(as_text=True)
    assert "年度工作计划" in page and "党风廉政建设责任书" in page and "逾期未形成" in page
    data = {"doc_type": "secretary_report", "year": "2025", "title": "2025年书记抓党建述职", "dated_on": "2025-12-20", "result": "较好", "approved_by": "机关党委"}
    saved = client.post(url, data={**data, "file": (io.BytesIO(PDF), "述职.pdf")}, content_type="multipart/form-data")
    assert saved.status_code == 302, saved.get_data(as_text=True)
    (document,) = rows(db, county.tenant_id, PartyDocument)
    assert document.file_path.startswith(f"uploads/{county.tenant_id}/documents/")
    download = client.get(f"{UNIT}/party-documents/{document.id}/file")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")  # issue 13: never inline
    assert download.headers["Content-Type"] == "application/pdf"
    download.close()
    assert as_user("their_secretary").get(f"{UNIT}/party-documents/{document.id}/file").status_code == 404
    client = as_user("secretary")
    renamed = client.post(url, data={**data, "file": (io.BytesIO(b"MZ\x90\x00"), "fake.pdf")}, content_type="multipart/form-data")
    assert renamed.status_code == 400 and "文件内容与扩展名不符" in renamed.get_data(as_text=True)
    wrong = client.post(url, data={**data, "doc_type": "annual_plan", "result": "好"})
    assert "年度工作计划不记录评议结果" in wrong.get_data(as_text=True)
    assert len(rows(db, county.tenant_id, PartyDocument)) == 1
    assert as_user("b2_secretary").post(url, data=data).status_code == 403


def test_publicity_and_mass_organizations_pages(as_user, county, db):
    client = as_user("secretary")
    url = f"{UNIT}/branches/B01/publicity?year=2025"
    report = {"title": "支部开展志愿服务", "outlet": "县融媒体中心", "level": "county", "published_on": "2025-05-04"}
    assert client.post(url, data=report).status_code == 302
    future = client.post(url, data={**report, "published_on": "2099-01-01"})
    assert future.status_code == 400 and "日期不能晚于今天" in future.get_data(as_text=True)
    assert "共 1 篇 · 县级 1" in client.get(url).get_data(as_text=True)
    assert client.post(f"{UNIT}/mass-organizations", data={"kind": "trade_union", "name": "工会", "set_up_on": "2019-01-01"}).status_code == 403
    admin = as_user("admin")
    made = admin.post(f"{UNIT}/mass-organizations", data={"kind": "youth_league", "name": "机关团支部", "set_up_on": "2019-01-01", "leader": "周书记"})
    assert made.status_code == 302
    league_id = rows(db, county.tenant_id, MassOrganization)[0].id
    activity = admin.post(f"{UNIT}/mass-organizations/{league_id}/activities", data={"activity-held_on": "2025-05-04", "activity-title": "青年读书会", "activity-participants": "25"})
    assert activity.status_code == 302
    assert "青年读书会" in admin.get(f"{UNIT}/mass-organizations/{league_id}").get_data(as_text=True)
    assert "机关团支部" in as_user("secretary").get(f"{UNIT}/mass-organizations").get_data(as_text=True)


def test_the_unit_page_lists_organizations_due_with_the_day(as_user, county, db, make_member):
    with use_tenant(county.tenant_id):
        b2 = db.session.get(Organization, county.b2)
    for n in range(7):
        make_member(b2, name=f"成员{n}", joined_on=dt.date(2012, 1, 1), full_on=dt.date(2013, 1, 1))
    page = as_user("admin").get(UNIT).get_data(as_text=True)
    assert "应设未设的组织" in page
    assert "机关第二党支部应设立支部委员会：正式党员8人，未设支部委员会（正式党员7人以上应设立），自2015-07-01起" in page


def test_the_ledger_lists_a_branchs_records_of_a_year(db, county):
    case_id = _case(db, county, "周预备", {n: dt.date(2024, 3, 1) for n in range(1, 18)}, "probationary")
    meeting = _meeting(db, county, dt.date(2025, 3, 6))
    with use_tenant(county.tenant_id):
        branch = db.session.get(Organization, county.b1)
        case = db.session.get(DevelopmentCase, case_id)
        development.add_record(case, kind="probationary_assessment", done_on=dt.date(2025, 2, 1))
        development.add_record(case, kind="thought_report", done_on=dt.date(2024, 12, 1))
        development.record_decision(case, kind="extend", event_id=meeting, extension_months=6)
        documents.record_document(branch, doc_type="annual_plan", year=2025, title="计划", dated_on=dt.date(2025, 1, 20))
        documents.record_document(branch, doc_type="year_end_summary", year=2024, title="总结", dated_on=dt.date(2025, 1, 10))
        publicity.create_report(branch, title="报道", outlet="县报", level="county", published_on=dt.date(2025, 6, 1))
        union = mass.create_mass_organization(kind="trade_union", name="工会", set_up_on=dt.date(2020, 1, 1))
        mass.add_activity(union, held_on=dt.date(2025, 7, 1), title="运动会")
        db.session.add(CommitteeSeat(organization_id=branch.id, member_id=county.zhang, role="secretary", started_on=dt.date(2019, 1, 1), ended_on=dt.date(2024, 12, 31)))
        db.session.commit()
        year = development.branch_records(branch, 2025)
        assert [(c.name, r.kind) for c, r in year.records] == [("周预备", "probationary_assessment")]
        assert [(c.name, d.kind) for c, d in year.decisions] == [("周预备", "extend")]
        assert [d.title for d in documents.documents_in_year(branch, 2025)] == ["计划"]
        assert [r.title for r in publicity.reports_in_year(branch, 2025)] == ["报道"]
        assert [a.title for a in mass.activities_in_year(2025)] == ["运动会"]
        assert seats_in_year(branch, 2025) == [] and len(seats_in_year(branch, 2024)) == 1


def test_services_refuse_bad_input_and_change_nothing(db, county):
    with use_tenant(county.tenant_id):
        branch = db.session.get(Organization, county.b1)
        with pytest.raises(RecordError) as refused:
            publicity.create_report(branch, title="", outlet="县报", level="town", published_on=None)
        assert set(refused.value.errors) == {"title", "level", "published_on"}
        with pytest.raises(RecordError) as refused:
            mass.create_mass_organization(kind="union", name="工会", set_up_on=dt.date(2020, 1, 1), dissolved_on=dt.date(2019, 1, 1))
        assert refused.value.errors == {"kind": "请选择群团组织类别", "dissolved_on": "撤销日期不能早于成立日期"}
        with pytest.raises(RecordError) as refused:
            documents.record_document(branch, doc_type="annual_plan", year=2025, title="计划", dated_on=dt.date(2021, 1, 1))
        assert refused.value.errors == {"dated_on": "成文日期 2021-01-01 与所属年度 2025 相差太远"}
        db.session.rollback()
        for model in (PublicityReport, MassOrganization, MassActivity, PartyDocument, DevelopmentRecord, ProbationDecision):
            assert db.session.query(model).count() == 0
        assert db.session.query(Attendance).count() == 0
