"""The job tasks: thin wrappers that open the application context and call the job logic
(:mod:`core.jobs.bulk`, :mod:`core.jobs.assessment`, :mod:`core.jobs.progress`,
:mod:`core.jobs.retention`).

Registered on the queue by :mod:`core.jobs.queue` (listed in its ``TASK_MODULES``); nothing
else imports this module.
"""

from __future__ import annotations

from flask import Flask
from huey import Huey, crontab
from huey.api import TaskWrapper

from core.jobs import assessment, bulk, progress, retention

WATCH_TASK = "jobs.watch"
RECLAIM_TASK = "jobs.reclaim"
PRUNE_TASK = "jobs.prune"


def register(huey: Huey, app: Flask) -> None:
    """Register the job tasks on ``huey``, each inside ``app``'s context."""
    registered: dict[str, TaskWrapper] = {}

    def enqueue(name: str, *args) -> None:
        registered[name](*args)

    def requeue(chunks: list[progress.ChunkRef]) -> None:
        for chunk in chunks:
            enqueue(chunk.task, chunk.job_id, chunk.number)

    def watched(job_id: int) -> None:
        # Check the job's leases again once a lease could have run out.
        watch.schedule((job_id,), delay=progress.lease_seconds(app))

    @huey.task(name=bulk.PLAN_TASK)
    def plan(job_id: int) -> None:
        with app.app_context():
            progress.guarded(job_id, lambda: bulk.plan_job(job_id, enqueue))
            watched(job_id)

    @huey.task(name=bulk.CHUNK_TASK)
    def chunk(job_id: int, number: int) -> None:
        with app.app_context():
            progress.guarded(job_id, lambda: bulk.render_chunk(job_id, number, enqueue))

    @huey.task(name=bulk.FINISH_TASK)
    def finish(job_id: int) -> None:
        with app.app_context():
            progress.guarded(job_id, lambda: bulk.finish_job(job_id))

    @huey.task(name=assessment.PLAN_TASK)
    def plan_assessment(job_id: int) -> None:
        with app.app_context():
            progress.guarded(job_id, lambda: assessment.plan_assessment(job_id, enqueue))
            watched(job_id)

    @huey.task(name=assessment.RUN_TASK)
    def run_assessment(job_id: int, number: int) -> None:
        with app.app_context():
            progress.guarded(job_id, lambda: assessment.run_assessment_chunk(job_id, number))

    @huey.task(name=WATCH_TASK)
    def watch(job_id: int) -> None:
        """A running job's chunks whose worker died are queued again; then look again later."""
        with app.app_context():
            requeue(progress.reclaim_expired(job_id))
            if progress.job_is_running(job_id):
                watched(job_id)

    @huey.periodic_task(crontab(minute="*"), name=RECLAIM_TASK)
    def reclaim() -> None:
        """Every minute, every running job: the safety net behind each job's own watch."""
        with app.app_context():
            requeue(progress.reclaim_expired())

    @huey.periodic_task(crontab(hour="3", minute="17"), name=PRUNE_TASK)
    def prune() -> None:
        """Nightly: jobs older than the retention go, with their files."""
        with app.app_context():
            retention.prune_jobs()

    for wrapper in (plan, chunk, finish, plan_assessment, run_assessment, watch):
        registered[wrapper.name] = wrapper
