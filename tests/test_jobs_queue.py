"""The job queue's set-up from settings, and what a bulk job plans before rendering anything."""

from __future__ import annotations

import datetime as dt
import os
import sys
import types
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey, crontab
from openpyxl import load_workbook
from sqlalchemy import select, update

from core.db import utcnow
from core.jobs import archive, bulk, progress, queue
from core.jobs.bulk import jobs_dir
from core.jobs.models import Job, JobChunk
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
        plan = bulk.build_plan(job)
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


# ---------------------------------------------------------------- leases


def _running_job(db) -> Job:
    job = Job(kind="bulk_scorecards", status="running", params={"year": 2026}, total=2)
    db.session.add(job)
    db.session.commit()
    return job


def _set_chunk(db, job_id: int, number: int, **values) -> None:
    table = JobChunk.__table__
    db.session.execute(
        update(table).where(table.c.job_id == job_id, table.c.number == number).values(**values)
    )
    db.session.commit()


def test_a_chunk_is_held_by_one_worker_until_its_lease_runs_out(app, db):
    job = _running_job(db)
    progress.add_chunks(job.id, bulk.CHUNK_TASK, 2)
    progress.add_chunks(job.id, bulk.CHUNK_TASK, 2)  # a plan queued again adds nothing
    assert progress.pending_chunks(job.id) == [0, 1]

    lease = progress.claim(job.id, 0, seconds=30)
    assert lease is not None and lease.renew() and not lease.lost
    assert progress.claim(job.id, 0) is None  # held by a live worker
    assert progress.reclaim_expired(job.id) == []  # nothing has run out
    assert progress.pending_chunks(job.id) == [1]

    # The worker dies: nobody renews, the lease runs out, the chunk goes back for the others.
    _set_chunk(db, job.id, 0, lease_until=utcnow() - dt.timedelta(seconds=1))
    assert progress.reclaim_expired() == [progress.ChunkRef(job.id, 0, bulk.CHUNK_TASK)]
    assert progress.pending_chunks(job.id) == [0, 1]
    # Another worker takes it; the first one, had it only stalled, learns it lost the chunk.
    assert progress.claim(job.id, 0) is not None
    _set_chunk(db, job.id, 0, holder="other-host:2")
    assert not lease.renew() and lease.lost and not lease.finish()
    assert progress.chunks_left(job.id) == 2


def test_a_chunk_that_keeps_killing_its_worker_fails_the_job(app, db):
    job = _running_job(db)
    progress.add_chunks(job.id, bulk.CHUNK_TASK, 1)
    _set_chunk(
        db,
        job.id,
        0,
        status="leased",
        holder="dead-host:1",
        attempts=progress.MAX_ATTEMPTS,
        lease_until=utcnow() - dt.timedelta(seconds=1),
    )
    assert progress.reclaim_expired() == []
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.status == "failed" and "已中断 3 次" in failed.error


def test_a_heartbeat_keeps_a_lease_alive_while_the_work_runs(app, db):
    job = _running_job(db)
    progress.add_chunks(job.id, bulk.CHUNK_TASK, 1)
    lease = progress.claim(job.id, 0, seconds=0.6)
    table = JobChunk.__table__
    first = db.session.scalar(select(table.c.lease_until).where(table.c.job_id == job.id))
    db.session.commit()
    with progress.kept_alive(lease):
        deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
        renewed = first
        while renewed == first and dt.datetime.now(dt.UTC) < deadline:
            renewed = db.session.scalar(select(table.c.lease_until).where(table.c.job_id == job.id))
            db.session.commit()
    assert renewed != first and not lease.lost
    assert lease.finish() and progress.chunks_left(job.id) == 0


# ---------------------------------------------------------------- retention


def test_old_jobs_are_deleted_with_their_files(app, db, runner, tmp_path):
    from core.cli import main

    app.config["JOBS_DIR"] = str(tmp_path / "jobs")
    now = utcnow()
    old = Job(kind="bulk_scorecards", status="done", params={}, created_at=now - dt.timedelta(days=8))
    recent = Job(kind="bulk_scorecards", status="done", params={}, created_at=now - dt.timedelta(days=6))
    db.session.add_all([old, recent])
    db.session.commit()
    progress.add_chunks(old.id, bulk.CHUNK_TASK, 2)
    for job in (old, recent):
        (bulk.job_folder(job.id) / "files").mkdir(parents=True)
        (bulk.job_folder(job.id) / "scorecards.zip").write_bytes(b"PK")
    stray = jobs_dir(app) / "99999"  # a folder whose job is gone
    stray.mkdir()
    long_ago = (now - dt.timedelta(days=30)).timestamp()
    os.utime(stray, (long_ago, long_ago))
    old_id, recent_id = old.id, recent.id

    result = runner.invoke(main, ["jobs", "prune"])
    assert result.exit_code == 0, result.output
    assert "已删除 1 个早于 7 天的任务" in result.output
    db.session.expire_all()
    assert db.session.get(Job, old_id) is None and db.session.get(Job, recent_id) is not None
    assert not bulk.job_folder(old_id).exists() and not stray.exists()
    assert bulk.job_folder(recent_id).exists()
    assert progress.chunks_left(old_id) == 0  # its chunks went with it
    # The workers do it nightly, and look for dead workers' chunks every minute.
    periodic = {t.name for t in get_huey(app)._registry.periodic_tasks}
    assert {"jobs.prune", "jobs.reclaim"} <= periodic
