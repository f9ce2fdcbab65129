"""Old jobs go: rows and files of jobs older than the retention (``JOBS_RETENTION_DAYS``)."""

from __future__ import annotations

import datetime as dt
import shutil

from flask import current_app
from sqlalchemy import delete, select

from core.db import utcnow
from core.extensions import db
from core.jobs.bulk import job_folder, jobs_dir
from core.jobs.models import Job, JobChunk


def retention_days() -> int:
    """How many days a job is kept (``JOBS_RETENTION_DAYS``, default 7)."""
    return int(current_app.config["JOBS_RETENTION_DAYS"])


def prune_jobs(*, days: int | None = None, now: dt.datetime | None = None) -> list[int]:
    """Delete every job created more than ``days`` ago, with its chunks and its folder, and
    old folders left by jobs that no longer exist. Commits.

    A job still running after that long has long lost its workers: it goes too. The job rows
    are deleted through the ORM, so the audit log keeps each one as it was.

    :param days: the retention (default: the setting).
    :param now: the present (tests).
    :returns: the ids of the jobs deleted.
    """
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days() if days is None else days)
    old = list(db.session.scalars(select(Job).where(Job.created_at < cutoff).order_by(Job.id)))
    ids = [job.id for job in old]
    if ids:
        db.session.execute(delete(JobChunk.__table__).where(JobChunk.__table__.c.job_id.in_(ids)))
        for job in old:
            db.session.delete(job)
    db.session.commit()
    for job_id in ids:
        shutil.rmtree(job_folder(job_id), ignore_errors=True)
    root = jobs_dir()
    if root.is_dir():
        kept = set(db.session.scalars(select(Job.id)))
        db.session.commit()
        for folder in root.iterdir():
            if not (folder.is_dir() and folder.name.isdigit()) or int(folder.name) in kept:
                continue
            # Only old ones: a job created since the read above may be writing its first file.
            if dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC) < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
    return ids
