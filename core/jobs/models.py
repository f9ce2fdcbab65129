"""Job progress, kept in a table so a page can show a progress bar and a restart can resume."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamped, code_column_type, json_type

JOB_STATUSES = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}


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
