"""Reading rubric YAML files into :class:`Standard` objects, reporting problems by line and field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from core import safe_yaml
from core.standards.catalogue import METRIC_NAME, Catalogue, default_catalogue
from core.standards.model import (
    CONDITION_OPERATORS,
    AllOf,
    AnyCondition,
    AnyOf,
    Block,
    Condition,
    GradeBand,
    Item,
    MetricTarget,
    Not,
    NotRatedRule,
    ParameterRef,
    QuotaRule,
    Standard,
    TargetCase,
    TargetCases,
    VetoRule,
)
from core.standards.rules import RULE_KINDS, ParamSpec
from core.standards.types import CONFIDENCE_TAGS, PERIODS, Parameter, Source

ROOT_FIELDS = {
    "key": True,
    "version": True,
    "title": True,
    "effective_from": True,
    "effective_to": False,
    "max": False,
    "scoring": False,
    "sources": True,
    "blocks": True,
    "grades": True,
    "vetoes": False,
    "not_rated": False,
    "quota": False,
    "bonus_cap": False,
}
BLOCK_FIELDS = {
    "id": True,
    "title": True,
    "max": False,
    "weight": False,
    "items": True,
    "zero_when": False,
}
ITEM_FIELDS = {
    "id": True,
    "title": True,
    "rule": True,
    "max": True,
    "kind": True,
    "params": False,
    "citation": False,
    "applies_when": False,
    "when_missing": False,
    "advice": False,
    "owner": False,
    "zero_when": False,
}
#: The ways to write a condition: one test, a finding, or a combination of conditions.
CONDITION_FORMS = ("metric", "finding", "all_of", "any_of", "not")
COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
WHEN_MISSING = ("failed", "pending", "not_applicable")
#: Whose duty an item is: the branch's (default) or the unit's (funding, full-time staff).
OWNERS = ("branch", "unit")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a rubric file, located by line, column and field path."""

    path: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.field}: {self.message}"


class StandardFileError(ValueError):
    """A rubric file has problems; :attr:`problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def check_standard_file(
    path: str | Path,
    *,
    parameters: Iterable[Parameter] | None = None,
    formulas: Collection[str] | None = None,
    facility_keys: Collection[str] | None = None,
    metrics: Catalogue | None = None,
) -> list[Problem]:
    """Check a rubric file without raising.

    :param path: the YAML file.
    :param parameters: the unit type's parameters; when given, ``{parameter: key}`` values must
        name one of them.
    :param formulas: names of the unit type's formulas; when given, ``formula`` items must use one.
    :param facility_keys: keys of the unit type's 六有 checklist; when given, ``checklist`` entries
        must use them.
    :param metrics: the metric catalogue metric names must come from; by default the built-in
        families (:func:`~core.standards.catalogue.default_catalogue`).
    :returns: the problems found, empty when the file is good.
    """
    _, problems = _read(Path(path), parameters, formulas, facility_keys, metrics)
    return problems


def load_standard(
    path: str | Path,
    *,
    parameters: Iterable[Parameter] = (),
    formulas: Collection[str] | None = None,
    facility_keys: Collection[str] | None = None,
    metrics: Catalogue | None = None,
) -> Standard:
    """Load a rubric file.

    :param parameters: attached to the standard so ``{parameter: key}`` values can be resolved.
    :returns: the standard.
    :raises StandardFileError: listing every problem, when the file has any.
    """
    standard, problems = _read(Path(path), parameters, formulas, facility_keys, metrics)
    if problems or standard is None:
        raise StandardFileError(problems)
    return standard


def check_standard_text(
    text: str,
    *,
    origin: str,
    parameters: Iterable[Parameter] | None = None,
    formulas: Collection[str] | None = None,
    facility_keys: Collection[str] | None = None,
    metrics: Catalogue | None = None,
) -> list[Problem]:
    """Check a rubric given as YAML text (a standard stored in the database, an upload).

    The same checks as :func:`check_standard_file`; ``origin`` names it in the problems.
    """
    reader = _Reader(text, origin, parameters, formulas, facility_keys, metrics)
    reader.standard(None)
    return reader.problems


def load_standard_text(
    text: str,
    *,
    origin: str,
    parameters: Iterable[Parameter] = (),
    formulas: Collection[str] | None = None,
    facility_keys: Collection[str] | None = None,
    metrics: Catalogue | None = None,
) -> Standard:
    """Load a rubric given as YAML text; see :func:`load_standard`.

    :raises StandardFileError: listing every problem, when the text has any.
    """
    reader = _Reader(text, origin, parameters, formulas, facility_keys, metrics)
    standard = reader.standard(None)
    if reader.problems or standard is None:
        raise StandardFileError(reader.problems)
    return standard


def parse_items(
    raw_items: Iterable[Mapping[str, Any]],
    standard: Standard,
    *,
    origin: str,
    metrics: Catalogue | None = None,
) -> tuple[list[Item], list[Problem]]:
    """Check and build items given as plain data (a tenant's extra items).

    :param raw_items: item mappings in the rubric-file format.
    :param standard: supplies the sources, parameters and existing item ids.
    :param origin: where the items come from, used as the problems' path.
    :returns: the good items and the problems of the bad ones.
    """
    text = yaml.safe_dump(list(raw_items), allow_unicode=True, sort_keys=False)
    reader = _Reader(text, origin, standard.parameters, None, None, metrics)
    reader.sources = dict(standard.sources)
    reader.item_ids = {item.id for block in standard.blocks for item in block.items}
    root = reader.root()
    items: list[Item] = []
    if root is None or not reader.is_sequence(root, "items"):
        return items, reader.problems
    for index, node in enumerate(root.value):
        before = len(reader.problems)
        item = reader.item(node, f"items[{index}]")
        if item is not None and len(reader.problems) == before:
            items.append(item)
    return items, reader.problems


def parse_sources_and_vetoes(
    raw_sources: Iterable[Mapping[str, Any]],
    raw_vetoes: Iterable[Mapping[str, Any]],
    standard: Standard,
    *,
    origin: str,
) -> tuple[dict[str, Source], list[VetoRule], list[Problem]]:
    """Check and build a tenant's extra sources and vetoes given as plain data.

    A county's own veto (e.g. on its own finding kind ``flags.<code>``) cites either a source of
    the standard or one the same overrides add. A veto's cap must be one of the standard's grades.

    :returns: the standard's sources with the added ones, the good vetoes, and the problems.
    """
    text = yaml.safe_dump(
        {"sources": list(raw_sources), "vetoes": list(raw_vetoes)}, allow_unicode=True, sort_keys=False
    )
    reader = _Reader(text, origin, standard.parameters, None, None)
    reader.sources = dict(standard.sources)
    root = reader.root()
    if root is None:
        return dict(standard.sources), [], reader.problems
    nodes = {str(key.value): value for key, value in root.value}
    reader.read_sources(nodes.get("sources"))
    vetoes = reader.read_vetoes(nodes.get("vetoes"), {band.grade for band in standard.bands})
    return reader.sources, vetoes, reader.problems


def _read(
    path: Path,
    parameters: Iterable[Parameter] | None,
    formulas: Collection[str] | None,
    facility_keys: Collection[str] | None,
    metrics: Catalogue | None = None,
) -> tuple[Standard | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
        safe_yaml.check_text(text)
    except OSError as error:
        return None, [Problem(str(path), 0, 0, "", f"无法读取文件：{error.strerror}")]
    except safe_yaml.YAMLTooLarge as error:
        return None, [Problem(str(path), 0, 0, "", str(error))]
    reader = _Reader(text, str(path), parameters, formulas, facility_keys, metrics)
    standard = reader.standard(path)
    return (standard if not reader.problems else None), reader.problems


class _Reader:
    """Walks the composed YAML node tree so each problem keeps its line and column."""

    def __init__(
        self,
        text: str,
        path: str,
        parameters: Iterable[Parameter] | None,
        formulas: Collection[str] | None,
        facility_keys: Collection[str] | None,
        metrics: Catalogue | None = None,
    ) -> None:
        self.text, self.path = text, path
        self.metrics = metrics if metrics is not None else default_catalogue()
        self.parameters = tuple(parameters) if parameters is not None else None
        self.parameter_keys = None if parameters is None else {p.key for p in self.parameters}
        self.formulas = formulas
        self.facility_keys = facility_keys
        self.problems: list[Problem] = []
        self.sources: dict[str, Source] = {}
        self.item_ids: set[str] = set()
        self.loader = safe_yaml.BoundedLoader(text)

    # -- plumbing ---------------------------------------------------------------------------

    def problem(self, node: yaml.Node | None, field: str, message: str) -> None:
        mark = node.start_mark if node is not None else None
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        self.problems.append(Problem(self.path, line, column, field, message))

    def root(self) -> yaml.Node | None:
        try:
            return self.loader.get_single_node()
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            reason = getattr(error, "problem", None) or str(error)
            self.problems.append(Problem(self.path, line, column, "", f"YAML 语法错误：{reason}"))
            return None
        finally:
            self.loader.dispose()

    def value(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    def is_sequence(self, node: yaml.Node, field: str) -> bool:
        if isinstance(node, yaml.SequenceNode):
            return True
        self.problem(node, field, "应为列表")
        return False

    def fields(
        self, node: yaml.Node, field: str, allowed: Mapping[str, bool]
    ) -> dict[str, yaml.Node] | None:
        """:returns: the mapping's value nodes by key, after checking required/unknown keys."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, field, "应为键值映射（key: value）")
            return None
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            where = f"{field}.{key}" if field else key
            if key in found:
                self.problem(key_node, where, "字段重复")
            elif key not in allowed:
                self.problem(key_node, where, f"未知字段「{key}」，可用字段：{'、'.join(allowed)}")
            found[key] = value_node
        for key, required in allowed.items():
            if required and key not in found:
                self.problem(node, f"{field}.{key}" if field else key, f"缺少必填字段「{key}」")
        return found

    def text_of(self, node: yaml.Node | None, field: str, *, required: bool = True) -> str | None:
        if node is None:
            return None
        value = self.value(node)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(node, field, "应为非空文本")
            return None
        return value

    def number(
        self, node: yaml.Node | None, field: str, *, minimum: Decimal | None = Decimal(0)
    ) -> Decimal | None:
        if node is None:
            return None
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.problem(node, field, f"应为数字，实际为「{value}」")
            return None
        number = Decimal(str(value))
        if minimum is not None and number < minimum:
            self.problem(node, field, f"不能小于{minimum}")
            return None
        return number

    def date(self, node: yaml.Node | None, field: str, *, nullable: bool = False) -> dt.date | None:
        if node is None:
            return None
        value = self.value(node)
        if value is None and nullable:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem(node, field, f"应为日期（YYYY-MM-DD），实际为「{value}」")
            return None

    def choice(
        self, node: yaml.Node | None, field: str, choices: Iterable[str], default: str
    ) -> str:
        if node is None:
            return default
        value = self.value(node)
        options = tuple(choices)
        if value not in options:
            self.problem(node, field, f"取值「{value}」无效，可用：{'、'.join(options)}")
            return default
        return value

    def citation(self, node: yaml.Node | None, field: str) -> Source | None:
        """A citation is a source id, or ``{source: id, article: …}``."""
        if node is None:
            return None
        value = self.value(node)
        if isinstance(value, str):
            source_id, article = value, None
        elif isinstance(value, Mapping) and "source" in value:
            source_id, article = value.get("source"), value.get("article")
            unknown = set(value) - {"source", "article"}
            if unknown:
                self.problem(node, field, f"未知字段「{'、'.join(sorted(unknown))}」")
        else:
            self.problem(node, field, "应为来源编号，或 {source: 编号, article: 条款}")
            return None
        source = self.sources.get(str(source_id))
        if source is None:
            self.problem(node, field, f"来源「{source_id}」未在 sources 中定义")
            return None
        if article:
            return Source(source.document, source.tag, str(article), source.url, source.note)
        return source

    def condition(self, node: yaml.Node | None, field: str) -> AnyCondition | None:
        """A condition: ``{metric, op, value}``, ``{finding: code}``, ``{all_of: […]}``,
        ``{any_of: […]}`` or ``{not: condition}``."""
        if node is None:
            return None
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, field, "条件应为键值映射，如 {metric: …, op: …}")
            return None
        keys = [str(key.value) for key, _ in node.value]
        form = next((key for key in keys if key in CONDITION_FORMS), None)
        if form is None or form == "metric":
            return self.simple_condition(node, field)
        entries = self.fields(node, field, {form: True})
        if entries is None:
            return None
        inner = entries[form]
        if form == "finding":
            return self.finding(inner, f"{field}.finding")
        if form == "not":
            found = self.condition(inner, f"{field}.not")
            return Not(found) if found is not None else None
        if not self.is_sequence(inner, f"{field}.{form}"):
            return None
        if len(inner.value) < 2:
            self.problem(inner, f"{field}.{form}", f"「{form}」至少应有两个条件")
        before = len(self.problems)
        parts = [self.condition(part, f"{field}.{form}[{i}]") for i, part in enumerate(inner.value)]
        if len(self.problems) != before or None in parts:
            return None
        conditions = tuple(part for part in parts if part is not None)
        return AllOf(conditions) if form == "all_of" else AnyOf(conditions)

    def simple_condition(self, node: yaml.Node, field: str) -> Condition | None:
        entries = self.fields(node, field, {"metric": True, "op": True, "value": False})
        if entries is None:
            return None
        metric = self.metric(entries.get("metric"), f"{field}.metric")
        op = self.choice(entries.get("op"), f"{field}.op", CONDITION_OPERATORS, "")
        value = None
        if op in COMPARISONS:
            if "value" not in entries:
                self.problem(node, f"{field}.value", f"比较运算「{op}」须给出 value")
            elif op in ("==", "!=") and isinstance(self.value(entries["value"]), str):
                value = self.value(entries["value"])
            else:
                value = self.number(entries["value"], f"{field}.value", minimum=None)
        if metric is None or not op:
            return None
        return Condition(metric, op, value)

    def metric(self, node: yaml.Node | None, field: str) -> str | None:
        name = self.text_of(node, field)
        if name is not None and not METRIC_NAME.match(name):
            self.problem(node, field, f"指标名「{name}」格式不对，应如 meetings.general_meeting")
            return None
        unknown = self.metrics.problem(name) if name is not None else None
        if unknown is not None:
            self.problem(node, field, unknown)
            return None
        return name

    # -- the document ---------------------------------------------------------------------------

    def standard(self, path: Path | None) -> Standard | None:
        root = self.root()
        if root is None:
            return None
        entries = self.fields(root, "", ROOT_FIELDS)
        if entries is None:
            return None
        self.read_sources(entries.get("sources"))
        key = self.text_of(entries.get("key"), "key")
        version_node = entries.get("version")
        version = None
        if version_node is not None:
            raw = self.value(version_node)
            if isinstance(raw, str) and raw.strip():
                version = raw
            else:
                self.problem(version_node, "version", '版本号应为文本，请加引号，如 "2025.1"')
        title = self.text_of(entries.get("title"), "title")
        effective_from = self.date(entries.get("effective_from"), "effective_from")
        effective_to = self.date(entries.get("effective_to"), "effective_to", nullable=True)
        if effective_from and effective_to and effective_to < effective_from:
            self.problem(entries["effective_to"], "effective_to", "失效日期早于生效日期")
        maximum = self.number(entries.get("max"), "max") if "max" in entries else Decimal(100)
        scoring = self.choice(entries.get("scoring"), "scoring", ("points", "weighted"), "points")
        blocks = self.read_blocks(entries.get("blocks"), scoring, maximum)
        bands, bands_citation = self.read_grades(entries.get("grades"), maximum)
        grades = {band.grade for band in bands}
        vetoes = self.read_vetoes(entries.get("vetoes"), grades)
        not_rated = self.read_not_rated(entries.get("not_rated"))
        quota = self.read_quota(entries.get("quota"), grades)
        bonus_cap = self.number(entries.get("bonus_cap"), "bonus_cap")
        if self.problems:
            return None
        assert key and version and title and effective_from and maximum is not None
        return Standard(
            key=key,
            version=version,
            title=title,
            effective_from=effective_from,
            effective_to=effective_to,
            max=maximum,
            scoring=scoring,  # type: ignore[arg-type]
            sources=dict(self.sources),
            blocks=tuple(blocks),
            bands=tuple(bands),
            bands_citation=bands_citation,
            vetoes=tuple(vetoes),
            not_rated=tuple(not_rated),
            quota=quota,
            bonus_cap=bonus_cap,
            parameters=self.parameters or (),
            path=path,
        )

    def read_sources(self, node: yaml.Node | None) -> None:
        if node is None or not self.is_sequence(node, "sources"):
            return
        allowed = {
            "id": True,
            "document": True,
            "tag": True,
            "article": False,
            "url": False,
            "note": False,
        }
        for index, entry in enumerate(node.value):
            field = f"sources[{index}]"
            entries = self.fields(entry, field, allowed)
            if entries is None:
                continue
            source_id = self.text_of(entries.get("id"), f"{field}.id")
            document = self.text_of(entries.get("document"), f"{field}.document")
            tag = self.choice(entries.get("tag"), f"{field}.tag", CONFIDENCE_TAGS, "U")
            extras = {
                name: self.text_of(entries.get(name), f"{field}.{name}", required=False)
                for name in ("article", "url", "note")
            }
            if source_id in self.sources:
                self.problem(entries["id"], f"{field}.id", f"来源编号「{source_id}」重复")
            if source_id and document:
                self.sources[source_id] = Source(document, tag, **extras)  # type: ignore[arg-type]

    def read_blocks(
        self, node: yaml.Node | None, scoring: str, maximum: Decimal | None
    ) -> list[Block]:
        blocks: list[Block] = []
        if node is None or not self.is_sequence(node, "blocks"):
            return blocks
        block_ids: set[str] = set()
        total_points, total_weight = Decimal(0), Decimal(0)
        for index, block_node in enumerate(node.value):
            field = f"blocks[{index}]"
            entries = self.fields(block_node, field, BLOCK_FIELDS)
            if entries is None:
                continue
            block_id = self.text_of(entries.get("id"), f"{field}.id")
            if block_id in block_ids:
                self.problem(entries["id"], f"{field}.id", f"块编号「{block_id}」重复")
            block_ids.add(block_id or "")
            title = self.text_of(entries.get("title"), f"{field}.title")
            block_max = self.number(entries.get("max"), f"{field}.max")
            weight = self.number(entries.get("weight"), f"{field}.weight")
            if scoring == "weighted" and weight is None and "weight" not in entries:
                self.problem(
                    block_node, f"{field}.weight", "加权计分（scoring: weighted）的块须给出 weight"
                )
            if scoring == "points" and block_max is None and "max" not in entries:
                self.problem(block_node, f"{field}.max", "按分值计分的块须给出 max")
            items: list[Item] = []
            items_node = entries.get("items")
            if items_node is not None and self.is_sequence(items_node, f"{field}.items"):
                if not items_node.value:
                    self.problem(items_node, f"{field}.items", "块内至少应有一项")
                for item_index, item_node in enumerate(items_node.value):
                    item = self.item(item_node, f"{field}.items[{item_index}]")
                    if item is not None:
                        items.append(item)
            scored = sum((i.max for i in items if not RULE_KINDS[i.kind].bonus), Decimal(0))
            if block_max is None:
                block_max = scored
            elif items and len(items) == len(items_node.value) and scored != block_max:
                # Only when every item parsed: a dropped item would make the sum a false alarm.
                self.problem(
                    entries.get("max"),
                    f"{field}.max",
                    f"块内各项满分合计{scored}分（加分项除外），与块满分{block_max}分不一致",
                )
            total_points += block_max
            total_weight += weight or 0
            zero_when = self.condition(entries.get("zero_when"), f"{field}.zero_when")
            if block_id and title:
                blocks.append(Block(block_id, title, block_max, tuple(items), weight, zero_when))
        if scoring == "points" and maximum is not None and blocks and total_points != maximum:
            self.problem(node, "blocks", f"各块满分合计{total_points}分，与总分{maximum}分不一致")
        if scoring == "weighted" and blocks and total_weight != 1:
            self.problem(node, "blocks", f"各块权重合计{total_weight}，应为1")
        return blocks

    def item(self, node: yaml.Node, field: str) -> Item | None:
        entries = self.fields(node, field, ITEM_FIELDS)
        if entries is None:
            return None
        item_id = self.text_of(entries.get("id"), f"{field}.id")
        if item_id in self.item_ids:
            self.problem(entries["id"], f"{field}.id", f"项目编号「{item_id}」重复")
        self.item_ids.add(item_id or "")
        title = self.text_of(entries.get("title"), f"{field}.title")
        rule = self.text_of(entries.get("rule"), f"{field}.rule")
        maximum = self.number(entries.get("max"), f"{field}.max")
        kind_node = entries.get("kind")
        kind = self.value(kind_node) if kind_node is not None else None
        if kind_node is not None and kind not in RULE_KINDS:
            self.problem(
                kind_node,
                f"{field}.kind",
                f"未知的规则类型「{kind}」，可用：{'、'.join(RULE_KINDS)}",
            )
            kind = None
        params = self.params(entries.get("params"), node, f"{field}.params", kind) if kind else None
        citation = self.citation(entries.get("citation"), f"{field}.citation")
        applies_when = self.condition(entries.get("applies_when"), f"{field}.applies_when")
        when_missing = self.choice(
            entries.get("when_missing"), f"{field}.when_missing", WHEN_MISSING, "failed"
        )
        advice = self.text_of(entries.get("advice"), f"{field}.advice", required=False)
        owner = self.choice(entries.get("owner"), f"{field}.owner", OWNERS, "branch")
        zero_when = self.condition(entries.get("zero_when"), f"{field}.zero_when")
        if params is not None and maximum is not None:
            self.check_against_max(kind, params, maximum, entries.get("params") or node, field)
        if None in (item_id, title, rule, maximum, kind, params):
            return None
        return Item(
            id=item_id,  # type: ignore[arg-type]
            title=title,  # type: ignore[arg-type]
            rule=rule,  # type: ignore[arg-type]
            max=maximum,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            params=params,  # type: ignore[arg-type]
            citation=citation,
            applies_when=applies_when,
            when_missing=when_missing,  # type: ignore[arg-type]
            advice=advice,
            owner=owner,  # type: ignore[arg-type]
            zero_when=zero_when,
        )

    def params(
        self, node: yaml.Node | None, item_node: yaml.Node, field: str, kind: str
    ) -> dict[str, Any] | None:
        specs = RULE_KINDS[kind].params
        if node is None:
            entries: dict[str, yaml.Node] = {}
            missing = [name for name, spec in specs.items() if spec.required]
            for name in missing:
                self.problem(item_node, f"{field}.{name}", f"规则类型「{kind}」缺少参数「{name}」")
            if missing:
                return None
        else:
            found = self.fields(node, field, {name: spec.required for name, spec in specs.items()})
            if found is None:
                return None
            entries = found
        before = len(self.problems)
        params: dict[str, Any] = {}
        for name, spec in specs.items():
            if name in entries:
                params[name] = self.param(entries[name], f"{field}.{name}", spec)
            elif spec.default is not None:
                params[name] = spec.default
        self.cross_check(kind, params, node or item_node, field, written=set(entries))
        return params if len(self.problems) == before else None

    def param(self, node: yaml.Node, field: str, spec: ParamSpec) -> Any:
        raw = self.value(node)
        if spec.type == "target_ref":
            return self.target(node, field)
        if spec.type == "level_list":
            return self.levels(node, field)
        if spec.type == "deduction_list":
            return self.deductions(node, field)
        if spec.type == "filter_list":
            return self.filters(node, field)
        if spec.type in ("number_ref", "period_ref") and isinstance(raw, Mapping):
            if set(raw) != {"parameter"}:
                self.problem(node, field, "引用参数应写作 {parameter: 参数名}")
                return None
            key = str(raw["parameter"])
            if self.parameter_keys is not None and key not in self.parameter_keys:
                self.problem(node, field, f"参数「{key}」不是本单位类型的参数")
            return ParameterRef(key)
        if spec.type == "metric":
            return self.metric(node, field)
        if spec.type in ("number", "number_ref"):
            return self.number(node, field, minimum=None)
        if spec.type == "period_ref":
            return self.choice(node, field, PERIODS, "year")
        if spec.type == "choice":
            return self.choice(node, field, spec.choices, str(spec.default))
        if spec.type == "text":
            return self.text_of(node, field)
        if spec.type == "checklist_items":
            return self.checklist_items(node, field)
        raise AssertionError(f"unknown param type {spec.type}")

    def target(self, node: yaml.Node, field: str) -> Any:
        """A target: a number, ``{parameter: key}``, ``{metric: name}`` or ``{when, target}`` cases."""
        if isinstance(node, yaml.MappingNode) and any(k.value == "metric" for k, _ in node.value):
            found = self.fields(node, field, {"metric": True})
            name = self.metric(found.get("metric"), f"{field}.metric") if found else None
            return MetricTarget(name) if name else None
        if not isinstance(node, yaml.SequenceNode):
            return self.param(node, field, ParamSpec("number_ref"))
        if not node.value:
            self.problem(node, field, "分档目标至少应有一档")
            return None
        cases: list[TargetCase] = []
        for index, case_node in enumerate(node.value):
            where = f"{field}[{index}]"
            found = self.fields(case_node, where, {"when": False, "target": True})
            if found is None:
                continue
            last = index == len(node.value) - 1
            if "when" not in found and not last:
                self.problem(case_node, f"{where}.when", "只有最后一档可以省略 when（其余情况）")
            when = self.condition(found.get("when"), f"{where}.when")
            value = None
            if "target" in found:
                value = self.param(found["target"], f"{where}.target", ParamSpec("number_ref"))
            if value is not None:
                cases.append(TargetCase(when, value))
        if len(cases) != len(node.value):
            return None
        return TargetCases(tuple(cases))

    def levels(self, node: yaml.Node, field: str) -> list[dict[str, Any]] | None:
        if not self.is_sequence(node, field):
            return None
        if len(node.value) < 2:
            self.problem(node, field, "分档评定至少应有两个档次")
        levels: list[dict[str, Any]] = []
        names: set[str] = set()
        scores: set[Decimal] = set()
        for index, level_node in enumerate(node.value):
            where = f"{field}[{index}]"
            found = self.fields(level_node, where, {"name": True, "points": True, "when": False})
            if found is None:
                continue
            name = self.text_of(found.get("name"), f"{where}.name")
            score = self.number(found.get("points"), f"{where}.points")
            if name in names:
                self.problem(found["name"], f"{where}.name", f"档次「{name}」重复")
            if score in scores:
                # The on-site score stores points: two levels with one score could not be told apart.
                self.problem(found["points"], f"{where}.points", f"两个档次都是{score}分，无法区分")
            names.add(name or "")
            scores.add(score if score is not None else Decimal(-1))
            when = self.condition(found.get("when"), f"{where}.when")
            levels.append({"name": name, "points": score, "when": when})
        with_when = [level["when"] is not None for level in levels]
        if any(with_when) and not all(with_when[:-1]):
            self.problem(
                node, field, "按记录评定时，除最后一档（其余情况）外每档都须给出 when；现场评定则都不给出"
            )
        return levels

    def deductions(self, node: yaml.Node, field: str) -> list[dict[str, Any]] | None:
        if not self.is_sequence(node, field):
            return None
        if not node.value:
            self.problem(node, field, "至少应有一项扣分情形")
        allowed = {
            "label": True,
            "points": False,
            "when": False,
            "finding": False,
            "count": False,
            "per": False,
            "from": False,
            "max": False,
        }
        entries: list[dict[str, Any]] = []
        for index, entry_node in enumerate(node.value):
            where = f"{field}[{index}]"
            found = self.fields(entry_node, where, allowed)
            if found is None:
                continue
            label = self.text_of(found.get("label"), f"{where}.label")
            forms = [name for name in ("when", "finding", "count") if name in found]
            if len(forms) != 1:
                self.problem(
                    entry_node, where, "每项扣分情形须给出 when（条件）、finding（认定事项）或 count（计次）中的一个"
                )
                continue
            entry: dict[str, Any] = {"label": label}
            for name in ("points", "per", "from", "max"):
                entry[name] = self.number(found.get(name), f"{where}.{name}")
            if forms[0] == "count":
                entry["count"] = self.count(found["count"], f"{where}.count")
                if entry["per"] is None and entry["from"] is None:
                    self.problem(entry_node, f"{where}.per", "按次扣分须给出 per（每次扣分），或 from 与 points（达到若干次扣分）")
                if entry["from"] is not None and entry["points"] is None:
                    self.problem(entry_node, f"{where}.points", "给出 from 时须给出 points（达到时扣的分）")
                if entry["from"] is None and entry["points"] is not None:
                    self.problem(found["points"], f"{where}.points", "按次扣分的 points 只与 from 一起使用（达到若干次时扣的分）")
            else:
                if entry["points"] is None:
                    self.problem(entry_node, f"{where}.points", "缺少必填字段「points」（扣几分）")
                for name in ("per", "from", "max"):
                    if name in found:
                        self.problem(found[name], f"{where}.{name}", f"「{name}」只用于按次扣分（count）")
                if forms[0] == "finding":
                    entry["when"] = self.finding(found["finding"], f"{where}.finding")
                else:
                    entry["when"] = self.condition(found["when"], f"{where}.when")
            entries.append(entry)
        return entries

    def finding(self, node: yaml.Node, field: str) -> Condition | None:
        code = self.text_of(node, field)
        if code is not None and not re.match(r"^[a-z][a-z0-9_]*$", code):
            self.problem(node, field, f"认定事项代码「{code}」格式不对，应如 weak_and_lax")
            return None
        if code and f"flags.{code}" not in self.metrics:
            # A kind the county does not have would never fire: refused like an unknown metric.
            kinds = self.metrics.vocabularies.get("finding")
            known = f"，可用：{'、'.join(kinds)}" if kinds else ""
            self.problem(node, field, f"认定类别「{code}」不在县里的认定类别中{known}")
            return None
        return Condition(f"flags.{code}", "is_true") if code else None

    def count(self, node: yaml.Node, field: str) -> dict[str, Any] | None:
        allowed = {"metric": True, "where": False, "missed": False, "min": False}
        found = self.fields(node, field, allowed)
        if found is None:
            return None
        metric = self.metric(found.get("metric"), f"{field}.metric")
        where = self.filters(found["where"], f"{field}.where") if "where" in found else []
        missed = None
        if "missed" in found:
            missed = self.choice(found["missed"], f"{field}.missed", PERIODS, "year")
            if "where" in found:
                self.problem(found["where"], f"{field}.where", "按周期计缺（missed）时不能再给出 where")
        minimum = self.number(found.get("min"), f"{field}.min")
        if minimum is not None and missed is None:
            self.problem(found["min"], f"{field}.min", "「min」只与 missed 一起使用")
        spec = {"metric": metric, "where": where or [], "missed": missed, "min": minimum}
        return spec if metric else None

    def filters(self, node: yaml.Node, field: str) -> list[dict[str, Any]] | None:
        if not self.is_sequence(node, field):
            return None
        rules: list[dict[str, Any]] = []
        for index, rule_node in enumerate(node.value):
            where = f"{field}[{index}]"
            found = self.fields(rule_node, where, {"field": True, "op": True, "value": True})
            if found is None:
                continue
            name = self.text_of(found.get("field"), f"{where}.field")
            op = self.choice(found.get("op"), f"{where}.op", COMPARISONS, "")
            raw = self.value(found["value"]) if "value" in found else None
            if isinstance(raw, str) and op in ("==", "!="):
                value: Any = raw
            else:
                value = self.number(found.get("value"), f"{where}.value", minimum=None)
            if name and op and value is not None:
                rules.append({"field": name, "op": op, "value": value})
        return rules

    def checklist_items(self, node: yaml.Node, field: str) -> list[dict[str, Any]] | None:
        if not self.is_sequence(node, field):
            return None
        entries: list[dict[str, Any]] = []
        for index, entry_node in enumerate(node.value):
            where = f"{field}[{index}]"
            found = self.fields(entry_node, where, {"key": True, "label": True, "points": True})
            if found is None:
                continue
            key = self.text_of(found.get("key"), f"{where}.key")
            if key and self.facility_keys is not None and key not in self.facility_keys:
                self.problem(found["key"], f"{where}.key", f"「{key}」不在本单位类型的六有清单中")
            label = self.text_of(found.get("label"), f"{where}.label")
            points = self.number(found.get("points"), f"{where}.points")
            entries.append({"key": key, "label": label, "points": points})
        return entries

    def cross_check(
        self, kind: str, params: Mapping[str, Any], node: yaml.Node, field: str, *, written: set[str] = frozenset()
    ) -> None:
        """Checks between params of one item that a per-param schema cannot express.

        :param written: params the item writes; one written but refused has its own problem
            already and is not reported missing as well.
        """
        op, scoring = params.get("op"), params.get("scoring")
        needs = [
            (
                kind == "threshold" and op not in ("is_true", "is_false", None),
                "target",
                f"比较运算「{op}」须给出 target",
            ),
            (
                kind == "threshold" and scoring == "per_unit",
                "deduct_per_unit",
                "按单位扣分（per_unit）须给出 deduct_per_unit",
            ),
            (
                kind == "member_threshold" and scoring == "per_member",
                "deduct_per_member",
                "按人扣分（per_member）须给出 deduct_per_member",
            ),
            (
                kind == "bonus" and params.get("from") is None,
                "per",
                "加分项须给出 per（每项加分），或 from 与 points（达到若干项才加分）",
            ),
            (
                kind == "bonus" and params.get("from") is not None,
                "points",
                "给出 from 时须给出 points（达到时加的分）",
            ),
        ]
        for applies, name, message in needs:
            if applies and params.get(name) is None and name not in written:
                self.problem(node, f"{field}.{name}", message)
        name = params.get("formula")
        if kind == "formula" and self.formulas is not None and name and name not in self.formulas:
            known = "、".join(sorted(self.formulas))
            self.problem(
                node, f"{field}.formula", f"公式「{name}」不是本单位类型的公式，可用：{known}"
            )

    def check_against_max(
        self, kind: str, params: Mapping[str, Any], maximum: Decimal, node: yaml.Node, field: str
    ) -> None:
        """Checks between an item's params and its ``max``."""
        if kind == "levels" and params.get("levels"):
            top = max((level["points"] for level in params["levels"] if level["points"] is not None), default=None)
            if top is not None and top != maximum:
                self.problem(node, f"{field}.params.levels", f"最高档{top}分应等于本项满分{maximum}分")
        if kind == "manual" and params.get("deduct_max") is not None:
            low, high = params.get("deduct_min"), params["deduct_max"]
            if high > maximum:
                self.problem(node, f"{field}.params.deduct_max", f"最多扣{high}分，超过本项满分{maximum}分")
            if low is not None and low > high:
                self.problem(node, f"{field}.params.deduct_min", f"最少扣分{low}大于最多扣分{high}")
            if params.get("deduct_step") == 0:
                self.problem(node, f"{field}.params.deduct_step", "扣分档距不能为0")
        elif kind == "manual" and any(params.get(n) is not None for n in ("deduct_min", "deduct_step")):
            self.problem(node, f"{field}.params.deduct_max", "给出 deduct_min 或 deduct_step 时须给出 deduct_max")

    def read_grades(
        self, node: yaml.Node | None, maximum: Decimal | None
    ) -> tuple[list[GradeBand], Source | None]:
        if node is None:
            return [], None
        entries = self.fields(node, "grades", {"bands": True, "citation": False})
        if entries is None:
            return [], None
        citation = self.citation(entries.get("citation"), "grades.citation")
        bands: list[GradeBand] = []
        bands_node = entries.get("bands")
        if bands_node is None or not self.is_sequence(bands_node, "grades.bands"):
            return bands, citation
        for index, band_node in enumerate(bands_node.value):
            field = f"grades.bands[{index}]"
            found = self.fields(band_node, field, {"grade": True, "min": True})
            if found is None:
                continue
            grade = self.text_of(found.get("grade"), f"{field}.grade")
            minimum = self.number(found.get("min"), f"{field}.min")
            if minimum is None or grade is None:
                continue
            if bands and minimum >= bands[-1].min:
                self.problem(found["min"], f"{field}.min", "等级应按最低分从高到低排列")
            if maximum is not None and minimum > maximum:
                self.problem(found["min"], f"{field}.min", f"最低分{minimum}超过总分{maximum}")
            bands.append(GradeBand(grade, minimum))
        if bands and bands[-1].min != 0:
            self.problem(bands_node, "grades.bands", "最低一档的 min 应为 0，否则低分支部没有等级")
        return bands, citation

    def read_vetoes(self, node: yaml.Node | None, grades: set[str]) -> list[VetoRule]:
        vetoes: list[VetoRule] = []
        if node is None or not self.is_sequence(node, "vetoes"):
            return vetoes
        allowed = {"id": True, "title": True, "when": True, "cap": True, "citation": False}
        for index, veto_node in enumerate(node.value):
            field = f"vetoes[{index}]"
            found = self.fields(veto_node, field, allowed)
            if found is None:
                continue
            veto_id = self.text_of(found.get("id"), f"{field}.id")
            title = self.text_of(found.get("title"), f"{field}.title")
            when = self.condition(found.get("when"), f"{field}.when")
            cap = self.grade(found.get("cap"), f"{field}.cap", grades)
            citation = self.citation(found.get("citation"), f"{field}.citation")
            if veto_id and title and when and cap:
                vetoes.append(VetoRule(veto_id, title, when, cap, citation))
        return vetoes

    def read_not_rated(self, node: yaml.Node | None) -> list[NotRatedRule]:
        rules: list[NotRatedRule] = []
        if node is None or not self.is_sequence(node, "not_rated"):
            return rules
        allowed = {"id": True, "when": True, "reason": True, "citation": False}
        for index, rule_node in enumerate(node.value):
            field = f"not_rated[{index}]"
            found = self.fields(rule_node, field, allowed)
            if found is None:
                continue
            rule_id = self.text_of(found.get("id"), f"{field}.id")
            when = self.condition(found.get("when"), f"{field}.when")
            reason = self.text_of(found.get("reason"), f"{field}.reason")
            citation = self.citation(found.get("citation"), f"{field}.citation")
            if rule_id and when and reason:
                rules.append(NotRatedRule(rule_id, when, reason, citation))
        return rules

    def read_quota(self, node: yaml.Node | None, grades: set[str]) -> QuotaRule | None:
        if node is None:
            return None
        allowed = {"grade": True, "max_share": True, "demote_to": True, "citation": False}
        found = self.fields(node, "quota", allowed)
        if found is None:
            return None
        grade = self.grade(found.get("grade"), "quota.grade", grades)
        share = self.number(found.get("max_share"), "quota.max_share")
        if share is not None and not Decimal(0) < share <= Decimal(1):
            self.problem(found["max_share"], "quota.max_share", "比例应在0到1之间，如 0.3 表示30%")
        demote_to = self.grade(found.get("demote_to"), "quota.demote_to", grades)
        citation = self.citation(found.get("citation"), "quota.citation")
        if grade and share is not None and demote_to:
            return QuotaRule(grade, share, demote_to, citation)
        return None

    def grade(self, node: yaml.Node | None, field: str, grades: set[str]) -> str | None:
        grade = self.text_of(node, field)
        if grade is not None and grades and grade not in grades:
            self.problem(node, field, f"等级「{grade}」不在 grades.bands 中")
            return None
        return grade
