"""Facility checklist page: the unit type's 六有 items, checks with evidence files."""

from __future__ import annotations

import io

import pytest

from core.facilities.models import FacilityCheck
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, rows

U = "/units/caizhengju/branches/B01/facilities"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def app_config(tmp_path):
    return {"EVIDENCE_MAX_BYTES": 1024}


def _check(**changes):
    data = {"item": "site", "met": "yes", "checked_on": "2025-06-01", "checked_by": "张喆", "evidence_note": "党员活动室 30㎡"}
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["host", "supervisor", "admin", "secretary"])
def test_checklist_renders_in_the_unit_types_wording(as_user, county, role):
    page = as_user(role).get(U).get_data(as_text=True)
    for item in ("有场所", "有设施", "有标志", "有党旗", "有书报", "有制度"):
        assert item in page


@pytest.mark.parametrize("role", ["supervisor", "b2_secretary", "their_secretary"])
def test_others_cannot_record(as_user, county, db, role):
    # Another unit's users meet the 404 of a missing unit; this unit's others a 403.
    assert as_user(role).post(U, data=_check()).status_code == (404 if role in ("their_secretary", "their_admin", "other_supervisor") else 403)
    assert rows(db, county.tenant_id, FacilityCheck) == []


def test_record_with_evidence_and_download(as_user, county, db, app, tmp_path):
    app.instance_path = str(tmp_path)
    client = as_user("secretary")
    response = client.post(U, data={**_check(), "evidence": (io.BytesIO(PNG), "活动室.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    (check,) = rows(db, county.tenant_id, FacilityCheck)
    assert check.evidence_file.startswith(f"uploads/{county.tenant_id}/facilities/")
    assert audit_count(db, "facility_check") == 1
    page = client.get(U).get_data(as_text=True)
    assert "达标" in page and "党员活动室 30㎡" in page
    download = client.get(f"/units/caizhengju/facilities/checks/{check.id}/evidence")
    assert download.status_code == 200 and download.data == PNG
    download.close()  # send_file keeps the file open until the response is closed
    assert as_user("their_secretary").get(f"/units/caizhengju/facilities/checks/{check.id}/evidence").status_code == 404  # another unit: the same answer as a missing one


@pytest.mark.parametrize(("upload", "message"), [
    ((io.BytesIO(b"MZ\x90\x00"), "setup.exe"), "凭证文件只能是 PDF、JPG 或 PNG"),
    ((io.BytesIO(b"MZ\x90\x00"), "fake.pdf"), "文件内容与扩展名不符"),
    ((io.BytesIO(PNG * 20), "big.png"), "凭证文件不能超过"),
])
def test_bad_evidence_is_refused_and_nothing_is_saved(as_user, county, db, app, tmp_path, upload, message):
    app.instance_path = str(tmp_path)
    client = as_user("admin")
    response = client.post(U, data={**_check(evidence_note="我的说明"), "evidence": upload}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and "我的说明" in page
    assert rows(db, county.tenant_id, FacilityCheck) == []
    assert not (tmp_path / "uploads").exists()


def test_missing_answer_is_asked_for(as_user, county, db):
    response = as_user("admin").post(U, data=_check(met=""))
    assert response.status_code == 400 and "请选择是否达标" in response.get_data(as_text=True)


def test_query_budget(as_user, county, queries):
    client = as_user("admin")
    _, few = queries(lambda: client.get(U))
    for n in range(12):
        client.post(U, data=_check(checked_on=f"2025-06-{n + 1:02d}"))
    _, many = queries(lambda: client.get(U))
    assert many == few and many <= 10
