"""Helpers shared by CLI commands: unit lookup and the writer's name in the audit log."""

from __future__ import annotations

import click
from sqlalchemy import select

from core.extensions import db
from core.host.models import Tenant


def tenant_by_slug(slug: str) -> Tenant:
    """The unit with this slug, or a clear error naming it."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.UsageError("--tenant" + "：" + f"没有代码为 {slug} 的单位 (no unit with slug {slug})")
    return tenant
