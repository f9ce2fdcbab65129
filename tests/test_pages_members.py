"""Member pages: roster (paged, searchable, sortable), detail with masked personal data, create and
edit, transfer, development cases with their pipeline, and a year's appraisals in one form."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core.members.models import Appraisal, DevelopmentCase, DevelopmentStep, Member
from core.organizations.models import Organization
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, in_unit, rows

U = "/units/caizhengju"


@pytest.mark.parametrize("role", ["host", "supervisor", "admin", "secretary"])
def test_roster_and_detail_render_for_readers(as_user, county, role):
    client = as_user(role)
    page = client.get(f"{U}/members").get_data(as_text=True)
    assert "张喆" in page
    assert ("王珺" in page) == (role != "secretary")  # a secretary sees only the own branch
    assert client.get(f"{U}/members/{county.zhang}").status_code == 200


@pytest.mark.parametrize("role", ["other_supervisor", "their_secretary"])
def test_outsiders_are_refused(as_user, county, role):
    client = as_user(role)
    # Another unit answers 404, like a missing one (no slug enumeration); another branch 403.
    refused = 404 if role in ("other_supervisor", "their_secretary") else 403
    assert client.get(f"{U}/members").status_code == refused
    assert client.get(f"{U}/members/{county.zhang}").status_code == refused


def test_secretary_cannot_open_or_edit_another_branchs_member(as_user, county):
    client = as_user("secretary")
    assert client.get(f"{U}/members/{county.wang}").status_code == 403
    assert client.post(f"{U}/members/{county.wang}/edit", data={"name": "x"}).status_code == 403
    assert client.get(f"{U}/members?branch=B02").status_code == 403


@pytest.mark.parametrize(("role", "shown"), [("admin", "13800001234"), ("secretary", "*******1234"), ("supervisor", "*******1234")])
def test_phone_and_id_are_masked_unless_the_role_needs_them(as_user, county, role, shown):
    client = as_user(role)
    page = client.get(f"{U}/members/{county.zhang}").get_data(as_text=True)
    assert shown in page
    if role != "admin":
        assert "13800001234" not in page and "11010519491231002X" not in page


def test_roster_pages_searches_and_sorts(as_user, county, db, make_member):
    b1 = in_unit(db, county.tenant_id, Organization, county.b1)
    for n in range(25):
        make_member(b1, name=f"赵{n:02d}", joined_on=dt.date(2000 + n % 20, 1, 1))
    client = as_user("admin")
    first = client.get(f"{U}/members?branch=B01").get_data(as_text=True)
    assert len(re.findall(r'href="/units/caizhengju/members/\d+"', first)) == 20 and "第 1 / 2 页" in first
    second = client.get(f"{U}/members?branch=B01&page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/units/caizhengju/members/\d+"', second)) == 7
    found = client.get(f"{U}/members?q=赵0").get_data(as_text=True)
    assert len(re.findall(r'href="/units/caizhengju/members/\d+"', found)) == 10
    newest = client.get(f"{U}/members?branch=B01&sort=-joined_on").get_data(as_text=True)
    assert newest.index("李堃") < newest.index("张喆")  # joined 2012 before 2010 when newest first


def test_create_member_stores_and_audits(as_user, county, db):
    client = as_user("secretary")
    response = client.post(f"{U}/members/new", data={
        "organization_id": str(county.b1), "name": "钱多多", "status": "probationary",
        "joined_on": "2025-07-01", "dues_category": "employed", "dues_base": "3000",
    })
    assert response.status_code == 302
    (member,) = rows(db, county.tenant_id, Member, Member.name == "钱多多")
    assert member.organization_id == county.b1 and member.dues_base == 3000
    assert audit_count(db, "member") == 4


def test_bad_member_submit_shows_field_messages_and_changes_nothing(as_user, county, db):
    client = as_user("admin")
    response = client.post(f"{U}/members/new", data={
        "organization_id": str(county.b1), "name": "孙悟", "status": "full", "joined_on": "2010-13-01",
        "phone": "12345", "id_number": "110105194912310021", "dues_category": "employed",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "日期格式应为 YYYY-MM-DD" in page
    assert rows(db, county.tenant_id, Member, Member.name == "孙悟") == []
    response = client.post(f"{U}/members/new", data={
        "organization_id": str(county.b1), "name": "孙悟", "status": "full", "joined_on": "2010-01-01",
        "phone": "12345", "id_number": "110105194912310021", "dues_category": "employed",
    })
    page = response.get_data(as_text=True)
    assert "手机号码须为 11 位数字" in page and "身份证号码格式或校验位不正确" in page
    assert 'value="孙悟"' in page and 'value="12345"' in page  # what was typed stays
    assert rows(db, county.tenant_id, Member, Member.name == "孙悟") == []


def test_secretary_edit_keeps_masked_numbers_when_left_blank(as_user, county, db):
    client = as_user("secretary")
    form = client.get(f"{U}/members/{county.zhang}/edit").get_data(as_text=True)
    assert "13800001234" not in form and "*******1234" in form
    response = client.post(f"{U}/members/{county.zhang}/edit", data={
        "name": "张喆", "status": "full", "joined_on": "2010-01-01", "dues_category": "employed",
        "dues_base": "6000", "position": "科长", "id_number": "", "phone": "",
    })
    assert response.status_code == 302
    (member,) = rows(db, county.tenant_id, Member, Member.id == county.zhang)
    assert member.phone == "13800001234" and member.id_number == "11010519491231002X"
    assert member.position == "科长" and member.dues_base == 6000


def test_transfer_to_another_branch(as_user, county, db):
    client = as_user("admin")
    response = client.post(f"{U}/members/{county.li}/transfer", data={
        "transfer-organization_id": str(county.b2), "transfer-transferred_in_on": "2099-01-01",
    })
    assert response.status_code == 400 and "日期不能晚于今天" in response.get_data(as_text=True)
    response = client.post(f"{U}/members/{county.li}/transfer", data={
        "transfer-organization_id": str(county.b2), "transfer-transferred_in_on": "2025-01-01",
    })
    assert response.status_code == 302
    (member,) = rows(db, county.tenant_id, Member, Member.id == county.li)
    assert member.organization_id == county.b2


def test_development_case_pipeline(as_user, county, db):
    client = as_user("secretary")
    assert client.get(f"{U}/branches/B01/development").status_code == 200
    response = client.post(f"{U}/branches/B01/development", data={"name": "郑雨桐", "applied_on": "2025-03-03"})
    assert response.status_code == 302
    (case,) = rows(db, county.tenant_id, DevelopmentCase)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "递交入党申请书" in page and "2025-03-03" in page and "材料归档" in page
    bad = client.post(f"{U}/development/{case.id}/steps", data={"step-step": "3", "step-done_on": "2025-09-10"})
    assert bad.status_code == 400 and "请先记录第 2 步" in bad.get_data(as_text=True)
    bad = client.post(f"{U}/development/{case.id}/steps", data={"step-step": "2", "step-done_on": "2025-03-01"})
    assert "不能早于第 1 步" in bad.get_data(as_text=True)
    assert len(rows(db, county.tenant_id, DevelopmentStep)) == 1
    ok = client.post(f"{U}/development/{case.id}/steps", data={"step-step": "2", "step-done_on": "2025-03-24"})
    assert ok.status_code == 302
    assert audit_count(db, "development_step") == 2


def test_other_secretary_cannot_touch_the_case(as_user, county, db):
    client = as_user("secretary")
    client.post(f"{U}/branches/B01/development", data={"name": "郑雨桐"})
    (case,) = rows(db, county.tenant_id, DevelopmentCase)
    other = as_user("b2_secretary")
    assert other.get(f"{U}/development/{case.id}").status_code == 403
    assert other.post(f"{U}/development/{case.id}/steps", data={"step-step": "1", "step-done_on": "2025-01-01"}).status_code == 403


def test_appraisals_for_a_year_in_one_form(as_user, county, db):
    client = as_user("secretary")
    page = client.get(f"{U}/branches/B01/appraisals?year=2025").get_data(as_text=True)
    assert "张喆" in page and "李堃" in page and "王珺" not in page
    response = client.post(f"{U}/branches/B01/appraisals?year=2025", data={
        f"m{county.zhang}": "excellent", f"m{county.li}": "qualified", "appraised_on": "2025-12-20",
    })
    assert response.status_code == 302
    stored = {a.member_id: a.result for a in rows(db, county.tenant_id, Appraisal)}
    assert stored == {county.zhang: "excellent", county.li: "qualified"}
    assert audit_count(db, "appraisal") == 2
    bad = client.post(f"{U}/branches/B01/appraisals?year=2025", data={
        f"m{county.zhang}": "heroic", f"m{county.li}": "", "appraised_on": "2099-01-01",
    })
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "不是有效的选择" in text
    assert {a.member_id: a.result for a in rows(db, county.tenant_id, Appraisal)} == stored


def test_supervisor_reads_appraisals_but_cannot_save(as_user, county):
    client = as_user("supervisor")
    assert client.get(f"{U}/branches/B01/appraisals").status_code == 200
    assert client.post(f"{U}/branches/B01/appraisals", data={}).status_code == 403


def test_roster_query_budget_does_not_grow(as_user, county, db, make_member, queries):
    client = as_user("admin")
    _, few = queries(lambda: client.get(f"{U}/members"))
    b1 = in_unit(db, county.tenant_id, Organization, county.b1)
    for n in range(40):
        make_member(b1, name=f"周{n:02d}")
    response, many = queries(lambda: client.get(f"{U}/members?page=2"))
    assert response.status_code == 200
    assert many == few and many <= 10


def test_the_members_list_is_in_pinyin_order(as_user, county):
    page = as_user("admin").get("/units/caizhengju/members").get_data(as_text=True)
    # 李 (lǐ), 王 (wáng), 张 (zhāng): code point order would put 张 first.
    assert page.index("李堃") < page.index("王珺") < page.index("张喆")
    reverse = as_user("admin").get("/units/caizhengju/members?sort=-name").get_data(as_text=True)
    assert reverse.index("张喆") < reverse.index("王珺") < reverse.index("李堃")
