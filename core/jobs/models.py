"""Job progress, kept in tables so a page can show a progress bar and the remaining workers can
finish what a dead one held."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamped, code_column_type, json_type

JOB_STATUSES = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}
#: What a job does (``Job.kind``), as its page names it.
JOB_KINDS = {
    "bulk_scorecards": _l("下载全部评分表"),
    "bulk_ledgers": _l("下载全部工作台账"),
    "yearly_assessment": _l("年度考核"),
}
#: A chunk waits for a worker, is held by one under a lease, or is finished.
CHUNK_STATUSES = {"pending": _l("待处理"), "leased": _l("处理中"), "done": _l("已完成")}


class Job(Timestamped, Base):
    """One background job requested by a user: what, for which scope, and how far it got.

    Host-level: a supervisor's bulk download spans many units; pages show a user only their own
    jobs (host admins: all).
    """

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the job does, e.g. ``bulk_scorecards``.
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(code_column_type(JOB_STATUSES, "job_status"), default="queued")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    #: The request: year, as-of date, tenant ids in scope, report kinds …
    params: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    #: Where the finished output lives (a ZIP under the instance folder).
    result_path: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)


class JobChunk(Base):
    """One share of a job's work, held by one worker at a time under a lease.

    The holder renews ``lease_until`` while it works; a chunk whose lease ran out (its worker
    died) goes back to ``pending`` and is queued again for the remaining workers. Host-level,
    like :class:`Job`; written with table-level statements (bookkeeping, not audited records).
    """

    __tablename__ = "job_chunk"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The task that works on the chunk, queued with ``(job_id, number)``.
    task: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(
        code_column_type(CHUNK_STATUSES, "job_chunk_status"), default="pending"
    )
    #: Who holds the lease: ``host:pid`` of the worker process.
    holder: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: How many times a worker took the chunk: a chunk that keeps killing its worker fails the job.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
