"""The landing page each role arrives at, the branch and unit dashboards and the county page."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from core.accounts.access import can_view_organization, can_view_tenant, visible_tenants_query
from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member
from core.members.roll import member_on_roll_clause, roll_counts, unit_roll_counts
from core.metrics import BRANCH_KINDS
from core.organizations.models import Organization
from core.organizations.views import Page, can_edit_organization, paginate
from core.plugins.manager import UnknownUnitType, get_registry
from core.scoring.actions import can_administer_unit, can_supervise, manual_items
from core.scoring.alerts import setup_alerts
from core.scoring.county import BranchFilter, CountyOverview
from core.sorting import by_pinyin, pinyin_key
from core.tenancy import host_scope, set_tenant
from core.timezone import local_today
from core.vocabulary import SCORECARD_STATUSES
from core.web import dashboards

bp = Blueprint("web", __name__)


def _branch_rows(organizations: list[Organization]) -> dict[int, int]:
    """Member count on each organization's roll today, in one query."""
    return roll_counts([o.id for o in organizations], _today())


def _type_names() -> dict[str, str]:
    return {unit_type.key: unit_type.name_zh for unit_type in get_registry().unit_types()}


def _sub_kind_name(tenant: Tenant) -> str | None:
    """The sub-kind's Chinese name from the unit type's plugin, or the code when it is unknown."""
    if not tenant.sub_kind:
        return None
    try:
        kinds = get_registry().unit_type(tenant.unit_type).sub_kinds
    except UnknownUnitType:
        return tenant.sub_kind
    return next((k.name_zh for k in kinds if k.key == tenant.sub_kind), tenant.sub_kind)


def _today() -> dt.date:
    """Today in the configured time zone: what "记录截至" and the live scores read as of."""
    return local_today()


@bp.route("/")
@login_required
def home():
    # By unit type, then by the pinyin of the name (a reader's dictionary order, not code points).
    tenants = sorted(
        db.session.scalars(visible_tenants_query(current_user)),
        key=lambda t: (t.unit_type, pinyin_key(t.name)),
    )
    if current_user.role == "secretary" and tenants and current_user.organization_id:
        # A secretary keeps one branch: her landing page is that branch, not the unit.
        set_tenant(tenants[0].id)
        own = db.session.get(Organization, current_user.organization_id)
        if own is not None:
            return branch(tenants[0].slug, own.code)
    if current_user.role in ("unit_admin", "secretary") and tenants:
        return unit(tenants[0].slug)
    counts: dict[int, tuple[int, int]] = {}
    if tenants:
        ids = [t.id for t in tenants]
        # County-wide overview: the one place the landing page reads across units.
        with host_scope():
            orgs = dict(
                db.session.execute(
                    select(Organization.tenant_id, func.count(Organization.id))
                    .where(
                        Organization.tenant_id.in_(ids),
                        Organization.kind.in_(("branch", "joint_branch")),
                    )
                    .group_by(Organization.tenant_id)
                ).all()
            )
            members = unit_roll_counts(ids, _today())
        counts = {t.id: (orgs.get(t.id, 0), members.get(t.id, 0)) for t in tenants}
    return render_template("web/home.html", tenants=tenants, counts=counts)


def tenant_or_404(slug: str) -> Tenant:
    """The unit the current user may read, chosen as the request's tenant; 404 otherwise."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        abort(404)
    if not can_view_tenant(current_user, tenant):
        abort(404)  # the same answer as a missing unit: slugs cannot be enumerated
    set_tenant(tenant.id)
    return tenant


@bp.route("/units/<slug>")
@login_required
def unit(slug: str):
    """The unit's branches side by side: live totals, grades, block scores and alerts."""
    tenant = tenant_or_404(slug)
    registry = get_registry()
    today = _today()
    query = select(Organization).order_by(Organization.code)
    if current_user.role == "secretary":
        query = query.where(Organization.id == current_user.organization_id)
    organizations = db.session.scalars(query).all()
    outcome, freshness = dashboards.stored_unit_score(tenant, registry, today)
    setup = [
        a for a in setup_alerts(tenant, today, registry)
        if current_user.role != "secretary" or a.organization_id == current_user.organization_id
    ]
    scores = {b.organization.id: b for b in outcome.branches}
    columns = [
        dashboards.BranchColumn(
            o,
            scores.get(o.id),
            scores[o.id].stored.alerts if o.id in scores else 0,
            scores[o.id].stored.overdue if o.id in scores else 0,
        )
        for o in organizations
        if o.kind in BRANCH_KINDS
    ]
    scored = [c.score for c in columns if c.score is not None]
    chart = dashboards.branch_totals_chart(scored, "各支部得分") if scored else ""
    return render_template(
        "web/unit.html",
        tenant=tenant,
        organizations=organizations,
        member_counts=_branch_rows(organizations),
        outcome=outcome,
        freshness=freshness,
        columns=columns,
        block_titles=[b.title for b in scored[0].result.blocks] if scored else [],
        chart=chart,
        today=today,
        type_name=_type_names().get(tenant.unit_type, tenant.unit_type),
        sub_kind_name=_sub_kind_name(tenant),
        can_administer=can_administer_unit(current_user, tenant),
        can_supervise=can_supervise(current_user, tenant),
        setup_alerts=setup,
    )


@bp.route("/units/<slug>/branches/<code>")
@login_required
def branch(slug: str, code: str):
    """What a branch has due, this year's score so far with every lost point, last year's card."""
    tenant = tenant_or_404(slug)
    organization = db.session.scalar(select(Organization).where(Organization.code == code))
    if organization is None:
        abort(404)
    if not can_view_organization(current_user, tenant, organization.id):
        abort(403)
    registry = get_registry()
    today = _today()
    members = by_pinyin(db.session.scalars(
        select(Member)
        .where(member_on_roll_clause(organization.id, today))
        .order_by(Member.name)
    ).all())
    is_branch = organization.kind in BRANCH_KINDS
    outcome = dashboards.live_unit_score(tenant, registry, today) if is_branch else None
    score = None
    if outcome is not None:
        score = next((b for b in outcome.branches if b.organization.id == organization.id), None)
    alerts = (
        dashboards.live_alerts(tenant, registry, today).get(organization.id, [])
        if is_branch
        else []
    )
    last_card = dashboards.last_scorecard(organization, today.year - 1) if is_branch else None
    supervise = can_supervise(current_user, tenant)
    return render_template(
        "web/branch.html",
        tenant=tenant,
        organization=organization,
        members=members,
        is_branch=is_branch,
        outcome=outcome,
        score=score,
        alerts=alerts,
        last_card=last_card,
        tasks=dashboards.open_rectifications([organization.id]) if is_branch else [],
        chart=dashboards.block_chart(score.result, "各部分得分率") if score else "",
        today=today,
        can_supervise=supervise,
        has_manual_items=supervise
        and is_branch
        and bool(manual_items(tenant, today.year, registry)),
        can_administer=can_administer_unit(current_user, tenant),
        can_record=is_branch and can_edit_organization(tenant, organization.id),
        alert_target=lambda alert: dashboards.alert_target(alert, tenant, organization, today),
    )


#: Rows per page of the county page's unit and branch rankings.
UNITS_PER_PAGE = 50
BRANCHES_PER_PAGE = 50
#: Units listed as not keeping records; the count above the list gives the rest.
STALE_SHOWN = 50


def _county_scope() -> list[int] | None:
    """The units a county page reader sees: None for the host admin (the county)."""
    if current_user.role not in ("host_admin", "supervisor"):
        abort(403)
    if current_user.role != "supervisor":
        return None
    return list(db.session.scalars(visible_tenants_query(current_user).with_only_columns(Tenant.id)))


def _county_year(today: dt.date) -> int:
    year = request.args.get("year", type=int) or today.year
    if not 2000 <= year <= today.year:
        abort(404)
    return year


def _branch_filter(overview: CountyOverview, type_names: dict[str, str]) -> tuple[BranchFilter, list[str]]:
    """The ranking's filters from the query string; a value the page does not offer is ignored
    with a message naming the field (a bookmarked address may outlive a unit type or a grade)."""
    problems = []

    def chosen(field: str, label: str, allowed) -> str | None:
        value = (request.args.get(field) or "").strip()
        if value and value not in allowed:
            problems.append(_("筛选条件“%(field)s”的值“%(value)s”无效，已忽略。", field=label, value=value))
            return None
        return value or None

    order = request.args.get("order", "weakest")
    if order not in ("weakest", "best"):
        problems.append(_("筛选条件“%(field)s”的值“%(value)s”无效，已忽略。", field=_("排序"), value=order))
        order = "weakest"
    name = (request.args.get("q") or "").strip()[:100] or None
    return BranchFilter(
        unit_type=chosen("type", _("单位类型"), set(type_names) | set(overview.types)),
        grade=chosen("grade", _("等级"), set(overview.distribution) | set(dashboards.GRADE_ORDER)),
        status=chosen("status", _("评定状态"), SCORECARD_STATUSES),
        name=name,
        weakest_first=order == "weakest",
    ), problems


def _number(argument: str) -> int:
    """A page number from the query string, 1 when absent or bad."""
    value = request.args.get(argument, type=int)
    return value if value and value > 0 else 1


@bp.route("/county")
@login_required
def county():
    """The county page for host admins; supervisors see the same page over their scope.

    County-wide figures are counted in the database; the unit and branch rankings come a page
    at a time, filtered on the server, the branches downloadable whole as CSV.
    """
    tenant_ids = _county_scope()
    today = _today()
    year = _county_year(today)
    registry = get_registry()
    overview = dashboards.county_overview(
        registry, year, dashboards.assessment_day(year, today), tenant_ids, today
    )
    type_names = _type_names()
    chosen, problems = _branch_filter(overview, type_names)
    units = [
        u for u in overview.units
        if (not chosen.unit_type or u.tenant.unit_type == chosen.unit_type)
        and (not chosen.name or chosen.name.casefold() in u.tenant.name.casefold())
    ]
    number = _number("unit_page")
    units_page = Page(units[(number - 1) * UNITS_PER_PAGE : number * UNITS_PER_PAGE], len(units), number, UNITS_PER_PAGE)
    rows = overview.branch_rows(chosen)
    if isinstance(rows, list):
        number = _number("page")
        branches = Page(rows[(number - 1) * BRANCHES_PER_PAGE : number * BRANCHES_PER_PAGE], len(rows), number, BRANCHES_PER_PAGE)
    else:
        with host_scope():  # the stored results of every unit in scope, restricted by the query
            branches = paginate(rows, _number("page"), scalars=False, size=BRANCHES_PER_PAGE)
    now = dt.datetime.now(dt.UTC)  # compared with stored UTC moments
    stale = dashboards.stale_units([u.tenant for u in overview.units], now, county=tenant_ids is None)
    stale.sort(key=lambda s: (s.last_written is not None, s.last_written or now))
    return render_template(
        "web/county.html",
        overview=overview,
        freshness=overview.freshness,
        year=year,
        years=list(range(today.year, today.year - 5, -1)),
        type_names=type_names,
        grades=dashboards.grade_series(
            [overview.distribution, *overview.distribution_by_type.values()]
        ),
        statuses=SCORECARD_STATUSES,
        chosen=chosen,
        problems=problems,
        units_page=units_page,
        branches=branches,
        stale=stale[:STALE_SHOWN],
        stale_count=len(stale),
        stale_days=dashboards.STALE_DAYS,
        distribution_chart=dashboards.distribution_chart(
            overview, type_names, _("等级分布"), _("全县") if tenant_ids is None else _("合计")
        ),
        types_chart=dashboards.type_scores_chart(overview, type_names, _("各类型单位支部平均得分")),
        scoped=tenant_ids is not None,
    )


@bp.route("/county/branches.csv")
@login_required
def county_branches_csv():
    """Every branch the county page's ranking lists under the same filters, as CSV (Excel opens it)."""
    tenant_ids = _county_scope()
    today = _today()
    year = _county_year(today)
    overview = dashboards.county_overview(
        get_registry(), year, dashboards.assessment_day(year, today), tenant_ids, today
    )
    type_names = _type_names()
    chosen, _problems = _branch_filter(overview, type_names)
    rows = overview.branch_rows(chosen)
    if not isinstance(rows, list):
        with host_scope():
            rows = db.session.execute(rows).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("名次"), _("类型内名次"), _("单位"), _("单位类型"), _("支部"), _("得分"), _("等级"), _("评定状态")])
    for row in rows:
        writer.writerow([
            row.rank or "", row.rank_in_type or "", row.unit_name, type_names.get(row.unit_type, row.unit_type),
            row.branch_name, row.total, row.grade_label, SCORECARD_STATUSES.get(row.status, row.status),
        ])
    # utf-8-sig: Excel reads a UTF-8 CSV as Chinese only with the byte-order mark.
    return send_file(
        io.BytesIO(out.getvalue().encode("utf-8-sig")),
        mimetype="text/csv",
        as_attachment=True,
        download_name=_("支部排名-%(year)s.csv", year=year),
    )
