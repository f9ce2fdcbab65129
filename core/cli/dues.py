"""``branchmark dues``: monthly dues by the 2008 rules, for one member's category and base."""

from __future__ import annotations

import json

import click

from core.dues.calculator import (
    CATEGORY_LABELS,
    FARMER_DEFAULT,
    DuesInputError,
    calculate_monthly_dues,
)


@click.command(help="按中组发〔2008〕3号计算每月党费 (monthly Party dues by the 2008 rules).")
@click.option(
    "--category",
    required=True,
    help="党员类别 (category): " + ", ".join(f"{k}={v}" for k, v in CATEGORY_LABELS.items()),
)
@click.option("--base", default=None, help="计算基数，元；固定金额类别可省略 (base in yuan).")
@click.option("--farmer-amount", default=str(FARMER_DEFAULT), show_default=True, help="农民党员每月金额（0.2–1元，由省级党委确定）(farmers' amount).")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (print JSON).")
def dues(category: str, base: str | None, farmer_amount: str, as_json: bool) -> None:
    try:
        result = calculate_monthly_dues(category, base, farmer_amount=farmer_amount)
    except DuesInputError as error:
        raise click.UsageError(f"--{error.field.replace('_', '-')}" + "：" + str(error)) from None
    if as_json:
        click.echo(
            json.dumps(
                {
                    "category": result.category,
                    "base": f"{result.base:.2f}",
                    "rate": None if result.rate is None else str(result.rate),
                    "amount": f"{result.amount:.2f}",
                    "rule": result.rule,
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"每月党费 {result.amount:.2f} 元")
    click.echo(result.rule)
