"""API: units, scorecards (live and stored), alerts, jobs, the OpenAPI document and docs page,
JSON errors, and the CSRF rule for browser sessions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from core.extensions import db
from core.jobs.models import Job
from core.scoring.models import Scorecard
from core.tenancy import use_tenant
from tests import test_api_client
from tests.conftest import TEST_PASSWORD

#: The shared fixture (a client with a token of the given user).
api_as = test_api_client.api_as

U = "/api/v1/units/caizhengju"


@pytest.fixture
def unit(tenant, make_organization, make_member):
    # Ids taken at once: on PostgreSQL an expired row cannot be reloaded outside its unit (RLS).
    b1 = make_organization(tenant, "b1", name="第一党支部")
    b1_id = b1.id
    b2 = make_organization(tenant, "b2", name="第二党支部")
    b2_id = b2.id
    make_member(b1, name="张三")
    make_member(b2, name="王五")
    return {"tenant": tenant, "b1": b1_id, "b2": b2_id}


def test_units_list_and_get(unit, other_tenant, make_user, api_as):
    host = api_as(make_user("host_admin"))
    response = host.get("/api/v1/units?page_size=1")
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    assert host.get("/api/v1/units?unit_type=soe").get_json()[0]["slug"] == "shuiwu-jituan"
    assert host.get("/api/v1/units/caizhengju").get_json()["name"] == "县财政局"
    supervisor = api_as(make_user("supervisor", scope_unit_types=["soe"]))
    assert [u["slug"] for u in supervisor.get("/api/v1/units").get_json()] == ["shuiwu-jituan"]
    assert supervisor.get("/api/v1/units/caizhengju").status_code == 404


def test_host_admin_creates_units(unit, make_user, api_as, db):
    host = api_as(make_user("host_admin"))
    response = host.post("/api/v1/units", {"slug": "minzheng", "name": "县民政局", "unit_type": "organ"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["slug"] == "minzheng"
    clash = host.post("/api/v1/units", {"slug": "minzheng", "name": "重复", "unit_type": "organ"})
    assert clash.status_code == 422 and clash.get_json()["errors"]["json"]["slug"] == ["单位代码 minzheng 已存在"]
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    refused = admin.post("/api/v1/units", {"slug": "other", "name": "其他", "unit_type": "organ"})
    assert refused.status_code == 403


def test_live_scorecard_json(unit, make_user, api_as):
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    response = admin.get(f"{U}/scorecards?year=2025&as_of=2025-12-31")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["tenant"] == "caizhengju" and body["period"]["year"] == 2025
    assert {b["code"] for b in body["branches"]} == {"b1", "b2"}
    item = body["branches"][0]["blocks"][0]["items"][0]
    assert {"score", "max", "status", "explanation", "citation"} <= set(item)
    one = admin.get(f"{U}/scorecards?year=2025&as_of=2025-12-31&branch=b2").get_json()
    assert [b["code"] for b in one["branches"]] == ["b2"]
    missing = admin.get(f"{U}/scorecards?year=2025&branch=zz")
    assert missing.status_code == 404
    no_year = admin.get(f"{U}/scorecards")
    assert no_year.status_code == 422
    assert no_year.get_json()["errors"]["query"]["year"] == ["缺少必填项"]


def test_secretary_scorecard_is_own_branch_only(unit, make_user, api_as):
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b1"))
    body = secretary.get(f"{U}/scorecards?year=2025&as_of=2025-12-31").get_json()
    assert [b["code"] for b in body["branches"]] == ["b1"]
    assert secretary.get(f"{U}/scorecards?year=2025&branch=b2").status_code == 404


def _store_card(unit, organization_id: int) -> int:
    with use_tenant(unit["tenant"].id):
        card = Scorecard(
            organization_id=organization_id, year=2025, as_of=dt.date(2025, 12, 31), unit_type="organ",
            standard_key="organ", standard_version="2025.1", status="rated", total=Decimal("88"),
            max=Decimal("100"), grade="四星", result={"blocks": []}, inputs={"facts": {}}, created_by="test",
        )
        db.session.add(card)
        db.session.commit()
        return card.id


def test_stored_snapshots(unit, make_user, api_as, other_tenant):
    first = _store_card(unit, unit["b1"])
    second = _store_card(unit, unit["b2"])
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    listed = admin.get(f"{U}/scorecards/snapshots?year=2025")
    assert [c["id"] for c in listed.get_json()] == [second, first]
    detail = admin.get(f"{U}/scorecards/snapshots/{first}").get_json()
    assert detail["total"] == "88.00" and detail["result"] == {"blocks": []}
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b1"))
    assert [c["id"] for c in secretary.get(f"{U}/scorecards/snapshots").get_json()] == [first]
    assert secretary.get(f"{U}/scorecards/snapshots/{second}").status_code == 404
    stranger = api_as(make_user("unit_admin", other_tenant))
    assert stranger.get(f"{U}/scorecards/snapshots/{first}").status_code == 404
    assert stranger.get(f"/api/v1/units/shuiwu-jituan/scorecards/snapshots/{first}").status_code == 404


def test_alerts(unit, make_user, api_as):
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    response = admin.get(f"{U}/alerts?as_of=2025-11-20")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {b["code"] for b in body} == {"b1", "b2"}
    assert all({"kind", "level", "message"} <= set(a) for b in body for a in b["alerts"])
    secretary = api_as(make_user("secretary", unit["tenant"], organization_code="b2"))
    assert [b["code"] for b in secretary.get(f"{U}/alerts?as_of=2025-11-20").get_json()] == ["b2"]
    bad = admin.get(f"{U}/alerts?as_of=2025-11-31")
    assert bad.status_code == 422 and bad.get_json()["errors"]["query"]["as_of"][0].startswith("不是有效的日期")


def test_jobs_are_the_callers_own(unit, make_user, api_as):
    mine = make_user("supervisor", scope_unit_types=["organ"])
    theirs = make_user("supervisor", scope_unit_types=["soe"])
    jobs = [Job(kind="bulk_scorecards", user_id=u.id, params={"year": 2025}, total=4, done=1) for u in (mine, theirs)]
    db.session.add_all(jobs)
    db.session.commit()
    client = api_as(mine)
    listed = client.get("/api/v1/jobs").get_json()
    assert [j["id"] for j in listed] == [jobs[0].id]
    assert listed[0]["percent"] == 25
    assert client.get(f"/api/v1/jobs/{jobs[0].id}").get_json()["status"] == "queued"
    assert client.get(f"/api/v1/jobs/{jobs[1].id}").status_code == 404
    host = api_as(make_user("host_admin"))
    assert len(host.get("/api/v1/jobs").get_json()) == 2


def test_pagination_arguments_in_chinese(unit, make_user, api_as):
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    response = admin.get(f"{U}/members?page=0")
    assert response.status_code == 422
    assert response.get_json()["errors"]["query"]["page"] == ["须大于或等于 1"]


def test_unknown_api_path_and_method_are_json(unit, make_user, api_as):
    admin = api_as(make_user("unit_admin", unit["tenant"]))
    missing = admin.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["code"] == 404
    wrong = admin.request("PUT", f"{U}/members")
    assert wrong.status_code == 405 and wrong.get_json()["message"] == "不支持此请求方法"


def test_openapi_document_and_offline_docs_page(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/api/v1/units/{slug}/members" in spec["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/units/{slug}/events" in html and 'id="schema-Member"' in html
    # Nothing is fetched from elsewhere: no CDN scripts or styles.
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html


def test_session_writes_need_same_origin_and_csrf(unit, make_user, app, login, client):
    admin = make_user("unit_admin", unit["tenant"])
    login(admin)
    body = json.dumps({"organization_id": unit["b1"], "name": "赵六", "status": "full", "joined_on": "2020-07-01"})
    # Reads with the session cookie work (the browser's own pages call them).
    assert client.get(f"{U}/members").status_code == 200
    # A write without an Origin from this server is refused, even with the cookie.
    foreign = client.post(f"{U}/members", data=body, content_type="application/json", headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "Origin" in foreign.get_json()["message"]
    same = client.post(f"{U}/members", data=body, content_type="application/json", headers={"Origin": "http://localhost"})
    assert same.status_code == 201, same.get_json()


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_session_writes_need_the_csrf_token_when_enabled(unit, make_user, app, client, app_config):
    admin = make_user("unit_admin", unit["tenant"])
    page = client.get("/login")
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD, "csrf_token": token})
    # Logging in starts a new session, and a CSRF token belongs to its session: take a fresh one
    # (the test's app context outlives requests, so forget the token Flask-WTF cached in ``g``).
    from flask import g

    g.pop("csrf_token", None)
    form = client.get("/account/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    body = json.dumps({"organization_id": unit["b1"], "name": "赵六", "status": "full", "joined_on": "2020-07-01"})
    headers = {"Origin": "http://localhost"}
    refused = client.post(f"{U}/members", data=body, content_type="application/json", headers=headers)
    assert refused.status_code == 403 and "CSRF" in refused.get_json()["message"]
    accepted = client.post(f"{U}/members", data=body, content_type="application/json", headers={**headers, "X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.get_json()
