"""Whether a member is on a branch's roll on a day: the one definition every reader uses.

A member belongs to their branch from the day they joined the party or transferred in until the
day they left (that day no longer counts). The Python form reads loaded members (or rows with the
same attributes); the SQL form filters a query on :class:`~core.members.models.Member`. Both rest
on :func:`core.standards.periods.on_roll`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, func, or_

from core.members.models import Member
from core.standards.periods import on_roll, on_roll_during


class OnRoll(Protocol):
    """A member, or a result row with the membership columns."""

    joined_on: dt.date
    transferred_in_on: dt.date | None
    left_on: dt.date | None


def roll_start(member: OnRoll) -> dt.date:
    """:returns: the day the member began to belong to the branch (transfer in, else joining)."""
    return member.transferred_in_on or member.joined_on


def on_branch_roll(member: OnRoll, day: dt.date) -> bool:
    """:returns: whether the member was on the branch's roll on ``day``."""
    return on_roll(roll_start(member), member.left_on, day)


def on_branch_roll_during(member: OnRoll, first: dt.date, last: dt.date) -> bool:
    """:returns: whether the member was on the roll on any day from ``first`` to ``last``."""
    return on_roll_during(roll_start(member), member.left_on, first, last)


def roll_start_column() -> ColumnElement[Any]:
    """:returns: the SQL expression of :func:`roll_start`."""
    return func.coalesce(Member.transferred_in_on, Member.joined_on)


def on_roll_clause(day: dt.date) -> ColumnElement[bool]:
    """:returns: the SQL condition of :func:`on_branch_roll` for ``day``."""
    return and_(roll_start_column() <= day, or_(Member.left_on.is_(None), Member.left_on > day))


def on_roll_during_clause(first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """:returns: the SQL condition of :func:`on_branch_roll_during`."""
    return and_(roll_start_column() <= last, or_(Member.left_on.is_(None), Member.left_on > first))


__all__ = [
    "OnRoll",
    "on_branch_roll",
    "on_branch_roll_during",
    "on_roll_clause",
    "on_roll_during_clause",
    "roll_start",
    "roll_start_column",
]
