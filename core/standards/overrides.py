"""Tenant overrides of a standard: parameter values, items switched off or added, grade bands."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from core.standards.loader import parse_items, parse_sources_and_vetoes
from core.standards.model import GradeBand, Standard
from core.standards.rules import RULE_KINDS
from core.standards.types import Parameter


@dataclass(frozen=True)
class Exemption:
    """A supervisor's approval that an item counts as met until ``expires_on`` (inclusive)."""

    item_id: str
    approved_by: str
    expires_on: dt.date
    reason: str

    def active(self, on: dt.date) -> bool:
        """:returns: whether the exemption still applies on the given day."""
        return on <= self.expires_on


@dataclass(frozen=True)
class TenantOverrides:
    """What a tenant (county or unit) changes in its unit type's standard.

    :param parameters: parameter values by key; below a national floor they are kept and warned.
    :param disabled_items: item ids switched off, with the reason shown on the card.
    :param extra_items: rubric-format item mappings to add, by block id.
    :param bands: replacement grade bands (``[{grade, min}]``, highest first).
    :param sources: rubric-format sources the extra items and vetoes may cite.
    :param vetoes: rubric-format vetoes to add (e.g. on a county's own finding kind).
    :param origin: where the overrides come from (a ``tenants/`` file), quoted in warnings.
    """

    parameters: Mapping[str, Any] = field(default_factory=dict)
    disabled_items: Mapping[str, str] = field(default_factory=dict)
    extra_items: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    bands: Sequence[Mapping[str, Any]] | None = None
    sources: Sequence[Mapping[str, Any]] = ()
    vetoes: Sequence[Mapping[str, Any]] = ()
    origin: str = "单位配置"


NO_OVERRIDES = TenantOverrides()


def resolve_parameters(
    schema: Iterable[Parameter], values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Merge a tenant's parameter values over the defaults.

    A value below the parameter's national floor is used, never silently: a warning names the
    floor and its source. A value of the wrong type or outside the choices falls back to the
    default, also with a warning. Nothing here raises.

    :param schema: the parameters the unit type declares.
    :param values: the tenant's values by key.
    :returns: the effective values by key, and the warnings in Chinese.
    """
    declared = {parameter.key: parameter for parameter in schema}
    resolved = {key: parameter.default for key, parameter in declared.items()}
    warnings: list[str] = []
    for key, raw in values.items():
        parameter = declared.get(key)
        if parameter is None:
            warnings.append(f"参数「{key}」不是本单位类型的参数，已忽略。")
            continue
        value, problem = _coerce(parameter, raw)
        if problem:
            warnings.append(
                f"参数「{parameter.label_zh}」{problem}，已按默认值{_shown(parameter, parameter.default)}计算。"
            )
            continue
        resolved[key] = value
        warnings.extend(parameter_warnings(parameter, value))
    return resolved, warnings


def parameter_warnings(parameter: Parameter, value: Any) -> list[str]:
    """:returns: warnings for a value below the national floor or above a ceiling."""
    warnings = []
    if parameter.floor is not None and _below(value, parameter.floor):
        source = parameter.floor_source.label if parameter.floor_source else "全国规定"
        warnings.append(
            f"参数「{parameter.label_zh}」设为{_shown(parameter, value)}，低于全国底线"
            f"{_shown(parameter, parameter.floor)}（{source}）；已按设置值计算，请核实。"
        )
    if parameter.ceiling is not None and _below(parameter.ceiling, value):
        source = parameter.ceiling_source.label if parameter.ceiling_source else ""
        note = parameter.ceiling_note_zh or "超出上限"
        warnings.append(
            f"参数「{parameter.label_zh}」设为{_shown(parameter, value)}，高于"
            f"{_shown(parameter, parameter.ceiling)}（{source}）：{note}。"
        )
    return warnings


def apply_overrides(standard: Standard, overrides: TenantOverrides) -> tuple[Standard, list[str]]:
    """Switch items off, add sources, extra items and vetoes, and replace grade bands.

    Switched-off items leave the standard (block maxima shrink and the total is rescaled to the
    standard's maximum at evaluation); an extra item that does not pass the rubric checks is
    skipped with a warning naming the problem.

    :returns: the effective standard and warnings in Chinese (``standard`` itself when the
        overrides change none of it: most units' case, so a pass may share what it derives).
    """
    if not (overrides.bands is not None or overrides.sources or overrides.vetoes
            or overrides.disabled_items or overrides.extra_items):
        return standard, []
    warnings: list[str] = []
    bands = standard.bands
    if overrides.bands is not None:
        bands, band_warnings = _bands(overrides.bands, standard)
        warnings.extend(band_warnings)
    vetoes = standard.vetoes
    if overrides.sources or overrides.vetoes:
        sources, added_vetoes, problems = parse_sources_and_vetoes(
            overrides.sources, overrides.vetoes, dataclasses.replace(standard, bands=bands),
            origin=overrides.origin,
        )
        warnings.extend(f"增加的来源或一票否决未采用：{problem}" for problem in problems)
        standard = dataclasses.replace(standard, sources=sources)
        vetoes = (*standard.vetoes, *added_vetoes)
    known = {item.id for block in standard.blocks for item in block.items}
    for item_id in overrides.disabled_items:
        if item_id not in known:
            warnings.append(f"{overrides.origin}停用的项目「{item_id}」不在评分标准中，已忽略。")
    blocks = []
    block_ids = {block.id for block in standard.blocks}
    for block_id in overrides.extra_items:
        if block_id not in block_ids:
            warnings.append(f"{overrides.origin}为不存在的块「{block_id}」增加项目，已忽略。")
    for block in standard.blocks:
        for item in block.items:
            if item.id in overrides.disabled_items:
                # The card says the item was switched off and why, so no point goes missing unseen.
                warnings.append(f"项目「{item.title}」已停用，不计分：{overrides.disabled_items[item.id]}")
        items = [item for item in block.items if item.id not in overrides.disabled_items]
        extra = overrides.extra_items.get(block.id, ())
        if extra:
            added, problems = parse_items(extra, standard, origin=overrides.origin)
            warnings.extend(f"增加的项目未采用：{problem}" for problem in problems)
            items.extend(added)
        if len(items) == len(block.items) and not extra:
            blocks.append(block)
            continue
        scored = sum((i.max for i in items if not RULE_KINDS[i.kind].bonus), Decimal(0))
        blocks.append(dataclasses.replace(block, items=tuple(items), max=scored))
    effective = dataclasses.replace(standard, blocks=tuple(blocks), bands=bands, vetoes=tuple(vetoes))
    return effective, warnings


def _bands(
    raw: Sequence[Mapping[str, Any]], standard: Standard
) -> tuple[tuple[GradeBand, ...], list[str]]:
    try:
        bands = tuple(GradeBand(str(entry["grade"]), Decimal(str(entry["min"]))) for entry in raw)
    except (KeyError, InvalidOperation, TypeError):
        return standard.bands, ["替换的等级划分格式不对（应为 [{grade, min}]），已沿用标准等级。"]
    ordered = all(a.min > b.min for a, b in zip(bands, bands[1:], strict=False))
    if not bands or not ordered or bands[-1].min != 0:
        return standard.bands, [
            "替换的等级划分应按最低分从高到低排列且最低一档为0分，已沿用标准等级。"
        ]
    return bands, []


def _coerce(parameter: Parameter, raw: Any) -> tuple[Any, str | None]:
    """:returns: the value in the parameter's type, or a problem description."""
    if parameter.type == "choice":
        if raw in parameter.choices:
            return raw, None
        return None, f"取值「{raw}」无效（可用：{'、'.join(parameter.choices)}）"
    if parameter.type == "boolean":
        if isinstance(raw, bool):
            return raw, None
        return None, f"应为是/否，实际为「{raw}」"
    if parameter.type == "text":
        return str(raw), None
    if isinstance(raw, bool):
        return None, f"应为数字，实际为「{raw}」"
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        return None, f"应为数字，实际为「{raw}」"
    if parameter.type == "integer":
        if number != number.to_integral_value():
            return None, f"应为整数，实际为「{raw}」"
        return int(number), None
    return number, None


def _below(value: Any, limit: Any) -> bool:
    try:
        return Decimal(str(value)) < Decimal(str(limit))
    except InvalidOperation:
        return False


def _shown(parameter: Parameter, value: Any) -> str:
    return f"{value}{parameter.unit}"
