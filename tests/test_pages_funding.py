"""Funding page: a year's lines, added and corrected by the unit admin; read by others."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.funding.models import FundingRecord
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, rows

U = "/units/caizhengju/funding"
LINE = {"year": "2025", "source": "fiscal_budget", "organization_id": "", "budgeted": "120000", "spent": "80000.50"}


@pytest.mark.parametrize("role", ["host", "supervisor", "admin", "secretary"])
def test_renders_for_readers(as_user, county, role):
    assert as_user(role).get(f"{U}?year=2025").status_code == 200


@pytest.mark.parametrize("role", ["supervisor", "secretary", "their_secretary", "other_supervisor"])
def test_only_admins_write(as_user, county, db, role):
    assert as_user(role).post(U, data=LINE).status_code == (404 if role in ("their_secretary", "their_admin", "other_supervisor") else 403)
    assert rows(db, county.tenant_id, FundingRecord) == []


def test_outsiders_cannot_read(as_user, county):
    assert as_user("their_secretary").get(U).status_code == 404  # another unit: the same answer as a missing one


def test_add_edit_and_bad_input(as_user, county, db):
    client = as_user("admin")
    assert client.post(U, data=LINE).status_code == 302
    (line,) = rows(db, county.tenant_id, FundingRecord)
    assert line.spent == Decimal("80000.50") and audit_count(db, "funding_record") == 1
    page = client.get(f"{U}?year=2025").get_data(as_text=True)
    assert "120000.00" in page and "财政预算" in page
    bad = client.post(f"{U}/{line.id}/edit", data={**LINE, "spent": "-5", "note": "我的说明"})
    assert bad.status_code == 400
    assert "不能为负数" in bad.get_data(as_text=True) and "我的说明" in bad.get_data(as_text=True)
    assert rows(db, county.tenant_id, FundingRecord)[0].spent == Decimal("80000.50")
    bad = client.post(U, data={**LINE, "budgeted": "abc"})
    assert bad.status_code == 400 and "须为数字" in bad.get_data(as_text=True)


def test_query_budget(as_user, county, queries):
    client = as_user("admin")
    _, few = queries(lambda: client.get(f"{U}?year=2025"))
    for _n in range(25):
        client.post(U, data=LINE)
    _, many = queries(lambda: client.get(f"{U}?year=2025"))
    assert many == few and many <= 10
