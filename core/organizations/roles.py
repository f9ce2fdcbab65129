"""Committee roles of an organization on a day: who holds each, and since when one stands empty.

A role is *vacant* when its last holder left and nobody was seated after, counting from the day
the seat was left; the secretary's role is vacant from the start of the term (or the founding)
when nobody has held it since. Roles the committee never had since then are not counted as
vacant (a small branch need not have a 青年委员). The same definition serves the branch page,
the API, the ledger and the ``committee_roles`` metric family.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import or_, select

from core.extensions import db
from core.organizations.models import CommitteeSeat, Organization, Term
from core.vocabulary import COMMITTEE_ROLES

#: Roles held by one person each (plain 委员 are several and never "vacant").
SINGLE_ROLES = tuple(role for role in COMMITTEE_ROLES if role != "member")
#: Roles every committee must have, vacant from the start of the term when never filled.
REQUIRED_ROLES = ("secretary",)


def has_committee(roles: Iterable[str]) -> bool:
    """:param roles: the roles of the seats held on a day (one entry per seat).
    :returns: whether that is a branch committee: three seats or more, not all the secretary's
        (支部工作条例: 正式党员7人以上的党支部设立支部委员会，一般由3至5人组成)."""
    held = list(roles)
    return len(held) >= 3 and any(role != "secretary" for role in held)


class SeatRow(Protocol):
    """A committee seat, or a result row with the same columns."""

    role: str
    member_id: int
    started_on: dt.date
    ended_on: dt.date | None


@dataclass(frozen=True)
class RoleStatus:
    """One role of a committee on a day.

    :param holders: member ids seated in the role that day.
    :param vacant_since: the day the role fell empty (``None`` while held).
    """

    role: str
    holders: tuple[int, ...]
    vacant_since: dt.date | None

    @property
    def seated(self) -> bool:
        return bool(self.holders)

    def vacant_days(self, on: dt.date) -> int:
        """:returns: days the role has stood empty by ``on`` (0 while held)."""
        return (on - self.vacant_since).days if self.vacant_since is not None else 0


def role_statuses(seats: Iterable[SeatRow], on: dt.date, since: dt.date) -> dict[str, RoleStatus]:
    """Each role the committee has (or must have) on ``on``.

    :param seats: the organization's seats (any started after ``on`` are ignored).
    :param since: the start of the current term, or the founding: roles left before it and not
        filled again do not count as vacant (the election may have dropped them).
    :returns: role code → status, in :data:`~core.vocabulary.COMMITTEE_ROLES` order.
    """
    holders: dict[str, list[int]] = {}
    last_left: dict[str, dt.date] = {}
    for seat in seats:
        if seat.started_on > on:
            continue
        if seat.ended_on is None or seat.ended_on > on:
            holders.setdefault(seat.role, []).append(seat.member_id)
        elif seat.ended_on >= since:
            last_left[seat.role] = max(last_left.get(seat.role, seat.ended_on), seat.ended_on)
    found: dict[str, RoleStatus] = {}
    for role in COMMITTEE_ROLES:
        if role in holders:
            found[role] = RoleStatus(role, tuple(holders[role]), None)
        elif role in SINGLE_ROLES and role in last_left:
            found[role] = RoleStatus(role, (), last_left[role])
        elif role in REQUIRED_ROLES:
            found[role] = RoleStatus(role, (), since)
    return found


def term_start(organization_id: int, on: dt.date, terms: Iterable[Any] | None = None) -> dt.date | None:
    """:returns: the start of the organization's latest term begun by ``on``, if any.

    :param terms: rows with ``organization_id`` and ``started_on`` (read when not given).
    """
    if terms is None:
        terms = db.session.execute(
            select(Term.organization_id, Term.started_on).where(Term.organization_id == organization_id)
        ).all()
    starts = [t.started_on for t in terms if t.organization_id == organization_id and t.started_on <= on]
    return max(starts, default=None)


def organization_roles(organization: Organization, on: dt.date) -> dict[str, RoleStatus]:
    """:returns: the roles of one organization's committee on ``on`` (branch page, API)."""
    seats = db.session.scalars(
        select(CommitteeSeat).where(CommitteeSeat.organization_id == organization.id)
    ).all()
    since = term_start(organization.id, on) or organization.established_on
    return role_statuses(seats, on, since)


def seats_in_year(organization: Organization, year: int) -> list[CommitteeSeat]:
    """The seats held on any day of ``year``, by role and start (the yearly 台账's 支委会 list)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    seats = db.session.scalars(
        select(CommitteeSeat)
        .where(
            CommitteeSeat.organization_id == organization.id,
            CommitteeSeat.started_on <= last,
            or_(CommitteeSeat.ended_on.is_(None), CommitteeSeat.ended_on >= first),
        )
        .order_by(CommitteeSeat.started_on, CommitteeSeat.id)
    ).all()
    order = list(COMMITTEE_ROLES)
    return sorted(seats, key=lambda s: (order.index(s.role), s.started_on, s.id))


__all__ = [
    "REQUIRED_ROLES",
    "has_committee",
    "SINGLE_ROLES",
    "RoleStatus",
    "organization_roles",
    "role_statuses",
    "seats_in_year",
    "term_start",
]
