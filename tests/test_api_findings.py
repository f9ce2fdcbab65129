"""API: findings, honours and the county's finding kinds, with their scopes."""

from __future__ import annotations

from sqlalchemy import select

from core.findings.services import create_kind
from core.timezone import local_today
from tests import test_api_client
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import fresh_request

api_as = test_api_client.api_as

YEAR = local_today().year  # the configured zone's year, as the services use
SAFETY = {"code": "major_safety_incident", "label_zh": "发生重大安全生产事故", "source": "某县国有企业党支部评星定级办法"}


def add_kind(db) -> None:
    create_kind(**SAFETY)
    db.session.commit()


U = "/api/v1/units/caizhengju"


def test_api_findings_and_kinds(db, county, api_as, make_user):
    add_kind(db)
    from core.accounts.models import User

    def user(key):
        fresh_request()
        return db.session.scalar(select(User).where(User.username == county.usernames[key]))

    supervisor = api_as(user("supervisor"))
    kinds = supervisor.get("/api/v1/finding-kinds")
    assert kinds.status_code == 200 and [k["code"] for k in kinds.get_json()][-1] == "major_safety_incident"
    body = {"organization_id": county.b1, "year": YEAR, "finding": "major_safety_incident",
            "decided_on": local_today().isoformat(), "document": "县组〔2026〕2号"}
    bad = supervisor.post(f"{U}/findings", {**body, "finding": "nope"})
    assert bad.status_code == 422 and "认定类别须为" in bad.get_json()["errors"]["json"]["finding"][0]
    created = supervisor.post(f"{U}/findings", body)
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert record["recorded_by"] and record["has_evidence"] is False
    assert supervisor.get(f"{U}/findings/{record['id']}").get_json()["document"] == "县组〔2026〕2号"
    assert [f["id"] for f in supervisor.get(f"{U}/findings?year={YEAR}").get_json()] == [record["id"]]
    # A unit admin and a secretary read, never write; another unit's supervisor sees nothing.
    admin = api_as(user("admin"))
    assert admin.post(f"{U}/findings", body).status_code == 403
    assert admin.delete(f"{U}/findings/{record['id']}?reason=x").status_code == 403
    b2 = api_as(user("b2_secretary"))
    assert b2.get(f"{U}/findings").get_json() == []
    assert b2.get(f"{U}/findings/{record['id']}").status_code == 404
    other = api_as(user("other_supervisor"))
    assert other.get(f"{U}/findings").status_code == 404
    assert other.post(f"{U}/findings", body).status_code == 404
    theirs = api_as(user("their_secretary"))
    assert theirs.get(f"/api/v1/units/shuiwu-jituan/findings/{record['id']}").status_code == 404
    # Revoke with a reason.
    assert supervisor.delete(f"{U}/findings/{record['id']}").status_code == 422
    revoked = supervisor.delete(f"{U}/findings/{record['id']}?reason=复核撤销")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_reason"] == "复核撤销"
    assert supervisor.get(f"{U}/findings").get_json() == []
    assert len(supervisor.get(f"{U}/findings?include_revoked=true").get_json()) == 1


def test_api_honours(db, county, api_as):
    from core.accounts.models import User

    host = api_as(db.session.scalar(select(User).where(User.username == county.usernames["host"])))
    body = {"organization_id": county.b1, "year": YEAR, "name": "全县先进基层党组织", "level": "county",
            "awarded_on": local_today().isoformat(), "awarded_by": "中共某县委", "document": "县委〔2026〕3号"}
    bad = host.post(f"{U}/honours", {**body, "level": "galaxy", "name": " "})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]["json"]) >= {"level", "name"}
    created = host.post(f"{U}/honours", body)
    assert created.status_code == 201, created.get_json()
    honour_id = created.get_json()["id"]
    assert host.get(f"{U}/honours").get_json()[0]["name"] == "全县先进基层党组织"
    assert host.get(f"{U}/honours/{honour_id}").get_json()["level"] == "county"
    assert host.delete(f"{U}/honours/{honour_id}?reason=重复").get_json()["revoked_by"]
    assert host.delete(f"{U}/honours/{honour_id}?reason=重复").status_code == 422


