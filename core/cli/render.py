"""``branchmark render``: scorecard PDFs (branch cards, unit summaries, the county roll-up) from the shell."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core.audit.recorder import acting_as
from core.cli.common import tenant_by_slug
from core.extensions import db
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.reports.render import (
    ReportUnavailable,
    render_branch_pdf,
    render_branch_pdfs,
    render_county_pdf,
    render_unit_pdf,
)
from core.tenancy import use_tenant

ACTOR = "cli:render"


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "日期格式应为 YYYY-MM-DD (date as YYYY-MM-DD)", param_hint="--as-of"
        ) from None


def _target(out: Path, default_name: str) -> Path:
    """``--out`` as a file, or a file named ``default_name`` inside ``--out`` when it is a folder."""
    if out.is_dir() or str(out).endswith(("/", "\\")):
        out.mkdir(parents=True, exist_ok=True)
        return out / default_name
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _write(path: Path, pdf: bytes, started: float) -> None:
    path.write_bytes(pdf)
    click.echo(f"{path}  {len(pdf) // 1024} KB  {time.perf_counter() - started:.2f} s")


@click.command(
    help=(
        "生成评分表 PDF：支部评分表、单位汇总或全县汇总。没有存档评分表的支部按 --as-of 实时评分；"
        "加 --save 则把实时评分存档（并生成整改任务）。\n\n"
        "Render scorecard PDFs: branch cards, a unit summary or the county roll-up. Branches without "
        "a stored scorecard are scored as of --as-of; --save stores those scores (and opens "
        "rectification tasks)."
    )
)
@click.option(
    "--tenant",
    "slug",
    default=None,
    help="单位代码；全县汇总时用于限定范围 (unit slug; restricts --kind county).",
)
@click.option("--year", required=True, type=int, help="考核年度 (year).")
@click.option(
    "--branch", "branch_code", default=None, help="只生成一个支部的评分表 (one branch code)."
)
@click.option(
    "--kind",
    type=click.Choice(["branch", "unit", "county"]),
    default="branch",
    show_default=True,
    help="报表种类：支部评分表、单位汇总、全县汇总 (which report).",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="实时评分读取记录的日期，默认今天 (records as of, YYYY-MM-DD).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="输出文件，或目录（多个支部评分表时必须是目录）(output file, or a folder for several cards).",
)
@click.option(
    "--save", is_flag=True, help="把实时评分存档为评分表快照 (store live scores as scorecards)."
)
@with_appcontext
def render(
    slug: str | None,
    year: int,
    branch_code: str | None,
    kind: str,
    as_of: str | None,
    out: Path,
    save: bool,
) -> None:
    registry = get_registry()
    day = _parse_date(as_of)
    started = time.perf_counter()
    if kind == "county":
        tenant_ids = [tenant_by_slug(slug).id] if slug else None
        pdf = render_county_pdf(year, tenant_ids, as_of=day, registry=registry)
        _write(_target(out, f"county-{year}.pdf"), pdf, started)
        return
    if not slug:
        raise click.UsageError("--kind branch/unit 需要 --tenant (needs --tenant)")
    tenant = tenant_by_slug(slug)
    with acting_as(None, ACTOR):
        try:
            if kind == "unit":
                pdf = render_unit_pdf(
                    tenant, year, as_of=day, registry=registry, store=save, created_by=ACTOR
                )
                _write(_target(out, f"{tenant.slug}-{year}.pdf"), pdf, started)
                return
            if branch_code:
                with use_tenant(tenant.id):
                    organization = db.session.scalar(
                        select(Organization).where(Organization.code == branch_code)
                    )
                if organization is None:
                    raise click.BadParameter(
                        f"单位 {slug} 中没有代码为 {branch_code} 的支部 (no such branch)",
                        param_hint="--branch",
                    )
                pdf = render_branch_pdf(
                    tenant,
                    organization,
                    year,
                    as_of=day,
                    registry=registry,
                    store=save,
                    created_by=ACTOR,
                )
                _write(_target(out, f"{tenant.slug}-{branch_code}-{year}.pdf"), pdf, started)
                return
            if out.suffix.lower() == ".pdf" and not out.is_dir():
                raise click.BadParameter(
                    "生成全部支部评分表时 --out 应为目录 (--out must be a folder for several cards)",
                    param_hint="--out",
                )
            out.mkdir(parents=True, exist_ok=True)
            cards = render_branch_pdfs(
                tenant, year, as_of=day, registry=registry, store=save, created_by=ACTOR
            )
        except ReportUnavailable as reason:
            raise click.ClickException(str(reason)) from None
    for code, pdf in cards.items():
        _write(out / f"{tenant.slug}-{code}-{year}.pdf", pdf, started)
