"""The mass family: a unit's 群团组织 set up by the end of the period and their activities."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select

from core.extensions import db
from core.mass.models import MassActivity, MassOrganization
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue
from core.vocabulary import MASS_ORGANIZATION_KINDS


@family(catalogue.MASS)
def mass(scope: Scope) -> dict[int, dict[str, Any]]:
    """Unit-level: every branch of a unit gets the unit's figures (two statements)."""
    end = scope.end
    set_up: dict[int, set[str]] = defaultdict(set)
    for tenant_id, kind in db.session.execute(
        scope.scoped(
            select(MassOrganization.tenant_id, MassOrganization.kind)
            .where(
                MassOrganization.set_up_on <= end,
                or_(MassOrganization.dissolved_on.is_(None), MassOrganization.dissolved_on > end),
            )
            .distinct(),
            MassOrganization,
        )
    ):
        set_up[tenant_id].add(kind)
    activities = dict(
        db.session.execute(
            scope.scoped(
                select(MassActivity.tenant_id, func.count())
                .where(MassActivity.held_on.between(scope.start, end))
                .group_by(MassActivity.tenant_id),
                MassActivity,
            )
        ).all()
    )
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        kinds = set_up.get(branch.tenant_id, set())
        facts: dict[str, Any] = {f"mass.set_up.{kind}": kind in kinds for kind in MASS_ORGANIZATION_KINDS}
        facts["mass.activity_count"] = int(activities.get(branch.tenant_id, 0))
        results[branch.id] = facts
    return results
