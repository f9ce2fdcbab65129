"""Host, county parameters, units (tenants) and each unit's fiscal basis per year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import MONEY, Base, TenantScoped, Timestamped, json_type


class Host(Timestamped, Base):
    """The county Party organization department (县委组织部) that hosts every unit."""

    __tablename__ = "host"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    county: Mapped[str] = mapped_column(String(100))


class HostParameter(Timestamped, Base):
    """A county-wide setting (funding ratios, training hours, ranking rules …) with its source."""

    __tablename__ = "host_parameter"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    value: Mapped[Any] = mapped_column(json_type())
    label: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text, default="")


class Tenant(Timestamped, Base):
    """A unit (单位): one tenant of the platform, of one unit type supplied by a plugin."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Key of the unit-type plugin (organ, institution, soe, two_new, school, or a third party's).
    unit_type: Mapped[str] = mapped_column(String(64), index=True)
    sub_kind: Mapped[str | None] = mapped_column(String(64))
    #: The unit is active on the platform.
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The unit admin switched the unit-type plugin on; off → the unit is reported, not scored.
    plugin_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Unit-level parameter overrides of the plugin's defaults.
    parameters: Mapped[dict] = mapped_column(json_type(), default=dict)
    address: Mapped[str | None] = mapped_column(String(300))

    fiscal_years: Mapped[list[FiscalBasis]] = relationship(
        back_populates="tenant", order_by="FiscalBasis.year"
    )

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class FiscalBasis(TenantScoped, Timestamped, Base):
    """The figures a unit's funding and staffing formulas read, per year."""

    __tablename__ = "fiscal_basis"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    #: 正常公用经费总额 (机关、事业单位).
    public_operating_expenses: Mapped[Decimal | None] = mapped_column(Numeric(*MONEY))
    #: 上年度职工工资总额 (企业、两新).
    wage_bill_last_year: Mapped[Decimal | None] = mapped_column(Numeric(*MONEY))
    #: 职工人数 / 机关工作人员总数.
    headcount: Mapped[int | None] = mapped_column(Integer)
    #: 党组织工作经费累计结转 at the start of the year (国企 2% stop rule).
    carry_over: Mapped[Decimal | None] = mapped_column(Numeric(*MONEY))
    note: Mapped[str | None] = mapped_column(Text)
    entered_on: Mapped[dt.date | None] = mapped_column()

    tenant: Mapped[Tenant] = relationship(back_populates="fiscal_years")


