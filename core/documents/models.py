"""A party-building document kept as a record: its type, date, approval and file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantScoped, Timestamped


class PartyDocument(TenantScoped, Timestamped, Base):
    """A 年度工作计划, 总结, 制度, 书记述职 (with its 评议结果), 党务公开 entry, 责任书 …

    ``doc_type`` is a code of the unit type's document types (plugin data, not a fixed list),
    so it is checked by the service, not by a database constraint.
    """

    __tablename__ = "party_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    doc_type: Mapped[str] = mapped_column(String(32), index=True)
    #: The year the document is for (a 年终总结 of 2025 may be dated January 2026).
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    dated_on: Mapped[dt.date] = mapped_column(Date)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    #: 评议结果 of a 书记述职 (one of the type's results).
    result: Mapped[str | None] = mapped_column(String(32))
    #: The file, stored like 六有 evidence (``uploads/<unit>/documents/…``).
    file_path: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)

    organization = relationship("Organization")
