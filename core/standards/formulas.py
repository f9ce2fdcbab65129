"""Evaluating a plugin :class:`~core.standards.types.Formula` into an explained, quantized result."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from core.standards.facts import to_decimal
from core.standards.overrides import resolve_parameters
from core.standards.types import Computation, Formula, FormulaResult

MONEY = Decimal("0.01")


class FormulaInputError(ValueError):
    """A formula input is missing or not a number; the message names it in Chinese."""


def evaluate_formula(
    formula: Formula,
    inputs: Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
) -> FormulaResult:
    """Compute what a formula requires for one unit.

    :param formula: the formula record.
    :param inputs: metric values by metric name (``fiscal.public_operating_expenses`` …).
    :param parameters: effective parameter values (tenant overrides already merged, or raw
        overrides: values outside the formula's own parameters are ignored). Missing keys take
        the parameter defaults; values below a national floor are used and warned about.
    :returns: the required value (money to 0.01 ``ROUND_HALF_UP``, people rounded up), the
        explanation in Chinese, the source and warnings.
    :raises FormulaInputError: when a required input is missing or not a number.
    """
    own = {parameter.key for parameter in formula.parameters}
    given = {key: value for key, value in (parameters or {}).items() if key in own}
    values, warnings = resolve_parameters(formula.parameters, given)
    for metric, label in formula.inputs.items():
        value = inputs.get(metric)
        if value is None:
            if metric in formula.optional_inputs:
                values[metric] = None
                continue
            raise FormulaInputError(f"计算「{formula.label_zh}」缺少「{label}」（{metric}）")
        try:
            values[metric] = to_decimal(value)
        except (TypeError, ArithmeticError) as error:
            raise FormulaInputError(
                f"「{label}」（{metric}）应为数字，实际为「{value}」"
            ) from error
    outcome = formula.compute(values)
    note = None
    if isinstance(outcome, Computation):
        note, warnings = outcome.note_zh, [*warnings, *outcome.warnings]
        outcome = outcome.value
    value = _quantize(to_decimal(outcome), formula.result_unit)
    shown = {key.replace(".", "_"): _shown(v) for key, v in values.items()}
    explanation = formula.explanation_zh.format(result=_shown(value), **shown)
    if note:
        explanation = f"{explanation}（{note}）"
    return FormulaResult(
        formula=formula.name,
        unit_type=formula.unit_type,
        value=value,
        unit=formula.result_unit,
        explanation=explanation,
        source=formula.source,
        inputs={metric: values[metric] for metric in formula.inputs},
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _quantize(value: Decimal, unit: str) -> Decimal:
    if unit == "人":
        # A requirement of 2.3 people means 3: round staffing up, never down.
        return value.quantize(Decimal(1), rounding=ROUND_CEILING)
    return value.quantize(MONEY, rounding=ROUND_HALF_UP)


def _shown(value: Any) -> str:
    """Numbers as a reader expects them: no exponent, no trailing zeros beyond cents."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return format(value.quantize(Decimal(1)), ",")
        return format(value.normalize(), ",f")
    return "—" if value is None else str(value)
