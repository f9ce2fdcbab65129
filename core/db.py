"""Declarative base, constraint naming convention and the mixins every record shares."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

#: Named constraints so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Aware UTC now, for timestamps set in Python."""
    return dt.datetime.now(dt.UTC)


class Timestamped:
    """Creation and update times."""

    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class TenantScoped:
    """A row owned by one unit (tenant).

    Every query on such a model is filtered to the current tenant and every new row is stamped
    with it (see :mod:`core.tenancy`); on PostgreSQL a row-level security policy repeats the rule.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(
            Integer, ForeignKey("tenant.id", ondelete="CASCADE"), index=True, nullable=False
        )


def code_column_type(vocabulary: dict, name: str):
    """A short string column restricted to a vocabulary's codes by a CHECK constraint.

    :param vocabulary: a mapping from :mod:`core.vocabulary` whose keys are the allowed codes.
    :param name: the constraint's name.
    """
    from sqlalchemy import Enum

    return Enum(
        *vocabulary.keys(),
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
    )


def json_type():
    """JSON on every backend, JSONB on PostgreSQL."""
    from sqlalchemy import JSON
    from sqlalchemy.dialects.postgresql import JSONB

    return JSON().with_variant(JSONB(), "postgresql")


#: Money in yuan with two decimals.
MONEY = (14, 2)
