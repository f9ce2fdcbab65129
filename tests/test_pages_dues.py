"""Dues pages: the ledger (members × 12 months) and a whole branch's month in one form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.dues.models import DuesPayment
from core.organizations.models import Organization
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, in_unit, rows

U = "/units/caizhengju/branches/B01/dues"


@pytest.mark.parametrize("role", ["host", "supervisor", "admin", "secretary"])
def test_ledger_renders_for_readers(as_user, county, role):
    page = as_user(role).get(f"{U}?year=2025").get_data(as_text=True)
    assert "张喆" in page and "12月" in page


@pytest.mark.parametrize("role", ["other_supervisor", "their_secretary", "b2_secretary"])
def test_outsiders_are_refused(as_user, county, role):
    client = as_user(role)
    # Another unit answers 404, like a missing one (no slug enumeration); another branch 403.
    refused = 404 if role in ("other_supervisor", "their_secretary") else 403
    assert client.get(U).status_code == refused
    assert client.post(f"{U}/2025/3", data={}).status_code == refused


def test_supervisor_cannot_open_the_month_form(as_user, county):
    assert as_user("supervisor").get(f"{U}/2025/3").status_code == 403


def test_month_form_shows_the_calculated_amount(as_user, county):
    page = as_user("secretary").get(f"{U}/2025/3").get_data(as_text=True)
    assert "81.00" in page  # 5400 × 1.5 %
    assert "20.00" in page  # retired, 4000 × 0.5 %


def test_saving_a_month_for_the_whole_branch(as_user, county, db):
    client = as_user("secretary")
    response = client.post(f"{U}/2025/3", data={f"on{county.zhang}": "2025-03-05", f"due{county.li}": "", f"on{county.li}": ""})
    assert response.status_code == 302
    stored = {p.member_id: p for p in rows(db, county.tenant_id, DuesPayment)}
    assert stored[county.zhang].amount_paid == Decimal("81.00") and stored[county.li].paid_on is None
    assert stored[county.li].amount_due == Decimal("20.00")
    assert audit_count(db, "dues_payment") == 2
    ledger = client.get(f"{U}?year=2025").get_data(as_text=True)
    assert "81.00" in ledger and "20.00!" in ledger


def test_a_bad_month_names_the_member_and_changes_nothing(as_user, county, db):
    client = as_user("admin")
    response = client.post(f"{U}/2025/3", data={
        f"on{county.zhang}": "2099-03-05", f"paid{county.li}": "12.5", f"note{county.li}": "我的备注",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "张喆：交纳日期不能晚于今天" in page and "李堃：填写了实交金额，请填写交纳日期" in page
    assert 'value="我的备注"' in page and 'value="2099-03-05"' in page
    assert rows(db, county.tenant_id, DuesPayment) == []


def test_ledger_query_budget_does_not_grow(as_user, county, db, make_member, queries):
    client = as_user("admin")
    _, few = queries(lambda: client.get(f"{U}?year=2025"))
    b1 = in_unit(db, county.tenant_id, Organization, county.b1)
    for n in range(30):
        make_member(b1, name=f"吴{n:02d}", dues_base=Decimal("3000"))
    client.post(f"{U}/2025/1", data={})
    response, many = queries(lambda: client.get(f"{U}?year=2025"))
    assert response.status_code == 200 and "吴29" in response.get_data(as_text=True)
    assert many == few and many <= 10
    _, month = queries(lambda: client.get(f"{U}/2025/2"))
    assert month <= 10


def test_all_paid_on_one_date_fills_the_empty_rows_without_saving(as_user, county, db):
    client = as_user("secretary")
    response = client.post(f"{U}/2025/3", data={"fill": "1", "all_paid_on": "2025-03-08", f"on{county.li}": "2025-03-02"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('value="2025-03-08"') == 2  # the common date itself and 张喆's empty row
    assert 'value="2025-03-02"' in page  # a date already typed is kept
    assert rows(db, county.tenant_id, DuesPayment) == []  # nothing saved yet
    refused = client.post(f"{U}/2025/3", data={"fill": "1"}).get_data(as_text=True)
    assert "请先填写统一交纳日期" in refused


def test_a_member_without_a_dues_base_is_flagged_and_the_rest_is_saved(as_user, county, db, make_member):
    from core.tenancy import use_tenant

    with use_tenant(county.tenant_id):
        b1 = db.session.get(Organization, county.b1)
        nobase = make_member(b1, name="赵无基", dues_base=None).id
    client = as_user("secretary")
    page = client.get(f"{U}/2025/3").get_data(as_text=True)
    assert "缺少党费计算基数，本行不保存" in page and f"/members/{nobase}/edit" in page
    filled = client.post(f"{U}/2025/3", data={"fill": "1", "all_paid_on": "2025-03-08"}).get_data(as_text=True)
    assert f'name="on{nobase}" type="date" value=""' in filled or f'name="on{nobase}" type="date">' in filled
    response = client.post(f"{U}/2025/3", data={
        f"on{county.zhang}": "2025-03-08", f"on{county.li}": "2025-03-08", f"on{nobase}": "2025-03-08",
    }, follow_redirects=True)
    assert response.status_code == 200
    assert "赵无基 缺少党费计算基数，本月未保存" in response.get_data(as_text=True)
    stored = {p.member_id for p in rows(db, county.tenant_id, DuesPayment)}
    assert stored == {county.zhang, county.li}
