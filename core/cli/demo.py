"""``branchmark demo``: load the demo county (tenants/demo/) into the configured database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core.demo import DEMO_DIR, DemoDataError, DemoSchemaMissing, load_demo
from core.demo.data import display_path
from core.vocabulary import TABLE_NAMES

#: Chinese names of the tables (shared with the audit log page).
TABLE_LABELS = TABLE_NAMES


def _parse_date(ctx, param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"日期格式应为 YYYY-MM-DD（得到 {value}） / expected YYYY-MM-DD"
        ) from None


@click.command(
    "demo",
    help=(
        "载入演示县（桐溪县）：县委组织部、12个单位、党员、两年的组织生活、党费等记录；"
        "已存在的单位跳过。需先运行 `branchmark db upgrade`。\n\n"
        "Load the demo county (host, 12 units, members, two years of records) into the "
        "configured database; units that already exist are skipped. Run `branchmark db upgrade` first."
    ),
)
@click.option(
    "--path",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="演示数据目录，默认 <TENANTS_DIR>/demo，即 tenants/demo (demo data folder).",
)
@click.option(
    "--as-of",
    "as_of",
    callback=_parse_date,
    default=None,
    metavar="YYYY-MM-DD",
    help="记录生成的截至日期，默认取 host.yaml 的 as_of (generate records up to this day).",
)
@click.option(
    "--as-of-today",
    "as_of_today",
    is_flag=True,
    default=False,
    help=(
        "记录生成到昨天（按配置的时区），演示数据不随时间变旧；`make demo` 使用此项 "
        "(generate records up to yesterday in the configured time zone; `make demo` uses it)."
    ),
)
@with_appcontext
def demo(folder: Path | None, as_of: dt.date | None, as_of_today: bool) -> None:
    if as_of_today and as_of is None:
        from core.timezone import local_today

        # Yesterday, not today: today's meetings and payments have not happened yet, so records
        # up to yesterday read as a county that is up to date this morning.
        as_of = local_today() - dt.timedelta(days=1)
    try:
        tenants_dir = current_app.config.get("TENANTS_DIR")
        default = Path(tenants_dir) / "demo" if tenants_dir else DEMO_DIR
        summary = load_demo(folder or default, as_of=as_of)
    except DemoSchemaMissing as error:
        raise click.ClickException(str(error)) from None
    except DemoDataError as error:
        raise click.ClickException(
            f"演示数据有误，未写入任何数据 / bad demo data, nothing written:\n{error}"
        ) from None

    _refresh_live_results()
    echo = click.echo
    echo(f"演示数据目录 / folder: {display_path(summary.folder)}")
    echo(f"截至日期 / as of: {summary.as_of.isoformat()}")
    echo(
        f"县委组织部 / host: {summary.host_name}{'（新建）' if summary.host_created else '（已存在）'}"
    )
    if summary.units_created:
        echo(
            f"新建单位 / units created ({len(summary.units_created)}): {', '.join(summary.units_created)}"
        )
    if summary.units_skipped:
        echo(
            f"已存在、跳过 / units skipped ({len(summary.units_skipped)}): {', '.join(summary.units_skipped)}"
        )
    if summary.counts:
        echo("新增记录 / rows added:")
        for table, count in summary.counts.items():
            echo(f"  {TABLE_LABELS.get(table, table)} / {table}: {count}")
    else:
        echo("没有新增记录 / nothing added.")
    for warning in summary.warnings:
        echo(f"提示 / note: {warning}")
    echo(f"用时 / took: {summary.seconds:.1f} s")
    echo("")
    echo(
        f"演示账号（密码均为 {summary.password}，仅供演示） / demo logins (password: {summary.password}):"
    )
    for login in summary.logins:
        where = " · ".join(x for x in (login.unit, login.organization) if x)
        state = "" if login.created else "（已存在）"
        echo(
            f"  {login.username:<16} {login.role_label:<10} {login.display_name}{state}{'  ' + where if where else ''}"
        )


def _refresh_live_results() -> None:
    """The demo county's stored live results computed now, so the first page reads them fresh."""
    from sqlalchemy import select

    from core.extensions import db
    from core.host.models import Tenant
    from core.plugins.manager import get_registry
    from core.scoring import live
    from core.tenancy import host_scope

    with host_scope():
        ids = list(db.session.scalars(select(Tenant.id)))
    live.refresh(ids, get_registry())
    db.session.commit()
