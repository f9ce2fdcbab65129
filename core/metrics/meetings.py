"""The meetings and attendance families: 三会一课 and other events of the year.

The database counts events per branch, kind and month, and attendance per branch; the lists of
events behind the counts (evidence for a card) are read only when the scope asks for evidence.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import case, func, select

from core.events.models import Attendance, Event, EventKind
from core.extensions import db
from core.members.roll import away_from_meetings_clause
from core.metrics.registry import family
from core.metrics.scope import Scope, month_index_of
from core.standards import catalogue
from core.standards.periods import month_key_at
from core.vocabulary import EVENT_KINDS

#: Kinds whose attendance measures members' participation (三会一课 for all members, 主题党日).
ATTENDANCE_KINDS = ("general_meeting", "theme_day", "party_lesson")


class HeldEvent(NamedTuple):
    """One event of the year under one kind it counts as, its date already ISO (evidence)."""

    id: int
    date: str
    topic: str | None
    kind: str


def _events_by_org(scope: Scope) -> dict[int, list[HeldEvent]]:
    """Events of the year with every kind they count as (one event may count as several).

    Evidence only; kept on the scope, so the meetings and attendance families read them once.
    """
    return scope.shared("events_by_org", lambda: _read_events(scope))


def _read_events(scope: Scope) -> dict[int, list[HeldEvent]]:
    found: dict[int, list[HeldEvent]] = defaultdict(list)
    for event_id, organization_id, held_on, topic, kind in db.session.execute(
        scope.scoped(
            select(Event.id, Event.organization_id, Event.held_on, Event.topic, EventKind.kind)
            .join(EventKind, EventKind.event_id == Event.id)
            .where(Event.held_on.between(scope.start, scope.end)),
            Event,
        ).order_by(Event.held_on, Event.id)
    ):
        found[organization_id].append(HeldEvent(event_id, held_on.isoformat(), topic, kind))
    return found


@family(catalogue.MEETINGS)
def meetings(scope: Scope) -> dict[int, dict[str, Any]]:
    """Events per kind per month (counted in the database), and the events behind the counts."""
    month = month_index_of(Event.held_on)
    rows = db.session.execute(
        scope.scoped(
            select(Event.organization_id, EventKind.kind, month, func.count())
            .join(EventKind, EventKind.event_id == Event.id)
            .where(Event.held_on.between(scope.start, scope.end))
            .group_by(Event.organization_id, EventKind.kind, month),
            Event,
        )
    ).all()
    # Sorted here, not in the database (a hash aggregate there): each count in month order.
    rows.sort(key=lambda row: row[2])
    keys: dict[int, str] = {}
    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for organization_id, kind, index, count in rows:
        key = keys.get(index) or keys.setdefault(index, month_key_at(int(index)))
        counts[organization_id][kind][key] = count
    events = _events_by_org(scope) if scope.evidence else {}
    months = set(scope.period.months)
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        per_kind = counts.get(branch.id, {})
        facts: dict[str, Any] = {f"meetings.{kind}": dict(per_kind.get(kind, {})) for kind in EVENT_KINDS}
        if scope.evidence:
            evidence: dict[str, list[dict[str, Any]]] = {kind: [] for kind in EVENT_KINDS}
            for row in events.get(branch.id, ()):
                evidence[row.kind].append({"id": row.id, "date": row.date, "topic": row.topic})
            for kind in EVENT_KINDS:
                facts[f"meetings.evidence.{kind}"] = evidence[kind]
        facts["meetings.months_with_any"] = sorted(
            {key for kind in EVENT_KINDS for key in per_kind.get(kind, {}) if key in months}
        )
        results[branch.id] = facts
    return results


def _attendance_events() -> Any:
    """Events that count as a kind every member attends (an event of two such kinds, once)."""
    return select(EventKind.event_id).where(EventKind.kind.in_(ATTENDANCE_KINDS))


@family(catalogue.ATTENDANCE)
def attendance(scope: Scope) -> dict[int, dict[str, Any]]:
    """Present over expected at the events every member attends, summed in the database."""
    totals = {
        organization_id: (int(present or 0), int(expected or 0))
        for organization_id, present, expected in db.session.execute(
            scope.scoped(
                select(
                    Event.organization_id,
                    func.sum(case((Attendance.status == "present", 1), else_=0)),
                    func.count(),
                )
                .join(Event, Event.id == Attendance.event_id)
                .where(
                    Event.held_on.between(scope.start, scope.end),
                    Event.id.in_(_attendance_events()),
                    ~away_from_meetings_clause(Attendance.member_id, Event.organization_id, Event.held_on),
                )
                .group_by(Event.organization_id),
                Attendance,
            )
        )
    }
    per_event = _per_event_attendance(scope) if scope.evidence else {}
    events = _events_by_org(scope) if scope.evidence else {}
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        present, expected = totals.get(branch.id, (0, 0))
        facts: dict[str, Any] = {"attendance.ratio": round(present / expected, 4) if expected else None}
        if scope.evidence:
            seen: dict[int, HeldEvent] = {}
            for row in events.get(branch.id, ()):
                if row.kind in ATTENDANCE_KINDS:
                    seen.setdefault(row.id, row)
            recorded, unrecorded = [], []
            for event_id, row in seen.items():
                found = per_event.get(event_id)
                if not found:
                    unrecorded.append({"id": event_id, "date": row.date, "topic": row.topic})
                    continue
                event_present, total = found
                recorded.append({"id": event_id, "date": row.date, "ratio": round(event_present / total, 4)})
            facts["attendance.events"] = recorded
            facts["attendance.unrecorded_events"] = unrecorded
        results[branch.id] = facts
    return results


def _per_event_attendance(scope: Scope) -> dict[int, tuple[int, int]]:
    """Event id → (present, expected) for the year's events that every member attends."""
    return {
        event_id: (int(present or 0), int(total))
        for event_id, present, total in db.session.execute(
            scope.scoped(
                select(
                    Attendance.event_id,
                    func.sum(case((Attendance.status == "present", 1), else_=0)),
                    func.count(),
                )
                .join(Event, Event.id == Attendance.event_id)
                .where(
                    Event.held_on.between(scope.start, scope.end),
                    Event.id.in_(_attendance_events()),
                    ~away_from_meetings_clause(Attendance.member_id, Event.organization_id, Event.held_on),
                )
                .group_by(Attendance.event_id),
                Attendance,
            )
        )
    }
