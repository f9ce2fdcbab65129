"""Facility checks: whether an organization meets one item of the 六有 checklist, with evidence."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantScoped, Timestamped


class FacilityCheck(TenantScoped, Timestamped, Base):
    """One checked item of the facility checklist; the latest check of an item counts."""

    __tablename__ = "facility_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    #: Item key from the unit type's checklist (site, equipment, signage, flag, reading, rules).
    item: Mapped[str] = mapped_column(String(32))
    met: Mapped[bool] = mapped_column(Boolean)
    evidence_note: Mapped[str | None] = mapped_column(Text)
    evidence_file: Mapped[str | None] = mapped_column(String(500))
    checked_by: Mapped[str] = mapped_column(String(50))
    checked_on: Mapped[dt.date] = mapped_column(Date)
