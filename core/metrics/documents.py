"""The documents family: party-building documents of the year by type, on time or overdue.

The types and their due days are the unit type's plugin data; the database counts each
branch's documents per type and finds the earliest.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from core.documents.models import PartyDocument
from core.extensions import db
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue


@family(catalogue.DOCUMENTS)
def documents(scope: Scope) -> dict[int, dict[str, Any]]:
    """Counts and earliest dates per branch and type, plus the latest result where one is kept."""
    # Read on the reading day, not the year's end: a 年终总结 of a year may be dated in January.
    year, read_on = scope.period.year, scope.period.as_of
    of_year = (PartyDocument.year == year, PartyDocument.dated_on <= read_on)
    counts: dict[int, dict[str, tuple[int, Any]]] = defaultdict(dict)
    for organization_id, doc_type, count, first in db.session.execute(
        scope.scoped(
            select(PartyDocument.organization_id, PartyDocument.doc_type, func.count(), func.min(PartyDocument.dated_on))
            .where(*of_year)
            .group_by(PartyDocument.organization_id, PartyDocument.doc_type),
            PartyDocument,
        )
    ):
        counts[organization_id][doc_type] = (int(count), first)
    results_by: dict[int, dict[str, str]] = defaultdict(dict)
    for organization_id, doc_type, result in db.session.execute(
        scope.scoped(
            select(PartyDocument.organization_id, PartyDocument.doc_type, PartyDocument.result)
            .where(*of_year, PartyDocument.result.is_not(None))
            .order_by(PartyDocument.dated_on, PartyDocument.id),
            PartyDocument,
        )
    ):
        results_by[organization_id][doc_type] = result  # the latest wins
    codes = scope.registry.document_type_labels() if scope.registry is not None else {}
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        unit_type = scope.unit_types.get(branch.tenant_id)
        types = {t.key: t for t in (unit_type.document_types if unit_type is not None else ())}
        found = counts.get(branch.id, {})
        facts: dict[str, Any] = {}
        overdue = []
        for code in codes:
            count, first = found.get(code, (0, None))
            due = types[code].due_on(year) if code in types else None
            facts[f"documents.count.{code}"] = count
            facts[f"documents.on_time.{code}"] = count > 0 and (due is None or first <= due)
            facts[f"documents.result.{code}"] = results_by.get(branch.id, {}).get(code)
            if code in types and due is not None and due < read_on and count == 0:
                overdue.append({"type": code, "label": types[code].label_zh, "due_on": due.isoformat()})
        facts["documents.overdue"] = overdue
        results[branch.id] = facts
    return results
