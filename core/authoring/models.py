"""A county's own standard per unit type, its versions, and units' overrides of it.

A version's content is the standard document: the same mapping a rubric YAML file holds, read
and checked by :mod:`core.standards.loader`, so the format has one definition.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantScoped, Timestamped, code_column_type, json_type

#: A version is written as a draft, published once (then frozen) and may later be retired.
VERSION_STATUSES = {"draft": _l("草稿"), "published": _l("已发布"), "retired": _l("已停用")}

#: A unit's request to switch an item off waits for the supervisor's decision.
SWITCH_STATUSES = {"requested": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回")}


class CountyStandard(Timestamped, Base):
    """The county's own standard for one unit type, and what units may change in it."""

    __tablename__ = "county_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_type: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Item ids a unit may switch off (with a reason and the supervisor's approval).
    unit_may_disable: Mapped[list[str]] = mapped_column(json_type(), default=list)
    #: Whether units may add local items of their own.
    units_may_add_items: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Whether units may set their own grade bands (the same grades, their own minimum scores).
    units_may_set_bands: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    versions: Mapped[list[StandardVersion]] = relationship(
        back_populates="county_standard", order_by="StandardVersion.number"
    )


class StandardVersion(Timestamped, Base):
    """One version of a county standard: a draft, a published (frozen) version or a retired one."""

    __tablename__ = "standard_version"
    __table_args__ = (UniqueConstraint("county_standard_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_standard_id: Mapped[int] = mapped_column(
        ForeignKey("county_standard.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3 … within the standard.
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(
        code_column_type(VERSION_STATUSES, "standard_version_status"), default="draft"
    )
    #: The document's ``key`` and ``version``: what a scorecard cites.
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    #: The standard document (rubric-file structure), JSON-safe (dates as ISO text).
    document: Mapped[dict[str, Any]] = mapped_column(json_type())
    #: Where it came from: a plugin's shipped standard, an uploaded file, an earlier version.
    based_on: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    published_by: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    retired_by: Mapped[str | None] = mapped_column(String(100))
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    county_standard: Mapped[CountyStandard] = relationship(back_populates="versions")

    @property
    def unit_type(self) -> str:
        return self.county_standard.unit_type


class UnitItemSwitch(TenantScoped, Timestamped, Base):
    """A unit switching one item of its standard off: a reason, then the supervisor's decision."""

    __tablename__ = "unit_item_switch"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        code_column_type(SWITCH_STATUSES, "unit_item_switch_status"), default="requested"
    )
    requested_by: Mapped[str] = mapped_column(String(100))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)


class UnitStandardSetting(TenantScoped, Timestamped, Base):
    """A unit's local items, grade bands, sources and vetoes (one row per unit; parameters live on
    the unit)."""

    __tablename__ = "unit_standard_setting"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Rubric-format item mappings by block id.
    extra_items: Mapped[dict[str, list[dict[str, Any]]]] = mapped_column(json_type(), default=dict)
    #: Replacement grade bands ``[{grade, min}]`` or ``None``.
    bands: Mapped[list[dict[str, Any]] | None] = mapped_column(json_type())
    #: Rubric-format sources the local items and vetoes cite, and vetoes of the unit's own.
    sources: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), default=list)
    vetoes: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), default=list)
