"""The report API: one entry point, :func:`render`, for the branch card, the unit summary and the
county roll-up.

A report prints the newest stored scorecard of a branch and year when there is one (the yearly
assessment's record); otherwise the branch is scored now and the live result printed. Rendering
never writes: storing scorecards and opening rectification tasks is the yearly assessment's
act (``core.host.services.run_assessment``, ``branchmark score --save``), done before rendering
where a stored card is wanted. Call inside an application context; nothing here checks
permissions (the views and commands do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core.authoring.services import effective_standard, standards_of
from core.extensions import db
from core.host.models import Host, Tenant
from core.plugins.manager import PluginRegistry, UnknownUnitType, get_registry
from core.reports import content
from core.reports.engine import REPORTS_DIR, write_pdf
from core.reports.overrides import ReportLook, render_template, resolve_look
from core.reports.snapshots import BranchSource, UnitSources, open_rectifications, unit_sources
from core.tenancy import use_tenant
from core.timezone import local_today
from core.vocabulary import ORGANIZATION_KINDS, label

#: Reports are official Chinese documents, whatever language the requesting page uses.
REPORT_LOCALE = "zh"
#: What :func:`render` prints: a branch's card, a unit's summary, the county's roll-up, and a
#: branch's yearly 台账 (:mod:`core.ledger`).
REPORT_KINDS = ("branch", "unit", "county", "ledger")


@dataclass
class RenderedReport:
    """A report rendered to HTML, with how it was made; :meth:`pdf` lays it out.

    :param html: the report's HTML.
    :param look: template, stylesheets, title lines and ``notes`` (override problems, printed).
    :param name: a file name stem, e.g. ``caizheng-cz-b1-2025``.
    :param code: the branch code for branch cards, else ``None``.
    :param source: for a branch card, the result it prints (stored or live).
    :param ledger: for a 台账, the :class:`~core.ledger.build.Ledger` it prints.
    """

    html: str
    look: ReportLook
    name: str
    code: str | None = None
    source: BranchSource | None = None
    ledger: Any = None

    @property
    def notes(self) -> list[str]:
        """What went wrong with overrides (also printed on the report)."""
        return self.look.notes

    def pdf(self) -> bytes:
        """The report as PDF (WeasyPrint with the shared font configuration)."""
        return write_pdf(self.html, base_url=REPORTS_DIR, stylesheets=self.look.stylesheets)


class ReportUnavailable(LookupError):
    """Nothing to print: the unit is not scored (plugin off …) or the branch did not exist then.

    The message is Chinese and says why.
    """


def render(
    kind: str,
    tenant: Tenant | None,
    year: int,
    branch: str | None = None,
    as_of: dt.date | None = None,
    *,
    scope: Sequence[int] | None = None,
    registry: PluginRegistry | None = None,
    sources: UnitSources | None = None,
    show_personal: bool = False,
) -> RenderedReport:
    """Render one report to HTML (``.pdf()`` on the result lays it out).

    :param kind: ``branch`` (one branch's scorecard), ``unit`` (a unit's summary) or ``county``
        (the roll-up of the county, or of ``scope``).
    :param tenant: the unit (``branch`` and ``unit``); ``None`` for ``county``.
    :param year: the assessment year.
    :param branch: the branch code (``branch`` only).
    :param as_of: the day a live score reads records on (default today); a stored scorecard
        keeps its own. The unit summary's alerts look forward from this day.
    :param scope: ``county`` only: just these units (a supervisor's scope); ``None`` is the
        whole county, and a restricted roll-up says its places are not county places.
    :param registry: the plugin registry (default: the app's).
    :param sources: the unit's results from :func:`core.reports.snapshots.unit_sources`, when the
        caller prints several reports of one unit: the unit is then scored once for all of them.
    :param show_personal: ``ledger`` only: print ID and phone numbers in full (else masked).
    :raises ReportUnavailable: the unit is not scored, or the branch has no result for the year.
    :raises ValueError: an unknown kind, or arguments that do not fit it.
    """
    registry = registry or get_registry()
    with force_locale(REPORT_LOCALE):
        if kind == "county":
            if tenant is not None or branch is not None:
                raise ValueError("render('county', ...) takes scope=, not a unit or a branch")
            return _county(year, scope, as_of=as_of, registry=registry)
        if kind not in REPORT_KINDS:
            raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(REPORT_KINDS)}")
        if tenant is None:
            raise ValueError(f"render({kind!r}, ...) needs a unit")
        if kind in ("branch", "ledger") and not branch:
            raise ValueError(f"render({kind!r}, ...) needs a branch code")
        if kind == "ledger":
            return _ledger(tenant, year, branch, show_personal=show_personal, registry=registry)
        if sources is None:
            sources = unit_sources(
                tenant, year, registry, as_of=as_of, branch_code=branch if kind == "branch" else None
            )
        if kind == "unit":
            return _unit(tenant, year, sources, as_of=as_of, registry=registry)
        return _branch(tenant, year, branch, sources, registry=registry)


def _host() -> tuple[str, str]:
    host = db.session.scalar(select(Host).order_by(Host.id))
    return (host.name, host.county) if host is not None else ("", "")


def _unit_type_name(registry: PluginRegistry, key: str) -> str:
    try:
        return registry.unit_type(key).name_zh
    except UnknownUnitType:
        return key


def _standard_title(registry: PluginRegistry, unit_type: str, key: str) -> str:
    try:
        return next((s.title for s in standards_of(unit_type, registry) if s.key == key), "")
    except UnknownUnitType:
        return ""


def _plugin_template(registry: PluginRegistry, unit_type: str) -> str | None:
    try:
        return registry.report_template(unit_type)
    except UnknownUnitType:
        return None


def _placeholders(tenant: Tenant | None, year: int) -> dict[str, Any]:
    host, county = _host()
    return {"host": host, "county": county, "unit": tenant.name if tenant else "", "year": year}


def _snapshot(source: BranchSource) -> content.Snapshot:
    card = source.scorecard
    return content.Snapshot(
        id=card.id if card is not None else None,
        created_at=content.local_time(card.created_at) if card is not None else "",
        as_of=source.as_of.isoformat(),
        live=source.live,
    )


def _branch(
    tenant: Tenant, year: int, code: str, sources: UnitSources, *, registry: PluginRegistry
) -> RenderedReport:
    source = sources.branch(code)
    if source is None:
        if sources.not_scored_reason:
            raise ReportUnavailable(sources.not_scored_reason)
        raise ReportUnavailable(
            _(
                "%(unit)s 没有在 %(year)s 年度参加评分的支部 %(code)s",
                unit=tenant.name,
                year=year,
                code=code,
            )
        )
    look = resolve_look(
        "branch",
        tenant.slug,
        placeholders=_placeholders(tenant, year),
        plugin_template=_plugin_template(registry, tenant.unit_type),
    )
    generated_at = content.now_local().strftime("%Y-%m-%d %H:%M")
    with use_tenant(tenant.id):
        organization = source.organization
        tasks = open_rectifications(tenant, [organization.id], year)
        card = content.branch_card(
            unit_name=tenant.name,
            unit_slug=tenant.slug,
            unit_type=tenant.unit_type,
            unit_type_name=_unit_type_name(registry, tenant.unit_type),
            branch_name=organization.name,
            branch_code=organization.code,
            branch_kind=label(ORGANIZATION_KINDS, organization.kind),
            year=year,
            result=source.result,
            snapshot=_snapshot(source),
            standard_title=_standard_title(
                registry, tenant.unit_type, source.result.get("standard_key", "")
            ),
            rectifications=[
                content.Rectification(
                    title=t.title,
                    description=t.description,
                    opened_on=t.opened_on.isoformat(),
                    due_on=t.due_on.isoformat() if t.due_on else "",
                )
                for t in tasks.get(organization.id, [])
            ],
            generated_at=generated_at,
        )
        html = render_template(look, {"card": card, "generated_at": generated_at})
        return RenderedReport(
            html, look, f"{tenant.slug}-{organization.code}-{year}", organization.code, source
        )


def _ledger(
    tenant: Tenant, year: int, code: str, *, show_personal: bool, registry: PluginRegistry
) -> RenderedReport:
    from core.ledger.build import build_ledger, cell_text
    from core.organizations.models import Organization

    with use_tenant(tenant.id):
        organization = db.session.scalar(select(Organization).where(Organization.code == code))
        if organization is None or not organization.is_branch:
            raise ReportUnavailable(
                _("%(unit)s 没有党支部 %(code)s", unit=tenant.name, code=code)
            )
        ledger = build_ledger(
            tenant, organization, year, show_personal=show_personal, registry=registry
        )
        look = resolve_look("ledger", tenant.slug, placeholders=_placeholders(tenant, year))
        generated_at = content.now_local().strftime("%Y-%m-%d %H:%M")
        html = render_template(
            look, {"ledger": ledger, "generated_at": generated_at, "cell": cell_text}
        )
    return RenderedReport(
        html, look, f"{tenant.slug}-{organization.code}-{year}-ledger", organization.code, ledger=ledger
    )


def _unit(
    tenant: Tenant,
    year: int,
    sources: UnitSources,
    *,
    as_of: dt.date | None,
    registry: PluginRegistry,
) -> RenderedReport:
    from core.scoring.alerts import unit_alerts

    # Alerts look forward from the day the records are read on, whatever year is reported.
    alerts_on = as_of or local_today()
    with use_tenant(tenant.id):
        alerts: dict[int, Any] = {}
        if sources.branches:
            # The live scoring's metrics serve the alerts when they were read for that same day.
            reuse = sources.facts is not None and sources.as_of == alerts_on and year == alerts_on.year
            alerts = unit_alerts(
                tenant, alerts_on, registry, facts_by_branch=sources.facts if reuse else None
            )
        summary = content.unit_summary(
            unit_name=tenant.name,
            unit_slug=tenant.slug,
            unit_type_name=_unit_type_name(registry, tenant.unit_type),
            year=year,
            branches=[
                (s.organization.code, s.organization.name, s.result, _snapshot(s))
                for s in sources.branches
            ],
            not_scored_reason=sources.not_scored_reason,
            warnings=sources.warnings,
            alerts={
                s.organization.code: alerts.get(s.organization.id, []) for s in sources.branches
            },
            alerts_on=alerts_on.isoformat(),
            standard_title=_standard_title(
                registry,
                tenant.unit_type,
                sources.branches[0].result.get("standard_key", "") if sources.branches else "",
            ),
        )
        look = resolve_look("unit", tenant.slug, placeholders=_placeholders(tenant, year))
        html = render_template(
            look,
            {
                "summary": summary,
                "generated_at": summary.generated_at,
                "alert_levels": {k: str(v) for k, v in content.ALERT_LEVEL_LABELS.items()},
            },
        )
    return RenderedReport(html, look, f"{tenant.slug}-{year}")


def _county(
    year: int,
    scope: Sequence[int] | None,
    *,
    as_of: dt.date | None,
    registry: PluginRegistry,
) -> RenderedReport:
    from core.scoring.county import rank_county, rank_stored
    from core.timezone import local_today

    tenant_ids = list(scope) if scope is not None else None
    today = local_today()
    if year == today.year and as_of in (None, today):
        # This year as of today: the stored live results (core.scoring.live), quota applied.
        ranking, _freshness = rank_stored(registry, today=today, tenant_ids=tenant_ids)
    else:
        # Another day or year: scored now (ranking pass), with the county-wide grade quota.
        ranking = rank_county(year, registry, as_of=as_of, tenant_ids=tenant_ids)
    names = {u.key: u.name_zh for u in registry.unit_types()}
    bands: list[str] = []
    for unit_type in dict.fromkeys(u.tenant.unit_type for u in ranking.units):
        try:
            bands.extend(
                b.grade
                for b in effective_standard(
                    unit_type, on=dt.date(year, 12, 31), registry=registry
                ).bands
            )
        except (UnknownUnitType, LookupError):
            continue
    scope_note = None
    if tenant_ids is not None:
        scope_note = _(
            "本表只含查看范围内的 %(count)s 个单位；名次在此范围内计算，不是全县名次；"
            "排名运用（表扬、不得评先、约谈）按全县排名确定，此处不列出。",
            count=len(ranking.units),
        )
    rollup = content.county_rollup(
        ranking, unit_type_names=names, band_grades=bands, scope_note=scope_note
    )
    look = resolve_look("county", None, placeholders=_placeholders(None, year))
    html = render_template(look, {"rollup": rollup, "generated_at": rollup.generated_at})
    return RenderedReport(html, look, f"county-{year}")
