"""User accounts, supervisors' scopes and API tokens."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamped, code_column_type
from core.vocabulary import ROLES


class User(UserMixin, Timestamped, Base):
    """A person who logs in. Host-level: login looks users up before any unit is chosen."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255), info={"secret": True})
    role: Mapped[str] = mapped_column(code_column_type(ROLES, "role"))
    #: The unit of a unit admin or branch secretary; None for host admins and supervisors.
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    #: The branch a secretary keeps records for.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Set when an admin resets the password: nothing but changing it works until it is changed.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    #: The user's unit, loaded with the user: a disabled unit refuses its users' logins.
    tenant = relationship("Tenant", lazy="joined")
    scopes: Mapped[list[SupervisorScope]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class SupervisorScope(Base):
    """One line of a supervisor's read scope: a unit type, a listed unit, or both."""

    __tablename__ = "supervisor_scope"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    unit_type: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(back_populates="scopes")


class ApiToken(Timestamped, Base):
    """A per-user API token; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    #: The first characters of the token, so a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens")
