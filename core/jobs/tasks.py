"""The job tasks: thin wrappers that open the application context and call :mod:`core.jobs.bulk`.

Registered on the queue by :mod:`core.jobs.queue` (listed in its ``TASK_MODULES``); nothing
else imports this module.
"""

from __future__ import annotations

from flask import Flask
from huey import Huey
from huey.api import TaskWrapper

from core.jobs import bulk


def register(huey: Huey, app: Flask) -> None:
    """Register the bulk "download all" tasks on ``huey``, each inside ``app``'s context."""
    registered: dict[str, TaskWrapper] = {}

    def enqueue(name: str, *args) -> None:
        registered[name](*args)

    @huey.task(name=bulk.PLAN_TASK)
    def plan(job_id: int) -> None:
        with app.app_context():
            bulk.guarded(job_id, lambda: bulk.plan_job(job_id, enqueue))

    @huey.task(name=bulk.CHUNK_TASK)
    def chunk(job_id: int, index: int) -> None:
        with app.app_context():
            bulk.guarded(job_id, lambda: bulk.render_chunk(job_id, index, enqueue))

    @huey.task(name=bulk.FINISH_TASK)
    def finish(job_id: int) -> None:
        with app.app_context():
            bulk.guarded(job_id, lambda: bulk.finish_job(job_id))

    registered.update({bulk.PLAN_TASK: plan, bulk.CHUNK_TASK: chunk, bulk.FINISH_TASK: finish})
