"""``branchmark tenant``: list and create units."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from core.audit.recorder import acting_as
from core.extensions import db
from core.host.models import Tenant
from core.host.services import TenantError, create_tenant
from core.members.roll import unit_roll_counts
from core.organizations.models import Organization
from core.tenancy import host_scope
from core.timezone import local_today


@click.group(help="单位（租户）管理 (units / tenants).")
def tenant() -> None:
    """单位（租户）管理 (units / tenants)."""


@tenant.command("list", help="列出全部单位 (list every unit).")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (print JSON).")
@with_appcontext
def list_tenants(as_json: bool) -> None:
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    with host_scope():  # county-wide listing of every unit
        branches = dict(
            db.session.execute(
                select(Organization.tenant_id, func.count())
                .where(Organization.kind.in_(("branch", "joint_branch")))
                .group_by(Organization.tenant_id)
            ).all()
        )
        members = unit_roll_counts([t.id for t in tenants], local_today())
    rows = [
        {
            "slug": t.slug,
            "name": t.name,
            "unit_type": t.unit_type,
            "sub_kind": t.sub_kind,
            "enabled": t.enabled,
            "plugin_enabled": t.plugin_enabled,
            "branches": branches.get(t.id, 0),
            "members": members.get(t.id, 0),
        }
        for t in tenants
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("尚无单位。用 `branchmark tenant create` 新建。")
        return
    for r in rows:
        flags = "" if r["enabled"] else " [已停用]"
        flags += "" if r["plugin_enabled"] else " [插件未启用]"
        click.echo(
            f"{r['slug']:<20} {r['unit_type']:<12} 支部 {r['branches']:>3}  党员 {r['members']:>4}  {r['name']}{flags}"
        )


@tenant.command("create", help="新建单位 (create a unit).")
@click.option("--slug", required=True, help="单位代码，字母数字和连字符 (short code).")
@click.option("--name", required=True, help="单位名称 (name).")
@click.option("--unit-type", required=True, help="单位类型插件键，如 organ、soe (unit-type key).")
@click.option("--sub-kind", default=None, help="子类别 (sub-kind).")
@with_appcontext
def create(slug: str, name: str, unit_type: str, sub_kind: str | None) -> None:
    with acting_as(None, "cli:tenant create"):
        try:
            created = create_tenant(slug=slug, name=name, unit_type=unit_type, sub_kind=sub_kind)
        except TenantError as error:
            db.session.rollback()
            raise click.UsageError(f"{error.field}: {error.message}") from None
        db.session.commit()
    click.echo(f"已新建单位 {created.slug}（{created.name}）")


def _set_plugin(slug: str, enabled: bool) -> None:
    from core.cli.common import tenant_by_slug

    unit = tenant_by_slug(slug)
    with acting_as(None, "cli:tenant plugin"):
        unit.plugin_enabled = enabled
        db.session.commit()
    state = "启用" if enabled else "停用"
    click.echo(f"已{state}单位 {unit.slug} 的单位类型插件（{unit.unit_type}）")


@tenant.command("enable-plugin", help="为单位启用其单位类型插件 (switch the unit-type plugin on).")
@click.argument("slug")
@with_appcontext
def enable_plugin(slug: str) -> None:
    _set_plugin(slug, True)


@tenant.command("disable-plugin", help="停用单位的单位类型插件；停用后不评分 (switch it off).")
@click.argument("slug")
@with_appcontext
def disable_plugin(slug: str) -> None:
    _set_plugin(slug, False)
