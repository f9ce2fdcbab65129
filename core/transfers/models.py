"""A transfer between two units is two rows, one in each unit: each side reads only its own.

The sending unit's row (``direction`` ``out``) names its member; the receiving unit's row
(``in``) holds only what a 介绍信 tells the receiver (name, category, joining date, dues paid up
to) until it is accepted and names the member it created. Both carry the same ``reference``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantScoped, Timestamped, code_column_type
from core.vocabulary import MEMBER_STATUSES, TRANSFER_DIRECTIONS, TRANSFER_STATUSES


class UnitTransfer(TenantScoped, Timestamped, Base):
    """One unit's side of a 组织关系转接 to or from another unit of the county."""

    __tablename__ = "unit_transfer"
    __table_args__ = (UniqueConstraint("reference", "direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Shared by the two sides of one transfer.
    reference: Mapped[str] = mapped_column(String(32), index=True)
    direction: Mapped[str] = mapped_column(code_column_type(TRANSFER_DIRECTIONS, "transfer_direction"))
    #: The other unit: the receiver of an ``out`` row, the sender of an ``in`` row.
    peer_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    #: This unit's member: the one leaving (``out``), the one created on acceptance (``in``).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    #: This unit's branch: the one left (``out``), the one chosen on acceptance (``in``).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    member_name: Mapped[str] = mapped_column(String(50))
    member_status: Mapped[str] = mapped_column(code_column_type(MEMBER_STATUSES, "transfer_member_status"))
    joined_on: Mapped[dt.date] = mapped_column(Date)
    #: The day the member leaves the sender's roll and joins the receiver's.
    transfer_on: Mapped[dt.date] = mapped_column(Date)
    letter_no: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200))
    #: 党费交至: the last month paid at the sender (YYYY-MM); the receiver collects from the next.
    dues_paid_through: Mapped[str | None] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(code_column_type(TRANSFER_STATUSES, "transfer_status"), default="pending")
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    refusal_reason: Mapped[str | None] = mapped_column(String(200))

    peer = relationship("Tenant", foreign_keys=[peer_tenant_id])
    member = relationship("Member", foreign_keys=[member_id])
    organization = relationship("Organization", foreign_keys=[organization_id])

    def __repr__(self) -> str:
        return f"<UnitTransfer {self.reference} {self.direction} {self.status}>"
