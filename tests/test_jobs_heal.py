"""Jobs that heal: ``branchmark worker --workers 2`` in a child process, the worker process
rendering a chunk killed with SIGKILL, and the job finishing without anyone restarting anything."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from core.jobs.bulk import result_file
from core.jobs.models import Job, JobChunk
from core.jobs.services import start_bulk_job
from core.tenancy import host_scope

pytestmark = pytest.mark.slow

YEAR = 2025
AS_OF = dt.date(2026, 3, 1)
BRANCHES = 10
#: Seconds a lease lasts here: short, so the test waits little for a dead worker's chunk.
LEASE = 3
#: Upper bound for each wait (a loaded machine is slow; the job normally ends far sooner).
PATIENCE = 240


@pytest.fixture
def app_config(tmp_path):
    return {
        "HUEY_IMMEDIATE": False,
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.db"),
        "JOBS_DIR": str(tmp_path / "jobs"),
        "JOB_LEASE_SECONDS": LEASE,
    }


@pytest.fixture
def worker(app, database_url, tmp_path):
    """``branchmark worker --workers 2`` on the test's database and queue, stopped afterwards;
    its log goes to ``worker.log`` (quoted when the test gives up waiting)."""
    settings = {
        "BRANCHMARK_DATABASE_URL": database_url,
        "BRANCHMARK_HUEY_SQLITE_PATH": app.config["HUEY_SQLITE_PATH"],
        "BRANCHMARK_JOBS_DIR": app.config["JOBS_DIR"],
        "BRANCHMARK_JOB_LEASE_SECONDS": str(LEASE),
        "BRANCHMARK_REDIS_URL": "",
    }
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    child = subprocess.Popen(
        [sys.executable, "-c", "from core.cli import main; main()", "worker", "--workers", "2"],
        env={**os.environ, **settings},
        stdout=subprocess.DEVNULL,
        stderr=log,
        cwd=Path(__file__).resolve().parents[1],
    )
    child.log_path = log_path
    try:
        yield child
    finally:
        log.close()
        child.send_signal(signal.SIGINT)
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _chunks(db, job_id: int) -> list:
    table = JobChunk.__table__
    db.session.expire_all()
    rows = db.session.execute(
        select(table).where(table.c.job_id == job_id).order_by(table.c.number)
    ).all()
    db.session.commit()
    return rows


def _job(db, job_id: int) -> Job:
    db.session.expire_all()
    with host_scope():
        job = db.session.get(Job, job_id)
    db.session.commit()
    return job


def _wait(condition, what: str, worker):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    log = worker.log_path.read_text(encoding="utf-8", errors="replace")
    pytest.fail(f"gave up waiting for {what}; the worker's log ends:\n{log[-3000:]}")


def test_a_chunk_whose_worker_was_killed_is_finished_by_the_other_worker(
    app, db, tenant, make_organization, make_member, make_user, worker
):
    for n in range(1, BRANCHES + 1):
        make_member(make_organization(tenant, code=f"B{n:02d}", name=f"第{n}党支部"))
    supervisor = make_user("supervisor", scope_unit_types=["organ"])

    job = start_bulk_job(supervisor, YEAR, AS_OF)
    # The unit's chunk: its summary and every branch card. Wait until a worker renders it …
    def unit_chunk_rendering():
        rows = [r for r in _chunks(db, job.id) if r.number == 1]
        return rows[0] if rows and rows[0].status == "leased" else None

    held = _wait(unit_chunk_rendering, "a worker to take the unit's chunk", worker)
    _host, _sep, pid = held.holder.rpartition(":")
    assert int(pid) != worker.pid  # a worker process of the consumer, not the consumer
    # … and has finished its first card (the summary): kill it in the middle of the chunk.
    rows = Path(app.config["JOBS_DIR"]) / str(job.id) / "rows"
    _wait(lambda: (rows / "1.json").exists(), "the first card of the chunk", worker)
    os.kill(int(pid), signal.SIGKILL)

    finished = _wait(
        lambda: (j := _job(db, job.id)).status in ("done", "failed") and j, "the job to finish", worker
    )
    assert finished.status == "done", finished.error
    assert finished.done == finished.total == 1 + 1 + BRANCHES  # roll-up, summary, cards
    unit = _chunks(db, job.id)[1]
    # Taken twice: by the killed worker, then by the remaining one once the lease ran out.
    assert unit.status == "done" and unit.attempts == 2 and unit.holder != held.holder
    with host_scope():
        path = result_file(db.session.get(Job, job.id))
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == finished.total
    assert worker.poll() is None  # nobody restarted the worker command
