"""The dues ledger: one row per member per month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import MONEY, Base, TenantScoped, Timestamped


class DuesPayment(TenantScoped, Timestamped, Base):
    """What a member owed and paid for one month. A month with no paid date is unpaid."""

    __tablename__ = "dues_payment"
    __table_args__ = (
        UniqueConstraint("member_id", "year", "month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        Index("ix_dues_payment_tenant_id_created_at", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    amount_due: Mapped[Decimal] = mapped_column(Numeric(*MONEY))
    amount_paid: Mapped[Decimal | None] = mapped_column(Numeric(*MONEY))
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Paid by another member or a relative with the branch's consent (中组发〔2008〕3号).
    paid_by_proxy: Mapped[bool] = mapped_column(Boolean, default=False)
    proxy_name: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(String(200))

    member = relationship("Member")
