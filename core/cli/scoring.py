"""``branchmark score``, ``standard``, ``calc``: the standards engine from the shell."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import click
from flask.cli import with_appcontext

from core.audit.recorder import acting_as
from core.authoring.services import effective_standard
from core.cli.common import tenant_by_slug
from core.extensions import db
from core.host.services import year_has_ended
from core.metrics.registry import metric_catalogue
from core.plugins.manager import UnknownUnitType, get_registry
from core.scoring.services import score_unit, store_scorecards
from core.standards.catalogue import LEVELS, VALUE_TYPES
from core.standards.formulas import FormulaInputError, evaluate_formula
from core.standards.loader import check_standard_file
from core.tenancy import set_tenant
from core.timezone import local_today

#: Short names accepted by ``calc`` for formula inputs, besides full metric names.
INPUT_ALIASES = {
    "members": "staffing.unit_member_count",
    "staff": "fiscal.staff_count",
    "headcount": "fiscal.headcount",
    "wage_bill": "fiscal.wage_bill_last_year",
    "carry_over": "fiscal.carry_over",
}


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.UsageError("--as-of" + "：" + "日期格式应为 YYYY-MM-DD") from None


@click.command(help="为单位的支部评分 (score a unit's branches).")
@click.option("--tenant", "slug", required=True, help="单位代码 (unit slug).")
@click.option("--year", required=True, type=int, help="考核年度 (year).")
@click.option("--branch", "branch_code", default=None, help="只评一个支部 (one branch code).")
@click.option("--as-of", "as_of", default=None, help="按此日期读取记录，默认今天 (records as of, YYYY-MM-DD).")
@click.option(
    "--save",
    is_flag=True,
    help="年度考核：保存为评分表快照并生成整改任务 (the yearly assessment: store scorecards).",
)
@click.option("--yes", is_flag=True, help="年度未结束时不再询问 (do not ask when the year is not over).")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (print JSON).")
@with_appcontext
def score(
    slug: str, year: int, branch_code: str | None, as_of: str | None, save: bool, yes: bool, as_json: bool
) -> None:
    tenant = tenant_by_slug(slug)
    if save and not year_has_ended(year) and not yes:
        # Storing is the record of the year: a year not over yet is stored only when confirmed.
        click.echo(
            f"{year} 年度尚未结束（到 12 月 31 日才结束）：现在存档，评分表只计入截至"
            f"{_parse_date(as_of) or local_today()}的记录，并会生成整改任务。",
            err=True,
        )
        click.confirm("确定要现在存档吗？(store now?)", abort=True, err=True)
    # The whole command works as the unit: after the commit below, the branches are read again,
    # and on PostgreSQL row-level security hides them from a session that chose no unit.
    set_tenant(tenant.id)
    outcome = score_unit(tenant, year, get_registry(), as_of=_parse_date(as_of), branch_code=branch_code)
    if branch_code and not outcome.branches and not outcome.not_scored_reason:
        raise click.UsageError("--branch" + "：" + f"单位 {slug} 中没有代码为 {branch_code} 的支部")
    if save and outcome.branches:
        with acting_as(None, "cli:score"):
            store_scorecards(outcome, created_by="cli:score")
            db.session.commit()
    if as_json:
        click.echo(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=2))
        return
    if outcome.not_scored_reason:
        click.echo(outcome.not_scored_reason)
        return
    click.echo(f"{tenant.name} {year} 年度（记录截至 {outcome.period.as_of}）")
    for warning in outcome.warnings:
        click.echo(f"  ⚠ {warning}")
    for branch in outcome.branches:
        r = branch.result
        grade = r.grade or ("不参加评定" if r.status == "not_rated" else "—")
        click.echo(f"\n{branch.organization.code} {branch.organization.name}: {r.total}/{r.max} {grade}")
        for reason in r.grade_reasons:
            click.echo(f"  {reason}")
        for item in r.items():
            if item.lost > 0 or item.status in ("pending", "exempt"):
                click.echo(f"  -{item.lost} {item.title}：{item.explanation}")


@click.group(help="评分标准 (standards / rubrics).")
def standard() -> None:
    """评分标准 (standards / rubrics)."""


@standard.command("check", help="检查评分标准文件，逐项指出行号和字段 (validate a rubric file).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit-type", default=None, help="按该单位类型的参数和公式检查 (check against a unit type).")
@with_appcontext
def check(path: Path, unit_type: str | None) -> None:
    registry = get_registry()
    kwargs: dict = {"metrics": metric_catalogue(registry)}
    if unit_type:
        try:
            record = registry.unit_type(unit_type)
        except UnknownUnitType as error:
            raise click.UsageError("--unit-type" + "：" + str(error)) from None
        kwargs |= {
            "parameters": record.parameters,
            "formulas": {f.name for f in registry.formulas(unit_type)},
            "facility_keys": {i.key for i in record.facility_checklist},
        }
    problems = check_standard_file(path, **kwargs)
    if not problems:
        click.echo(f"{path}: 没有发现问题")
        return
    for problem in problems:
        click.echo(str(problem))
    raise SystemExit(1)


CATALOGUE_BEGIN = "<!-- metric catalogue: generated by `branchmark standard metrics --update-docs docs/standards.md` -->"
CATALOGUE_END = "<!-- end of metric catalogue -->"


def with_catalogue_section(text: str, markdown: str) -> str:
    """:returns: ``text`` with what lies between the catalogue markers replaced by ``markdown``.
    :raises ValueError: when the markers are missing."""
    begin, end = text.find(CATALOGUE_BEGIN), text.find(CATALOGUE_END)
    if begin < 0 or end < begin:
        raise ValueError(f"文件中没有指标目录标记 {CATALOGUE_BEGIN} … {CATALOGUE_END}")
    return f"{text[: begin + len(CATALOGUE_BEGIN)]}\n\n{markdown}\n{text[end:]}"


@standard.command("metrics", help="列出评分标准可用的全部指标 (list every metric a rubric may read).")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (print JSON).")
@click.option("--markdown", is_flag=True, help="输出 docs/standards.md 的指标目录一节 (print the docs section).")
@click.option(
    "--update-docs",
    "docs",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="重写该文件中的指标目录一节 (rewrite the catalogue section of docs/standards.md).",
)
@with_appcontext
def metrics(as_json: bool, markdown: bool, docs: Path | None) -> None:
    catalogue = metric_catalogue(get_registry(), county_vocabularies=not (docs or markdown))
    if docs is not None:
        text = docs.read_text(encoding="utf-8")
        try:
            docs.write_text(with_catalogue_section(text, catalogue.to_markdown()), encoding="utf-8")
        except ValueError as error:
            raise click.UsageError("--update-docs" + "：" + str(error)) from None
        click.echo(f"{docs}: 已更新指标目录")
        return
    if markdown:
        click.echo(catalogue.to_markdown(), nl=False)
        return
    entries = catalogue.entries()
    if as_json:
        click.echo(json.dumps([entry.to_dict() for entry in entries], ensure_ascii=False, indent=2))
        return
    for entry in entries:
        unit = f"，计量：{entry.spec.unit}" if entry.spec.unit else ""
        level = LEVELS[entry.spec.level]
        reads = "、".join(entry.family.reads) or "—"
        click.echo(
            f"{entry.name}  {entry.label_zh}（{VALUE_TYPES[entry.spec.type]}，{level}级{unit}；读取 {reads}）"
        )


@standard.command("show", help="显示某单位类型当前有效的评分标准 (print the effective rubric).")
@click.argument("unit_type")
@click.option("--tenant", "slug", default=None, help="应用该单位的覆盖设置 (apply a unit's overrides).")
@click.option("--on", "on", default=None, help="生效日期，默认今天 (effective on, YYYY-MM-DD).")
@with_appcontext
def show(unit_type: str, slug: str | None, on: str | None) -> None:
    from core.scoring.overrides import overrides_for
    from core.standards.overrides import apply_overrides

    registry = get_registry()
    day = _parse_date(on) or local_today()
    try:
        rubric = effective_standard(unit_type, on=day, registry=registry)
    except UnknownUnitType as error:
        raise click.UsageError("UNIT_TYPE" + "：" + str(error)) from None
    warnings: list[str] = []
    if slug:
        rubric, warnings = apply_overrides(rubric, overrides_for(tenant_by_slug(slug)))
    click.echo(f"{rubric.title}（{rubric.key} {rubric.version}，{rubric.effective_from} 起生效）满分 {rubric.max}")
    for warning in warnings:
        click.echo(f"  ⚠ {warning}")
    for block in rubric.blocks:
        weight = f"，权重 {block.weight}" if block.weight is not None else ""
        click.echo(f"\n{block.title}（{block.max} 分{weight}）")
        for item in block.items:
            cited = f" —— {item.citation.tagged}" if item.citation else ""
            click.echo(f"  [{item.id}] {item.title}（{item.max} 分，{item.kind}）：{item.rule}{cited}")
    click.echo("\n等级：" + "；".join(f"{band.grade} ≥{band.min}" for band in rubric.bands))
    for veto in rubric.vetoes:
        click.echo(f"一票否决：{veto.title} → 最高 {veto.cap}")
    for rule in rubric.not_rated:
        click.echo(f"不参加评定：{rule.reason}")
    if rubric.quota:
        click.echo(f"名额：{rubric.quota.grade} 不超过 {rubric.quota.max_share * 100:.0f}%")


def _formula_inputs(pairs: tuple[str, ...], wanted: list[str]) -> tuple[dict[str, Decimal], dict[str, str]]:
    inputs: dict[str, Decimal] = {}
    parameters: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.UsageError("NAME=VALUE" + "：" + f"「{pair}」应写成 名称=数值")
        metric = INPUT_ALIASES.get(name, name)
        matches = [m for m in wanted if m == metric or m.rsplit(".", 1)[-1] == name]
        if len(matches) == 1:
            inputs[matches[0]] = value
        else:
            parameters[name] = value  # a formula parameter (e.g. funding_ratio=0.04)
    return inputs, parameters


@click.command(help="计算单位类型的公式，如经费、人员配备 (evaluate a unit type's formula).")
@click.argument("formula", required=False)
@click.argument("values", nargs=-1)
@click.option("--unit-type", required=True, help="单位类型键 (unit-type key).")
@click.option("--tenant", "slug", default=None, help="使用该单位的参数 (use a unit's parameters).")
@click.option("--list", "list_formulas", is_flag=True, help="列出公式及参数 (list formulas).")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (print JSON).")
@with_appcontext
def calc(formula: str | None, values: tuple[str, ...], unit_type: str, slug: str | None, list_formulas: bool, as_json: bool) -> None:
    registry = get_registry()
    try:
        formulas = registry.formulas(unit_type)
    except UnknownUnitType as error:
        raise click.UsageError("--unit-type" + "：" + str(error)) from None
    if list_formulas or not formula:
        rows = [
            {
                "formula": f.name,
                "label": f.label_zh,
                "inputs": dict(f.inputs),
                "parameters": {p.key: str(p.default) for p in f.parameters},
                "source": f.source.to_dict(),
            }
            for f in formulas
        ]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            names = "、".join(f"{k}（{v}）" for k, v in row["inputs"].items())
            params = "、".join(f"{k}={v}" for k, v in row["parameters"].items())
            click.echo(f"{row['formula']}: {row['label']}；输入 {names}；参数 {params or '无'}")
        return
    try:
        record = registry.formula(unit_type, formula)
    except (KeyError, LookupError):
        names = ", ".join(f.name for f in formulas)
        raise click.UsageError("FORMULA" + "：" + f"单位类型 {unit_type} 没有公式 {formula}，可选：{names}") from None
    inputs, parameters = _formula_inputs(values, list(record.inputs))
    if slug:
        from core.scoring.overrides import overrides_for

        parameters = {**overrides_for(tenant_by_slug(slug)).parameters, **parameters}
    try:
        result = evaluate_formula(record, inputs, parameters)
    except FormulaInputError as error:
        raise click.UsageError(str(error)) from None
    if as_json:
        data = result.to_dict()
        click.echo(
            json.dumps(
                {
                    "formula": data["formula"],
                    "unit_type": data["unit_type"],
                    "inputs": data["inputs"],
                    "value": data["value"],
                    "unit": data["unit"],
                    "explanation": data["explanation"],
                    "source": data["source"],
                    "warnings": data["warnings"],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(f"{result.value} {result.unit}")
    click.echo(result.explanation)
    click.echo(f"依据：{result.source.tagged}")
    for warning in result.warnings:
        click.echo(f"⚠ {warning}")
