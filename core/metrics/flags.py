"""The flags family: one ``flags.<code>`` per kind of finding, true when one is recorded."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.metrics.registry import family, finding_codes
from core.metrics.scope import Scope
from core.scoring.models import Finding
from core.standards import catalogue


@family(catalogue.FLAGS)
def flags(scope: Scope) -> dict[int, dict[str, Any]]:
    """Findings of the year per branch; the kinds come from :func:`finding_codes`."""
    found: dict[int, set[str]] = defaultdict(set)
    for organization_id, code in db.session.execute(
        scope.scoped(
            select(Finding.organization_id, Finding.finding).where(
                Finding.year == scope.period.year, Finding.revoked_on.is_(None)
            ),
            Finding,
        )
    ):
        found[organization_id].add(code)
    codes = list(finding_codes())
    return {
        branch.id: {f"flags.{code}": code in found.get(branch.id, set()) for code in codes}
        for branch in scope.branches
    }
