"""``branchmark results refresh``: the stored live results re-scored on demand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core.cli.common import tenant_by_slug
from core.extensions import db
from core.host.models import Tenant
from core.plugins.manager import get_registry
from core.scoring import live
from core.tenancy import host_scope


@click.group(help="实时评分结果 (stored live results).")
def results() -> None:
    pass


@results.command(help="重新计算实时评分结果 (re-score the stored live results).")
@click.option("--unit", "slug", default=None, help="只算一个单位 (one unit slug); 默认全县.")
@with_appcontext
def refresh(slug: str | None) -> None:
    if slug:
        ids = [tenant_by_slug(slug).id]
    else:
        with host_scope():
            ids = list(db.session.scalars(select(Tenant.id)))
    count = live.refresh(ids, get_registry())
    db.session.commit()
    click.echo(f"已重新计算 {len(ids)} 个单位、{count} 个支部的实时评分结果")
