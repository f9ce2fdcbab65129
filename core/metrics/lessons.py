"""The lessons family: who presented the year's 党课, and leaders' 双重组织生活.

The database counts the lessons presented by the branch's secretary of that day (a seat held on
the lesson's date) and by a leader, and sums each leader's attendance at their own branch.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import aliased

from core.events.models import Attendance, Event, EventKind
from core.extensions import db
from core.members.models import Member
from core.members.roll import member_on_roll_clause
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.organizations.models import CommitteeSeat
from core.standards import catalogue

#: The organisational life a leader attends as an ordinary member of their own branch
#: (机关条例 第十九条; 教管条例 第十六条: 以普通党员身份参加所在支部、党小组组织生活).
DUAL_LIFE_KINDS = ("general_meeting", "group_meeting", "party_lesson", "theme_day", "org_life_meeting")


def _by_secretary() -> Any:
    """SQL: the presenter held the branch's secretary seat on the day of the lesson."""
    seat = aliased(CommitteeSeat)
    return exists().where(
        seat.organization_id == Event.organization_id,
        seat.member_id == Event.presenter_member_id,
        seat.role == "secretary",
        seat.started_on <= Event.held_on,
        or_(seat.ended_on.is_(None), seat.ended_on > Event.held_on),
    )


def _lessons(scope: Scope) -> Any:
    return (
        select(Event.id)
        .join(EventKind, EventKind.event_id == Event.id)
        .where(EventKind.kind == "party_lesson", Event.held_on.between(scope.start, scope.end))
    )


@family(catalogue.LESSONS)
def lessons(scope: Scope) -> dict[int, dict[str, Any]]:
    """Lessons by presenter counted per branch, and leaders' attendance per leader."""
    by_secretary, by_leader = case((_by_secretary(), 1), else_=0), case((Member.is_leader.is_(True), 1), else_=0)
    counts = {
        organization_id: (int(secretary or 0), int(leader or 0))
        for organization_id, secretary, leader in db.session.execute(
            scope.scoped(
                select(Event.organization_id, func.sum(by_secretary), func.sum(by_leader))
                .outerjoin(Member, Member.id == Event.presenter_member_id)
                .where(Event.id.in_(_lessons(scope)))
                .group_by(Event.organization_id),
                Event,
            )
        )
    }
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if scope.evidence:
        for row in db.session.execute(
            scope.scoped(
                select(
                    Event.id, Event.organization_id, Event.held_on, Event.topic, Event.presenter,
                    Member.name, by_secretary.label("secretary"), by_leader.label("leader"),
                )
                .outerjoin(Member, Member.id == Event.presenter_member_id)
                .where(Event.id.in_(_lessons(scope)))
                .order_by(Event.held_on, Event.id),
                Event,
            )
        ):
            items[row.organization_id].append({
                "id": row.id, "date": row.held_on.isoformat(), "topic": row.topic,
                "presenter": row.name or row.presenter, "by_secretary": bool(row.secretary),
                "by_leader": bool(row.leader),
            })
    # Each leader's attendance at events of their own branch (the event's organization is the
    # member's branch), summed in the database.
    attended: dict[int, tuple[int, int]] = {
        member_id: (int(present or 0), int(expected or 0))
        for member_id, present, expected in db.session.execute(
            scope.scoped(
                select(
                    Attendance.member_id,
                    func.sum(case((Attendance.status == "present", 1), else_=0)),
                    func.count(),
                )
                .join(Event, Event.id == Attendance.event_id)
                .join(Member, Member.id == Attendance.member_id)
                .where(
                    Member.is_leader.is_(True),
                    # At their own branch: the one whose roll they were on that day.
                    member_on_roll_clause(Event.organization_id, Event.held_on),
                    Event.held_on.between(scope.start, scope.end),
                    Event.id.in_(select(EventKind.event_id).where(EventKind.kind.in_(DUAL_LIFE_KINDS))),
                )
                .group_by(Attendance.member_id),
                Attendance,
            )
        )
    }
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        secretary, leader = counts.get(branch.id, (0, 0))
        leaders = []
        for member in scope.current_members(branch.id):
            if not member.is_leader:
                continue
            present, expected = attended.get(member.id, (0, 0))
            leaders.append({
                "member_id": member.id, "name": member.name, "present": present, "expected": expected,
                "ratio": round(present / expected, 4) if expected else None,
            })
        present = sum(entry["present"] for entry in leaders)
        expected = sum(entry["expected"] for entry in leaders)
        facts: dict[str, Any] = {
            "lessons.by_secretary": secretary,
            "lessons.by_leader": leader,
            "dual_life.ratio": round(present / expected, 4) if expected else None,
            "dual_life.leaders": leaders,
        }
        if scope.evidence:
            facts["lessons.items"] = items.get(branch.id, [])
        results[branch.id] = facts
    return results
