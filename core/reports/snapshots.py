"""The results a report prints: the newest stored scorecard, else a live score (stored if asked)."""

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
from core.scoring.services import UnitScore, score_unit, store_scorecards
from core.tenancy import use_tenant


@dataclass
class BranchSource:
    """One branch's result as a report reads it.

    :param result: :meth:`BranchResult.to_dict` — from the snapshot or from a live score.
    :param scorecard: the stored snapshot the result came from (or was just stored as).
    :param as_of: the day the records were read on.
    :param live: scored for this report rather than read from a snapshot.
    """

    organization: Organization
    result: dict[str, Any]
    scorecard: Scorecard | None
    as_of: dt.date
    live: bool


@dataclass
class UnitSources:
    """A unit's branches for one year, or why the unit was not scored."""

    tenant: Tenant
    year: int
    branches: list[BranchSource]
    not_scored_reason: str | None = None
    warnings: tuple[str, ...] = ()


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
    store: bool = False,
    created_by: str = "reports",
) -> UnitSources:
    """Each branch's result: the newest stored scorecard, else scored now.

    Read the returned rows inside ``use_tenant(tenant.id)``: a commit (``store``) expires them.

    Branches without a snapshot are scored together in one pass; with ``store`` their results
    are frozen as scorecards (which also opens rectification tasks) and committed.

    :param as_of: the day live scores read records on (default today); snapshots keep theirs.
    :param branch_code: only this branch.
    :param store: store live results as scorecards.
    :param created_by: recorded on stored scorecards.
    """
    # Everything below reads tenant rows, also after the commit expires them.
    with use_tenant(tenant.id):
        organizations = _branches(year)
        if branch_code is not None:
            organizations = [o for o in organizations if o.code == branch_code]
        stored = newest_scorecards([o.id for o in organizations], year)
        sources = {
            o.id: BranchSource(o, stored[o.id].result, stored[o.id], stored[o.id].as_of, live=False)
            for o in organizations
            if o.id in stored
        }
        outcome: UnitScore | None = None
        if len(sources) < len(organizations) or not organizations:
            outcome = score_unit(tenant, year, registry, as_of=as_of, branch_code=branch_code)
            # Live results only for branches without a snapshot (or all, when none was listed).
            outcome.branches = [b for b in outcome.branches if b.organization.id not in sources]
            if store and outcome.branches:
                store_scorecards(outcome, created_by=created_by)
                db.session.commit()
                # The commit expired every loaded row; reload the branches now, inside the unit,
                # so the caller's objects stay readable (row-level security hides them outside).
                reloaded = [b.organization.id for b in outcome.branches] + list(sources)
                db.session.scalars(
                    select(Organization)
                    .where(Organization.id.in_(reloaded))
                    .execution_options(populate_existing=True)
                ).all()
            for branch in outcome.branches:
                sources[branch.organization.id] = BranchSource(
                    branch.organization,
                    branch.result.to_dict(),
                    branch.scorecard,
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
