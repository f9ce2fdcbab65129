"""The appraisal family: democratic appraisal (民主评议党员) results recorded for the year."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.members.models import Appraisal
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue


@family(catalogue.APPRAISAL)
def appraisal(scope: Scope) -> dict[int, dict[str, Any]]:
    """Full members on the roll at the end of the period with a result, over all of them."""
    appraised = {
        member_id
        for (member_id,) in db.session.execute(
            scope.scoped(select(Appraisal.member_id).where(Appraisal.year == scope.period.year), Appraisal)
        )
    }
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        full = [m for m in scope.current_members(branch.id) if m.status == "full"]
        ratio = round(sum(1 for m in full if m.id in appraised) / len(full), 4) if full else None
        results[branch.id] = {"appraisal.recorded_ratio": ratio}
    return results
