"""The attendance-detail family: attendance per kind of event and meetings under 80 %."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select

from core.events.models import Attendance, Event, EventKind
from core.extensions import db
from core.members.roll import away_from_meetings_clause
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue
from core.vocabulary import EVENT_KINDS

#: A meeting whose attendance is below this share counts as poorly attended (county rubrics:
#: 到会率低于80%的每次扣分).
LOW_ATTENDANCE = (4, 5)


def present_count() -> Any:
    """SQL: the attendance rows marked present, summed."""
    return func.sum(case((Attendance.status == "present", 1), else_=0))


@family(catalogue.ATTENDANCE_DETAIL)
def attendance_detail(scope: Scope) -> dict[int, dict[str, Any]]:
    """Present over expected per branch and kind, and the count of events under 80 %, each
    summed in the database."""
    in_year = Event.held_on.between(scope.start, scope.end)
    not_away = ~away_from_meetings_clause(Attendance.member_id, Event.organization_id, Event.held_on)
    ratios: dict[int, dict[str, float | None]] = defaultdict(dict)
    for organization_id, kind, present, expected in db.session.execute(
        scope.scoped(
            select(Event.organization_id, EventKind.kind, present_count(), func.count())
            .select_from(Attendance)
            .join(Event, Event.id == Attendance.event_id)
            .join(EventKind, EventKind.event_id == Event.id)
            .where(in_year, not_away)
            .group_by(Event.organization_id, EventKind.kind),
            Attendance,
        )
    ):
        ratios[organization_id][kind] = round(int(present or 0) / expected, 4) if expected else None
    share, whole = LOW_ATTENDANCE
    per_event = (
        scope.scoped(
            select(Event.organization_id.label("organization_id"))
            .select_from(Attendance)
            .join(Event, Event.id == Attendance.event_id)
            .where(in_year, not_away)
            .group_by(Attendance.event_id, Event.organization_id)
            .having(present_count() * whole < func.count() * share),
            Attendance,
        )
        .subquery()
    )
    low = dict(
        db.session.execute(
            select(per_event.c.organization_id, func.count()).group_by(per_event.c.organization_id)
        ).all()
    )
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        found = ratios.get(branch.id, {})
        facts: dict[str, Any] = {f"attendance.kind_ratio.{kind}": found.get(kind) for kind in EVENT_KINDS}
        facts["attendance.events_under_80"] = int(low.get(branch.id, 0))
        results[branch.id] = facts
    return results
