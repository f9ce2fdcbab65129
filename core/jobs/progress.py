"""A job's bookkeeping: its progress bar, its failure, and the leases under which workers hold
its chunks.

A chunk is claimed with a lease (who holds it, until when) stored in ``job_chunk``. The holder
keeps it alive from a heartbeat thread; when a worker process dies, its lease runs out and
:func:`reclaim_expired` puts the chunk back to ``pending`` for the remaining workers to queue
again. Every statement here is table-level: bookkeeping is not a record worth an audit row (the
job's start, end and failure are audited through the ORM).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from core.audit.recorder import acting_as
from core.db import utcnow
from core.extensions import db
from core.jobs.models import Job, JobChunk
from core.tenancy import host_scope

log = logging.getLogger(__name__)

#: Times a chunk may be taken: one that keeps killing its worker fails the job instead of
#: taking every worker down in turn.
MAX_ATTEMPTS = 3

_job = Job.__table__
_chunk = JobChunk.__table__


def worker_name() -> str:
    """This process as a lease holder: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_seconds(app: Flask | None = None) -> float:
    """How long a lease lasts without renewal (``JOB_LEASE_SECONDS``)."""
    return float((app or current_app).config["JOB_LEASE_SECONDS"])


# ---------------------------------------------------------------- the job row


def guarded(job_id: int, work: Callable[[], None]) -> None:
    """Run one task's work; an error fails the job with a message instead of retrying forever."""
    with acting_as(None, f"job:{job_id}"):
        try:
            work()
        except Exception as error:  # noqa: BLE001 - any failure must reach the job's page
            log.exception("job %s failed", job_id)
            # Database errors carry statements and values: the page gets a plain sentence.
            message = (
                _("数据库出错，请稍后重试或联系管理员")
                if isinstance(error, SQLAlchemyError)
                else str(error)[:500] or type(error).__name__
            )
            db.session.rollback()
            fail(job_id, message)


def fail(job_id: int, message: str) -> None:
    """Mark the job failed with a Chinese message for its page (a finished job stays done)."""
    with host_scope():
        job = db.session.get(Job, job_id)
        if job is not None and job.status not in ("done", "failed"):
            job.status = "failed"
            job.error = message
            job.finished_at = utcnow()
            db.session.commit()


def job_is_running(job_id: int) -> bool:
    with host_scope():
        status = db.session.scalar(select(Job.status).where(Job.id == job_id))
    db.session.commit()
    return status == "running"


def count_done(job_id: int, step: int = 1) -> None:
    """Move the progress bar on by ``step``, never past the total.

    Capped: a plan queued again while chunks run recounts what is finished, and a card counted
    both ways must not push the bar past 100 %.
    """
    with host_scope():
        db.session.execute(
            update(_job)
            .where(_job.c.id == job_id)
            .values(
                done=case(
                    (_job.c.done + step < _job.c.total, _job.c.done + step), else_=_job.c.total
                )
            )
        )
    db.session.commit()


# ---------------------------------------------------------------- chunks and leases


@dataclass(frozen=True)
class ChunkRef:
    """A chunk to queue: its task is called with ``(job_id, number)``."""

    job_id: int
    number: int
    task: str


def add_chunks(job_id: int, task: str, count: int) -> None:
    """Make sure the job has chunks ``0 … count-1`` worked by ``task``.

    Two plans of one job may run at once (a worker starting up queues every unfinished job's
    plan again): rows another plan added first are left as they are.
    """
    existing = set(
        db.session.scalars(select(_chunk.c.number).where(_chunk.c.job_id == job_id))
    )
    missing = [n for n in range(count) if n not in existing]
    if missing:
        db.session.execute(
            _insert_new(db.session.get_bind().dialect.name),
            [
                {"job_id": job_id, "number": n, "task": task, "status": "pending", "attempts": 0}
                for n in missing
            ],
        )
    db.session.commit()


def _insert_new(dialect: str):
    """``INSERT … ON CONFLICT DO NOTHING`` into ``job_chunk`` (PostgreSQL and SQLite alike)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(_chunk).on_conflict_do_nothing(index_elements=["job_id", "number"])


def pending_chunks(job_id: int) -> list[int]:
    """Chunks no worker holds or finished, in order."""
    numbers = list(
        db.session.scalars(
            select(_chunk.c.number)
            .where(_chunk.c.job_id == job_id, _chunk.c.status == "pending")
            .order_by(_chunk.c.number)
        )
    )
    db.session.commit()
    return numbers


def chunks_left(job_id: int) -> int:
    """Chunks not finished yet (pending or held)."""
    left = db.session.scalar(
        select(func.count())
        .select_from(_chunk)
        .where(_chunk.c.job_id == job_id, _chunk.c.status != "done")
    )
    db.session.commit()
    return left


def queue_chunks(job_id: int, task: str, count: int, enqueue: Callable[..., None]) -> int:
    """Give the job its chunks (once), take back those whose worker died, queue every chunk no
    worker holds; a duplicate message finds its chunk taken or done and returns.

    :returns: how many chunks are not finished (0: the job can be finished).
    """
    add_chunks(job_id, task, count)
    reclaim_expired(job_id)
    pending = pending_chunks(job_id)
    left = chunks_left(job_id)
    db.session.remove()  # hand the connection back before an immediate-mode queue runs them
    for number in pending:
        enqueue(task, job_id, number)
    return left


class Lease:
    """A worker's hold on one chunk until ``until``; :meth:`renew` extends it."""

    def __init__(self, job_id: int, number: int, holder: str, seconds: float) -> None:
        self.job_id, self.number, self.holder, self.seconds = job_id, number, holder, seconds
        self._lost = threading.Event()

    @property
    def lost(self) -> bool:
        """Whether the lease ran out and another worker may have taken the chunk."""
        return self._lost.is_set()

    def _mine(self):
        return and_(
            _chunk.c.job_id == self.job_id,
            _chunk.c.number == self.number,
            _chunk.c.holder == self.holder,
            _chunk.c.status == "leased",
        )

    def renew(self) -> bool:
        """Extend the lease; ``False`` (and :attr:`lost`) when it is no longer this worker's.

        Uses its own connection: it is called from the heartbeat thread.
        """
        with db.engine.begin() as connection:
            renewed = connection.execute(
                update(_chunk)
                .where(self._mine())
                .values(lease_until=utcnow() + dt.timedelta(seconds=self.seconds))
            ).rowcount
        if not renewed:
            self._lost.set()
        return bool(renewed)

    def finish(self) -> bool:
        """Mark the chunk done; ``False`` when the lease was lost before (someone else has it)."""
        finished = db.session.execute(
            update(_chunk)
            .where(self._mine())
            .values(status="done", finished_at=utcnow(), lease_until=None)
        ).rowcount
        db.session.commit()
        if not finished:
            self._lost.set()
        return bool(finished)


def claim(job_id: int, number: int, seconds: float | None = None) -> Lease | None:
    """Take a chunk under a lease, if it is pending or its holder's lease ran out.

    One conditional ``UPDATE``: of two workers claiming the same chunk, exactly one wins.

    :returns: the lease, or ``None`` when the chunk is finished or held by a live worker.
    """
    seconds = lease_seconds() if seconds is None else seconds
    holder = worker_name()
    now = utcnow()
    taken = db.session.execute(
        update(_chunk)
        .where(
            _chunk.c.job_id == job_id,
            _chunk.c.number == number,
            or_(
                _chunk.c.status == "pending",
                and_(_chunk.c.status == "leased", _chunk.c.lease_until < now),
            ),
        )
        .values(
            status="leased",
            holder=holder,
            lease_until=now + dt.timedelta(seconds=seconds),
            attempts=_chunk.c.attempts + 1,
        )
    ).rowcount
    db.session.commit()
    return Lease(job_id, number, holder, seconds) if taken else None


@contextmanager
def kept_alive(lease: Lease) -> Iterator[Lease]:
    """Renew ``lease`` from a heartbeat thread every third of its length while the block runs.

    A thread, not a renewal between cards: one card (the county roll-up) may take longer than
    the lease. When the process dies, the thread dies with it and the lease runs out.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def beat() -> None:
        with app.app_context():
            while not stop.wait(lease.seconds / 3):
                try:
                    if not lease.renew():
                        return
                except SQLAlchemyError:  # a busy database: try again at the next beat
                    log.warning("could not renew the lease on job %s chunk %s", lease.job_id, lease.number)

    thread = threading.Thread(target=beat, name=f"lease-{lease.job_id}-{lease.number}", daemon=True)
    thread.start()
    try:
        yield lease
    finally:
        stop.set()
        thread.join()


def reclaim_expired(job_id: int | None = None) -> list[ChunkRef]:
    """Put chunks whose lease ran out back to ``pending``; the caller queues them again.

    Only chunks of running jobs. A chunk taken :data:`MAX_ATTEMPTS` times fails its job.

    :param job_id: one job, or every running job (the periodic sweep).
    :returns: the chunks to queue again.
    """
    now = utcnow()
    query = (
        select(_chunk.c.job_id, _chunk.c.number, _chunk.c.task, _chunk.c.attempts)
        .join(_job, _job.c.id == _chunk.c.job_id)
        .where(_job.c.status == "running", _chunk.c.status == "leased", _chunk.c.lease_until < now)
        .order_by(_chunk.c.job_id, _chunk.c.number)
    )
    if job_id is not None:
        query = query.where(_chunk.c.job_id == job_id)
    expired = db.session.execute(query).all()
    db.session.commit()
    reclaimed: list[ChunkRef] = []
    for row in expired:
        if row.attempts >= MAX_ATTEMPTS:
            fail(
                row.job_id,
                _("任务的一部分已中断 %(n)s 次（后台进程退出），任务已停止；请稍后重新开始或联系管理员。", n=row.attempts),
            )
            continue
        # Conditional again: the periodic sweep and a job's watch may meet on the same chunk.
        back = db.session.execute(
            update(_chunk)
            .where(
                _chunk.c.job_id == row.job_id,
                _chunk.c.number == row.number,
                _chunk.c.status == "leased",
                _chunk.c.lease_until < now,
            )
            .values(status="pending", holder=None, lease_until=None)
        ).rowcount
        db.session.commit()
        if back:
            log.warning("job %s: chunk %s lost its worker; queued again", row.job_id, row.number)
            reclaimed.append(ChunkRef(row.job_id, row.number, row.task))
    return reclaimed
