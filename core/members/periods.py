"""Membership periods follow the member: a new member gets their first period, and a change of
the member's current branch, party group, start or leaving shows in their latest period.

Moves between branches do not go through here: :func:`core.members.services.move_member` ends
one period and begins the next itself, so the history a move leaves is never rewritten.
Rows inserted in bulk (the demo loader, the benchmark generator) get their periods from
:func:`open_missing_periods`, the same statement the migration ran on the members of the day.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session

from core.members.models import Member, Membership
from core.tenancy import current_tenant_id
from core.vocabulary import LEAVING_TO_END_REASON

#: The member's fields that describe their latest period.
MIRRORED = ("organization_id", "party_group_id", "joined_on", "transferred_in_on", "left_on", "left_reason")

#: One period for every member without one: from joining (or transferring in) until leaving.
MISSING_PERIODS_SQL = (
    "INSERT INTO membership (tenant_id, member_id, organization_id, party_group_id, started_on,"
    " ended_on, start_reason, end_reason, created_at, updated_at)"
    " SELECT m.tenant_id, m.id, m.organization_id, m.party_group_id,"
    " COALESCE(m.transferred_in_on, m.joined_on), m.left_on,"
    " CASE WHEN m.transferred_in_on IS NULL THEN 'joined' ELSE 'transferred_in' END,"
    " CASE WHEN m.left_reason = 'transferred' THEN 'transferred_out' ELSE m.left_reason END,"
    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
    " FROM member m WHERE NOT EXISTS (SELECT 1 FROM membership p WHERE p.member_id = m.id)"
)


def latest_period(member: Member) -> Membership | None:
    """:returns: the member's open period, else the one begun last."""
    periods = list(member.periods)
    if not periods:
        return None
    open_ = [p for p in periods if p.ended_on is None]
    return (open_ or periods)[-1]


def mirror(member: Member, period: Membership, *, first: bool, changed: set[str] | None = None) -> None:
    """Copy the member's current branch, group, start and leaving onto ``period``.

    :param changed: the member's fields that changed (``None``: all). Only those are copied, so
        leaving after an absence ends the absence's period without moving its start back to
        the member's joining.
    """

    def copies(*names: str) -> bool:
        return changed is None or any(name in changed for name in names)

    if copies("organization_id"):
        period.organization_id = member.organization_id
    if copies("party_group_id"):
        period.party_group_id = member.party_group_id
    if copies("joined_on", "transferred_in_on"):
        period.started_on = member.transferred_in_on or member.joined_on
    if first:
        period.start_reason = "joined" if member.transferred_in_on is None else "transferred_in"
    if copies("left_on", "left_reason"):
        period.ended_on = member.left_on
        period.end_reason = LEAVING_TO_END_REASON.get(member.left_reason) if member.left_on else None


def _follow_members(session: Session, flush_context: Any, instances: Any) -> None:
    for member in [o for o in session.new if isinstance(o, Member)]:
        if not member.periods:
            period = Membership(tenant_id=member.tenant_id or current_tenant_id())
            member.periods.append(period)
            mirror(member, period, first=True)
    for member in [o for o in session.dirty if isinstance(o, Member)]:
        state = inspect(member)
        changed = {name for name in MIRRORED if state.attrs[name].history.has_changes()}
        if not changed:
            continue
        period = latest_period(member)
        if period is None:
            period = Membership(tenant_id=member.tenant_id)
            member.periods.append(period)
            changed = None
        mirror(member, period, first=len(member.periods) == 1, changed=changed)


def install(session_class: type[Session]) -> None:
    """Attach :func:`_follow_members` to a session class (once)."""
    if getattr(session_class, "_branchmark_periods", False):
        return
    event.listen(session_class, "before_flush", _follow_members)
    session_class._branchmark_periods = True


def open_missing_periods(session: Session) -> None:
    """Give every member inserted in bulk (without the ORM) their first period."""
    session.execute(text(MISSING_PERIODS_SQL))


__all__ = ["MISSING_PERIODS_SQL", "install", "latest_period", "mirror", "open_missing_periods"]
