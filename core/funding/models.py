"""Funding records: what a unit budgeted and spent on Party work, by source."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import MONEY, Base, TenantScoped, Timestamped, code_column_type
from core.vocabulary import FUNDING_SOURCES


class FundingRecord(TenantScoped, Timestamped, Base):
    """One funding line of a year: source, budgeted and spent; optionally for one organization."""

    __tablename__ = "funding_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    source: Mapped[str] = mapped_column(code_column_type(FUNDING_SOURCES, "funding_source"))
    budgeted: Mapped[Decimal] = mapped_column(Numeric(*MONEY), default=Decimal("0"))
    spent: Mapped[Decimal] = mapped_column(Numeric(*MONEY), default=Decimal("0"))
    note: Mapped[str | None] = mapped_column(Text)
