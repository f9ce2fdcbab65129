"""The county view: units and branches ranked, grades counted, the host's ranking rules applied.

The ranking rules are host parameters (``county.ranking_rules``), not code: seed 001 praises the
top 6 units, bars the bottom 3 from "advanced" and interviews the bottom 2's secretaries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.host.models import HostParameter, Tenant
from core.plugins.manager import PluginRegistry
from core.scoring.live import Freshness, stored_outcomes
from core.scoring.services import BranchScore, UnitScore, apply_county_quota, score_units
from core.timezone import local_today

#: Seed 001 (临蒙发〔2018〕13号 四（三）) — used when the host has not set its own rules.
DEFAULT_RANKING_RULES = {"praise_top": 6, "bar_bottom": 3, "interview_bottom": 2}
RANKING_RULES_KEY = "county.ranking_rules"


@dataclass(frozen=True)
class RankingRules:
    """How a county uses its ranking of units."""

    praise_top: int = 6
    bar_bottom: int = 3
    interview_bottom: int = 2
    source: str = "临蒙发〔2018〕13号 四（三）"

    def describe(self) -> list[str]:
        return [
            f"前{self.praise_top}位的单位予以表扬",
            f"后{self.bar_bottom}位的单位原则上不得评为先进单位，党组织书记年度考核不得评为“优秀”",
            f"后{self.interview_bottom}位的单位由县委组织部约谈党组织书记",
        ]


@dataclass
class RankedUnit:
    """A unit's place in the county: the mean total of its rated branches."""

    tenant: Tenant
    score: Decimal | None
    branches_rated: int
    grades: dict[str, int]
    rank: int | None = None
    rank_in_type: int | None = None
    outcomes: list[str] = field(default_factory=list)
    not_scored_reason: str | None = None


@dataclass
class RankedBranch:
    tenant: Tenant
    branch: BranchScore
    rank: int | None = None
    rank_in_type: int | None = None


@dataclass
class CountyRanking:
    """Everything the county roll-up shows."""

    year: int
    as_of: dt.date
    rules: RankingRules
    units: list[RankedUnit]
    branches: list[RankedBranch]
    distribution: dict[str, int]
    distribution_by_type: dict[str, dict[str, int]]
    outcomes: list[UnitScore]

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "rules": self.rules.describe(),
            "distribution": self.distribution,
            "distribution_by_type": self.distribution_by_type,
            "units": [
                {
                    "tenant": u.tenant.slug,
                    "name": u.tenant.name,
                    "unit_type": u.tenant.unit_type,
                    "score": None if u.score is None else str(u.score),
                    "branches_rated": u.branches_rated,
                    "grades": u.grades,
                    "rank": u.rank,
                    "rank_in_type": u.rank_in_type,
                    "outcomes": u.outcomes,
                    "not_scored_reason": u.not_scored_reason,
                }
                for u in self.units
            ],
            "branches": [
                {
                    "tenant": b.tenant.slug,
                    "code": b.branch.organization.code,
                    "name": b.branch.organization.name,
                    "total": str(b.branch.result.total),
                    "grade": b.branch.result.grade,
                    "status": b.branch.result.status,
                    "rank": b.rank,
                    "rank_in_type": b.rank_in_type,
                }
                for b in self.branches
            ],
        }


def ranking_rules() -> RankingRules:
    """The host's ranking rules, or seed 001's when the host has set none."""
    row = db.session.scalar(select(HostParameter).where(HostParameter.key == RANKING_RULES_KEY))
    values = {**DEFAULT_RANKING_RULES, **(row.value if row and isinstance(row.value, dict) else {})}
    source = row.source if row and row.source else RankingRules.source
    return RankingRules(
        praise_top=int(values["praise_top"]),
        bar_bottom=int(values["bar_bottom"]),
        interview_bottom=int(values["interview_bottom"]),
        source=source,
    )


def apply_verdicts(units: list[RankedUnit], rules: RankingRules) -> None:
    """The ranking's use (表扬, 不得评先, 约谈) for a whole county's ranked units.

    A unit in the bottom groups is never also praised: in a county smaller than the groups
    together, the bottom verdicts win (a unit cannot be praised and barred at once).
    """
    ranked = sorted((u for u in units if u.rank is not None), key=lambda u: u.rank)
    count = len(ranked)
    for unit in ranked:
        from_bottom = count - unit.rank + 1
        barred = from_bottom <= rules.bar_bottom
        if unit.rank <= rules.praise_top and not barred:
            unit.outcomes.append("表扬")
        if barred:
            unit.outcomes.append("不得评先")
        if from_bottom <= rules.interview_bottom:
            unit.outcomes.append("约谈党组织书记")


def _rank(items: list, key) -> None:
    """Competition ranking (1, 2, 2, 4) by descending ``key``; None sorts last, unranked."""
    ordered = sorted((i for i in items if key(i) is not None), key=key, reverse=True)
    previous, place = None, 0
    for position, item in enumerate(ordered, start=1):
        value = key(item)
        if value != previous:
            place, previous = position, value
        yield item, place


def rank_county(
    year: int,
    registry: PluginRegistry,
    *,
    as_of: dt.date | None = None,
    tenant_ids: list[int] | None = None,
) -> CountyRanking:
    """Score every unit in scope in one pass and rank them.

    :param tenant_ids: restrict to these units (a supervisor's scope); None means the county.
    """
    tenants = _tenants_in_scope(tenant_ids)
    outcomes = score_units(tenants, year, registry, as_of=as_of, evidence=False)
    return rank_outcomes(outcomes, year, registry, as_of=as_of, tenant_ids=tenant_ids)


def _tenants_in_scope(tenant_ids: list[int] | None) -> list[Tenant]:
    query = select(Tenant).order_by(Tenant.slug)
    if tenant_ids is not None:
        query = query.where(Tenant.id.in_(tenant_ids))
    return list(db.session.scalars(query))


def rank_stored(
    registry: PluginRegistry, *, today: dt.date | None = None, tenant_ids: list[int] | None = None
) -> tuple[CountyRanking, Freshness]:
    """The current year's ranking from the stored live results (see :mod:`core.scoring.live`).

    The same ranking as :func:`rank_county` for today, read instead of scored; with when the
    results were computed and whether a re-score is pending.
    """
    today = today or local_today()
    tenants = _tenants_in_scope(tenant_ids)
    outcomes, freshness = stored_outcomes(tenants, registry, today=today)
    return rank_outcomes(outcomes, today.year, registry, as_of=today, tenant_ids=tenant_ids), freshness


def rank_outcomes(
    outcomes: list[UnitScore],
    year: int,
    registry: PluginRegistry,
    *,
    as_of: dt.date | None = None,
    tenant_ids: list[int] | None = None,
) -> CountyRanking:
    """Rank scored units (live or stored): the top-grade quota, places, grade counts, verdicts."""
    apply_county_quota(outcomes, registry)
    rules = ranking_rules()

    units: list[RankedUnit] = []
    branches: list[RankedBranch] = []
    distribution: Counter[str] = Counter()
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    for outcome in outcomes:
        rated = [b for b in outcome.branches if b.result.status != "not_rated"]
        grades = Counter(b.result.grade or "不参加评定" for b in outcome.branches)
        score = None
        if rated:
            mean = sum((b.result.total for b in rated), Decimal(0)) / len(rated)
            score = mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        units.append(
            RankedUnit(
                tenant=outcome.tenant,
                score=score,
                branches_rated=len(rated),
                grades=dict(grades),
                not_scored_reason=outcome.not_scored_reason,
            )
        )
        for branch in outcome.branches:
            branches.append(RankedBranch(tenant=outcome.tenant, branch=branch))
            distribution[branch.result.grade or "不参加评定"] += 1
            by_type[outcome.tenant.unit_type][branch.result.grade or "不参加评定"] += 1

    for unit, place in _rank(units, lambda u: u.score):
        unit.rank = place
    for unit_type in {u.tenant.unit_type for u in units}:
        for unit, place in _rank([u for u in units if u.tenant.unit_type == unit_type], lambda u: u.score):
            unit.rank_in_type = place
    rated_branches = [b for b in branches if b.branch.result.status != "not_rated"]
    for branch, place in _rank(rated_branches, lambda b: b.branch.result.total):
        branch.rank = place
    for unit_type in {b.tenant.unit_type for b in branches}:
        typed = [b for b in rated_branches if b.tenant.unit_type == unit_type]
        for branch, place in _rank(typed, lambda b: b.branch.result.total):
            branch.rank_in_type = place

    # The county's rules rank the county: a scope of some units (a supervisor's) gets no
    # verdicts of its own, since "the last three" of a scope are not the county's last three.
    if tenant_ids is None:
        apply_verdicts(units, rules)
    units.sort(key=lambda u: (u.rank is None, u.rank or 0, u.tenant.slug))
    branches.sort(key=lambda b: (b.rank is None, b.rank or 0, b.tenant.slug, b.branch.organization.code))
    return CountyRanking(
        year=year,
        as_of=outcomes[0].period.as_of if outcomes else (as_of or local_today()),
        rules=rules,
        units=units,
        branches=branches,
        distribution=dict(distribution),
        distribution_by_type={k: dict(v) for k, v in by_type.items()},
        outcomes=outcomes,
    )
