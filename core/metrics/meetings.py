"""The meetings and attendance families: 三会一课 and other events of the year."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from core.events.models import Attendance, Event, EventKind
from core.extensions import db
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue
from core.standards.periods import month_of
from core.vocabulary import EVENT_KINDS

#: Kinds whose attendance measures members' participation (三会一课 for all members, 主题党日).
ATTENDANCE_KINDS = ("general_meeting", "theme_day", "party_lesson")


def _events_by_org(scope: Scope) -> dict[int, list[Any]]:
    """Events of the year with every kind they count as (one event may count as several).

    Kept on the scope, so the meetings and the attendance families read the events once.
    """
    return scope.shared("events_by_org", lambda: _read_events(scope))


def _read_events(scope: Scope) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    for row in db.session.execute(
        scope.scoped(
            select(Event.id, Event.organization_id, Event.held_on, Event.topic, EventKind.kind)
            .join(EventKind, EventKind.event_id == Event.id)
            .where(Event.held_on.between(scope.start, scope.end)),
            Event,
        ).order_by(Event.held_on, Event.id)
    ):
        found[row.organization_id].append(row)
    return found


@family(catalogue.MEETINGS)
def meetings(scope: Scope) -> dict[int, dict[str, Any]]:
    """Events per kind per month, and the events behind the counts."""
    events = _events_by_org(scope)
    months = set(scope.period.months)
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        per_kind: dict[str, dict[str, int]] = {kind: {} for kind in EVENT_KINDS}
        evidence: dict[str, list[dict[str, Any]]] = {kind: [] for kind in EVENT_KINDS}
        for row in events.get(branch.id, ()):
            key = month_of(row.held_on)
            per_kind[row.kind][key] = per_kind[row.kind].get(key, 0) + 1
            evidence[row.kind].append({"id": row.id, "date": row.held_on.isoformat(), "topic": row.topic})
        facts: dict[str, Any] = {}
        for kind in EVENT_KINDS:
            facts[f"meetings.{kind}"] = per_kind[kind]
            facts[f"meetings.evidence.{kind}"] = evidence[kind]
        facts["meetings.months_with_any"] = sorted(
            {k for kind in EVENT_KINDS for k in per_kind[kind] if k in months}
        )
        results[branch.id] = facts
    return results


@family(catalogue.ATTENDANCE)
def attendance(scope: Scope) -> dict[int, dict[str, Any]]:
    """Present over expected at the events every member attends."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event_id, status, count in db.session.execute(
        scope.scoped(
            select(Attendance.event_id, Attendance.status, func.count())
            .join(Event, Event.id == Attendance.event_id)
            .where(Event.held_on.between(scope.start, scope.end))
            .group_by(Attendance.event_id, Attendance.status),
            Attendance,
        )
    ):
        counts[event_id][status] = count
    events = _events_by_org(scope)
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        seen: dict[int, Any] = {}
        for row in events.get(branch.id, ()):
            if row.kind in ATTENDANCE_KINDS:
                seen[row.id] = row
        present = expected = 0
        recorded, unrecorded = [], []
        for event_id, row in seen.items():
            found = counts.get(event_id)
            if not found:
                unrecorded.append({"id": event_id, "date": row.held_on.isoformat(), "topic": row.topic})
                continue
            total = sum(found.values())
            present += found.get("present", 0)
            expected += total
            recorded.append(
                {"id": event_id, "date": row.held_on.isoformat(), "ratio": round(found.get("present", 0) / total, 4)}
            )
        results[branch.id] = {
            "attendance.ratio": round(present / expected, 4) if expected else None,
            "attendance.events": recorded,
            "attendance.unrecorded_events": unrecorded,
        }
    return results
