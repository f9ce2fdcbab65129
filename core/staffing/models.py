"""Staff posts: full-time and part-time party-affairs staff, party-building instructors."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantScoped, Timestamped, code_column_type
from core.vocabulary import STAFF_KINDS


class StaffPost(TenantScoped, Timestamped, Base):
    """A person holding a party-affairs post in a unit, from a start date to an optional end."""

    __tablename__ = "staff_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    person_name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(code_column_type(STAFF_KINDS, "staff_kind"))
    title: Mapped[str | None] = mapped_column(String(100))
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
