"""The landing page each role arrives at, and the unit and branch pages of the shell."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from core.accounts.access import can_view_organization, can_view_tenant, visible_tenants_query
from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member
from core.organizations.models import Organization
from core.tenancy import host_scope, set_tenant

bp = Blueprint("web", __name__)


def _branch_rows(organizations: list[Organization]) -> dict[int, int]:
    """Current member count per organization, in one query."""
    if not organizations:
        return {}
    ids = [o.id for o in organizations]
    rows = db.session.execute(
        select(Member.organization_id, func.count(Member.id))
        .where(Member.organization_id.in_(ids), Member.left_on.is_(None))
        .group_by(Member.organization_id)
    )
    return dict(rows.all())


@bp.route("/")
@login_required
def home():
    tenants = db.session.scalars(visible_tenants_query(current_user)).all()
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
                    .where(Organization.tenant_id.in_(ids), Organization.kind.in_(("branch", "joint_branch")))
                    .group_by(Organization.tenant_id)
                ).all()
            )
            members = dict(
                db.session.execute(
                    select(Member.tenant_id, func.count(Member.id))
                    .where(Member.tenant_id.in_(ids), Member.left_on.is_(None))
                    .group_by(Member.tenant_id)
                ).all()
            )
        counts = {t.id: (orgs.get(t.id, 0), members.get(t.id, 0)) for t in tenants}
    return render_template("web/home.html", tenants=tenants, counts=counts)


def _tenant_or_404(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        abort(404)
    if not can_view_tenant(current_user, tenant):
        abort(403)
    set_tenant(tenant.id)
    return tenant


@bp.route("/units/<slug>")
@login_required
def unit(slug: str):
    tenant = _tenant_or_404(slug)
    query = select(Organization).order_by(Organization.code)
    if current_user.role == "secretary":
        query = query.where(Organization.id == current_user.organization_id)
    organizations = db.session.scalars(query).all()
    return render_template(
        "web/unit.html",
        tenant=tenant,
        organizations=organizations,
        member_counts=_branch_rows(organizations),
    )


@bp.route("/units/<slug>/branches/<code>")
@login_required
def branch(slug: str, code: str):
    tenant = _tenant_or_404(slug)
    organization = db.session.scalar(select(Organization).where(Organization.code == code))
    if organization is None:
        abort(404)
    if not can_view_organization(current_user, tenant, organization.id):
        abort(403)
    members = db.session.scalars(
        select(Member)
        .where(Member.organization_id == organization.id, Member.left_on.is_(None))
        .order_by(Member.name)
    ).all()
    return render_template("web/branch.html", tenant=tenant, organization=organization, members=members)
