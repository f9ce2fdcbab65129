"""Staff page: party-affairs staff and instructors, kept by the unit admin."""

from __future__ import annotations

import pytest

from core.staffing.models import StaffPost
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, rows

U = "/units/caizhengju/staff"


@pytest.mark.parametrize("role", ["host", "supervisor", "admin", "secretary"])
def test_renders_for_readers(as_user, county, role):
    assert as_user(role).get(U).status_code == 200


@pytest.mark.parametrize("role", ["supervisor", "secretary", "their_secretary"])
def test_only_admins_write(as_user, county, db, role):
    data = {"kind": "full_time", "person_name": "赵专职", "started_on": "2024-01-01"}
    assert as_user(role).post(U, data=data).status_code == (404 if role in ("their_secretary", "their_admin", "other_supervisor") else 403)
    assert rows(db, county.tenant_id, StaffPost) == []


def test_add_from_a_member_and_bad_dates(as_user, county, db):
    client = as_user("admin")
    ok = client.post(U, data={"kind": "full_time", "member_id": str(county.zhang), "started_on": "2024-01-01"})
    assert ok.status_code == 302
    (post,) = rows(db, county.tenant_id, StaffPost)
    assert post.person_name == "张喆" and audit_count(db, "staff_post") == 1
    assert "专职 1 人" in client.get(U).get_data(as_text=True)
    bad = client.post(U, data={"kind": "part_time", "person_name": "钱兼职", "title": "组织委员",
                               "started_on": "2024-01-01", "ended_on": "2023-01-01"})
    assert bad.status_code == 400
    assert "离任日期不能早于任职日期" in bad.get_data(as_text=True) and 'value="组织委员"' in bad.get_data(as_text=True)
    assert len(rows(db, county.tenant_id, StaffPost)) == 1


def test_query_budget(as_user, county, queries):
    client = as_user("admin")
    _, few = queries(lambda: client.get(U))
    for n in range(15):
        client.post(U, data={"kind": "part_time", "person_name": f"兼职{n}", "started_on": "2024-01-01"})
    _, many = queries(lambda: client.get(U))
    assert many == few and many <= 10
