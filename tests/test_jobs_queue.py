"""The job queue's set-up from settings, and what a bulk job plans before rendering anything."""

from __future__ import annotations

import datetime as dt
import sys
import types
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey, crontab
from openpyxl import load_workbook

from core.jobs import archive, bulk, queue
from core.jobs.bulk import jobs_dir
from core.jobs.models import Job
from core.jobs.queue import get_huey
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


def test_task_modules_register_named_tasks_that_enqueue_finds(app, monkeypatch):
    """The interface another package uses: a module in TASK_MODULES with ``register(huey, app)``."""
    seen: list[tuple[str, object]] = []
    module = types.ModuleType("tests_example_tasks")

    def register(huey, application):
        @huey.task(name="example.touch")
        def touch(value: int) -> None:
            with application.app_context():
                seen.append(("touch", value))

        @huey.periodic_task(crontab(minute="*"), name="example.every_minute")
        def every_minute() -> None:
            seen.append(("periodic", None))

    module.register = register
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(queue, "TASK_MODULES", (*queue.TASK_MODULES, module.__name__))
    app.config["HUEY_IMMEDIATE"] = True

    queue.enqueue("example.touch", 7, app=app)
    assert seen == [("touch", 7)]
    huey = get_huey(app)
    assert "example.every_minute" in {t.name for t in huey._registry.periodic_tasks}
    # The bulk tasks are still there, and an unknown name is a clear error, not a silent no-op.
    assert queue.task(bulk.PLAN_TASK, app).name == bulk.PLAN_TASK
    with pytest.raises(queue.UnknownTask):
        queue.enqueue("example.missing", app=app)
    # The consumer of `serve` and `worker` runs the periodic tasks.
    assert queue.create_consumer(app, workers=1, worker_type="thread").periodic


def test_a_task_without_a_name_is_refused(app, monkeypatch):
    module = types.ModuleType("tests_nameless_tasks")

    def register(huey, application):
        @huey.task()
        def nameless() -> None:
            pass

    module.register = register
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(queue, "TASK_MODULES", (module.__name__,))
    with pytest.raises(ValueError, match="name="):
        get_huey(app)


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
    archive.write_index(rows, tmp_path / "index.xlsx")
    sheet = load_workbook(tmp_path / "index.xlsx").active
    assert sheet["E2"].value == 88.5 and sheet["H2"].value == "已评定"
    assert sheet["A3"].value == "乙局" and sheet["H3"].value == "单位类型插件未启用，未评分"
    assert sheet.freeze_panes == "A2"
