"""Members (党员), appraisals (民主评议) and development cases (发展党员) with their 25 steps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import MONEY, Base, TenantScoped, Timestamped, code_column_type
from core.standards.periods import on_roll
from core.vocabulary import (
    APPRAISAL_RESULTS,
    DEVELOPMENT_STAGES,
    DUES_CATEGORIES,
    GENDERS,
    LEAVING_REASONS,
    MEMBER_AWAY,
    MEMBER_STATUSES,
    MEMBERSHIP_END_REASONS,
    MEMBERSHIP_START_REASONS,
)

#: Columns holding personal data: masked in views, exports and the audit log.
PERSONAL = {"personal": True}


class Member(TenantScoped, Timestamped, Base):
    """A Party member (正式 or 预备) belonging to one branch of a unit."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The branch of the member's latest period (:class:`Membership`), kept as a column because
    #: what is scoped by branch — a secretary's access, the branch shown beside a name, a new
    #: member's first period — needs it without reading the history. It never answers "on the
    #: roll on a day" (:mod:`core.members.roll` does). :mod:`core.members.periods` keeps it and
    #: the latest period in step; a move (:func:`core.members.services.transfer_member`) writes
    #: both. ``party_group_id``, ``transferred_in_on``, ``left_on`` and ``left_reason`` likewise.
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    party_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("party_group.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str | None] = mapped_column(code_column_type(GENDERS, "gender"))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    education: Mapped[str | None] = mapped_column(String(30))
    position: Mapped[str | None] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(String(18), info=PERSONAL)
    phone: Mapped[str | None] = mapped_column(String(20), info=PERSONAL)
    status: Mapped[str] = mapped_column(code_column_type(MEMBER_STATUSES, "member_status"))
    #: 入党时间: the 支部大会 that accepted the member as probationary (党龄 counts from full).
    joined_on: Mapped[dt.date] = mapped_column(Date)
    #: 转正时间.
    full_on: Mapped[dt.date | None] = mapped_column(Date)
    dues_category: Mapped[str] = mapped_column(
        code_column_type(DUES_CATEGORIES, "dues_category"), default="employed"
    )
    #: Monthly dues base (after-tax fixed pay, pension, or declared income), yuan.
    dues_base: Mapped[Decimal | None] = mapped_column(Numeric(*MONEY))
    #: 班子成员: leadership of the unit or the organization (higher training-hours target).
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Joined this branch by transfer on this date (dues and meetings count from then).
    transferred_in_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    left_reason: Mapped[str | None] = mapped_column(code_column_type(LEAVING_REASONS, "left_reason"))
    #: 长期请假, 流动党员 or 出国出境: still on the roll, but the meeting roster marks them as away.
    #: The two absences are set and cleared with their periods by
    #: :func:`core.members.services.record_absence` and :func:`~core.members.services.record_return`.
    away: Mapped[str | None] = mapped_column(code_column_type(MEMBER_AWAY, "member_away"))
    note: Mapped[str | None] = mapped_column(Text)

    organization = relationship("Organization")
    party_group = relationship("PartyGroup", foreign_keys=[party_group_id])
    #: The member's memberships of branches, oldest first: the history a move does not rewrite.
    periods: Mapped[list[Membership]] = relationship(
        back_populates="member", order_by="(Membership.started_on, Membership.id)",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    def belongs_on(self, day: dt.date, organization_id: int | None = None) -> bool:
        """Whether the member was on the roll of ``organization_id`` (any branch of the unit
        when ``None``) on ``day``, read from their membership periods."""
        return any(
            on_roll(p.started_on, p.ended_on, day)
            for p in self.periods
            if organization_id is None or p.organization_id == organization_id
        )

    def __repr__(self) -> str:
        return f"<Member {self.name}>"


class Membership(TenantScoped, Timestamped, Base):
    """A member's membership of one branch (and party group) from ``started_on`` until
    ``ended_on`` (that day no longer counts), with why it began and why it ended.

    A move to another branch ends one period and begins the next, so the branch a member belonged
    to on a past day, and its past cards, stay as they were. The member's ``organization_id``,
    ``party_group_id``, ``transferred_in_on`` and ``left_on`` describe the latest period.
    """

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    party_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("party_group.id", ondelete="SET NULL")
    )
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    start_reason: Mapped[str] = mapped_column(
        code_column_type(MEMBERSHIP_START_REASONS, "membership_start_reason")
    )
    end_reason: Mapped[str | None] = mapped_column(
        code_column_type(MEMBERSHIP_END_REASONS, "membership_end_reason")
    )
    note: Mapped[str | None] = mapped_column(String(200))

    member: Mapped[Member] = relationship(back_populates="periods")
    organization = relationship("Organization")

    def __repr__(self) -> str:
        return f"<Membership {self.member_id}@{self.organization_id} {self.started_on}–{self.ended_on}>"


class Appraisal(TenantScoped, Timestamped, Base):
    """A member's democratic-appraisal (民主评议党员) result for one year."""

    __tablename__ = "appraisal"
    __table_args__ = (UniqueConstraint("member_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(code_column_type(APPRAISAL_RESULTS, "appraisal_result"))
    appraised_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    member = relationship("Member")


class DevelopmentCase(TenantScoped, Timestamped, Base):
    """One person's path from applicant to full member (发展党员), step by step."""

    __tablename__ = "development_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str | None] = mapped_column(code_column_type(GENDERS, "gender"))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18), info=PERSONAL)
    stage: Mapped[str] = mapped_column(
        code_column_type(DEVELOPMENT_STAGES, "development_stage"), default="applicant"
    )
    #: Set when the probationary member is recorded as a member of the branch.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)

    steps: Mapped[list[DevelopmentStep]] = relationship(
        back_populates="case", order_by="DevelopmentStep.step", cascade="all, delete-orphan"
    )

    def step_date(self, step: int) -> dt.date | None:
        """The date step ``step`` (1–25) was completed, if it was."""
        for s in self.steps:
            if s.step == step:
                return s.done_on
        return None


class DevelopmentStep(TenantScoped, Timestamped, Base):
    """One of the 25 steps of a development case, with the date it was completed."""

    __tablename__ = "development_step"
    __table_args__ = (UniqueConstraint("case_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("development_case.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[int] = mapped_column(Integer)
    done_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[DevelopmentCase] = relationship(back_populates="steps")
