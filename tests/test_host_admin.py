"""Host administration: units, users and scopes, county parameters, the yearly assessment, audit log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from core.accounts.models import User
from core.audit.models import AuditLog
from core.host.models import HostParameter, Tenant
from core.jobs.models import Job, JobChunk
from core.plugins.manager import get_registry
from core.scoring.county import ranking_rules
from core.scoring.models import Rectification, Scorecard
from core.tenancy import host_scope
from core.timezone import local_today

HOST_PAGES = ["/host/units", "/host/users", "/host/parameters", "/host/assessment", "/host/audit"]


@pytest.fixture
def app_config(tmp_path):
    # The yearly assessment runs on the job queue: run its tasks at once, in the test.
    return {"HUEY_IMMEDIATE": True, "JOBS_DIR": str(tmp_path / "jobs")}


@pytest.fixture
def host(make_user):
    return make_user("host_admin", username="county")


@pytest.fixture
def unit(tenant, make_organization, make_member):
    branch = make_organization(tenant, code="B01", name="机关第一党支部")
    make_member(branch, name="张喆", id_number="379901199001011234")
    return tenant


def _audit(db, table: str, action: str = "insert") -> list[AuditLog]:
    with host_scope():  # the audit log has row-level security on PostgreSQL
        return db.session.scalars(
            select(AuditLog).where(AuditLog.table_name == table, AuditLog.action == action)
        ).all()


# -- who may open the pages --------------------------------------------------------------------


def test_host_admin_opens_every_host_page(client, host, unit, login):
    login(host)
    for url in HOST_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("role", ["supervisor", "unit_admin", "secretary"])
def test_other_roles_are_refused(client, unit, make_user, login, role):
    fields = {
        "supervisor": {"scope_unit_types": ["organ"]},
        "secretary": {"organization_code": "B01"},
    }.get(role, {})
    user = make_user(role, unit if role != "supervisor" else None, **fields)
    login(user)
    for url in HOST_PAGES:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            "/host/units", data={"slug": "x-unit", "name": "X", "unit_type": "organ"}
        ).status_code
        == 403
    )


# -- units -------------------------------------------------------------------------------------


def test_creating_a_unit_writes_it_and_an_audit_row(db, client, host, login):
    login(host)
    page = client.get("/host/units").get_data(as_text=True)
    for unit_type in get_registry().unit_types():
        assert unit_type.name_zh in page
    response = client.post(
        "/host/units",
        data={"slug": "minzheng", "name": "县民政局", "unit_type": "organ", "sub_kind": ""},
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Tenant).where(Tenant.slug == "minzheng"))
    assert created.name == "县民政局" and created.unit_type == "organ"
    assert any(
        row.after.get("slug") == "minzheng" and row.actor == "county"
        for row in _audit(db, "tenant")
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"slug": "A B", "name": "县民政局", "unit_type": "organ"}, "单位代码须为"),
        (
            {"slug": "caizhengju", "name": "重复", "unit_type": "organ"},
            "单位代码 caizhengju 已存在",
        ),
        ({"slug": "minzheng", "name": " ", "unit_type": "organ"}, "请填写单位名称"),
        ({"slug": "minzheng", "name": "县民政局", "unit_type": "hospital-x"}, "未知的单位类型"),
        # A 5,000-character typo is refused on the form, not a server error at commit.
        ({"slug": "minzheng", "name": "错" * 5000, "unit_type": "organ"}, "单位名称不能超过 200 个字符"),
    ],
)
def test_bad_unit_shows_the_field_message_and_writes_nothing(
    db, client, host, unit, login, data, message
):
    login(host)
    before = db.session.scalar(select(func.count()).select_from(Tenant))
    response = client.post("/host/units", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == before


# -- users and supervisor scopes ---------------------------------------------------------------


def test_creating_a_secretary_for_a_branch(db, client, host, unit, login):
    login(host)
    response = client.post(
        "/host/users",
        data={
            "username": "czj-b01",
            "password": "long-enough-1",
            "role": "secretary",
            "tenant": "caizhengju",
            "branch": "B01",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "czj-b01"))
    assert (
        user.role == "secretary" and user.tenant_id == unit.id and user.organization_id is not None
    )
    assert _audit(db, "user_account")[-1].after["password_hash"] == "[hidden]"


def test_creating_a_supervisor_with_a_scope(db, client, host, unit, other_tenant, login):
    login(host)
    client.post(
        "/host/users",
        data={
            "username": "dudao",
            "password": "long-enough-1",
            "role": "supervisor",
            "scope_unit_type": ["organ"],
            "scope_tenant": [str(other_tenant.id)],
        },
    )
    user = db.session.scalar(select(User).where(User.username == "dudao"))
    assert sorted((s.unit_type or "", s.tenant_id or 0) for s in user.scopes) == [
        ("", other_tenant.id),
        ("organ", 0),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "secretary", "tenant": "caizhengju"}, "支部书记须指定所在支部"),
        ({"role": "secretary", "tenant": "caizhengju", "branch": "B99"}, "没有代码为 B99 的组织"),
        ({"role": "supervisor"}, "督导须至少指定一个单位类型或单位"),
        ({"role": "unit_admin", "password": "short"}, "密码至少"),
        ({"role": "unit_admin", "tenant": "no-such-unit"}, "没有代码为 no-such-unit 的单位"),
    ],
)
def test_bad_user_shows_the_field_message_and_writes_nothing(
    db, client, host, unit, login, data, message
):
    login(host)
    form = {"username": "someone", "password": "long-enough-1", **data}
    response = client.post("/host/users", data=form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "someone")) is None


def test_assigning_a_supervisor_scope_changes_what_the_supervisor_sees(
    db, client, host, unit, other_tenant, make_user, login
):
    supervisor = make_user("supervisor", username="dudao", scope_unit_types=["organ"])
    login(host)
    response = client.post(f"/host/users/{supervisor.id}/scopes", data={"scope_unit_type": ["soe"]})
    assert response.status_code == 302
    db.session.refresh(supervisor)
    assert [s.unit_type for s in supervisor.scopes] == ["soe"]
    refused = client.post(f"/host/users/{supervisor.id}/scopes", data={})
    assert refused.status_code == 400 and "督导须至少指定一个单位类型或单位" in refused.get_data(
        as_text=True
    )
    db.session.refresh(supervisor)
    assert [s.unit_type for s in supervisor.scopes] == ["soe"]
    client.post("/logout")
    login(supervisor)
    assert client.get("/units/shuiwu-jituan").status_code == 200
    assert client.get("/units/caizhengju").status_code == 404  # foreign unit: the same answer as a missing one


# -- county parameters -------------------------------------------------------------------------


def test_parameters_page_shows_defaults_floors_and_their_sources(client, host, login):
    login(host)
    page = client.get("/host/parameters").get_data(as_text=True)
    parameter = get_registry().unit_type("organ").parameter("training_hours_member")
    text = re.sub(r"<[^>]+>", " ", page)  # what a reader sees: keys only inside attributes
    assert parameter.label_zh in text and "organ.training_hours_member" not in text
    assert parameter.floor_source.label in page
    assert "前几位予以表扬" in page and "最高等次比例上限" in page


def test_a_value_below_the_floor_is_kept_with_a_warning_naming_the_source(db, client, host, login):
    login(host)
    parameter = get_registry().unit_type("organ").parameter("training_hours_member")
    response = client.post(
        "/host/parameters",
        data={"key": "organ.training_hours_member", "value": "24"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    row = db.session.scalar(
        select(HostParameter).where(HostParameter.key == "organ.training_hours_member")
    )
    assert row.value == 24
    assert "低于全国底线" in page and parameter.floor_source.label in page
    assert _audit(db, "host_parameter")
    client.post("/host/parameters", data={"key": "organ.training_hours_member", "value": ""})
    assert (
        db.session.scalar(
            select(HostParameter).where(HostParameter.key == "organ.training_hours_member")
        )
        is None
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "organ.training_hours_member", "value": "很多"}, "应为数字"),
        ({"key": "organ.training_hours_member", "value": "-3"}, "不能为负数"),
        ({"key": "organ.no_such_parameter", "value": "1"}, "不认识的参数"),
        ({"key": "organ.funding_ratio", "value": "500"}, "应在0到100（%）之间"),
        ({"key": "county.top_grade_quota", "value": "30"}, "应为0到1之间的小数"),
        (
            {
                "key": "county.ranking_rules",
                "praise_top": "六",
                "bar_bottom": "3",
                "interview_bottom": "2",
            },
            "应为不小于0的整数",
        ),
    ],
)
def test_bad_parameter_shows_the_message_and_changes_nothing(
    db, client, host, login, data, message
):
    login(host)
    response = client.post("/host/parameters", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(HostParameter)) == 0


def test_ranking_rules_and_quota_are_saved(db, client, host, login):
    login(host)
    client.post(
        "/host/parameters",
        data={
            "key": "county.ranking_rules",
            "praise_top": "5",
            "bar_bottom": "2",
            "interview_bottom": "1",
            "source": "县委组织部通知",
        },
    )
    client.post("/host/parameters", data={"key": "county.top_grade_quota", "value": "0.25"})
    rules = ranking_rules()
    assert (rules.praise_top, rules.bar_bottom, rules.interview_bottom, rules.source) == (
        5,
        2,
        1,
        "县委组织部通知",
    )
    assert (
        db.session.scalar(
            select(HostParameter.value).where(HostParameter.key == "county.top_grade_quota")
        )
        == 0.25
    )
    assert "前5位的单位予以表扬" in client.get("/county").get_data(as_text=True)


# -- the yearly assessment ---------------------------------------------------------------------


def test_yearly_assessment_stores_every_units_cards_with_who_and_when(
    db, client, host, unit, other_tenant, make_organization, make_member, login
):
    make_member(make_organization(other_tenant, code="B01"))
    login(host)
    year = local_today().year - 1
    response = client.post("/host/assessment", data={"year": str(year)})
    # Run on the job queue: the page that follows shows its progress bar.
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with host_scope():
        cards = db.session.scalars(select(Scorecard)).all()
        tasks = db.session.scalar(select(func.count()).select_from(Rectification))
        job = db.session.scalars(select(Job)).one()
    assert (
        len(cards) == 2
        and {c.created_by for c in cards} == {"county"}
        and {c.year for c in cards} == {year}
    )
    assert {c.as_of for c in cards} == {dt.date(year, 12, 31)}
    assert tasks > 0
    assert job.kind == "yearly_assessment" and job.status == "done"
    assert (job.done, job.total) == (2, 2)  # one step per unit stored
    assert "年度考核" in page and 'id="job-progress" value="2" max="2"' in page
    assert f"已完成 {year} 年度考核，存档评分表 2 份" in page
    runs = client.get("/host/assessment").get_data(as_text=True)
    runs = runs[runs.index("最近的考核") :]
    assert str(year) in runs and "county" in runs
    # The cards' writes are the admin's in the audit log, not an anonymous job's.
    assert {row.actor for row in _audit(db, "scorecard")} == {"county"}


def test_assessment_of_a_year_not_over_asks_first(db, client, host, unit, login):
    login(host)
    response = client.post("/host/assessment", data={"year": str(local_today().year)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"{local_today().year} 年度尚未结束" in page and "确定要现在执行吗" in page
    assert f"截至今天（{local_today().isoformat()}）" in page
    with host_scope():
        assert db.session.scalar(select(func.count()).select_from(Scorecard)) == 0
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0

    response = client.post("/host/assessment", data={"year": str(local_today().year), "confirm": "1"})
    assert response.status_code == 302
    with host_scope():
        cards = db.session.scalars(select(Scorecard)).all()
    assert len(cards) == 1 and cards[0].as_of == local_today()


def test_an_interrupted_assessment_stores_each_unit_once(
    db, host, unit, other_tenant, make_organization, make_member
):
    from core.db import utcnow
    from core.jobs.assessment import RUN_TASK
    from core.jobs.services import resume_interrupted_jobs

    make_member(make_organization(other_tenant, code="B01"))
    year = local_today().year - 1
    # A worker stored the first unit's cards, then died before the second: its lease ran out.
    job = Job(
        kind="yearly_assessment",
        status="running",
        user_id=host.id,
        params={
            "year": year,
            "as_of": f"{year}-12-31",
            "actor": "county",
            "stored_tenant_ids": [unit.id],
            "stored_cards": 1,
        },
        total=2,
        done=1,
    )
    db.session.add(job)
    db.session.commit()
    db.session.execute(
        JobChunk.__table__.insert().values(
            job_id=job.id,
            number=0,
            task=RUN_TASK,
            status="leased",
            holder="dead-host:1",
            lease_until=utcnow() - dt.timedelta(seconds=1),
            attempts=1,
        )
    )
    db.session.commit()

    assert resume_interrupted_jobs() == [job.id]
    assert _scorecards_by_unit(db) == {other_tenant.id: 1}  # the first unit is not stored again
    with host_scope():
        job = db.session.get(Job, job.id)
        assert job.status == "done" and (job.done, job.total) == (2, 2)
        assert job.params["stored_cards"] == 2


def _scorecards_by_unit(db) -> dict[int, int]:
    db.session.expire_all()
    with host_scope():
        rows = db.session.execute(
            select(Scorecard.tenant_id, func.count()).group_by(Scorecard.tenant_id)
        ).all()
    return dict(rows)


def test_score_save_asks_before_storing_a_year_not_over(db, runner, unit):
    from core.cli import main

    args = ["score", "--tenant", unit.slug, "--year", str(local_today().year), "--save"]
    refused = runner.invoke(main, args, input="n\n")
    assert refused.exit_code != 0
    assert f"{local_today().year} 年度尚未结束" in refused.output and "确定要现在存档吗" in refused.output
    with host_scope():
        assert db.session.scalar(select(func.count()).select_from(Scorecard)) == 0
    confirmed = runner.invoke(main, args, input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert runner.invoke(main, [*args, "--yes"]).exit_code == 0
    past = runner.invoke(main, ["score", "--tenant", unit.slug, "--year", str(local_today().year - 1), "--save"])
    assert past.exit_code == 0 and "尚未结束" not in past.output
    with host_scope():
        assert db.session.scalar(select(func.count()).select_from(Scorecard)) == 3


def test_unit_with_plugin_off_gets_no_cards(db, client, host, unit, login):
    unit.plugin_enabled = False
    db.session.commit()
    login(host)
    client.post("/host/assessment", data={"year": str(local_today().year - 1)})
    with host_scope():
        assert db.session.scalar(select(func.count()).select_from(Scorecard)) == 0


@pytest.mark.parametrize("year", ["", str(local_today().year + 1), "1999"])
def test_bad_assessment_year_is_refused(db, client, host, unit, login, year):
    login(host)
    response = client.post("/host/assessment", data={"year": year})
    assert response.status_code == 400 and "年度须为本年或以前的年度" in response.get_data(
        as_text=True
    )
    with host_scope():
        assert db.session.scalar(select(func.count()).select_from(Scorecard)) == 0


# -- audit log ---------------------------------------------------------------------------------


def test_audit_log_filters_and_masks_personal_data(db, client, host, unit, other_tenant, login):
    login(host)
    page = client.get(f"/host/audit?tenant={unit.id}&table=member").get_data(as_text=True)
    assert "张喆" in page and "379901199001011234" not in page and "1234" in page
    assert "水务集团" not in page.split("<tbody>", 1)[1]
    by_actor = client.get("/host/audit?actor=nobody-like-this").get_data(as_text=True)
    assert "共 0 条" in by_actor
    tomorrow = (local_today() + dt.timedelta(days=2)).isoformat()
    assert "共 0 条" in client.get(f"/host/audit?start={tomorrow}").get_data(as_text=True)
    bad = client.get("/host/audit?start=昨天").get_data(as_text=True)
    assert "开始日期须为日期" in bad


def test_audit_log_is_paginated(db, client, host, login):
    db.session.execute(
        AuditLog.__table__.insert(),
        [
            {
                "at": dt.datetime.now(dt.UTC),
                "actor": "script",
                "action": "insert",
                "table_name": "demo",
                "row_id": n,
            }
            for n in range(120)
        ],
    )
    db.session.commit()
    login(host)
    first = client.get("/host/audit?table=demo").get_data(as_text=True)
    assert "共 120 条，第 1/3 页" in first and "下一页" in first and "上一页" not in first
    last = client.get("/host/audit?table=demo&page=3").get_data(as_text=True)
    assert "第 3/3 页" in last and "上一页" in last and "下一页" not in last
