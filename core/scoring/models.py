"""Stored scoring: immutable scorecard snapshots, on-site scores, exemptions, rectifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantScoped, Timestamped, code_column_type, json_type, utcnow
from core.vocabulary import (
    EXEMPTION_STATUSES,
    HONOUR_LEVELS,
    RECTIFICATION_STATUSES,
    SCORECARD_STATUSES,
)

POINTS = (7, 2)


class Scorecard(TenantScoped, Timestamped, Base):
    """A branch's score for one period, frozen with everything needed to reproduce it.

    Never updated: scoring again writes a new snapshot, so last year's card can be audited.
    """

    __tablename__ = "scorecard"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    unit_type: Mapped[str] = mapped_column(String(64))
    standard_key: Mapped[str] = mapped_column(String(100))
    standard_version: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(code_column_type(SCORECARD_STATUSES, "scorecard_status"))
    total: Mapped[Decimal] = mapped_column(Numeric(*POINTS))
    max: Mapped[Decimal] = mapped_column(Numeric(*POINTS))
    grade: Mapped[str | None] = mapped_column(String(20))
    #: The evaluation result: blocks, items with explanation, evidence, citation; vetoes.
    result: Mapped[dict[str, Any]] = mapped_column(json_type())
    #: The inputs: metric values, overrides, on-site scores and exemptions used.
    inputs: Mapped[dict[str, Any]] = mapped_column(json_type())
    created_by: Mapped[str] = mapped_column(String(100))


class ScorecardIsImmutable(RuntimeError):
    """A stored scorecard was about to be changed; score again to get a new one."""


@event.listens_for(Scorecard, "before_update")
def _refuse_scorecard_update(mapper, connection, target: Scorecard) -> None:
    raise ScorecardIsImmutable(f"评分表 {target.id} 已存档，不能修改；请重新评分生成新的评分表")


class ManualScore(TenantScoped, Timestamped, Base):
    """An on-site (现场检查) score a supervisor entered for one item of one branch and year."""

    __tablename__ = "manual_score"
    __table_args__ = (UniqueConstraint("organization_id", "year", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(64))
    points: Mapped[Decimal] = mapped_column(Numeric(*POINTS))
    comment: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_on: Mapped[dt.date] = mapped_column(Date)


class Exemption(TenantScoped, Timestamped, Base):
    """A unit's request that an item not count against a branch, approved by a supervisor."""

    __tablename__ = "exemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        code_column_type(EXEMPTION_STATUSES, "exemption_status"), default="requested"
    )
    requested_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)


class Rectification(TenantScoped, Timestamped, Base):
    """A task (整改) opened for an item a branch lost points on; a supervisor closes it."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    scorecard_id: Mapped[int | None] = mapped_column(ForeignKey("scorecard.id", ondelete="SET NULL"))
    year: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        code_column_type(RECTIFICATION_STATUSES, "rectification_status"), default="open"
    )
    opened_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class Finding(TenantScoped, Timestamped, Base):
    """A determination by a higher Party organization about a branch in a year (veto grounds).

    Recorded by a supervisor or the county with the document it rests on; the standard decides
    what it does to the grade (it reads ``flags.<code>``). A revoked finding stays, with who
    revoked it and why, and no longer counts.
    """

    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    #: The kind's code (:class:`core.findings.models.FindingKind`), the county's list.
    finding: Mapped[str] = mapped_column(String(64), ForeignKey("finding_kind.code"), index=True)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    #: The decision or notice it rests on (文件名称/文号), so the card can cite it.
    document: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    #: The deciding document as a file (PDF/JPG/PNG) under ``<instance>/uploads``.
    evidence_file: Mapped[str | None] = mapped_column(String(500))
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class Honour(TenantScoped, Timestamped, Base):
    """A commendation a branch received (先进基层党组织 …): a bonus item reads these.

    Revoked like a finding: the row stays with the reason and no longer counts.
    """

    __tablename__ = "honour"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(code_column_type(HONOUR_LEVELS, "honour_level"))
    awarded_on: Mapped[dt.date] = mapped_column(Date)
    awarded_by: Mapped[str] = mapped_column(String(200))
    #: The commendation document (文件名称/文号).
    document: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    evidence_file: Mapped[str | None] = mapped_column(String(500))
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class LiveResult(TenantScoped, Base):
    """A branch's current-year result as last computed: a cache of the present, never a record.

    Written only by :mod:`core.scoring.live` (the whole unit's rows replaced at once); the county
    page, the unit page, the rankings and the API list read it instead of scoring on request. The
    grade is the branch's own, before the county-wide top-grade quota, which is applied on read.
    """

    __tablename__ = "live_result"
    __table_args__ = (UniqueConstraint("organization_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    #: The records' as-of day the result was computed for.
    as_of: Mapped[dt.date] = mapped_column(Date)
    standard_key: Mapped[str] = mapped_column(String(100))
    standard_version: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(code_column_type(SCORECARD_STATUSES, "live_result_status"))
    total: Mapped[Decimal] = mapped_column(Numeric(*POINTS))
    max: Mapped[Decimal] = mapped_column(Numeric(*POINTS))
    grade: Mapped[str | None] = mapped_column(String(20))
    #: The rest of the result without items: band grade, reasons, blocks (id, title, score, max),
    #: warnings, not-rated reason; see :func:`core.scoring.live.result_row`.
    summary: Mapped[dict[str, Any]] = mapped_column(json_type())
    #: The items that lost points: ``[[id, title, score, max, status], ...]``.
    lost: Mapped[list[Any]] = mapped_column(json_type())
    alerts: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LiveState(TenantScoped, Base):
    """Whether a unit's stored live results are behind its records (one row per unit).

    ``generation`` counts the writes that made it stale: a re-score clears ``stale`` only if no
    write came in while it ran. ``queued`` is set while a re-score job waits, so many writes
    queue one job.
    """

    __tablename__ = "live_state"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=True)
    stale_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    queued: Mapped[bool] = mapped_column(Boolean, default=False)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    #: When the unit's results were last stored; None: never (read scores it at once).
    computed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: The records' as-of day of those results: before today, the date's passing is not in them.
    as_of: Mapped[dt.date | None] = mapped_column(Date)
