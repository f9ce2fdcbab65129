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

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import load_only

from core.extensions import db
from core.host.models import HostParameter, Tenant
from core.organizations.models import Organization
from core.plugins.manager import PluginRegistry
from core.scoring.live import Freshness, bring_up_to_date, stored_outcomes
from core.scoring.models import LiveResult
from core.scoring.services import (
    BranchScore,
    UnitScore,
    apply_county_quota,
    not_scored_reason,
    quota_groups,
    quota_key,
    score_units,
)
from core.standards.model import QuotaRule
from core.standards.quota import quota_cut, quota_places
from core.tenancy import host_scope
from core.timezone import local_today

#: Seed 001 (临蒙发〔2018〕13号 四（三）) — used when the host has not set its own rules.
DEFAULT_RANKING_RULES = {"praise_top": 6, "bar_bottom": 3, "interview_bottom": 2}
RANKING_RULES_KEY = "county.ranking_rules"
#: How the county counts a branch without a grade (not rated, or below every band).
NOT_RATED = "不参加评定"


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


def mean_score(total: Decimal, count: int) -> Decimal | None:
    """A unit's score: the mean total of its rated branches, to the cent (half up); None if none."""
    if not count:
        return None
    return (total / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rank_units(units: list[RankedUnit], rules: RankingRules, *, county: bool) -> None:
    """Place units in the county and within their type, apply the verdicts, sort best first.

    :param county: the whole county. The county's rules rank the county: a scope of some units
        (a supervisor's) gets no verdicts of its own, since "the last three" of a scope are not
        the county's last three.
    """
    for unit, place in _rank(units, lambda u: u.score):
        unit.rank = place
    for unit_type in {u.tenant.unit_type for u in units}:
        for unit, place in _rank([u for u in units if u.tenant.unit_type == unit_type], lambda u: u.score):
            unit.rank_in_type = place
    if county:
        apply_verdicts(units, rules)
    units.sort(key=lambda u: (u.rank is None, u.rank or 0, u.tenant.slug))


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


#: What the county page reads of a unit: loading its parameters (JSON) for 1,500 units is most
#: of what reading the units costs.
PAGE_COLUMNS = (Tenant.id, Tenant.slug, Tenant.name, Tenant.unit_type, Tenant.enabled, Tenant.plugin_enabled)


def _tenants_in_scope(tenant_ids: list[int] | None, *, columns: tuple = ()) -> list[Tenant]:
    query = select(Tenant).order_by(Tenant.slug)
    if columns:
        query = query.options(load_only(*columns))
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
        grades = Counter(b.result.grade or NOT_RATED for b in outcome.branches)
        units.append(
            RankedUnit(
                tenant=outcome.tenant,
                score=mean_score(sum((b.result.total for b in rated), Decimal(0)), len(rated)),
                branches_rated=len(rated),
                grades=dict(grades),
                not_scored_reason=outcome.not_scored_reason,
            )
        )
        for branch in outcome.branches:
            branches.append(RankedBranch(tenant=outcome.tenant, branch=branch))
            distribution[branch.result.grade or NOT_RATED] += 1
            by_type[outcome.tenant.unit_type][branch.result.grade or NOT_RATED] += 1

    rated_branches = [b for b in branches if b.branch.result.status != "not_rated"]
    for branch, place in _rank(rated_branches, lambda b: b.branch.result.total):
        branch.rank = place
    for unit_type in {b.tenant.unit_type for b in branches}:
        typed = [b for b in rated_branches if b.tenant.unit_type == unit_type]
        for branch, place in _rank(typed, lambda b: b.branch.result.total):
            branch.rank_in_type = place

    rank_units(units, rules, county=tenant_ids is None)
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


# -- the county page over stored results: figures grouped in SQL, branches a page at a time -----


@dataclass(frozen=True)
class BranchFilter:
    """Which branches the county page's branch ranking lists, and in what order."""

    unit_type: str | None = None
    #: A grade as the county counts it (:data:`NOT_RATED` for a branch without one).
    grade: str | None = None
    status: str | None = None
    #: Part of the branch's or the unit's name.
    name: str | None = None
    weakest_first: bool = True


    def matches(self, row: Any) -> bool:
        """:meth:`CountyOverview.branch_rows`'s filter, for rows already in memory (a past year)."""
        name = (self.name or "").casefold()
        return (
            (not self.unit_type or row.unit_type == self.unit_type)
            and (not self.grade or row.grade_label == self.grade)
            and (not self.status or row.status == self.status)
            and (not name or name in row.branch_name.casefold() or name in row.unit_name.casefold())
        )

    def sort_key(self, row: Any) -> tuple:
        """:meth:`CountyOverview.branch_rows`'s order, for rows already in memory."""
        place = row.total if self.weakest_first else row.rank or 0
        return (row.rank is None, place, row.unit_slug, row.code)


@dataclass(frozen=True)
class BranchRow:
    """A branch on the county page, with the columns :meth:`CountyOverview.branch_rows` reads."""

    rank: int | None
    rank_in_type: int | None
    unit_type: str
    unit_slug: str
    unit_name: str
    code: str
    branch_name: str
    total: Decimal
    grade: str | None
    grade_label: str
    status: str


@dataclass
class TypeSummary:
    """One unit type's figures on the county page."""

    unit_type: str
    units: int = 0
    branches: int = 0
    rated: int = 0
    total_sum: Decimal = Decimal(0)

    @property
    def mean(self) -> Decimal | None:
        """The mean total of the type's rated branches."""
        return mean_score(self.total_sum, self.rated)


@dataclass
class CountyOverview:
    """The county page's figures for the current year, read from the stored live results.

    Everything county-wide is counted by the database (one grouped statement, whatever the
    county's size); the branches are read a page at a time through :meth:`branch_rows`.
    """

    year: int
    as_of: dt.date
    rules: RankingRules
    units: list[RankedUnit]
    distribution: dict[str, int]
    distribution_by_type: dict[str, dict[str, int]]
    statuses: dict[str, int]
    types: dict[str, TypeSummary]
    freshness: Freshness
    #: Every branch in scope with its grade after the quota and its places: a subquery of the
    #: stored results, or (a past year, scored live) the rows themselves.
    ranked: Any = field(repr=False)

    def branch_rows(self, chosen: BranchFilter) -> Select | list[BranchRow]:
        """The branches ``chosen`` selects, ordered; page it, or read it whole for a download.

        Rows carry ``rank``, ``rank_in_type`` (county-wide places, whatever the filter),
        ``unit_type``, ``unit_slug``, ``unit_name``, ``code``, ``branch_name``, ``total``,
        ``grade``, ``grade_label`` and ``status``. Read in host scope (the rows span units).
        """
        if isinstance(self.ranked, list):
            return sorted((row for row in self.ranked if chosen.matches(row)), key=chosen.sort_key)
        r = self.ranked.c
        query = select(self.ranked)
        if chosen.unit_type:
            query = query.where(r.unit_type == chosen.unit_type)
        if chosen.grade:
            query = query.where(r.grade_label == chosen.grade)
        if chosen.status:
            query = query.where(r.status == chosen.status)
        if chosen.name:
            query = query.where(or_(r.branch_name.icontains(chosen.name, autoescape=True),
                                    r.unit_name.icontains(chosen.name, autoescape=True)))
        place = r.total.asc() if chosen.weakest_first else r.rank.asc()
        return query.order_by(r.rank.is_(None), place, r.unit_slug, r.code)


def _quota_demotions(in_scope, registry: PluginRegistry) -> list[tuple[Any, str]]:
    """The top-grade quota as SQL conditions: (which stored results it demotes, to what grade).

    The same rule as :func:`core.scoring.services.apply_county_quota` over the scope's results:
    the places are counted from the rated branches, and the cut found by
    :func:`core.standards.quota.quota_cut` from the holders' totals.
    """
    lr, tenant = LiveResult.__table__, Tenant.__table__
    rated = lr.c.status != "not_rated"
    pairs = db.session.execute(
        select(tenant.c.unit_type, lr.c.as_of, func.count())
        .join_from(lr, tenant, tenant.c.id == lr.c.tenant_id)
        .where(in_scope, rated)
        .group_by(tenant.c.unit_type, lr.c.as_of)
    ).all()
    quotas = quota_groups([(unit_type, day) for unit_type, day, _ in pairs], registry)
    groups: dict[Any, tuple[QuotaRule, list[tuple[str, dt.date]], int]] = {}
    for unit_type, day, count in pairs:
        quota = quotas.get((unit_type, day))
        if quota is None:
            continue
        _, members, total = groups.get(quota_key(quota), (quota, [], 0))
        groups[quota_key(quota)] = (quota, [*members, (unit_type, day)], total + count)
    demotions = []
    for quota, members, count in groups.values():
        in_group = or_(*(and_(tenant.c.unit_type == unit_type, lr.c.as_of == day) for unit_type, day in members))
        holds = and_(in_group, rated, lr.c.grade == quota.grade)
        places = quota_places(quota, count)
        totals = db.session.scalars(
            select(lr.c.total)
            .join_from(lr, tenant, tenant.c.id == lr.c.tenant_id)
            .where(in_scope, holds)
            .order_by(lr.c.total.desc())
            .limit(places + 1)
        ).all()
        cut = quota_cut(totals, places)
        if cut is not None:
            demotions.append((and_(holds, lr.c.total <= cut), quota.demote_to))
    return demotions


def stored_overview(
    registry: PluginRegistry, *, today: dt.date | None = None, tenant_ids: list[int] | None = None
) -> CountyOverview:
    """The county page's figures from the stored live results (see :mod:`core.scoring.live`).

    The same places, grades (after the county's top-grade quota) and counts as
    :func:`rank_stored`, with a constant number of statements and without loading a row per
    branch: units are ranked in Python from per-unit sums, branches in SQL.

    :param tenant_ids: restrict to these units (a supervisor's scope); None means the county.
    """
    today = today or local_today()
    # Brought up to date before the units are read with only the page's columns: a re-score
    # reads the rest of each unit (its parameters).
    ids = tenant_ids if tenant_ids is not None else list(db.session.scalars(select(Tenant.id)))
    recomputing = bring_up_to_date(ids, registry, today, county=tenant_ids is None)
    tenants = _tenants_in_scope(tenant_ids, columns=PAGE_COLUMNS)
    reasons = {t.id: not_scored_reason(t, registry) for t in tenants}
    lr, tenant, organization = LiveResult.__table__, Tenant.__table__, Organization.__table__
    # Units named only where needed (a scope, the few not scored): a statement naming 1,500
    # units costs more to send than to run.
    in_scope = lr.c.year == today.year
    if tenant_ids is not None:
        in_scope = and_(in_scope, lr.c.tenant_id.in_(list(reasons)))
    unscored = [i for i, reason in reasons.items() if reason is not None]
    if unscored:
        in_scope = and_(in_scope, lr.c.tenant_id.not_in(unscored))
    rated = lr.c.status != "not_rated"
    with host_scope():  # the explicit county-wide read, restricted to the scope's units
        demotions = _quota_demotions(in_scope, registry)
        grade = case(*demotions, else_=lr.c.grade) if demotions else lr.c.grade
        results = (
            select(
                lr.c.tenant_id,
                lr.c.status,
                lr.c.total,
                lr.c.computed_at,
                grade.label("grade"),
                func.coalesce(grade, NOT_RATED).label("grade_label"),
                tenant.c.unit_type,
                tenant.c.slug.label("unit_slug"),
                tenant.c.name.label("unit_name"),
                organization.c.code,
                organization.c.name.label("branch_name"),
                case((rated, func.rank().over(partition_by=rated, order_by=lr.c.total.desc()))).label("rank"),
                case(
                    (rated, func.rank().over(partition_by=(rated, tenant.c.unit_type), order_by=lr.c.total.desc()))
                ).label("rank_in_type"),
            )
            .join_from(lr, tenant, tenant.c.id == lr.c.tenant_id)
            .join(organization, organization.c.id == lr.c.organization_id)
            .where(in_scope)
        ).subquery("ranked")
        r = results.c
        groups = db.session.execute(
            select(r.tenant_id, r.status, r.grade_label, func.count(), func.sum(r.total), func.min(r.computed_at))
            .group_by(r.tenant_id, r.status, r.grade_label)
        ).all()

    units = {
        t.id: RankedUnit(tenant=t, score=None, branches_rated=0, grades={}, not_scored_reason=reasons[t.id])
        for t in tenants
    }
    sums: Counter[int] = Counter()
    distribution: Counter[str] = Counter()
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    statuses: Counter[str] = Counter()
    types = {t.unit_type: TypeSummary(t.unit_type) for t in tenants}
    oldest: dt.datetime | None = None
    for tenant_id, status, label, count, total, computed_at in groups:
        unit = units[tenant_id]
        summary = types[unit.tenant.unit_type]
        unit.grades[label] = unit.grades.get(label, 0) + count
        distribution[label] += count
        by_type[unit.tenant.unit_type][label] += count
        statuses[status] += count
        summary.branches += count
        if status != "not_rated":
            unit.branches_rated += count
            sums[tenant_id] += total
            summary.rated += count
            summary.total_sum += total
        if oldest is None or computed_at < oldest:
            oldest = computed_at
    for t in tenants:
        types[t.unit_type].units += 1
        units[t.id].score = mean_score(Decimal(sums[t.id]), units[t.id].branches_rated)
    rules = ranking_rules()
    ranked_units = list(units.values())
    rank_units(ranked_units, rules, county=tenant_ids is None)
    return CountyOverview(
        year=today.year,
        as_of=today,
        rules=rules,
        units=ranked_units,
        distribution=dict(distribution),
        distribution_by_type={k: dict(v) for k, v in by_type.items()},
        statuses=dict(statuses),
        types=types,
        freshness=Freshness(oldest, recomputing),
        ranked=results,
    )


def overview_of(ranking: CountyRanking, freshness: Freshness | None = None) -> CountyOverview:
    """A ranking scored live (a past year) as the county page shows it: the same figures,
    counted in Python, with every branch's row in memory."""
    statuses: Counter[str] = Counter()
    types = {u.tenant.unit_type: TypeSummary(u.tenant.unit_type) for u in ranking.units}
    for unit in ranking.units:
        types[unit.tenant.unit_type].units += 1
    rows = []
    for ranked in ranking.branches:
        result, summary = ranked.branch.result, types[ranked.tenant.unit_type]
        statuses[result.status] += 1
        summary.branches += 1
        if result.status != "not_rated":
            summary.rated += 1
            summary.total_sum += result.total
        rows.append(
            BranchRow(
                rank=ranked.rank,
                rank_in_type=ranked.rank_in_type,
                unit_type=ranked.tenant.unit_type,
                unit_slug=ranked.tenant.slug,
                unit_name=ranked.tenant.name,
                code=ranked.branch.organization.code,
                branch_name=ranked.branch.organization.name,
                total=result.total,
                grade=result.grade,
                grade_label=result.grade or NOT_RATED,
                status=result.status,
            )
        )
    return CountyOverview(
        year=ranking.year,
        as_of=ranking.as_of,
        rules=ranking.rules,
        units=ranking.units,
        distribution=ranking.distribution,
        distribution_by_type=ranking.distribution_by_type,
        statuses=dict(statuses),
        types=types,
        freshness=freshness,
        ranked=rows,
    )
