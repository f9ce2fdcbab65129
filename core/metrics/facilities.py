"""The facilities family: the 六有 checklist as last checked."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.facilities.models import FacilityCheck
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue


@family(catalogue.FACILITIES)
def facilities(scope: Scope) -> dict[int, dict[str, Any]]:
    """The latest check of each item, the branch's own or else the nearest organization's above."""
    checks: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for check in db.session.scalars(
        scope.scoped(select(FacilityCheck).where(FacilityCheck.checked_on <= scope.end), FacilityCheck).order_by(
            FacilityCheck.checked_on, FacilityCheck.id
        )
    ):
        checks[check.organization_id][check.item] = {
            "met": check.met,
            "evidence": check.evidence_note or check.evidence_file,
            "checked_on": check.checked_on.isoformat(),
            "checked_by": check.checked_by,
            "record_id": check.id,
        }
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        # Seed 001: 一室多用、多支部共用 — branches may share the unit's activity room.
        items: dict[str, dict[str, Any]] = {}
        node: int | None = branch.id
        while node is not None:
            for item, found in checks.get(node, {}).items():
                items.setdefault(item, found)
            node = scope.parent.get(node)
        results[branch.id] = {"facilities.items": items}
    return results
