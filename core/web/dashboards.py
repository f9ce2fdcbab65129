"""What the branch, unit and county dashboards show, read once per request.

The numbers come from the scoring services (live scores, alerts, the county ranking); this module
only gathers them for a page, adds the few reads the services do not do (last year's stored card,
open rectifications, units that stopped keeping records) and turns block scores into charts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import request
from sqlalchemy import func, select

from core.dues.models import DuesPayment
from core.events.models import Event, TrainingRecord
from core.extensions import db
from core.host.models import Tenant
from core.organizations.models import Organization
from core.plugins.manager import PluginRegistry
from core.reports.charts import Bar, bar_chart, radar_chart, stacked_bar_chart
from core.scoring.alerts import Alert, unit_alerts
from core.scoring.county import (
    CountyOverview,
    CountyRanking,
    overview_of,
    rank_county,
    stored_overview,
)
from core.scoring.live import Freshness, stored_outcomes
from core.scoring.models import Rectification, Scorecard
from core.scoring.services import BranchScore, UnitScore, score_unit
from core.standards.evaluation import BranchResult
from core.tenancy import host_scope

#: A unit that wrote no meeting, dues or training record for this many days "has not kept records".
STALE_DAYS = 30
#: Record tables whose newest row tells whether a unit still keeps its records.
KEPT_RECORDS = (Event, DuesPayment, TrainingRecord)
#: Grades in the order charts and tables show them (best first); others follow.
GRADE_ORDER = ("五星", "四星", "三星", "二星", "一星", "不参加评定")


def _cached(key: tuple, compute):
    """Compute once per request, never longer: a page must not score a unit twice, and the next
    request must see the records just written.

    Kept in the WSGI environ, which lives exactly as long as the request (``g`` belongs to the
    application context, which can outlive a request).
    """
    cache = request.environ.setdefault("branchmark.dashboard_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def live_unit_score(tenant: Tenant, registry: PluginRegistry, today: dt.date) -> UnitScore:
    """The unit's score for the current year so far, read as of today."""
    return _cached(
        ("score", tenant.id, today),
        lambda: score_unit(tenant, today.year, registry, as_of=today),
    )


def live_alerts(tenant: Tenant, registry: PluginRegistry, today: dt.date) -> dict[int, list[Alert]]:
    """What each branch has due or overdue today; nothing when the unit is not scored.

    A unit whose plugin is off gets no alerts either: they would come from rules it has not
    switched on.
    """
    if not tenant.enabled or not tenant.plugin_enabled:
        return {}
    def compute() -> dict[int, list[Alert]]:
        # The page scores the same unit for the same day: reuse those facts, don't read twice.
        score = live_unit_score(tenant, registry, today)
        facts = {b.organization.id: b.facts for b in score.branches}
        return unit_alerts(tenant, today, registry, facts_by_branch=facts)

    return _cached(("alerts", tenant.id, today), compute)


def stored_unit_score(tenant: Tenant, registry: PluginRegistry, today: dt.date) -> tuple[UnitScore, Freshness]:
    """The unit's stored current-year results (see :mod:`core.scoring.live`) and their freshness."""

    def compute() -> tuple[UnitScore, Freshness]:
        outcomes, freshness = stored_outcomes([tenant], registry, today=today)
        return outcomes[0], freshness

    return _cached(("stored", tenant.id, today), compute)


def county_overview(
    registry: PluginRegistry, year: int, as_of: dt.date, tenant_ids: list[int] | None, today: dt.date
) -> CountyOverview:
    """The county page's figures: from the stored results for the current year (counted in the
    database), scored live for past years."""
    key = ("county", year, as_of, tuple(tenant_ids) if tenant_ids is not None else None)
    if year != today.year:
        return _cached(key, lambda: overview_of(rank_county(year, registry, as_of=as_of, tenant_ids=tenant_ids)))
    return _cached(key, lambda: stored_overview(registry, today=today, tenant_ids=tenant_ids))


def assessment_day(year: int, today: dt.date) -> dt.date:
    """A past year is read as it ended; the current one as of today."""
    return min(today, dt.date(year, 12, 31))


def last_scorecard(organization: Organization, year: int) -> Scorecard | None:
    """The newest stored card of a branch for a year (cards are never changed, only added)."""
    return db.session.scalar(
        select(Scorecard)
        .where(Scorecard.organization_id == organization.id, Scorecard.year == year)
        .order_by(Scorecard.created_at.desc(), Scorecard.id.desc())
        .limit(1)
    )


def open_rectifications(organization_ids: Iterable[int]) -> list[Rectification]:
    ids = list(organization_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Rectification)
            .where(Rectification.organization_id.in_(ids), Rectification.status == "open")
            .order_by(Rectification.opened_on, Rectification.id)
        )
    )


@dataclass
class StaleUnit:
    """A unit that has not written meeting, dues or training records lately."""

    tenant: Tenant
    last_written: dt.datetime | None
    days: int | None


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns; they were written in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def stale_units(tenants: list[Tenant], now: dt.datetime, *, county: bool = False) -> list[StaleUnit]:
    """Units whose newest event, dues or training record was written ``STALE_DAYS`` ago or more.

    One statement whatever the number of units: each unit's newest row of each record table is
    one probe of its ``(tenant_id, created_at)`` index, not a scan of the county's records. Read
    from ``created_at`` (when the row was written), not the meeting date: a meeting entered late
    is still record keeping.

    :param county: ``tenants`` are every unit: the statement need not name them.
    """
    if not tenants:
        return []
    newest = [
        select(func.max(model.created_at)).where(model.tenant_id == Tenant.id).scalar_subquery()
        for model in KEPT_RECORDS
    ]
    # County-wide read restricted to the units in the viewer's scope.
    with host_scope():
        query = select(Tenant.id, *newest)
        if not county:
            query = query.where(Tenant.id.in_([t.id for t in tenants]))
        rows = db.session.execute(query).all()
    latest: dict[int, dt.datetime] = {}
    for tenant_id, *moments in rows:
        written = [_aware(m) for m in moments if m is not None]
        if written:
            latest[tenant_id] = max(written)
    cutoff = now - dt.timedelta(days=STALE_DAYS)
    stale = []
    for tenant in tenants:
        written = latest.get(tenant.id)
        if written is None or written <= cutoff:
            days = None if written is None else (now - written).days
            stale.append(StaleUnit(tenant=tenant, last_written=written, days=days))
    return stale


# -- charts ------------------------------------------------------------------------------------


def block_bars(result: BranchResult | dict[str, Any]) -> list[Bar]:
    """One bar per block, from a live result or a stored card's ``result``."""
    if isinstance(result, dict):
        return [
            Bar(b["title"], Decimal(b["score"]), Decimal(b["max"]))
            for b in result.get("blocks", [])
        ]
    return [Bar(b.title, b.score, b.max) for b in result.blocks]


def block_chart(result: BranchResult | dict[str, Any], title: str) -> str:
    bars = [bar for bar in block_bars(result) if bar.max]
    return radar_chart(bars, title=title) if len(bars) >= 3 else bar_chart(bars, title=title)


def branch_totals_chart(branches: list[BranchScore], title: str) -> str:
    bars = [Bar(b.organization.name, b.result.total, b.result.max) for b in branches]
    # Branch names run long (中共…支部委员会); a wider chart keeps them whole.
    return bar_chart(bars, title=title, width=760)


def grade_series(counts: Iterable[dict[str, int]]) -> list[str]:
    """Grades present in any of the counts, best first."""
    present = {grade for count in counts for grade in count}
    ordered = [grade for grade in GRADE_ORDER if grade in present]
    return ordered + sorted(present - set(ordered))


def distribution_chart(
    ranking: CountyRanking | CountyOverview, type_names: dict[str, str], title: str, total_label: str
) -> str:
    """The grade distribution, in total and per unit type, as 100 % stacked bars.

    :param total_label: the first bar's name: 全县 for the whole county, 合计 for a scope (a
        supervisor's units), which must not read as the county's figures.
    """
    series = grade_series([ranking.distribution, *ranking.distribution_by_type.values()])
    rows = [(total_label, [ranking.distribution.get(grade, 0) for grade in series])]
    for unit_type, counts in sorted(ranking.distribution_by_type.items()):
        rows.append(
            (type_names.get(unit_type, unit_type), [counts.get(grade, 0) for grade in series])
        )
    return stacked_bar_chart(rows, series, title=title)


def type_scores_chart(overview: CountyOverview, type_names: dict[str, str], title: str) -> str:
    """Each unit type's mean branch total: one bar per type, whatever the county's size."""
    bars = [
        Bar(type_names.get(unit_type, unit_type), summary.mean, Decimal(100))
        for unit_type, summary in sorted(overview.types.items())
        if summary.mean is not None
    ]
    return bar_chart(bars, title=title, width=640)


@dataclass
class BranchColumn:
    """One branch on the unit page: its stored score (if scored) and its alert counts."""

    organization: Organization
    score: BranchScore | None
    #: What the branch has due or overdue (counted when its result was stored).
    alert_count: int = 0
    overdue: int = 0


def alert_target(
    alert: Alert, tenant: Tenant, organization: Organization, today: dt.date
) -> tuple[str, str] | None:
    """The link that clears an alert: (label, address) of the form where the missing record goes.

    One table for every alert kind of :func:`core.scoring.alerts.branch_alerts`, so the "本月要做"
    list and the alerts never disagree about what is due; only the destination is added here.
    """
    from flask import url_for
    from flask_babel import gettext as _

    slug, code = tenant.slug, organization.code
    if alert.kind == "meeting":
        return _("去记录"), url_for("event_pages.create", slug=slug, code=code, kind=alert.subject)
    if alert.kind == "dues":
        return _("去登记党费"), url_for("dues_pages.ledger", slug=slug, code=code, year=today.year)
    if alert.kind == "election":
        return _("去录入换届"), url_for("organization_pages.show", slug=slug, code=code)
    if alert.kind == "development":
        return _("去登记考察"), url_for("member_pages.development", slug=slug, code=code)
    if alert.kind == "probation" and alert.member_id:
        return _("查看党员"), url_for("member_pages.show", slug=slug, member_id=alert.member_id)
    if alert.kind == "training":
        return _("去登记学时"), url_for("event_pages.training", slug=slug, code=code)
    if alert.kind == "facility":
        return _("去登记“六有”"), url_for("facility_pages.index", slug=slug, code=code)
    if alert.kind == "committee":
        return _("去补选委员"), url_for("organization_pages.show", slug=slug, code=code, _anchor="committee")
    if alert.kind == "document":
        return _("去上传文档"), url_for("document_pages.index", slug=slug, code=code, year=today.year)
    return None
