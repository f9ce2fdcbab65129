"""Organization pages: list, detail with committee, terms and party groups, create and edit."""

from __future__ import annotations

import datetime as dt

import pytest

from core.host.models import Tenant
from core.organizations.models import CommitteeSeat, Organization, Term
from core.tenancy import use_tenant
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, in_unit, rows

URL = "/units/caizhengju/organizations"


@pytest.mark.parametrize("role", ["host", "supervisor", "admin", "secretary"])
def test_list_and_detail_render_for_readers(as_user, county, role):
    client = as_user(role)
    page = client.get(URL).get_data(as_text=True)
    assert "机关第一党支部" in page
    assert ("机关第二党支部" in page) == (role != "secretary")
    detail = client.get(f"{URL}/B01")
    assert detail.status_code == 200 and "委员会" in detail.get_data(as_text=True)


@pytest.mark.parametrize("role", ["other_supervisor", "their_secretary"])
def test_outsiders_are_refused(as_user, county, role):
    client = as_user(role)
    # Another unit answers 404, like a missing one (no slug enumeration); another branch 403.
    refused = 404 if role in ("other_supervisor", "their_secretary") else 403
    assert client.get(URL).status_code == refused
    assert client.get(f"{URL}/B01").status_code == refused


def test_secretary_cannot_open_another_branch(as_user, county):
    client = as_user("secretary")
    assert client.get(f"{URL}/B02").status_code == 403
    assert client.post(f"{URL}/B02/terms", data={"term-elected_on": "2024-01-01"}).status_code == 403


@pytest.mark.parametrize("role", ["admin", "secretary"])
def test_the_parent_is_a_link_only_for_who_may_open_it(as_user, county, db, tenant, make_organization, role):
    parent = make_organization(tenant, code="ZZ", name="机关党总支", kind="general_branch")
    with use_tenant(county.tenant_id):
        db.session.get(Organization, county.b1).parent_id = parent.id
        db.session.commit()
    client = as_user(role)
    page = client.get(f"{URL}/B01").get_data(as_text=True)
    assert "机关党总支" in page
    # A secretary sees the parent's name, not a link to a page that answers 403.
    assert (f'href="{URL}/ZZ"' in page) == (role == "admin")
    assert client.get(f"{URL}/ZZ").status_code == (200 if role == "admin" else 403)


@pytest.mark.parametrize("role", ["supervisor", "secretary", "their_secretary"])
def test_only_admins_create_organizations(as_user, county, db, role):
    client = as_user(role)
    data = {"code": "B03", "name": "第三党支部", "kind": "branch", "established_on": "2020-01-01"}
    refused = 404 if role in ("their_secretary", "their_admin", "other_supervisor") else 403
    assert client.get(f"{URL}/new").status_code == refused
    assert client.post(f"{URL}/new", data=data).status_code == refused
    assert rows(db, county.tenant_id, Organization, Organization.code == "B03") == []


@pytest.mark.parametrize("role", ["admin", "host"])
def test_create_stores_and_audits(as_user, county, db, role):
    client = as_user(role)
    before = audit_count(db, "organization")
    response = client.post(f"{URL}/new", data={
        "code": "LH", "name": "联合党支部", "kind": "joint_branch", "established_on": "2020-01-01",
        "covered_units": "甲、乙、丙、丁、戊、己",
    })
    assert response.status_code == 302
    (org,) = rows(db, county.tenant_id, Organization, Organization.code == "LH")
    assert org.covered_units == "甲、乙、丙、丁、戊、己"
    assert audit_count(db, "organization") == before + 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "一般不超过 5 个" in page  # the joint-branch warning


def test_bad_create_shows_chinese_messages_and_keeps_input(as_user, county, db):
    client = as_user("admin")
    response = client.post(f"{URL}/new", data={
        "code": "B01", "name": "新支部名称", "kind": "branch", "established_on": "2099-01-01",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "代码 B01 已被本单位其他党组织使用" in page and "日期不能晚于今天" in page
    assert 'value="新支部名称"' in page
    assert len(rows(db, county.tenant_id, Organization)) == 2


def test_secretary_records_a_term_and_a_seat(as_user, county, db):
    client = as_user("secretary")
    response = client.post(f"{URL}/B01/terms", data={"term-elected_on": "2024-03-01"})
    assert response.status_code == 302
    (term,) = rows(db, county.tenant_id, Term)
    assert term.ends_on == dt.date(2027, 3, 1)
    response = client.post(f"{URL}/B01/seats", data={
        "seat-member_id": str(county.zhang), "seat-role": "secretary", "seat-started_on": "2024-03-01",
    })
    assert response.status_code == 302
    assert audit_count(db, "committee_seat") == 1
    page = client.get(f"{URL}/B01").get_data(as_text=True)
    assert "张喆" in page and "2027-03-01" in page


def test_bad_seat_shows_the_message_at_the_field(as_user, county, db):
    client = as_user("admin")
    response = client.post(f"{URL}/B01/seats", data={
        "seat-member_id": str(county.wang), "seat-role": "secretary", "seat-started_on": "2024-03-01",
    })
    assert response.status_code == 400
    assert "须是本组织的在册党员" in response.get_data(as_text=True)
    assert rows(db, county.tenant_id, CommitteeSeat) == []


def test_supervisor_cannot_write(as_user, county, db):
    client = as_user("supervisor")
    assert client.post(f"{URL}/B01/terms", data={"term-elected_on": "2024-03-01"}).status_code == 403
    assert client.post(f"{URL}/B01/edit", data={"name": "x"}).status_code == 403
    assert rows(db, county.tenant_id, Term) == []


def test_list_query_budget_does_not_grow(as_user, county, db, make_organization, queries):
    client = as_user("admin")
    _, few = queries(lambda: client.get(URL))
    tenant = in_unit(db, county.tenant_id, Tenant, county.tenant_id)
    for n in range(30):
        make_organization(tenant, code=f"X{n:02d}")
    response, many = queries(lambda: client.get(URL))
    assert response.status_code == 200 and "第 1 / 2 页" in response.get_data(as_text=True)
    assert many == few and many <= 10
