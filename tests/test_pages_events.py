"""Event pages: a branch's meetings, one form with the whole roster, and training hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.events.models import Attendance, Event, EventKind, TrainingRecord
from core.organizations.models import Organization
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, in_unit, rows

U = "/units/caizhengju"


def _meeting(county, **changes):
    data = {
        "held_on": "2025-06-20", "kind": "general_meeting", "kinds": ["theme_day", "party_lesson"],
        "topic": "学习党章", "training_hours": "2",
        f"s{county.zhang}": "present", f"r{county.zhang}": "",
        f"s{county.li}": "excused", f"r{county.li}": "出差",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["host", "supervisor", "admin", "secretary"])
def test_list_renders_for_readers(as_user, county, role):
    client = as_user(role)
    assert client.get(f"{U}/branches/B01/events").status_code == 200
    assert client.get(f"{U}/branches/B01/training").status_code == 200


@pytest.mark.parametrize("role", ["other_supervisor", "their_secretary", "b2_secretary"])
def test_outsiders_are_refused(as_user, county, role):
    client = as_user(role)
    # Another unit answers 404, like a missing one (no slug enumeration); another branch 403.
    refused = 404 if role in ("other_supervisor", "their_secretary") else 403
    assert client.get(f"{U}/branches/B01/events").status_code == refused
    assert client.post(f"{U}/branches/B01/events/new", data=_meeting(county)).status_code == refused


def test_supervisor_reads_but_cannot_record(as_user, county, db):
    client = as_user("supervisor")
    assert client.get(f"{U}/branches/B01/events/new").status_code == 403
    assert client.post(f"{U}/branches/B01/events/new", data=_meeting(county)).status_code == 403
    assert rows(db, county.tenant_id, Event) == []


def test_form_prefills_the_roster_of_the_branch(as_user, county):
    page = as_user("secretary").get(f"{U}/branches/B01/events/new").get_data(as_text=True)
    assert "张喆" in page and "李堃" in page and "王珺" not in page
    assert f'name="s{county.zhang}"' in page and '<option selected value="present">' in page


def test_recording_a_meeting_stores_kinds_and_attendance(as_user, county, db):
    client = as_user("secretary")
    response = client.post(f"{U}/branches/B01/events/new", data=_meeting(county))
    assert response.status_code == 302
    (event,) = rows(db, county.tenant_id, Event)
    assert event.kind == "general_meeting" and event.training_hours == Decimal("2")
    kinds = {k.kind for k in rows(db, county.tenant_id, EventKind)}
    assert kinds == {"general_meeting", "theme_day", "party_lesson"}
    attendance = {a.member_id: (a.status, a.reason) for a in rows(db, county.tenant_id, Attendance)}
    assert attendance == {county.zhang: ("present", None), county.li: ("excused", "出差")}
    assert audit_count(db, "event") == 1 and audit_count(db, "attendance") == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "学习党章" in page and "出差" in page
    hours = client.get(f"{U}/branches/B01/training?year=2025").get_data(as_text=True)
    assert "2.0" in hours


def test_excused_without_reason_is_refused_at_the_row(as_user, county, db):
    client = as_user("secretary")
    response = client.post(f"{U}/branches/B01/events/new", data=_meeting(county, **{f"r{county.li}": "", "topic": "我的主题"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "李堃：请假须填写事由" in page
    assert 'value="我的主题"' in page  # what was typed stays
    assert rows(db, county.tenant_id, Event) == []


def test_a_member_who_joined_later_is_named(as_user, county, db, make_member):
    b1 = in_unit(db, county.tenant_id, Organization, county.b1)
    newcomer = make_member(b1, name="新来的", joined_on=dt.date(2025, 9, 1))
    client = as_user("secretary")
    response = client.post(f"{U}/branches/B01/events/new", data=_meeting(county, **{f"s{newcomer.id}": "present"}))
    assert response.status_code == 400
    assert "新来的 在活动当天不是本支部党员" in response.get_data(as_text=True)
    assert rows(db, county.tenant_id, Event) == []


def test_editing_a_meeting(as_user, county, db):
    client = as_user("admin")
    client.post(f"{U}/branches/B01/events/new", data=_meeting(county))
    (event,) = rows(db, county.tenant_id, Event)
    page = client.get(f"{U}/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="出差"' in page
    response = client.post(f"{U}/events/{event.id}/edit", data=_meeting(county, **{f"s{county.li}": "", "topic": "改过的主题"}))
    assert response.status_code == 302
    assert [a.member_id for a in rows(db, county.tenant_id, Attendance)] == [county.zhang]


def test_training_record_page(as_user, county, db):
    client = as_user("secretary")
    page = client.get(f"{U}/branches/B01/training/new?member={county.zhang}").get_data(as_text=True)
    assert "张喆" in page
    bad = client.post(f"{U}/branches/B01/training/new", data={
        "member_id": str(county.zhang), "taken_on": "2025-05-01", "title": "县委党校轮训", "kind": "concentrated", "hours": "0",
    })
    assert bad.status_code == 400 and "须在 0.1 到 200 之间" in bad.get_data(as_text=True)
    assert 'value="县委党校轮训"' in bad.get_data(as_text=True)
    ok = client.post(f"{U}/branches/B01/training/new", data={
        "member_id": str(county.zhang), "taken_on": "2025-05-01", "title": "县委党校轮训", "kind": "concentrated", "hours": "8",
    })
    assert ok.status_code == 302
    (record,) = rows(db, county.tenant_id, TrainingRecord)
    assert record.hours == Decimal("8") and audit_count(db, "training_record") == 1
    refused = client.post(f"{U}/branches/B01/training/new", data={
        "member_id": str(county.wang), "taken_on": "2025-05-01", "title": "x", "kind": "concentrated", "hours": "8",
    })
    assert refused.status_code == 400 and "请选择本支部的党员" in refused.get_data(as_text=True)


def test_event_list_query_budget_does_not_grow(as_user, county, db, queries):
    client = as_user("admin")
    client.post(f"{U}/branches/B01/events/new", data=_meeting(county))
    _, few = queries(lambda: client.get(f"{U}/branches/B01/events"))
    for day in range(1, 29):
        client.post(f"{U}/branches/B01/events/new", data=_meeting(county, held_on=f"2025-02-{day:02d}"))
    response, many = queries(lambda: client.get(f"{U}/branches/B01/events"))
    assert "第 1 / 2 页" in response.get_data(as_text=True)
    assert many == few and many <= 10
    _, training = queries(lambda: client.get(f"{U}/branches/B01/training?year=2025"))
    assert training <= 12


def _selected(page: str, member_id: int) -> str:
    """The selected status of a member's row in the roster form."""
    import re

    select = re.search(rf'<select[^>]*name="s{member_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select)
    return next(g for g in chosen.groups() if g is not None) if chosen else ""


def test_the_roster_starts_from_who_the_kind_of_meeting_expects(as_user, county, db):
    from core.members.models import Member
    from core.organizations.models import CommitteeSeat
    from core.tenancy import use_tenant

    with use_tenant(county.tenant_id):
        db.session.add(CommitteeSeat(
            organization_id=county.b1, member_id=county.zhang, role="secretary",
            started_on=dt.date(2020, 1, 1), tenant_id=county.tenant_id,
        ))
        db.session.get(Member, county.li).away = "mobile"
        db.session.commit()
    client = as_user("secretary")
    committee = client.get(f"{U}/branches/B01/events/new?kind=committee_meeting").get_data(as_text=True)
    assert _selected(committee, county.zhang) == "present"  # holds a seat
    assert _selected(committee, county.li) == ""  # not on the committee: not expected
    general = client.get(f"{U}/branches/B01/events/new?kind=general_meeting").get_data(as_text=True)
    assert _selected(general, county.zhang) == "present"
    assert _selected(general, county.li) == "excused"  # away: marked and pre-filled as excused
    assert "流动党员（外出）" in general
    # "None" and "all present" set every row and save nothing.
    none = client.post(f"{U}/branches/B01/events/new", data={**_meeting(county), "set_all": "none"})
    assert none.status_code == 200 and _selected(none.get_data(as_text=True), county.zhang) == ""
    assert rows(db, county.tenant_id, Event) == []


def test_copy_the_last_meetings_topic_and_presenter(as_user, county, db):
    client = as_user("secretary")
    client.post(f"{U}/branches/B01/events/new", data=_meeting(county, presenter="张喆"))
    page = client.get(f"{U}/branches/B01/events/new?kind=general_meeting&copy=1").get_data(as_text=True)
    assert 'value="学习党章"' in page and 'value="张喆"' in page
