"""The fiscal family: a unit's recorded fiscal basis of the year and its party-work funding."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.extensions import db
from core.funding.models import FundingRecord
from core.host.models import FiscalBasis
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue


@family(catalogue.FISCAL)
def fiscal(scope: Scope) -> dict[int, dict[str, Any]]:
    """Unit-level: every branch of a unit gets the unit's figures."""
    year = scope.period.year
    bases = {
        f.tenant_id: f
        for f in db.session.scalars(scope.scoped(select(FiscalBasis).where(FiscalBasis.year == year), FiscalBasis))
    }
    funding: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"budgeted": Decimal(0), "spent": Decimal(0)})
    for tenant_id, budgeted, spent in db.session.execute(
        scope.scoped(
            select(FundingRecord.tenant_id, func.sum(FundingRecord.budgeted), func.sum(FundingRecord.spent))
            .where(FundingRecord.year == year)
            .group_by(FundingRecord.tenant_id),
            FundingRecord,
        )
    ):
        funding[tenant_id] = {"budgeted": Decimal(str(budgeted or 0)), "spent": Decimal(str(spent or 0))}
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        basis = bases.get(branch.tenant_id)
        results[branch.id] = {
            "fiscal.public_operating_expenses": basis.public_operating_expenses if basis else None,
            "fiscal.wage_bill_last_year": basis.wage_bill_last_year if basis else None,
            "fiscal.headcount": basis.headcount if basis else None,
            # 机关工作人员总数 for organs; 职工人数 elsewhere — the same recorded headcount.
            "fiscal.staff_count": basis.headcount if basis else None,
            "fiscal.carry_over": basis.carry_over if basis else None,
            "funding.carry_over": basis.carry_over if basis else None,
            "funding.budgeted": funding[branch.tenant_id]["budgeted"],
            "funding.spent": funding[branch.tenant_id]["spent"],
        }
    return results
