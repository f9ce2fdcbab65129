"""The landing page each role arrives at, the branch and unit dashboards and the county page."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template, request
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
from core.organizations.views import can_edit_organization
from core.plugins.manager import UnknownUnitType, get_registry
from core.scoring.actions import can_administer_unit, can_supervise, manual_items
from core.scoring.alerts import setup_alerts
from core.sorting import by_pinyin, pinyin_key
from core.tenancy import host_scope, set_tenant
from core.timezone import local_today
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


@bp.route("/county")
@login_required
def county():
    """The county ranking for host admins; supervisors see the same page over their scope."""
    if current_user.role not in ("host_admin", "supervisor"):
        abort(403)
    today = _today()
    year = request.args.get("year", type=int) or today.year
    if not 2000 <= year <= today.year:
        abort(404)
    tenant_ids = None
    if current_user.role == "supervisor":
        tenant_ids = list(
            db.session.scalars(visible_tenants_query(current_user).with_only_columns(Tenant.id))
        )
    registry = get_registry()
    ranking, freshness = dashboards.county_ranking(
        registry, year, dashboards.assessment_day(year, today), tenant_ids, today
    )
    type_names = _type_names()
    now = dt.datetime.now(dt.UTC)  # compared with stored UTC moments
    units_by_type: dict[str, list] = {}
    for ranked in ranking.units:
        units_by_type.setdefault(ranked.tenant.unit_type, []).append(ranked)
    for ranked_units in units_by_type.values():
        ranked_units.sort(key=lambda u: (u.rank_in_type is None, u.rank_in_type or 0))
    return render_template(
        "web/county.html",
        ranking=ranking,
        freshness=freshness,
        year=year,
        years=list(range(today.year, today.year - 5, -1)),
        type_names=type_names,
        units_by_type=units_by_type,
        grades=dashboards.grade_series(
            [ranking.distribution, *ranking.distribution_by_type.values()]
        ),
        stale=dashboards.stale_units([u.tenant for u in ranking.units], now),
        stale_days=dashboards.STALE_DAYS,
        distribution_chart=dashboards.distribution_chart(
            ranking, type_names, _("等级分布"), _("全县") if tenant_ids is None else _("合计")
        ),
        units_chart=dashboards.unit_scores_chart(ranking, _("单位平均得分")),
        scoped=tenant_ids is not None,
    )
