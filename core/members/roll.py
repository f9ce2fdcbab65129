"""Whether a member is on a branch's roll on a day: the one definition every reader uses.

The roll is read from membership periods (:class:`~core.members.models.Membership`): a member is
on a branch's roll from the day a period of theirs in that branch began (joining, a transfer in,
a move within the unit) until the day it ended (that day no longer counts). A move to another
branch ends one period and begins another, so a past day's roll never changes.

The Python form reads period rows (or any row with ``started_on`` and ``ended_on``); the SQL
forms filter a query on :class:`~core.members.models.Membership`, or a query on
:class:`~core.members.models.Member` through :func:`member_on_roll_clause`. All rest on
:func:`core.standards.periods.on_roll`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from core.extensions import db
from core.members.models import Member, Membership
from core.standards.periods import on_roll, on_roll_during
from core.vocabulary import ABSENCES

#: Start reasons of the absences during which a member is not expected at the branch's
#: meetings, and of those during which no dues are due (:data:`core.vocabulary.ABSENCES`).
NOT_AT_MEETINGS = tuple(code for code, counts in ABSENCES.items() if not counts["meetings"])
NO_DUES = tuple(code for code, counts in ABSENCES.items() if not counts["dues"])


class OnRoll(Protocol):
    """A membership period, or a result row with its dates."""

    started_on: dt.date
    ended_on: dt.date | None


def roll_start(period: OnRoll) -> dt.date:
    """:returns: the day the period began (joining, a transfer in or a move)."""
    return period.started_on


def on_branch_roll(period: OnRoll, day: dt.date) -> bool:
    """:returns: whether the period covers ``day``."""
    return on_roll(period.started_on, period.ended_on, day)


def on_branch_roll_during(period: OnRoll, first: dt.date, last: dt.date) -> bool:
    """:returns: whether the period covers any day from ``first`` to ``last``."""
    return on_roll_during(period.started_on, period.ended_on, first, last)


def roll_start_column() -> ColumnElement[Any]:
    """:returns: the SQL expression of :func:`roll_start`."""
    return Membership.started_on


def on_roll_clause(day: dt.date) -> ColumnElement[bool]:
    """:returns: the SQL condition of :func:`on_branch_roll` for ``day`` (on Membership)."""
    return and_(Membership.started_on <= day, or_(Membership.ended_on.is_(None), Membership.ended_on > day))


def on_roll_during_clause(first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """:returns: the SQL condition of :func:`on_branch_roll_during` (on Membership)."""
    return and_(Membership.started_on <= last, or_(Membership.ended_on.is_(None), Membership.ended_on > first))


def _period_condition(organization_id: Any, first: dt.date, last: dt.date) -> ColumnElement[bool]:
    condition = on_roll_during_clause(first, last)
    if organization_id is not None:
        condition = and_(condition, Membership.organization_id == organization_id)
    return condition


def away_from_meetings_clause(member_id: Any, organization_id: Any, day: Any) -> ColumnElement[bool]:
    """:returns: the SQL condition that the member (a column) was on the roll of the branch (a
    column) on ``day`` (a column) in an absence that does not expect them at its meetings:
    attendance ratios leave such rows out (present and expected alike)."""
    return exists().where(
        Membership.member_id == member_id,
        Membership.organization_id == organization_id,
        Membership.start_reason.in_(NOT_AT_MEETINGS),
        Membership.started_on <= day,
        or_(Membership.ended_on.is_(None), Membership.ended_on > day),
    )


def dues_due_in(period: Any) -> bool:
    """:returns: whether months are due while ``period`` (with its ``start_reason``) lasts."""
    return period.start_reason not in NO_DUES


def roll_member_ids(organization_id: Any, first: dt.date, last: dt.date | None = None) -> Select:
    """:returns: a select of the ids of members on the roll of ``organization_id`` (a branch
    id or a column; ``None``: any branch) on some day from ``first`` to ``last`` (``first``
    alone: on that day)."""
    return select(Membership.member_id).where(_period_condition(organization_id, first, first if last is None else last))


def member_on_roll_clause(organization_id: Any, first: dt.date, last: dt.date | None = None) -> ColumnElement[bool]:
    """:returns: the condition, on a query of :class:`Member`, of :func:`roll_member_ids`."""
    return Member.id.in_(roll_member_ids(organization_id, first, last))


def _counts_on_roll(group: Any, ids: list[int], day: dt.date) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(group, func.count(func.distinct(Membership.member_id)))
            .where(group.in_(ids), on_roll_clause(day))
            .group_by(group)
        ).all()
    )


def roll_counts(organization_ids: list[int], day: dt.date) -> dict[int, int]:
    """:returns: organization id → members on its roll on ``day`` (absent when none), in one query."""
    return _counts_on_roll(Membership.organization_id, organization_ids, day)


def unit_roll_counts(tenant_ids: list[int], day: dt.date) -> dict[int, int]:
    """:returns: unit (tenant) id → members on a roll of any of its branches on ``day``."""
    return _counts_on_roll(Membership.tenant_id, tenant_ids, day)


def member_on_roll(member: Member, organization_id: int | None, day: dt.date) -> bool:
    """:returns: whether a loaded member was on the roll of ``organization_id`` (any branch of
    their unit when ``None``) on ``day``."""
    return member.belongs_on(day, organization_id)


def member_on_roll_during(member: Member, organization_id: int | None, first: dt.date, last: dt.date) -> bool:
    """:returns: whether a loaded member was on the roll of ``organization_id`` (any branch when
    ``None``) on some day from ``first`` to ``last``."""
    return any(
        on_branch_roll_during(p, first, last)
        for p in member.periods
        if organization_id is None or p.organization_id == organization_id
    )


__all__ = [
    "NOT_AT_MEETINGS",
    "NO_DUES",
    "OnRoll",
    "away_from_meetings_clause",
    "dues_due_in",
    "member_on_roll",
    "member_on_roll_clause",
    "member_on_roll_during",
    "on_branch_roll",
    "on_branch_roll_during",
    "on_roll_clause",
    "on_roll_during_clause",
    "roll_counts",
    "roll_member_ids",
    "roll_start",
    "roll_start_column",
    "unit_roll_counts",
]
