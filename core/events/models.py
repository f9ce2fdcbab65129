"""Events with the kinds they count as, attendance, attachments and training records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantScoped, Timestamped, code_column_type
from core.vocabulary import ATTENDANCE_STATUSES, EVENT_KINDS, TRAINING_KINDS

HOURS = (6, 1)


class Event(TenantScoped, Timestamped, Base):
    """A meeting or activity of an organization, recorded once and counted everywhere it counts.

    One event may count as several kinds (a 党员大会 held on the 主题党日 with a 党课): every kind
    it counts as is an :class:`EventKind` row, the main one included.
    """

    __tablename__ = "event"
    #: The county page reads each unit's newest record (:func:`core.web.dashboards.stale_units`).
    __table_args__ = (Index("ix_event_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    #: The main kind; shown first.
    kind: Mapped[str] = mapped_column(code_column_type(EVENT_KINDS, "event_kind"))
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    topic: Mapped[str] = mapped_column(String(300))
    location: Mapped[str | None] = mapped_column(String(200))
    presenter: Mapped[str | None] = mapped_column(String(50))
    #: The member of the unit who presented (主讲) — a 党课 by the branch's secretary or by a
    #: leader is counted from it (书记讲党课, 领导干部讲党课).
    presenter_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    recorder: Mapped[str | None] = mapped_column(String(50))
    minutes: Mapped[str | None] = mapped_column(Text)
    #: 学时 credited to each member present.
    training_hours: Mapped[Decimal] = mapped_column(Numeric(*HOURS), default=Decimal("0"))
    #: Held and recorded on paper; minutes may follow later (no "photo or it didn't happen").
    paper_record: Mapped[bool] = mapped_column(Boolean, default=False)

    kinds: Mapped[list[EventKind]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[EventAttachment]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )
    organization = relationship("Organization")
    presenter_member = relationship("Member", foreign_keys=[presenter_member_id])

    @property
    def kind_codes(self) -> list[str]:
        return [k.kind for k in self.kinds]


class EventKind(TenantScoped, Base):
    """One kind an event counts as."""

    __tablename__ = "event_kind"
    __table_args__ = (UniqueConstraint("event_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(code_column_type(EVENT_KINDS, "event_kind"), index=True)

    event: Mapped[Event] = relationship(back_populates="kinds")


class Attendance(TenantScoped, Base):
    """Whether one member attended one event, and why not."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("event_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(code_column_type(ATTENDANCE_STATUSES, "attendance_status"))
    reason: Mapped[str | None] = mapped_column(String(200))

    event: Mapped[Event] = relationship(back_populates="attendance")
    member = relationship("Member")


class EventAttachment(TenantScoped, Timestamped, Base):
    """An optional file (minutes scan, photo) kept as evidence of an event."""

    __tablename__ = "event_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship(back_populates="attachments")


class TrainingRecord(TenantScoped, Timestamped, Base):
    """学时 a member earned outside the branch's own events (党校 courses, online, …)."""

    __tablename__ = "training_record"
    __table_args__ = (Index("ix_training_record_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    taken_on: Mapped[dt.date] = mapped_column(Date, index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(*HOURS))
    title: Mapped[str] = mapped_column(String(200))
    organizer: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(
        code_column_type(TRAINING_KINDS, "training_kind"), default="concentrated"
    )

    member = relationship("Member")
