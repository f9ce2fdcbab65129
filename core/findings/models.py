"""The county's finding kinds: what a higher Party organization may determine about a branch.

A host-level (county) table, like :class:`~core.host.models.HostParameter`: one list for every
unit, without a tenant. Each kind's code is the name a standard reads as ``flags.<code>``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamped
from core.validation import LIMITS

#: Longest kind code; also the length of ``finding.finding``, which references it.
CODE_LENGTH = LIMITS["kind_code"].max_length


class FindingKind(Timestamped, Base):
    """A kind of finding (veto ground such as 软弱涣散, or a county's own) with its source."""

    __tablename__ = "finding_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case ASCII code, never changed once used: findings and standards refer to it.
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    #: The rule or document that decides what the finding does (文件名称/文号).
    source: Mapped[str] = mapped_column(Text, default="")
    #: What the finding does to a card, in words (e.g. 评星最高二星).
    effect: Mapped[str] = mapped_column(Text, default="")
    #: Inactive kinds stay readable on old findings but cannot be recorded any more.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<FindingKind {self.code}>"
