"""The results a report prints: the newest stored scorecard, else a live score (never stored)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.host.models import Tenant
from core.metrics import BRANCH_KINDS
from core.organizations.models import Organization
from core.plugins.manager import PluginRegistry
from core.scoring.models import Rectification, Scorecard
from core.scoring.services import UnitScore, score_unit
from core.tenancy import use_tenant


@dataclass(frozen=True)
class BranchRef:
    """A branch as a report names it: plain values, so they outlive the session's commits."""

    id: int
    code: str
    name: str
    kind: str

    @classmethod
    def of(cls, organization: Organization) -> BranchRef:
        return cls(organization.id, organization.code, organization.name, organization.kind)


@dataclass(frozen=True)
class StoredCard:
    """The stored scorecard a result came from (its id and moment are printed on the card)."""

    id: int
    created_at: dt.datetime


@dataclass
class BranchSource:
    """One branch's result as a report reads it.

    :param result: :meth:`BranchResult.to_dict` — from the snapshot or from a live score.
    :param scorecard: the stored snapshot the result came from; ``None`` for a live score.
    :param as_of: the day the records were read on.
    :param live: scored for this report rather than read from a snapshot.
    """

    organization: BranchRef
    result: dict[str, Any]
    scorecard: StoredCard | None
    as_of: dt.date
    live: bool


@dataclass
class UnitSources:
    """A unit's branches for one year, or why the unit was not scored.

    :param facts: the metrics of every branch of the unit, by organization id, when the whole
        unit was scored live as of ``as_of`` (a unit summary reuses them for its alerts).
    """

    tenant: Tenant
    year: int
    branches: list[BranchSource]
    not_scored_reason: str | None = None
    warnings: tuple[str, ...] = ()
    as_of: dt.date | None = None
    facts: dict[int, dict[str, Any]] | None = None

    def branch(self, code: str) -> BranchSource | None:
        """The branch with this code, if it had a result in the year."""
        return next((s for s in self.branches if s.organization.code == code), None)


def _branches(year: int) -> list[Organization]:
    """Branches of the current unit that existed in the year, by code (as scoring lists them)."""
    return list(
        db.session.scalars(
            select(Organization)
            .where(
                Organization.kind.in_(BRANCH_KINDS),
                Organization.established_on <= dt.date(year, 12, 31),
            )
            .order_by(Organization.code)
        )
    )


def newest_scorecards(organization_ids: list[int], year: int) -> dict[int, Scorecard]:
    """The newest snapshot per organization for the year, in one query (current unit only)."""
    if not organization_ids:
        return {}
    rows = db.session.scalars(
        select(Scorecard)
        .where(Scorecard.organization_id.in_(organization_ids), Scorecard.year == year)
        .order_by(Scorecard.organization_id, Scorecard.created_at.desc(), Scorecard.id.desc())
    )
    newest: dict[int, Scorecard] = {}
    for card in rows:
        newest.setdefault(card.organization_id, card)
    return newest


def unit_sources(
    tenant: Tenant,
    year: int,
    registry: PluginRegistry,
    *,
    as_of: dt.date | None = None,
    branch_code: str | None = None,
) -> UnitSources:
    """Each branch's result: the newest stored scorecard, else scored now. Nothing is stored.

    Branches without a snapshot are scored together in one pass over the unit's records, so a
    caller that prints several cards of a unit calls this once and renders each from it.

    :param as_of: the day live scores read records on (default today); snapshots keep theirs.
    :param branch_code: only this branch.
    """
    with use_tenant(tenant.id):
        organizations = _branches(year)
        if branch_code is not None:
            organizations = [o for o in organizations if o.code == branch_code]
        stored = newest_scorecards([o.id for o in organizations], year)
        sources = {
            o.id: BranchSource(
                BranchRef.of(o),
                stored[o.id].result,
                StoredCard(stored[o.id].id, stored[o.id].created_at),
                stored[o.id].as_of,
                live=False,
            )
            for o in organizations
            if o.id in stored
        }
        outcome: UnitScore | None = None
        facts = None
        if len(sources) < len(organizations) or not organizations:
            outcome = score_unit(tenant, year, registry, as_of=as_of, branch_code=branch_code)
            if branch_code is None and not sources:
                facts = {b.organization.id: b.facts for b in outcome.branches}
            for branch in outcome.branches:
                if branch.organization.id in sources:
                    continue  # the stored card wins over the live result
                sources[branch.organization.id] = BranchSource(
                    BranchRef.of(branch.organization),
                    branch.result.to_dict(),
                    None,
                    outcome.period.as_of,
                    live=True,
                )
        ordered = sorted(sources.values(), key=lambda s: s.organization.code)
    return UnitSources(
        tenant=tenant,
        year=year,
        branches=ordered,
        not_scored_reason=outcome.not_scored_reason
        if outcome is not None and not ordered
        else None,
        warnings=tuple(outcome.warnings) if outcome is not None else (),
        as_of=outcome.period.as_of if outcome is not None else as_of,
        facts=facts,
    )


def open_rectifications(
    tenant: Tenant, organization_ids: list[int], year: int
) -> dict[int, list[Rectification]]:
    """Open rectification tasks of these branches for the year, by organization."""
    found: dict[int, list[Rectification]] = {}
    if not organization_ids:
        return found
    with use_tenant(tenant.id):
        rows = db.session.scalars(
            select(Rectification)
            .where(
                Rectification.organization_id.in_(organization_ids),
                Rectification.year == year,
                Rectification.status == "open",
            )
            .order_by(Rectification.opened_on, Rectification.id)
        )
        for row in rows:
            found.setdefault(row.organization_id, []).append(row)
    return found
