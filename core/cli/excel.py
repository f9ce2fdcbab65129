"""``branchmark import`` and ``branchmark export``: a unit's records to and from Excel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext

from core.audit.recorder import acting_as
from core.cli.common import tenant_by_slug
from core.excel.sheets import SHEETS
from core.tenancy import use_tenant


@click.command(
    "import",
    help="从 Excel 导入单位的记录；任何一行有错则整个文件不写入，并列出各行错误 "
    "(import records from an Excel file; all or nothing, bad rows listed).",
)
@click.option("--tenant", "slug", required=True, help="单位代码 (unit slug).")
@click.option(
    "--kind",
    type=click.Choice(sorted(SHEETS)),
    default=None,
    help="文件类型，默认按工作表名称识别 (kind of records; default: from the sheet name).",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(slug: str, kind: str | None, file: Path) -> None:
    from core.excel.importer import import_workbook

    tenant = tenant_by_slug(slug)
    with use_tenant(tenant.id), acting_as(None, f"import:{file.name}"[:100]):
        result = import_workbook(file, kind=kind)
    if not result.ok:
        for error in result.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"{file.name}：{result.summary()} (nothing imported)")
    label = SHEETS[result.kind].title
    click.echo(f"{tenant.name} · {label}：{result.summary()}")


@click.command(
    "export",
    help="把单位的记录或评分结果导出为 Excel；导出的记录文件可直接再导入 "
    "(export records or scores to Excel; record files re-import unchanged).",
)
@click.option("--tenant", "slug", required=True, help="单位代码 (unit slug).")
@click.option(
    "--what",
    type=click.Choice(["members", "events", "dues", "staff", "publicity", "development_records", "scores"]),
    required=True,
    help="导出内容：党员、组织生活、党费、党务工作人员、宣传报道、发展党员考察记录、评分结果 (what to export).",
)
@click.option("--year", type=int, default=None, help="年度；评分结果必填 (year; required for scores).")
@click.option("--as-of", "as_of", default=None, help="评分按此日期读取记录，默认今天 (scores: records as of YYYY-MM-DD).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出文件 .xlsx (output file).")
@with_appcontext
def export_command(slug: str, what: str, year: int | None, as_of: str | None, out: Path) -> None:
    from core.excel.workbooks import export_records, export_scores

    tenant = tenant_by_slug(slug)
    if what == "scores":
        from core.plugins.manager import get_registry
        from core.scoring.services import score_unit

        if year is None:
            raise click.UsageError("--year：导出评分结果须指定年度 (--year is required for scores)")
        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise click.UsageError("--as-of：日期格式应为 YYYY-MM-DD") from None
        outcome = score_unit(tenant, year, get_registry(), as_of=day)
        workbook = export_scores(outcome.to_dict())
        count = sum(1 for b in outcome.branches for _item in b.result.items())
    else:
        with use_tenant(tenant.id):
            workbook = export_records(what, tenant, year=year)
        count = workbook[SHEETS[what].sheet].max_row - 1
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)
    click.echo(f"{tenant.name}：已导出 {count} 行到 {out} (exported {count} rows)")
