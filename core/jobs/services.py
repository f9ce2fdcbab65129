"""Starting jobs, who may see them, and resuming those a stopped worker left unfinished."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.accounts.access import visible_tenants_query
from core.accounts.models import User
from core.extensions import db
from core.jobs import bulk, queue
from core.jobs.models import Job

BULK_SCORECARDS = "bulk_scorecards"
#: Roles that may download every scorecard of their scope at once (DESIGN.md: people).
BULK_ROLES = ("host_admin", "supervisor")
UNFINISHED = ("queued", "running")


class JobNotAllowed(PermissionError):
    """The user may not start this kind of job."""


def can_start_bulk(user: User) -> bool:
    """Whether the user sees the "download all" button: host admins and supervisors."""
    return user.is_authenticated and user.role in BULK_ROLES


def can_view_job(user: User, job: Job) -> bool:
    """A user sees their own jobs; host admins see every job."""
    return user.role == "host_admin" or (job.user_id is not None and job.user_id == user.id)


def visible_jobs_query(user: User):
    """The jobs a user may see, newest first."""
    query = select(Job).order_by(Job.id.desc())
    if user.role != "host_admin":
        query = query.where(Job.user_id == user.id)
    return query


def start_bulk_job(user: User, year: int, as_of: dt.date) -> Job:
    """Queue the rendering of every scorecard in the user's scope for a year, and commit.

    The scope (host admin: the county; supervisor: their unit types and units) is fixed when the
    job starts, so a later change of scope does not change a job under way.

    :param user: who asked; they alone (and host admins) will see the job.
    :param year: the assessment year.
    :param as_of: the day records are read on.
    :returns: the queued job.
    :raises JobNotAllowed: for roles without a county-wide or supervisory view.
    """
    if not can_start_bulk(user):
        raise JobNotAllowed("只有县委组织部管理员和督导可以下载全部评分表")
    tenant_ids = [t.id for t in db.session.scalars(visible_tenants_query(user))]
    job = Job(
        kind=BULK_SCORECARDS,
        status="queued",
        user_id=user.id,
        params={
            "year": year,
            "as_of": as_of.isoformat(),
            "tenant_ids": tenant_ids,
            # Whoever sees the whole county gets the county roll-up; others, their scope's.
            "county": user.role == "host_admin",
        },
    )
    db.session.add(job)
    db.session.commit()
    enqueue_job(job.id)
    db.session.refresh(job)  # in immediate mode the job has already run
    return job


def enqueue_job(job_id: int) -> None:
    """Hand a job to the queue (its first task plans the work and fans it out)."""
    queue.enqueue(bulk.PLAN_TASK, job_id)


def resume_interrupted_jobs() -> list[int]:
    """Queue again every job left queued or running, e.g. by a worker that was stopped.

    Finished files are kept in the job's folder and are not rendered again, so resuming costs
    only the cards still missing.

    :returns: the ids of the jobs queued again.
    """
    ids = list(
        db.session.scalars(select(Job.id).where(Job.status.in_(UNFINISHED)).order_by(Job.id))
    )
    db.session.rollback()  # release the read before the queue runs tasks (immediate mode)
    for job_id in ids:
        enqueue_job(job_id)
    return ids
