"""The job queue's set-up from settings, and what a bulk job plans before rendering anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey
from openpyxl import load_workbook

from core.jobs import bulk
from core.jobs.huey_app import get_huey, jobs_dir
from core.jobs.models import Job
from core.tenancy import host_scope


@pytest.fixture
def app_config():
    return {"HUEY_IMMEDIATE": False}


def test_queue_is_sqlite_in_the_instance_folder_without_settings(app):
    huey = get_huey(app)
    assert isinstance(huey, SqliteHuey)
    assert Path(huey.storage.filename) == Path(app.instance_path) / "huey.db"
    assert jobs_dir(app) == Path(app.instance_path) / "jobs"
    assert get_huey(app) is huey  # built once per application


def test_queue_is_redis_when_a_redis_url_is_set(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    huey = get_huey(app)
    assert isinstance(huey, RedisHuey)
    assert huey.storage.conn.connection_pool.connection_kwargs["db"] == 15


def test_plan_lists_every_branch_and_the_units_without_cards(
    app, db, make_tenant, make_organization, make_user, tmp_path
):
    scored = make_tenant("plan-a", name="甲局", unit_type="organ")
    switched_off = make_tenant("plan-b", name="乙局", unit_type="organ", plugin_enabled=False)
    make_organization(scored, "B02", name="第二党支部")
    make_organization(scored, "B01", name="第一党支部")
    make_organization(scored, "Z1", name="机关党委", kind="committee")
    make_organization(scored, "B03", name="新支部", established_on=dt.date(2027, 1, 1))
    make_organization(switched_off, "B01", name="第一党支部")
    job = Job(
        kind="bulk_scorecards",
        params={
            "year": 2026,
            "as_of": "2026-11-20",
            "tenant_ids": [scored.id, switched_off.id],
            "county": False,
        },
    )
    db.session.add(job)
    db.session.commit()

    with host_scope():
        plan = bulk.build_plan(job, county_available=True)
    kinds = [(c["kind"], c.get("branch_code")) for c in plan["cards"]]
    # The scope's roll-up, the unit's summary, then its branches in code order; no committee,
    # no branch founded after the period; nothing for the unit whose plugin is off.
    assert kinds == [("county", None), ("unit", None), ("branch", "B01"), ("branch", "B02")]
    assert plan["cards"][2]["file"] == "plan-a_甲局/B01_第一党支部.pdf"
    assert plan["skipped"] == [
        {
            "tenant_id": switched_off.id,
            "unit": "乙局",
            "unit_type": "党政机关",
            "reason": "单位类型插件未启用，未评分",
        }
    ]
    assert sorted(n for chunk in plan["chunks"] for n in chunk) == list(range(len(plan["cards"])))

    # The index still lists the unit without cards, with the reason.
    rows = [
        {
            "unit": "甲局",
            "unit_type": "党政机关",
            "branch_code": "B01",
            "branch_name": "第一党支部",
            "total": "88.50",
            "max": "100.00",
            "grade": "四星",
            "status": "已评定",
            "file": "plan-a_甲局/B01_第一党支部.pdf",
        },
        *[
            {
                "unit": u["unit"],
                "unit_type": u["unit_type"],
                "branch_code": "",
                "branch_name": "",
                "total": None,
                "max": None,
                "grade": "",
                "status": u["reason"],
                "file": "",
            }
            for u in plan["skipped"]
        ],
    ]
    bulk.write_index(rows, tmp_path / "index.xlsx")
    sheet = load_workbook(tmp_path / "index.xlsx").active
    assert sheet["E2"].value == 88.5 and sheet["H2"].value == "已评定"
    assert sheet["A3"].value == "乙局" and sheet["H3"].value == "单位类型插件未启用，未评分"
    assert sheet.freeze_panes == "A2"
