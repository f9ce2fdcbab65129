"""Repeated development records (考察, 思想汇报, 结业证书) and probation decisions (延长, 转正, 取消)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantScoped, Timestamped, code_column_type
from core.vocabulary import DEVELOPMENT_RECORD_KINDS, PROBATION_DECISIONS


class DevelopmentRecord(TenantScoped, Timestamped, Base):
    """One dated record under a step of a development case, kept beside the earlier ones.

    The half-yearly assessment of an activist and the quarterly one of a probationary member,
    each thought report and each training certificate is its own row, so none overwrites another.
    """

    __tablename__ = "development_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("development_case.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(code_column_type(DEVELOPMENT_RECORD_KINDS, "development_record_kind"))
    #: The step of the 25 the record belongs under (6 培养教育考察, 11 集中培训, 21 继续教育考察).
    step: Mapped[int] = mapped_column(Integer)
    done_on: Mapped[dt.date] = mapped_column(Date, index=True)
    #: 考察意见, the report's subject or the certificate's course.
    summary: Mapped[str | None] = mapped_column(String(300))
    #: Who assessed (培养联系人) or issued the certificate.
    assessor: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text)

    case = relationship("DevelopmentCase")


class ProbationDecision(TenantScoped, Timestamped, Base):
    """The 支部大会's decision on a probationary member: extend once, convert, or cancel.

    Each names the meeting (:class:`~core.events.models.Event`) that decided it; a case has at
    most one decision of each kind.
    """

    __tablename__ = "probation_decision"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("development_case.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(code_column_type(PROBATION_DECISIONS, "probation_decision_kind"))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="RESTRICT"), index=True)
    #: 延长预备期: 6 to 12 months.
    extension_months: Mapped[int | None] = mapped_column(Integer)
    #: 上级党委批准日期.
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    case = relationship("DevelopmentCase")
    event = relationship("Event")
