"""A unit's 群团组织 with its set-up date, and the activities it held."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantScoped, Timestamped, code_column_type
from core.vocabulary import MASS_ORGANIZATION_KINDS


class MassOrganization(TenantScoped, Timestamped, Base):
    """A 工会, 共青团 (团支部), 妇委会 … of the unit, led by its Party organization."""

    __tablename__ = "mass_organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(code_column_type(MASS_ORGANIZATION_KINDS, "mass_organization_kind"))
    name: Mapped[str] = mapped_column(String(200))
    set_up_on: Mapped[dt.date] = mapped_column(Date)
    dissolved_on: Mapped[dt.date | None] = mapped_column(Date)
    #: 负责人 (主席、书记、主任).
    leader: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text)

    activities: Mapped[list[MassActivity]] = relationship(
        back_populates="mass_organization", order_by="MassActivity.held_on",
        cascade="all, delete-orphan",
    )


class MassActivity(TenantScoped, Timestamped, Base):
    """One activity a 群团组织 held (for its young people, women or workers)."""

    __tablename__ = "mass_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    mass_organization_id: Mapped[int] = mapped_column(
        ForeignKey("mass_organization.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    participants: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    mass_organization: Mapped[MassOrganization] = relationship(back_populates="activities")
