"""The publicity family: reports (报道) about each branch published in the year."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.publicity.models import PublicityReport
from core.standards import catalogue


@family(catalogue.PUBLICITY)
def publicity(scope: Scope) -> dict[int, dict[str, Any]]:
    """``publicity.items`` per branch (a rubric counts them, by level if it wants)."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in db.session.execute(
        scope.scoped(
            select(
                PublicityReport.id, PublicityReport.organization_id, PublicityReport.published_on,
                PublicityReport.title, PublicityReport.outlet, PublicityReport.level,
            )
            .where(PublicityReport.published_on.between(scope.start, scope.end))
            .order_by(PublicityReport.published_on, PublicityReport.id),
            PublicityReport,
        )
    ):
        found[row.organization_id].append({
            "id": row.id, "date": row.published_on.isoformat(), "title": row.title,
            "outlet": row.outlet, "level": row.level,
        })
    return {
        branch.id: {"publicity.count": len(found.get(branch.id, [])), "publicity.items": found.get(branch.id, [])}
        for branch in scope.branches
    }
