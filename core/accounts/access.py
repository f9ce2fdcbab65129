"""Who may see which units and branches: the rules behind every page and API call."""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from core.accounts.models import User
from core.host.models import Tenant


def visible_tenants_query(user: User) -> Select[tuple[Tenant]]:
    """Units the user may see, as a query (host admins: all; supervisors: their scope)."""
    query = select(Tenant).order_by(Tenant.unit_type, Tenant.name)
    if user.role == "host_admin":
        return query
    if user.role == "supervisor":
        unit_types = [s.unit_type for s in user.scopes if s.unit_type]
        tenant_ids = [s.tenant_id for s in user.scopes if s.tenant_id]
        if not unit_types and not tenant_ids:
            return query.where(false())
        return query.where(or_(Tenant.unit_type.in_(unit_types), Tenant.id.in_(tenant_ids)))
    if user.tenant_id is None:
        return query.where(false())
    return query.where(Tenant.id == user.tenant_id)


def can_view_tenant(user: User, tenant: Tenant) -> bool:
    """Whether the user may read the unit's records."""
    if user.role == "host_admin":
        return True
    if user.role == "supervisor":
        return any(
            (s.unit_type is not None and s.unit_type == tenant.unit_type)
            or (s.tenant_id is not None and s.tenant_id == tenant.id)
            for s in user.scopes
        )
    return user.tenant_id == tenant.id


def can_edit_tenant(user: User, tenant: Tenant) -> bool:
    """Whether the user may change the unit's records (supervisors only read)."""
    if user.role == "host_admin":
        return True
    return user.role in ("unit_admin", "secretary") and user.tenant_id == tenant.id


def can_view_organization(user: User, tenant: Tenant, organization_id: int) -> bool:
    """Whether the user may read one organization of a unit (a secretary: only their own)."""
    if not can_view_tenant(user, tenant):
        return False
    if user.role == "secretary":
        return user.organization_id == organization_id
    return True


def can_manage_user(actor: User, target: User) -> bool:
    """Whether ``actor`` may reset the password of, or deactivate, ``target``.

    Host admins: everyone. Unit admins: the unit admins and secretaries of their own unit.
    """
    if actor.role == "host_admin":
        return True
    return (
        actor.role == "unit_admin"
        and actor.tenant_id is not None
        and target.tenant_id == actor.tenant_id
        and target.role in ("unit_admin", "secretary")
    )
