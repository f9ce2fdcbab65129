"""The period family: the year assessed and the day the records are read on."""

from __future__ import annotations

from typing import Any

from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue


@family(catalogue.PERIOD)
def period(scope: Scope) -> dict[int, dict[str, Any]]:
    """The same values for every branch; reads no records."""
    months = scope.period.months
    values = {
        "period.year": scope.period.year,
        "period.months": months,
        "period.as_of": scope.period.as_of.isoformat(),
        "period.complete": len(months) == 12,
    }
    return {branch.id: dict(values) for branch in scope.branches}
