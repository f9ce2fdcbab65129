"""The yearly assessment as a job: the county scored once, each unit's scorecards stored with the
progress bar moving, on the job queue rather than in a web request.

One chunk, held under a lease like a bulk chunk: when its worker dies, another runs it again and
skips the units whose cards were already stored (each unit's cards are committed together with
the job's note that the unit is done, so no unit is stored twice).
"""

from __future__ import annotations

import datetime as dt

from core.audit.recorder import acting_as
from core.db import utcnow
from core.extensions import db
from core.host.services import run_assessment
from core.jobs import progress
from core.jobs.models import Job
from core.tenancy import host_scope

PLAN_TASK = "yearly_assessment.plan"
RUN_TASK = "yearly_assessment.run"


class _JobProgress:
    """Moves the job's progress bar as :func:`run_assessment` stores unit after unit."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def _job(self) -> Job:
        with host_scope():
            return db.session.get(Job, self.job_id)

    def planned(self, units: int) -> None:
        job = self._job()
        job.total = job.done + units
        db.session.commit()

    def stored(self, tenant_id: int, cards: int) -> None:
        job = self._job()
        job.params = {
            **job.params,
            "stored_tenant_ids": [*job.params.get("stored_tenant_ids", []), tenant_id],
            "stored_cards": job.params.get("stored_cards", 0) + cards,
        }
        job.done += 1
        db.session.commit()  # the unit's scorecards and the note that it is done, together


def plan_assessment(job_id: int, enqueue) -> None:
    """Mark the job running and queue its one chunk (again, when a worker starts)."""
    with host_scope():
        job = db.session.get(Job, job_id)
        if job is None or job.status in ("done", "failed"):
            return
        job.status = "running"
        job.started_at = job.started_at or utcnow()
        db.session.commit()
    progress.queue_chunks(job_id, RUN_TASK, 1, enqueue)


def run_assessment_chunk(job_id: int, number: int) -> None:
    """Run the assessment under the chunk's lease, as the host admin who started it."""
    if not progress.job_is_running(job_id):
        return
    lease = progress.claim(job_id, number)
    if lease is None:
        return
    with host_scope():
        job = db.session.get(Job, job_id)
        year, as_of = int(job.params["year"]), dt.date.fromisoformat(job.params["as_of"])
        actor, user_id = job.params["actor"], job.user_id
        skip = set(job.params.get("stored_tenant_ids", []))
    db.session.commit()
    with progress.kept_alive(lease), acting_as(user_id, actor):
        run_assessment(year, as_of=as_of, actor=actor, skip=skip, progress=_JobProgress(job_id))
    if not lease.finish():
        return
    with host_scope():
        job = db.session.get(Job, job_id)
        if job.status == "running":
            job.status = "done"
            job.done = job.total
            job.finished_at = utcnow()
            db.session.commit()
