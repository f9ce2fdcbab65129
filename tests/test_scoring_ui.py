"""The scoring workflow in the browser: on-site scores, exemptions, rectifications, the plugin switch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditLog
from core.host.models import Tenant
from core.plugins.manager import get_registry
from core.scoring.models import Exemption, ManualScore, Rectification
from core.scoring.services import score_unit, store_scorecards
from core.tenancy import host_scope, use_tenant
from core.timezone import local_today

#: 台账资料, an on-site item of every built-in standard (5 points).
RECORDS_ITEM = "inspect.records"


class LazyCounty(dict):
    """The county's branches, and its users made on first use (hashing a password is slow)."""

    def __init__(self, branches, people) -> None:
        super().__init__(branches=branches)
        self._people = people

    def __missing__(self, key: str):
        self[key] = self._people[key]()
        return self[key]


@pytest.fixture
def county(db, tenant, other_tenant, make_organization, make_member, make_user):
    first = make_organization(tenant, code="B01", name="机关第一党支部")
    second = make_organization(tenant, code="B02", name="机关第二党支部")
    theirs = make_organization(other_tenant, code="B01", name="水务集团第一党支部")
    for branch in (first, second, theirs):
        make_member(branch)
    people = {
        "host": lambda: make_user("host_admin", username="county"),
        "organs": lambda: make_user(
            "supervisor",
            username="jiguan-dudao",
            display_name="机关督导",
            scope_unit_types=["organ"],
        ),
        "soes": lambda: make_user("supervisor", username="guoqi-dudao", scope_unit_types=["soe"]),
        "admin": lambda: make_user(
            "unit_admin", tenant, username="czj-admin", display_name="财政局管理员"
        ),
        "their_admin": lambda: make_user("unit_admin", other_tenant, username="sw-admin"),
        "secretary": lambda: make_user(
            "secretary", tenant, username="czj-b01", organization_code="B01"
        ),
    }
    return LazyCounty({"first": first, "second": second, "theirs": theirs}, people)


def _audit_rows(db, table: str) -> int:
    with host_scope():  # the audit log has row-level security on PostgreSQL
        return db.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.table_name == table)
        )


def _item(tenant: Tenant, branch_code: str, item_id: str):
    outcome = score_unit(tenant, local_today().year, get_registry(), as_of=local_today(), branch_code=branch_code)
    return outcome.branches[0].result.item(item_id)


# -- on-site scores ----------------------------------------------------------------------------


def test_onsite_score_is_saved_audited_and_changes_the_next_score(
    db, client, county, tenant, login
):
    assert _item(tenant, "B01", RECORDS_ITEM).status == "pending"
    login(county["organs"])
    page = client.get("/units/caizhengju/branches/B01/onsite").get_data(as_text=True)
    assert "台账资料" in page and "满分 5 分" in page
    response = client.post(
        "/units/caizhengju/branches/B01/onsite",
        data={"item_id": RECORDS_ITEM, "points": "4", "comment": "会议记录齐全，个别签到不全"},
    )
    assert response.status_code == 302
    with use_tenant(tenant.id):
        row = db.session.scalar(select(ManualScore))
    assert row.points == Decimal("4") and row.entered_by == "机关督导" and row.year == local_today().year
    assert _audit_rows(db, "manual_score") == 1
    item = _item(tenant, "B01", RECORDS_ITEM)
    assert item.score == Decimal("4") and "现场检查得4分" in item.explanation
    branch_page = client.get("/units/caizhengju/branches/B01").get_data(as_text=True)
    assert "现场检查得4分" in branch_page and "个别签到不全" in branch_page


def test_onsite_score_can_be_corrected(db, client, county, tenant, login):
    login(county["organs"])
    for points in ("4", "5"):
        client.post(
            "/units/caizhengju/branches/B01/onsite",
            data={"item_id": RECORDS_ITEM, "points": points, "comment": "复查"},
        )
    with use_tenant(tenant.id):
        rows = db.session.scalars(select(ManualScore)).all()
    assert [r.points for r in rows] == [Decimal("5")]


@pytest.mark.parametrize(
    ("points", "comment", "message"),
    [
        ("6", "超出满分", "得分须在0至5分之间"),
        ("-1", "负分", "得分须在0至5分之间"),
        ("很好", "不是数字", "得分须为数字"),
        ("4.005", "三位小数", "得分最多保留两位小数"),
        ("3", "", "请填写检查意见"),
    ],
)
def test_bad_onsite_score_shows_the_chinese_message_and_changes_nothing(
    db, client, county, tenant, login, points, comment, message
):
    login(county["organs"])
    response = client.post(
        "/units/caizhengju/branches/B01/onsite",
        data={"item_id": RECORDS_ITEM, "points": points, "comment": comment},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(ManualScore)) == 0
    assert _audit_rows(db, "manual_score") == 0


def test_unknown_item_is_refused(db, client, county, login):
    login(county["organs"])
    response = client.post(
        "/units/caizhengju/branches/B01/onsite",
        data={"item_id": "meetings.committee", "points": "1", "comment": "x"},
    )
    assert response.status_code == 400 and "请选择需要现场检查评分的项目" in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize("who", ["soes", "admin", "secretary"])
def test_only_supervisors_in_scope_enter_onsite_scores(db, client, county, tenant, login, who):
    login(county[who])
    # A supervisor of other units meets the 404 of a missing unit; the unit's own people a 403.
    refused = 404 if who == "soes" else 403
    assert client.get("/units/caizhengju/branches/B01/onsite").status_code == refused
    response = client.post(
        "/units/caizhengju/branches/B01/onsite",
        data={"item_id": RECORDS_ITEM, "points": "5", "comment": "好"},
    )
    assert response.status_code == refused
    with use_tenant(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(ManualScore)) == 0


# -- exemptions --------------------------------------------------------------------------------


def _request(client, **changes):
    data = {
        "branch": "B01",
        "item_id": RECORDS_ITEM,
        "reason": "支部书记长期外派援疆",
        "until": f"{local_today().year}-12-31",
    }
    data.update(changes)
    return client.post("/units/caizhengju/exemptions", data=data)


def _committee_item_id(tenant: Tenant) -> str:
    outcome = score_unit(tenant, local_today().year, get_registry(), as_of=local_today(), branch_code="B01")
    return next(
        i.id for i in outcome.branches[0].result.items() if i.status in ("failed", "partial")
    )


def test_unit_admin_requests_and_supervisor_approves_an_exemption(
    db, client, county, tenant, login
):
    item_id = _committee_item_id(tenant)
    login(county["admin"])
    assert _request(client, item_id=item_id).status_code == 302
    with use_tenant(tenant.id):
        request = db.session.scalar(select(Exemption))
    assert request.status == "requested" and request.requested_by == "财政局管理员"
    assert _audit_rows(db, "exemption") == 1
    client.post("/logout")

    login(county["organs"])
    inbox = client.get("/scoring/inbox").get_data(as_text=True)
    assert "支部书记长期外派援疆" in inbox
    response = client.post(
        f"/units/caizhengju/exemptions/{request.id}/decide", data={"decision": "approve"}
    )
    assert response.status_code == 302
    with use_tenant(tenant.id):
        decided = db.session.get(Exemption, request.id)
        db.session.refresh(decided)
    assert decided.status == "approved" and decided.approved_by == "机关督导"
    item = _item(tenant, "B01", item_id)
    assert item.status == "exempt" and "批准豁免" in item.explanation


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": ""}, "请填写豁免理由"),
        ({"until": "明年"}, "有效期须为日期"),
        ({"until": "2001-01-01"}, "有效期不能早于今天"),
        ({"item_id": "no-such-item"}, "请选择评分标准中的项目"),
        ({"branch": ""}, "请选择支部"),
    ],
)
def test_bad_exemption_request_shows_the_message_and_changes_nothing(
    db, client, county, tenant, login, changes, message
):
    login(county["admin"])
    response = _request(client, **changes)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(Exemption)) == 0


def test_supervisor_out_of_scope_cannot_decide_and_secretary_cannot_request(
    db, client, county, tenant, login
):
    login(county["admin"])
    _request(client)
    with use_tenant(tenant.id):
        request_id = db.session.scalar(select(Exemption.id))
    client.post("/logout")
    login(county["soes"])
    assert (
        client.post(
            f"/units/caizhengju/exemptions/{request_id}/decide", data={"decision": "approve"}
        ).status_code
        == 404  # not their unit: the same answer as a missing one
    )
    assert "支部书记长期外派援疆" not in client.get("/scoring/inbox").get_data(as_text=True)
    client.post("/logout")
    login(county["secretary"])
    assert _request(client).status_code == 403
    with use_tenant(tenant.id):
        assert db.session.scalar(select(Exemption.status)) == "requested"


def test_another_units_admin_cannot_request_for_this_unit(client, county, login):
    login(county["their_admin"])
    assert _request(client).status_code == 404  # not their unit: as if it did not exist


# -- rectifications ----------------------------------------------------------------------------


class Task(NamedTuple):
    id: int
    organization_id: int
    title: str


@pytest.fixture
def tasks(db, tenant, county):
    """Last year's cards stored, which opens a rectification task per lost item."""
    outcome = score_unit(
        tenant, local_today().year - 1, get_registry(), as_of=dt.date(local_today().year - 1, 12, 31)
    )
    store_scorecards(outcome, created_by="县委组织部")
    db.session.commit()
    with use_tenant(tenant.id):
        rows = db.session.scalars(select(Rectification).order_by(Rectification.id)).all()
        # Plain values: on PostgreSQL an expired row reloads only inside its unit.
        return [Task(r.id, r.organization_id, r.title) for r in rows]


def test_rectifications_are_listed_per_branch_and_closed_by_a_supervisor(
    db, client, county, tenant, tasks, login
):
    with use_tenant(tenant.id):
        first_id = county["branches"]["first"].id
    task = next(t for t in tasks if t.organization_id == first_id)
    login(county["admin"])
    page = client.get("/units/caizhengju/rectifications?branch=B01").get_data(as_text=True)
    assert task.title in page and "机关第二党支部" not in page.split("<table", 1)[1]
    assert "销号</button>" not in page  # a unit admin cannot close
    client.post("/logout")

    login(county["organs"])
    response = client.post(
        f"/units/caizhengju/rectifications/{task.id}/close", data={"note": "已补开支委会并录入记录"}
    )
    assert response.status_code == 302
    with use_tenant(tenant.id):
        closed = db.session.get(Rectification, task.id)
        db.session.refresh(closed)
    assert (
        closed.status == "closed"
        and closed.closed_by == "机关督导"
        and closed.note == "已补开支委会并录入记录"
    )
    assert _audit_rows(db, "rectification") >= len(tasks) + 1  # opened, then one update
    still_open = client.get("/units/caizhengju/rectifications?branch=B01").get_data(as_text=True)
    assert f"/rectifications/{task.id}/close" not in still_open
    closed_list = client.get("/units/caizhengju/rectifications?branch=B01&status=closed").get_data(
        as_text=True
    )
    assert "已补开支委会并录入记录" in closed_list


def test_closing_without_a_note_keeps_the_task_open(db, client, county, tenant, tasks, login):
    login(county["organs"])
    response = client.post(
        f"/units/caizhengju/rectifications/{tasks[0].id}/close",
        data={"note": " "},
        follow_redirects=True,
    )
    assert "请填写整改情况说明" in response.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert db.session.get(Rectification, tasks[0].id).status == "open"


def test_out_of_scope_supervisor_cannot_close(db, client, county, tenant, tasks, login):
    login(county["soes"])
    assert (
        client.post(
            f"/units/caizhengju/rectifications/{tasks[0].id}/close", data={"note": "x"}
        ).status_code
        == 404  # not their unit
    )


# -- the unit's plugin -------------------------------------------------------------------------


def test_unit_admin_switches_the_plugin_off_and_the_unit_is_not_scored(
    db, client, county, tenant, login
):
    login(county["admin"])
    response = client.post("/units/caizhengju/plugin", data={"enabled": "0"})
    assert response.status_code == 302
    db.session.refresh(tenant)
    assert tenant.plugin_enabled is False
    assert _audit_rows(db, "tenant") >= 2  # created, then switched off
    outcome = score_unit(tenant, local_today().year, get_registry(), as_of=local_today())
    assert outcome.branches == [] and "未启用单位类型插件" in outcome.not_scored_reason
    page = client.get("/units/caizhengju").get_data(as_text=True)
    assert "未启用，未评分" in page and "启用插件" in page
    client.post("/units/caizhengju/plugin", data={"enabled": "1"})
    db.session.refresh(tenant)
    assert tenant.plugin_enabled is True


@pytest.mark.parametrize("who", ["organs", "secretary", "their_admin"])
def test_only_the_units_admin_switches_its_plugin(db, client, county, tenant, login, who):
    login(county[who])
    refused = 404 if who == "their_admin" else 403
    assert client.post("/units/caizhengju/plugin", data={"enabled": "0"}).status_code == refused
    with host_scope():
        db.session.refresh(tenant)
    assert tenant.plugin_enabled is True
