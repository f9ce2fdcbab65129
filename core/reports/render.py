"""The report API: branch scorecard, unit summary and county roll-up as HTML or PDF.

Each report prints the newest stored scorecard of a branch and year when there is one; otherwise
the branch is scored now, and with ``store=True`` that result is stored as a scorecard (which also
opens rectification tasks) so the printed card can be reproduced. Call inside an application
context; the functions check no permissions (the views and commands do).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core.authoring.services import effective_standard, standards_of
from core.extensions import db
from core.host.models import Host, Tenant
from core.organizations.models import Organization
from core.plugins.manager import PluginRegistry, UnknownUnitType, get_registry
from core.reports import content
from core.reports.engine import REPORTS_DIR, write_pdf
from core.reports.overrides import ReportLook, render_template, resolve_look
from core.reports.snapshots import BranchSource, open_rectifications, unit_sources
from core.tenancy import use_tenant
from core.timezone import local_today
from core.vocabulary import ORGANIZATION_KINDS, label

#: Reports are official Chinese documents, whatever language the requesting page uses.
REPORT_LOCALE = "zh"


@dataclass
class RenderedReport:
    """A report rendered to HTML, with how it was made; :meth:`pdf` lays it out.

    :param html: the report's HTML.
    :param look: template, stylesheets, title lines and ``notes`` (override problems, printed).
    :param name: a file name stem, e.g. ``caizheng-cz-b1-2025``.
    :param code: the branch code for branch cards, else ``None``.
    """

    html: str
    look: ReportLook
    name: str
    code: str | None = None

    @property
    def notes(self) -> list[str]:
        """What went wrong with overrides (also printed on the report)."""
        return self.look.notes

    def pdf(self) -> bytes:
        """The report as PDF (WeasyPrint with the shared font configuration)."""
        return write_pdf(self.html, base_url=REPORTS_DIR, stylesheets=self.look.stylesheets)


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


def _branch_cards(
    tenant: Tenant,
    year: int,
    *,
    as_of: dt.date | None,
    registry: PluginRegistry,
    store: bool,
    created_by: str,
    branch_code: str | None = None,
) -> list[RenderedReport]:
    # One look per unit: the override files are read and checked once, not per card.
    look = resolve_look(
        "branch",
        tenant.slug,
        placeholders=_placeholders(tenant, year),
        plugin_template=_plugin_template(registry, tenant.unit_type),
    )
    unit_type_name = _unit_type_name(registry, tenant.unit_type)
    generated_at = content.now_local().strftime("%Y-%m-%d %H:%M")
    rendered: list[RenderedReport] = []
    with use_tenant(tenant.id):
        sources = unit_sources(
            tenant,
            year,
            registry,
            as_of=as_of,
            branch_code=branch_code,
            store=store,
            created_by=created_by,
        )
        tasks = open_rectifications(tenant, [s.organization.id for s in sources.branches], year)
        for source in sources.branches:
            organization = source.organization
            card = content.branch_card(
                unit_name=tenant.name,
                unit_slug=tenant.slug,
                unit_type=tenant.unit_type,
                unit_type_name=unit_type_name,
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
            rendered.append(
                RenderedReport(
                    html, look, f"{tenant.slug}-{organization.code}-{year}", organization.code
                )
            )
    if not rendered:
        if sources.not_scored_reason:
            raise ReportUnavailable(sources.not_scored_reason)
        if branch_code is not None:
            raise ReportUnavailable(
                _(
                    "%(unit)s 没有在 %(year)s 年度参加评分的支部 %(code)s",
                    unit=tenant.name,
                    year=year,
                    code=branch_code,
                )
            )
        raise ReportUnavailable(
            _("%(unit)s 在 %(year)s 年度没有党支部", unit=tenant.name, year=year)
        )
    return rendered


class ReportUnavailable(LookupError):
    """Nothing to print: the unit is not scored (plugin off …) or the branch did not exist then.

    The message is Chinese and says why.
    """


def render_branch_html(
    tenant: Tenant,
    organization: Organization,
    year: int,
    *,
    as_of: dt.date | None = None,
    registry: PluginRegistry | None = None,
    store: bool = True,
    created_by: str = "reports",
) -> str:
    """The branch scorecard as HTML (what the PDF is made from).

    :param tenant: the unit.
    :param organization: the branch (a 党支部 or 联合党支部 of the unit).
    :param year: the assessment year.
    :param as_of: the day a live score reads records on (default today); a stored card keeps its own.
    :param registry: the plugin registry (default: the app's).
    :param store: when no scorecard is stored for the branch and year, store the live result.
    :param created_by: recorded on a stored scorecard.
    :raises ReportUnavailable: the unit is not scored or the branch has no result for the year.
    """
    return _branch_rendered(
        tenant,
        organization,
        year,
        as_of=as_of,
        registry=registry,
        store=store,
        created_by=created_by,
    ).html


def _branch_rendered(
    tenant, organization, year, *, as_of, registry, store, created_by
) -> RenderedReport:
    with use_tenant(tenant.id):  # the row may have been expired by a commit
        code = organization.code
    with force_locale(REPORT_LOCALE):
        return _branch_cards(
            tenant,
            year,
            as_of=as_of,
            registry=registry or get_registry(),
            store=store,
            created_by=created_by,
            branch_code=code,
        )[0]


def render_branch_pdf(
    tenant: Tenant,
    organization: Organization,
    year: int,
    *,
    as_of: dt.date | None = None,
    registry: PluginRegistry | None = None,
    store: bool = True,
    created_by: str = "reports",
) -> bytes:
    """The branch scorecard as PDF; parameters as :func:`render_branch_html`."""
    rendered = _branch_rendered(
        tenant,
        organization,
        year,
        as_of=as_of,
        registry=registry,
        store=store,
        created_by=created_by,
    )
    return rendered.pdf()


def render_branch_reports(
    tenant: Tenant,
    year: int,
    *,
    as_of: dt.date | None = None,
    registry: PluginRegistry | None = None,
    store: bool = True,
    created_by: str = "reports",
) -> list[RenderedReport]:
    """Every branch card of a unit as HTML, scoring the unit once; ``.pdf()`` on each lays it out.

    For bulk work (a unit's ZIP, the CLI's ``--out DIR``); parameters as :func:`render_branch_html`.

    :raises ReportUnavailable: the unit is not scored or has no branch in the year.
    """
    with force_locale(REPORT_LOCALE):
        return _branch_cards(
            tenant,
            year,
            as_of=as_of,
            registry=registry or get_registry(),
            store=store,
            created_by=created_by,
        )


def render_branch_pdfs(
    tenant: Tenant,
    year: int,
    *,
    as_of: dt.date | None = None,
    registry: PluginRegistry | None = None,
    store: bool = True,
    created_by: str = "reports",
) -> dict[str, bytes]:
    """Every branch card of a unit as PDF, ``{branch code: PDF}``; see :func:`render_branch_reports`."""
    reports = render_branch_reports(
        tenant, year, as_of=as_of, registry=registry, store=store, created_by=created_by
    )
    return {report.code: report.pdf() for report in reports}


def _unit_rendered(tenant, year, *, as_of, registry, store, created_by) -> RenderedReport:
    from core.scoring.alerts import unit_alerts

    registry = registry or get_registry()
    with force_locale(REPORT_LOCALE), use_tenant(tenant.id):
        sources = unit_sources(
            tenant, year, registry, as_of=as_of, store=store, created_by=created_by
        )
        # Alerts look forward from the day the records are read on, whatever year is reported.
        alerts_on = as_of or local_today()
        alerts = unit_alerts(tenant, alerts_on, registry) if sources.branches else {}
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


def render_unit_html(
    tenant: Tenant,
    year: int,
    *,
    as_of: dt.date | None = None,
    registry: PluginRegistry | None = None,
    store: bool = True,
    created_by: str = "reports",
) -> str:
    """The unit summary as HTML: every branch's block scores side by side, and the alerts.

    Parameters as :func:`render_branch_html`; ``as_of`` also dates the alerts.
    """
    return _unit_rendered(
        tenant, year, as_of=as_of, registry=registry, store=store, created_by=created_by
    ).html


def render_unit_pdf(
    tenant: Tenant,
    year: int,
    *,
    as_of: dt.date | None = None,
    registry: PluginRegistry | None = None,
    store: bool = True,
    created_by: str = "reports",
) -> bytes:
    """The unit summary as PDF; parameters as :func:`render_unit_html`."""
    return _unit_rendered(
        tenant, year, as_of=as_of, registry=registry, store=store, created_by=created_by
    ).pdf()


def _county_rendered(year, tenant_ids, *, as_of, registry) -> RenderedReport:
    from core.scoring.county import rank_county

    registry = registry or get_registry()
    with force_locale(REPORT_LOCALE):
        ranking = rank_county(year, registry, as_of=as_of, tenant_ids=tenant_ids)
        names = {u.key: u.name_zh for u in registry.unit_types()}
        bands: list[str] = []
        for unit_type in dict.fromkeys(u.tenant.unit_type for u in ranking.units):
            try:
                bands.extend(
                    b.grade for b in effective_standard(unit_type, on=dt.date(year, 12, 31), registry=registry).bands
                )
            except (UnknownUnitType, LookupError):
                continue
        scope_note = None
        if tenant_ids is not None:
            scope_note = _(
                "本表只含查看范围内的 %(count)s 个单位；名次和排名运用规则在此范围内计算，不是全县名次。",
                count=len(ranking.units),
            )
        rollup = content.county_rollup(
            ranking, unit_type_names=names, band_grades=bands, scope_note=scope_note
        )
        look = resolve_look("county", None, placeholders=_placeholders(None, year))
        html = render_template(look, {"rollup": rollup, "generated_at": rollup.generated_at})
    return RenderedReport(html, look, f"county-{year}")


def render_county_html(
    year: int,
    tenant_ids: list[int] | None = None,
    *,
    as_of: dt.date | None = None,
    registry: PluginRegistry | None = None,
) -> str:
    """The county roll-up as HTML: units and branches ranked, overall and by unit type, the
    grade distribution, and the host's ranking rules applied (:func:`core.scoring.county.rank_county`).

    The county is scored live with the county-wide grade quota, so nothing is stored.

    :param tenant_ids: only these units (a supervisor's scope); ``None`` is the whole county.
        A restricted roll-up says on the page that its places are not county places.
    :param as_of: the day the records are read on (default today).
    """
    return _county_rendered(year, tenant_ids, as_of=as_of, registry=registry).html


def render_county_pdf(
    year: int,
    tenant_ids: list[int] | None = None,
    *,
    as_of: dt.date | None = None,
    registry: PluginRegistry | None = None,
) -> bytes:
    """The county roll-up as PDF; parameters as :func:`render_county_html`."""
    return _county_rendered(year, tenant_ids, as_of=as_of, registry=registry).pdf()
