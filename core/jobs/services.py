"""Starting jobs, who may see them, and resuming those a stopped worker left unfinished."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.accounts.access import visible_tenants_query
from core.accounts.models import User
from core.extensions import db
from core.host.models import Tenant
from core.jobs import assessment, bulk, queue
from core.jobs.bulk import BULK_ROLES
from core.jobs.models import Job
from core.timezone import local_today

BULK_SCORECARDS = "bulk_scorecards"
BULK_LEDGERS = bulk.LEDGER_KIND
YEARLY_ASSESSMENT = "yearly_assessment"
#: Jobs whose result is a ZIP to download.
ZIP_KINDS = (BULK_SCORECARDS, BULK_LEDGERS)
#: The first task of each kind of job: it plans the work and fans it out.
PLAN_TASKS = {
    BULK_SCORECARDS: bulk.PLAN_TASK,
    BULK_LEDGERS: bulk.PLAN_TASK,
    YEARLY_ASSESSMENT: assessment.PLAN_TASK,
}
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

    The scope (host admin: the county; supervisor: their unit types and units) is listed when
    the job starts and checked again before each chunk and at download: a unit that left the
    user's scope meanwhile is not rendered, and a ZIP holding one is not handed out.

    The job only reads: it prints stored scorecards, or live results, and stores nothing.

    :param user: who asked; they alone (and host admins) will see the job.
    :param year: the assessment year.
    :param as_of: the day records are read on.
    :returns: the queued job.
    :raises JobNotAllowed: for roles without a county-wide or supervisory view.
    """
    if not can_start_bulk(user):
        raise JobNotAllowed("只有县委组织部管理员和督导可以下载全部评分表")
    tenant_ids = [t.id for t in db.session.scalars(visible_tenants_query(user))]
    return _start(
        user,
        BULK_SCORECARDS,
        {
            "year": year,
            "as_of": as_of.isoformat(),
            "tenant_ids": tenant_ids,
            # Whoever sees the whole county gets the county roll-up; others, their scope's.
            "county": user.role == "host_admin",
        },
    )


def start_ledger_job(user: User, tenant: Tenant, year: int) -> Job:
    """Queue the printing of every branch's 台账 of one unit for a year (a ZIP), and commit.

    Host admins, supervisors with the unit in scope and the unit's own admins may; the scope is
    checked again before each chunk and at download, as for scorecards.

    :raises JobNotAllowed: for anyone else (a secretary prints their own branch's 台账).
    """
    scope = bulk.user_scope(user, BULK_LEDGERS)
    if scope is not None and tenant.id not in scope:
        raise JobNotAllowed("只有县委组织部管理员、督导和本单位管理员可以批量生成工作台账")
    today = local_today()
    return _start(
        user,
        BULK_LEDGERS,
        {
            "year": year,
            "as_of": min(today, dt.date(year, 12, 31)).isoformat(),
            "tenant_ids": [tenant.id],
            "county": False,
        },
    )


def start_assessment_job(user: User, year: int, as_of: dt.date) -> Job:
    """Queue the yearly assessment (scorecards stored, rectification tasks opened), and commit.

    :param user: the host admin running it; the scorecards and the audit log name them.
    :raises JobNotAllowed: for anyone but a host admin.
    """
    if user.role != "host_admin":
        raise JobNotAllowed("只有县委组织部管理员可以执行年度考核")
    return _start(
        user,
        YEARLY_ASSESSMENT,
        {"year": year, "as_of": as_of.isoformat(), "actor": user.username},
    )


def _start(user: User, kind: str, params: dict) -> Job:
    job = Job(kind=kind, status="queued", user_id=user.id, params=params)
    db.session.add(job)
    db.session.commit()
    enqueue_job(job)
    db.session.refresh(job)  # in immediate mode the job has already run
    return job


def enqueue_job(job: Job) -> None:
    """Hand a job to the queue (its plan task plans the work and fans it out)."""
    queue.enqueue(PLAN_TASKS[job.kind], job.id)


def resume_interrupted_jobs() -> list[int]:
    """Queue again every job left queued or running, e.g. by a worker that was stopped.

    Finished work is kept (files of a bulk job, units of an assessment) and chunks held by a
    live worker are left to it, so resuming costs only what is still missing.

    :returns: the ids of the jobs queued again.
    """
    jobs = list(db.session.scalars(select(Job).where(Job.status.in_(UNFINISHED)).order_by(Job.id)))
    work = [(job.id, job.kind) for job in jobs if job.kind in PLAN_TASKS]
    db.session.rollback()  # release the read before the queue runs tasks (immediate mode)
    for job_id, kind in work:
        queue.enqueue(PLAN_TASKS[kind], job_id)
    return [job_id for job_id, _kind in work]
