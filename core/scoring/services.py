"""Scoring a unit or the county: metrics → evaluation → immutable scorecard snapshots."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.authoring.services import effective_standards, unit_override_rows
from core.extensions import db
from core.host.models import Tenant
from core.metrics import Period, compute_metrics, metric_catalogue
from core.organizations.models import Organization
from core.plugins.manager import PluginRegistry, UnknownUnitType
from core.scoring.models import Exemption, ManualScore, Rectification, Scorecard
from core.scoring.overrides import county_parameter_rows, overrides_for
from core.standards.catalogue import Catalogue
from core.standards.evaluation import (
    BranchResult,
    PreparedStandard,
    evaluate,
    prepare,
    scored_metrics,
)
from core.standards.model import QuotaRule, Standard
from core.standards.overrides import Exemption as ApprovedExemption
from core.standards.quota import apply_grade_quota
from core.standards.rules import ManualScore as OnSiteScore
from core.standards.types import Formula
from core.tenancy import host_scope, use_tenant
from core.timezone import local_today


@dataclass
class BranchScore:
    """One branch's result with the records it came from."""

    organization: Organization
    result: BranchResult
    facts: dict[str, Any]
    scorecard: Scorecard | None = None


@dataclass
class UnitScore:
    """A unit's scoring: its branches, or why it was not scored."""

    tenant: Tenant
    period: Period
    branches: list[BranchScore] = field(default_factory=list)
    not_scored_reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON the CLI and API print (``branchmark score --json``)."""
        first = self.branches[0].result if self.branches else None
        return {
            "tenant": self.tenant.slug,
            "tenant_name": self.tenant.name,
            "unit_type": self.tenant.unit_type,
            "standard": {"key": first.standard_key, "version": first.standard_version} if first else None,
            "period": {"year": self.period.year, "as_of": self.period.as_of.isoformat(), "months": self.period.months},
            "not_scored_reason": self.not_scored_reason,
            "warnings": self.warnings,
            "branches": [_branch_dict(b) for b in self.branches],
        }


def _branch_dict(score: BranchScore) -> dict[str, Any]:
    result = score.result.to_dict()
    return {
        "code": score.organization.code,
        "name": score.organization.name,
        "scorecard_id": score.scorecard.id if score.scorecard else None,
        "status": result["status"],
        "total": result["total"],
        "max": result["max"],
        "grade": result["grade"],
        "band_grade": result["band_grade"],
        "grade_reasons": result["grade_reasons"],
        "not_rated_reason": result["not_rated_reason"],
        "vetoes": result["vetoes"],
        "blocks": [
            {
                "id": block["id"],
                "title": block["title"],
                "score": block["score"],
                "max": block["max"],
                "items": [
                    {
                        key: item[key]
                        for key in (
                            "id", "title", "score", "max", "status", "explanation", "evidence",
                            "citation", "value", "target", "rule",
                        )
                    }
                    for item in block["items"]
                ],
            }
            for block in result["blocks"]
        ],
    }


def jsonable(value: Any) -> Any:
    """Metric values as JSON: Decimals as strings, dict keys as strings, tuples as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def _inputs_for(year: int) -> tuple[dict[int, dict[str, OnSiteScore]], dict[int, list[ApprovedExemption]]]:
    """On-site scores and approved exemptions of the units in scope, by organization."""
    manual: dict[int, dict[str, OnSiteScore]] = {}
    for row in db.session.scalars(select(ManualScore).where(ManualScore.year == year)):
        manual.setdefault(row.organization_id, {})[row.item_id] = OnSiteScore(
            points=row.points, comment=row.comment, entered_by=row.entered_by, entered_on=row.entered_on
        )
    exemptions: dict[int, list[ApprovedExemption]] = {}
    for row in db.session.scalars(select(Exemption).where(Exemption.status == "approved")):
        exemptions.setdefault(row.organization_id, []).append(
            ApprovedExemption(
                item_id=row.item_id,
                approved_by=row.approved_by or "",
                expires_on=row.expires_on,
                reason=row.reason,
            )
        )
    return manual, exemptions


def not_scored_reason(tenant: Tenant, registry: PluginRegistry) -> str | None:
    if not tenant.enabled:
        return f"单位 {tenant.name} 已停用，未评分"
    if not tenant.plugin_enabled:
        return f"单位 {tenant.name} 未启用单位类型插件（{tenant.unit_type}），未评分"
    try:
        registry.unit_type(tenant.unit_type)
    except UnknownUnitType:
        return f"单位类型 {tenant.unit_type} 的插件未安装，未评分"
    return None


def score_units(
    tenants: list[Tenant],
    year: int,
    registry: PluginRegistry,
    *,
    as_of: dt.date | None = None,
    branch_code: str | None = None,
    standards: dict[str, Standard] | None = None,
    evidence: bool = True,
) -> list[UnitScore]:
    """Score every branch of several units in one pass over the records; store nothing.

    :param standards: a standard per unit type to score with instead of the one in effect (the
        preview of a county's draft); otherwise :func:`effective_standard` chooses.
    :param evidence: False for the ranking pass (rankings, stored live results): the same
        numbers and explanations without each item's evidence list (see :func:`evaluate`).

    The records of all units are read together (inside ``host_scope`` when there is more than
    one unit), so the number of queries does not grow with the number of units. A unit whose
    unit-type plugin is off or not installed is reported, not scored with the wrong rules.
    """
    period = Period(year=year, as_of=as_of or local_today())
    outcomes = [UnitScore(tenant=t, period=period) for t in tenants]
    scored: dict[int, UnitScore] = {}
    for outcome in outcomes:
        outcome.not_scored_reason = not_scored_reason(outcome.tenant, registry)
        if outcome.not_scored_reason is None:
            scored[outcome.tenant.id] = outcome
    if not scored:
        return outcomes
    ids = list(scored)
    # One unit: its own filter. Several: the explicit county-wide bypass, restricted to them.
    def scope():
        return use_tenant(ids[0]) if len(ids) == 1 else host_scope()

    with scope():
        manual, exemptions = _inputs_for(year)
        county = county_parameter_rows()
        unit_rows = unit_override_rows(ids)
        # The card words every condition, the county's own finding kinds included.
        catalogue = metric_catalogue(registry)
    unit_types = {o.tenant.unit_type for o in scored.values()}
    chosen = effective_standards(unit_types - set(standards or {}), on=period.end, registry=registry)
    chosen.update(standards or {})
    formulas = {unit_type: registry.formula_table(unit_type) for unit_type in unit_types}
    # Each unit's standard with its overrides, prepared once for all its branches.
    prepared = {
        tid: prepare(
            chosen[o.tenant.unit_type],
            overrides_for(o.tenant, county_rows=county, unit_rows=unit_rows[tid]),
        )
        for tid, o in scored.items()
    }
    with scope():
        facts_by_branch = compute_metrics(
            period, tenant_ids=ids, evidence=evidence or _reads_evidence(prepared, scored, formulas, catalogue)
        )
        organizations = {
            o.id: o
            for o in db.session.scalars(
                select(Organization).where(Organization.id.in_(list(facts_by_branch)))
            )
        }
    labels = catalogue.labels()
    for organization_id in sorted(facts_by_branch, key=lambda i: (organizations[i].tenant_id, organizations[i].code)):
        organization = organizations[organization_id]
        if branch_code and organization.code != branch_code:
            continue
        outcome = scored[organization.tenant_id]
        result = evaluate(
            prepared[organization.tenant_id],
            None,
            facts_by_branch[organization_id],
            manual_scores=manual.get(organization_id, {}),
            exemptions=exemptions.get(organization_id, []),
            on=period.end,
            formulas=formulas[outcome.tenant.unit_type],
            labels=labels,
            evidence=evidence,
        )
        outcome.branches.append(
            BranchScore(organization=organization, result=result, facts=facts_by_branch[organization_id])
        )
        outcome.warnings.extend(w for w in result.warnings if w not in outcome.warnings)
    return outcomes


def _reads_evidence(
    prepared: dict[int, PreparedStandard],
    scored: dict[int, UnitScore],
    formulas: dict[str, Mapping[str, Formula]],
    catalogue: Catalogue,
) -> bool:
    """Whether a standard counts a metric that only explains results (a rubric may count
    ``attendance.events`` below 80 %): then a ranking pass computes those metrics too."""
    read: dict[tuple[int, str], set[str]] = {}
    for tenant_id, standard in prepared.items():
        unit_type = scored[tenant_id].tenant.unit_type
        # Units without overrides share their unit type's standard object: walked once.
        if (id(standard.standard), unit_type) not in read:
            read[id(standard.standard), unit_type] = scored_metrics(standard.standard, formulas[unit_type])
    for name in set().union(*read.values()):
        entry = catalogue.find(name)
        if entry is not None and entry.spec.evidence:
            return True
    return False


def score_unit(
    tenant: Tenant,
    year: int,
    registry: PluginRegistry,
    *,
    as_of: dt.date | None = None,
    branch_code: str | None = None,
    standards: dict[str, Standard] | None = None,
) -> UnitScore:
    """Score every branch of one unit (or one branch of it); see :func:`score_units`."""
    return score_units(
        [tenant], year, registry, as_of=as_of, branch_code=branch_code, standards=standards
    )[0]


def store_scorecards(outcome: UnitScore, *, created_by: str) -> list[Scorecard]:
    """Freeze each branch result as a scorecard and open rectification tasks for lost points."""
    cards: list[Scorecard] = []
    with use_tenant(outcome.tenant.id):
        open_tasks = {
            (r.organization_id, r.item_id)
            for r in db.session.scalars(
                select(Rectification).where(Rectification.year == outcome.period.year, Rectification.status == "open")
            )
        }
        for branch in outcome.branches:
            result = branch.result
            card = Scorecard(
                organization_id=branch.organization.id,
                year=outcome.period.year,
                as_of=outcome.period.as_of,
                unit_type=outcome.tenant.unit_type,
                standard_key=result.standard_key,
                standard_version=result.standard_version,
                status=result.status,
                total=result.total,
                max=result.max,
                grade=result.grade,
                result=result.to_dict(),
                inputs={"facts": jsonable(branch.facts)},
                created_by=created_by,
            )
            db.session.add(card)
            db.session.flush()
            branch.scorecard = card
            cards.append(card)
            for item in result.items():
                if item.status != "failed" and item.status != "partial":
                    continue
                if (branch.organization.id, item.id) in open_tasks:
                    continue
                db.session.add(
                    Rectification(
                        organization_id=branch.organization.id,
                        scorecard_id=card.id,
                        year=outcome.period.year,
                        item_id=item.id,
                        title=item.title,
                        description=item.explanation,
                        opened_on=outcome.period.as_of,
                    )
                )
                open_tasks.add((branch.organization.id, item.id))
        db.session.flush()  # inside the unit: the new rows are stamped and checked against it
    return cards


#: Host parameter holding the county's share for the top grade (e.g. 0.3 for 五星 ≤30%).
QUOTA_KEY = "county.top_grade_quota"


def _county_quota_share() -> Decimal | None:
    from core.host.models import HostParameter

    value = db.session.scalar(select(HostParameter.value).where(HostParameter.key == QUOTA_KEY))
    if value in (None, ""):
        return None
    share = Decimal(str(value))
    return share if Decimal(0) <= share <= Decimal(1) else None


def quota_groups(
    pairs: Iterable[tuple[str, dt.date]], registry: PluginRegistry
) -> dict[tuple[str, dt.date], QuotaRule]:
    """The top-grade quota that applies to results of each (unit type, as-of day), if any.

    Results whose quotas are equal (grade and share) compete for the same places: the county's
    own share (a host parameter) wins over each rubric's.
    """
    county_share = _county_quota_share()
    days: dict[dt.date, set[str]] = {}
    for unit_type, day in pairs:
        days.setdefault(day, set()).add(unit_type)
    quotas = {}
    for day, unit_types in days.items():
        for unit_type, standard in effective_standards(unit_types, on=day, registry=registry).items():
            if standard.quota is None:
                continue
            quota = standard.quota
            if county_share is not None:  # the county's own figure wins over the rubric's
                quota = dataclasses.replace(quota, max_share=county_share)
            quotas[(unit_type, day)] = quota
    return quotas


def quota_key(quota: QuotaRule) -> tuple[str, Decimal]:
    """Results under quotas with the same key share one pool of places."""
    return (quota.grade, quota.max_share)


def apply_county_quota(outcomes: list[UnitScore], registry: PluginRegistry) -> None:
    """Demote branches beyond the top-grade quota, across the whole county.

    The quota (e.g. 五星 ≤30%) is a county rule, so branches of every unit type that share the
    same quota rule compete for the same places.
    """
    groups: dict[object, dict[tuple[int, int], BranchResult]] = {}
    rules = {}
    quotas = quota_groups(
        {(o.tenant.unit_type, b.result.on) for o in outcomes for b in o.branches}, registry
    )
    for outcome in outcomes:
        for branch in outcome.branches:
            quota = quotas.get((outcome.tenant.unit_type, branch.result.on))
            if quota is None:
                continue
            key = quota_key(quota)
            rules[key] = quota
            groups.setdefault(key, {})[(outcome.tenant.id, branch.organization.id)] = branch.result
    for key, results in groups.items():
        adjusted = apply_grade_quota(results, rules[key])
        for outcome in outcomes:
            for branch in outcome.branches:
                new = adjusted.get((outcome.tenant.id, branch.organization.id))
                if new is not None:
                    branch.result = new
