"""``branchmark user``: create accounts; ``branchmark token``: create, list and revoke API tokens."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core.accounts.models import User
from core.accounts.services import AccountError, create_user, issue_token, revoke_token, user_tokens
from core.audit.recorder import acting_as
from core.cli.common import tenant_by_slug
from core.extensions import db
from core.timezone import local_time
from core.validation import RecordError
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


@click.group(help="API 令牌 (API tokens): create, list, revoke.")
def token() -> None:
    """API 令牌 (API tokens)."""


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.UsageError(f"没有用户 {username} (no such user)")
    return user


@token.command("create", help="为用户新建令牌，只显示一次 (create a token; shown once).")
@click.option("--user", "username", required=True, help="用户名 (username).")
@click.option("--name", required=True, help="令牌名称，如“报表脚本” (what the token is for).")
@with_appcontext
def token_create(username: str, name: str) -> None:
    user = _user(username)
    with acting_as(None, "cli:token create"):
        try:
            secret = issue_token(user, name)
        except RecordError as error:
            db.session.rollback()
            raise click.UsageError("; ".join(error.errors.values())) from None
        db.session.commit()
    click.echo(f"已为 {user.username} 新建令牌“{name.strip()}”；只显示这一次，请妥善保存：")
    click.echo(secret)


@token.command("list", help="列出用户的令牌 (list a user's tokens).")
@click.option("--user", "username", required=True, help="用户名 (username).")
@with_appcontext
def token_list(username: str) -> None:
    tokens = user_tokens(_user(username))
    if not tokens:
        click.echo("（没有令牌）")
    for record in tokens:
        # Shown in the configured zone (TIME_ZONE), like every time on a page or a card.
        used = local_time(record.last_used_at) if record.last_used_at else "从未使用"
        state = "已撤销" if record.revoked_at else "有效"
        created = local_time(record.created_at)
        click.echo(f"{record.id}\t{record.name}\t{record.prefix}…\t创建 {created}\t最近使用 {used}\t{state}")


@token.command("revoke", help="撤销令牌 (revoke a token by its id from `token list`).")
@click.option("--user", "username", required=True, help="用户名 (username).")
@click.argument("token_id", type=int)
@with_appcontext
def token_revoke(username: str, token_id: int) -> None:
    user = _user(username)
    with acting_as(None, "cli:token revoke"):
        try:
            record = revoke_token(user, token_id)
        except RecordError as error:
            db.session.rollback()
            raise click.UsageError("; ".join(error.errors.values())) from None
        db.session.commit()
    click.echo(f"已撤销令牌 {record.id}“{record.name}”")
