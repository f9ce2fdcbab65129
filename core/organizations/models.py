"""Organizations as a tree, with their terms (换届), party groups and committee seats."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantScoped, Timestamped, code_column_type
from core.vocabulary import COMMITTEE_ROLES, ORGANIZATION_KINDS


class Organization(TenantScoped, Timestamped, Base):
    """A Party organization of a unit: 基层党委, 党总支, 党支部 or 联合党支部."""

    __tablename__ = "organization"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(code_column_type(ORGANIZATION_KINDS, "organization_kind"))
    #: Short code, unique within the unit (used by the CLI and imports).
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    established_on: Mapped[dt.date] = mapped_column(Date)
    dissolved_on: Mapped[dt.date | None] = mapped_column(Date)
    #: For a 联合党支部: the units it covers (generally ≤5, 支部工作条例).
    covered_units: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(back_populates="parent")
    terms: Mapped[list[Term]] = relationship(
        back_populates="organization", order_by="Term.started_on", cascade="all, delete-orphan"
    )
    party_groups: Mapped[list[PartyGroup]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )
    seats: Mapped[list[CommitteeSeat]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    @property
    def is_branch(self) -> bool:
        return self.kind in ("branch", "joint_branch")

    def __repr__(self) -> str:
        return f"<Organization {self.code} {self.name}>"


class Term(TenantScoped, Timestamped, Base):
    """One term (届) of an organization's committee, from election to expiry."""

    __tablename__ = "term"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    elected_on: Mapped[dt.date] = mapped_column(Date)
    started_on: Mapped[dt.date] = mapped_column(Date)
    #: When the term expires (支部、总支 generally 3 years; 基层党委 5).
    ends_on: Mapped[dt.date] = mapped_column(Date)
    years: Mapped[int] = mapped_column(Integer, default=3)
    note: Mapped[str | None] = mapped_column(Text)

    organization: Mapped[Organization] = relationship(back_populates="terms")


class PartyGroup(TenantScoped, Timestamped, Base):
    """A party group (党小组) inside a branch."""

    __tablename__ = "party_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # use_alter: member and party_group refer to each other; the constraint comes after both.
    leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL", use_alter=True)
    )

    organization: Mapped[Organization] = relationship(back_populates="party_groups")


class CommitteeSeat(TenantScoped, Timestamped, Base):
    """A seat on a branch committee (书记, 副书记, 组织/宣传/纪检/青年委员 …) held by a member."""

    __tablename__ = "committee_seat"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(code_column_type(COMMITTEE_ROLES, "committee_role"))
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)

    organization: Mapped[Organization] = relationship(back_populates="seats")
    member = relationship("Member")
