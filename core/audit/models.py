"""Audit log rows, written automatically for every ORM insert, update and delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, json_type, utcnow


class AuditLog(Base):
    """One write: who, when, which row, and the changed values before and after.

    Host-level (not filtered by tenant) so the county can audit across units; views filter it
    explicitly by ``tenant_id`` for unit admins. On PostgreSQL row-level security lets anyone
    append but a unit read only its own rows (host rows: host work only), so inserts must not
    ask for the new row back (``RETURNING``): ``implicit_returning`` is off.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_tenant_at", "tenant_id", "at"),
        Index("ix_audit_log_row", "table_name", "row_id"),
        {"implicit_returning": False},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: Who wrote, readable without a join: a username, ``cli:<command>``, ``import:<file>`` ….
    actor: Mapped[str] = mapped_column(String(100))
    tenant_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    after: Mapped[dict[str, Any] | None] = mapped_column(json_type())
