"""The honours family: honours awarded in the year up to the reading day."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.scoring.models import Honour
from core.standards import catalogue


@family(catalogue.HONOURS)
def honours(scope: Scope) -> dict[int, dict[str, Any]]:
    """``[{id, date, name}]`` per branch."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for honour in db.session.scalars(
        scope.scoped(
            select(Honour).where(
                Honour.year == scope.period.year, Honour.awarded_on <= scope.end, Honour.revoked_on.is_(None)
            ),
            Honour,
        )
    ):
        found[honour.organization_id].append({"id": honour.id, "date": honour.awarded_on.isoformat(), "name": honour.name})
    return {branch.id: {"honours.items": found.get(branch.id, [])} for branch in scope.branches}
