"""A report (报道) about a branch's work in some outlet."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantScoped, Timestamped, code_column_type
from core.vocabulary import PUBLICITY_LEVELS


class PublicityReport(TenantScoped, Timestamped, Base):
    """A report published about the branch (党建信息、新闻稿 …), counted by rubrics' bonus items."""

    __tablename__ = "publicity_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    #: 刊发媒体或平台 (县融媒体中心、学习强国 …).
    outlet: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(code_column_type(PUBLICITY_LEVELS, "publicity_level"))
    published_on: Mapped[dt.date] = mapped_column(Date, index=True)
    url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)

    organization = relationship("Organization")
