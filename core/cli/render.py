"""``branchmark render``: scorecard PDFs (branch cards, unit summaries, the county roll-up) from the shell."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from core.cli.common import tenant_by_slug
from core.extensions import db
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.reports.render import ReportUnavailable, render
from core.reports.snapshots import unit_sources
from core.tenancy import use_tenant


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
    "render",
    help=(
        "生成评分表 PDF：支部评分表、单位汇总或全县汇总。印出存档的评分表；没有存档的支部按 --as-of "
        "实时评分（不存档：存档是年度考核 `branchmark score --save` 的事）。\n\n"
        "Render scorecard PDFs: branch cards, a unit summary or the county roll-up. Stored "
        "scorecards are printed; branches without one are scored as of --as-of and nothing is "
        "stored (storing is the yearly assessment's: `branchmark score --save`)."
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
@with_appcontext
def render_command(
    slug: str | None,
    year: int,
    branch_code: str | None,
    kind: str,
    as_of: str | None,
    out: Path,
) -> None:
    registry = get_registry()
    day = _parse_date(as_of)
    started = time.perf_counter()
    if kind == "county":
        scope = [tenant_by_slug(slug).id] if slug else None
        pdf = render("county", None, year, as_of=day, scope=scope, registry=registry).pdf()
        _write(_target(out, f"county-{year}.pdf"), pdf, started)
        return
    if not slug:
        raise click.UsageError("--kind branch/unit 需要 --tenant (needs --tenant)")
    tenant = tenant_by_slug(slug)
    try:
        if kind == "unit":
            pdf = render("unit", tenant, year, as_of=day, registry=registry).pdf()
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
            pdf = render("branch", tenant, year, branch_code, day, registry=registry).pdf()
            _write(_target(out, f"{tenant.slug}-{branch_code}-{year}.pdf"), pdf, started)
            return
        if out.suffix.lower() == ".pdf" and not out.is_dir():
            raise click.BadParameter(
                "生成全部支部评分表时 --out 应为目录 (--out must be a folder for several cards)",
                param_hint="--out",
            )
        out.mkdir(parents=True, exist_ok=True)
        # The unit is scored once; every card is printed from that one result.
        sources = unit_sources(tenant, year, registry, as_of=day)
        if not sources.branches:
            raise ReportUnavailable(
                sources.not_scored_reason
                or _("%(unit)s 在 %(year)s 年度没有党支部", unit=tenant.name, year=year)
            )
        for source in sources.branches:
            code = source.organization.code
            report = render("branch", tenant, year, code, day, registry=registry, sources=sources)
            _write(out / f"{tenant.slug}-{code}-{year}.pdf", report.pdf(), started)
    except ReportUnavailable as reason:
        raise click.ClickException(str(reason)) from None
