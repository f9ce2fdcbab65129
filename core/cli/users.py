"""``branchmark user``: create accounts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.accounts.services import AccountError, create_user
from core.audit.recorder import acting_as
from core.cli.common import tenant_by_slug
from core.extensions import db
from core.vocabulary import ROLES


@click.group(help="用户管理 (users).")
def user() -> None:
    """用户管理 (users)."""


@user.command("create", help="新建用户 (create a user).")
@click.option("--username", required=True, help="登录名 (login name).")
@click.option("--password", prompt="密码 (password)", hide_input=True, confirmation_prompt=True)
@click.option("--role", required=True, type=click.Choice(list(ROLES)), help="角色 (role).")
@click.option("--name", "display_name", default=None, help="显示名称 (display name).")
@click.option("--tenant", "tenant_slug", default=None, help="所属单位代码 (unit slug).")
@click.option("--branch", "branch_code", default=None, help="支部书记所在支部代码 (branch code).")
@click.option("--scope-unit-type", multiple=True, help="督导范围：单位类型，可多次 (supervisor scope).")
@click.option("--scope-tenant", multiple=True, help="督导范围：单位代码，可多次 (supervisor scope).")
@with_appcontext
def create(
    username: str,
    password: str,
    role: str,
    display_name: str | None,
    tenant_slug: str | None,
    branch_code: str | None,
    scope_unit_type: tuple[str, ...],
    scope_tenant: tuple[str, ...],
) -> None:
    tenant = tenant_by_slug(tenant_slug) if tenant_slug else None
    scoped = [tenant_by_slug(s) for s in scope_tenant]
    with acting_as(None, "cli:user create"):
        try:
            created = create_user(
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                tenant=tenant,
                organization_code=branch_code,
                scope_unit_types=list(scope_unit_type),
                scope_tenants=scoped,
            )
        except AccountError as error:
            db.session.rollback()
            raise click.UsageError(f"{error.field}: {error.message}") from None
        db.session.commit()
    click.echo(f"已新建用户 {created.username}（{ROLES[created.role]}）")
