"""The training family: hours (学时) earned in the year by the members on the roll."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.events.models import Attendance, Event, TrainingRecord
from core.extensions import db
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue


@family(catalogue.TRAINING)
def training(scope: Scope) -> dict[int, dict[str, Any]]:
    """Hours from events attended plus training records, per member on the roll at the end."""
    start, end = scope.start, scope.end
    hours: dict[int, Decimal] = defaultdict(Decimal)
    for member_id, total in db.session.execute(
        scope.scoped(
            select(Attendance.member_id, func.sum(Event.training_hours))
            .join(Event, Event.id == Attendance.event_id)
            .where(Attendance.status == "present", Event.held_on.between(start, end))
            .group_by(Attendance.member_id),
            Attendance,
        )
    ):
        hours[member_id] += Decimal(str(total or 0))
    for member_id, total in db.session.execute(
        scope.scoped(
            select(TrainingRecord.member_id, func.sum(TrainingRecord.hours))
            .where(TrainingRecord.taken_on.between(start, end))
            .group_by(TrainingRecord.member_id),
            TrainingRecord,
        )
    ):
        hours[member_id] += Decimal(str(total or 0))
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        current = scope.current_members(branch.id)
        ids = {m.id for m in current}
        seated = {s.member_id for s in scope.seats.get(branch.id, [])}
        results[branch.id] = {
            "training.hours_by_member": {m.id: hours.get(m.id, Decimal(0)) for m in current},
            "training.leader_ids": sorted({m.id for m in current if m.is_leader} | (seated & ids)),
        }
    return results
