"""County standards in the database: drafts, publishing, resolution by unit type and day.

:func:`effective_standard` is the one answer to "which standard scores this unit type on this
day": the county's published version in effect then, else the plugin's shipped default. Scoring,
cards, reports and ``branchmark standard show`` all ask it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import event, select
from sqlalchemy.orm import attributes

from core import safe_yaml
from core.authoring.models import (
    VERSION_STATUSES,
    CountyStandard,
    StandardVersion,
    UnitItemSwitch,
    UnitStandardSetting,
)
from core.db import utcnow
from core.extensions import db
from core.host.models import Tenant
from core.metrics.registry import metric_catalogue
from core.standards.catalogue import METRIC_NAME
from core.standards.facts import metric_label
from core.standards.loader import (
    Problem,
    StandardFileError,
    check_standard_text,
    load_standard_text,
    parse_items,
    parse_sources_and_vetoes,
)
from core.standards.model import Standard, condition_from_plain
from core.standards.overrides import parameter_warnings
from core.standards.rules import CHOICE_LABELS, PARAM_LABELS
from core.standards.types import Parameter
from core.validation import RecordError

if TYPE_CHECKING:
    from core.plugins.manager import PluginRegistry

#: Labels of the version statuses, for pages.
VERSION_STATUS_LABELS = VERSION_STATUSES

#: The document fields a published version may never change.
FROZEN_FIELDS = ("document", "key", "version", "effective_from", "number", "county_standard_id")


class VersionFrozen(RecordError):
    """A published or retired version was about to change; write a new draft instead."""


class DocumentProblems(RecordError):
    """A standard document does not pass the rubric checks; :attr:`problems` lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__({p.field or "document": p.message for p in problems})


# -- the document ------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A document value made JSON-safe: dates as ISO text, Decimals as int or float."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def document_yaml(document: Mapping[str, Any]) -> str:
    """:returns: the document as rubric YAML text (what ``standard export`` writes)."""
    return yaml.safe_dump(plain(document), allow_unicode=True, sort_keys=False, width=100)


def parse_yaml(text: str, *, origin: str) -> dict[str, Any]:
    """:returns: the mapping in a rubric YAML text.
    :raises DocumentProblems: when the text is not YAML or not a mapping."""
    try:
        data = safe_yaml.load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = getattr(error, "problem", None) or str(error)
        raise DocumentProblems([Problem(origin, line, column, "", f"YAML 语法错误：{reason}")]) from None
    if not isinstance(data, dict):
        raise DocumentProblems([Problem(origin, 1, 1, "", "应为键值映射（key: value）")])
    return plain(data)


def _unit_type_checks(unit_type: str, registry: PluginRegistry) -> dict[str, Any]:
    record = registry.unit_type(unit_type)
    return {
        "parameters": record.parameters,
        "formulas": {f.name for f in registry.formulas(unit_type)},
        "facility_keys": {i.key for i in record.facility_checklist},
        # Closed to the county's finding kinds: a draft may not read a kind that does not exist.
        "metrics": metric_catalogue(registry),
    }


def check_document(
    document: Mapping[str, Any], unit_type: str, registry: PluginRegistry, *, origin: str = "草稿"
) -> list[Problem]:
    """Check a document with the rubric checker, against the unit type's parameters and formulas.

    :returns: the problems (Chinese, naming the field), empty when the document is good.
    """
    return check_standard_text(document_yaml(document), origin=origin, **_unit_type_checks(unit_type, registry))


def build_standard(
    document: Mapping[str, Any], unit_type: str, registry: PluginRegistry, *, origin: str = "草稿"
) -> Standard:
    """:returns: the :class:`Standard` a document describes.
    :raises DocumentProblems: when it does not pass the checks."""
    try:
        return load_standard_text(document_yaml(document), origin=origin, **_unit_type_checks(unit_type, registry))
    except StandardFileError as error:
        raise DocumentProblems(error.problems) from None


def shipped_document(standard: Standard) -> dict[str, Any]:
    """:returns: the document of a plugin's shipped standard, read from its file."""
    if standard.path is None:
        raise RecordError({"standard": f"标准 {standard.key} {standard.version} 没有文件，无法复制"})
    return parse_yaml(Path(standard.path).read_text(encoding="utf-8"), origin=str(standard.path))


# -- records -----------------------------------------------------------------------------------


def county_standard(unit_type: str, *, create_title: str | None = None) -> CountyStandard | None:
    """:returns: the county's standard record for a unit type (created when ``create_title``)."""
    record = db.session.scalar(select(CountyStandard).where(CountyStandard.unit_type == unit_type))
    if record is None and create_title is not None:
        record = CountyStandard(unit_type=unit_type, title=create_title, unit_may_disable=[])
        db.session.add(record)
        db.session.flush()
    return record


def versions(unit_type: str) -> list[StandardVersion]:
    """:returns: every version of the county's standard for a unit type, newest first."""
    return list(
        db.session.scalars(
            select(StandardVersion)
            .join(CountyStandard)
            .where(CountyStandard.unit_type == unit_type)
            .order_by(StandardVersion.number.desc())
        )
    )


def get_version(version_id: int) -> StandardVersion:
    """:raises RecordError: when there is no such version."""
    version = db.session.get(StandardVersion, version_id)
    if version is None:
        raise RecordError({"version": f"没有编号为 {version_id} 的标准版本"})
    return version


def _next_number(record: CountyStandard) -> int:
    numbers = db.session.scalars(
        select(StandardVersion.number).where(StandardVersion.county_standard_id == record.id)
    )
    return max(numbers, default=0) + 1


def create_draft(
    unit_type: str,
    document: Mapping[str, Any],
    registry: PluginRegistry,
    *,
    actor: str,
    based_on: str,
) -> StandardVersion:
    """Store a checked document as a new draft of the county's standard for a unit type.

    :raises DocumentProblems: when the document does not pass the checks (nothing stored).
    """
    document = plain(document)
    standard = build_standard(document, unit_type, registry)
    record = county_standard(unit_type, create_title=standard.title)
    draft = StandardVersion(
        county_standard=record,
        number=_next_number(record),
        status="draft",
        key=standard.key,
        version=standard.version,
        document=document,
        based_on=based_on,
        created_by=actor,
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def copy_shipped(
    unit_type: str, registry: PluginRegistry, *, actor: str, on: dt.date | None = None
) -> StandardVersion:
    """"Copy and adapt": a draft that starts as the plugin's standard in effect on ``on``.

    The copy gets its own version label (``<shipped>-县<n>``) so a card scored with it never
    reads as the shipped version.
    """
    shipped = registry.standard(unit_type, on=on or dt.date.today())
    document = shipped_document(shipped)
    record = county_standard(unit_type, create_title=shipped.title)
    document["version"] = f"{shipped.version}-县{_next_number(record)}"
    # The county's versions follow one another: publishing sets where each starts.
    document.pop("effective_to", None)
    return create_draft(
        unit_type, document, registry, actor=actor,
        based_on=f"插件标准 {shipped.key} {shipped.version}",
    )


def copy_version(version: StandardVersion, registry: PluginRegistry, *, actor: str) -> StandardVersion:
    """A new draft that starts as an existing version (to change a published one)."""
    document = dict(version.document)
    document["version"] = f"{version.version}-{_next_number(version.county_standard)}"
    return create_draft(
        version.unit_type, document, registry, actor=actor,
        based_on=f"第{version.number}版（{version.version}）",
    )


def require_draft(version: StandardVersion) -> None:
    if version.status != "draft":
        raise VersionFrozen({"status": "已发布或已停用的版本不能修改；请以它为底稿新建草稿"})


def update_draft(
    version: StandardVersion, document: Mapping[str, Any], registry: PluginRegistry, *, actor: str
) -> StandardVersion:
    """Replace a draft's document after checking it.

    :raises VersionFrozen: when the version is not a draft.
    :raises DocumentProblems: when the document does not pass the checks (nothing changed).
    """
    require_draft(version)
    document = plain(document)
    standard = build_standard(document, version.unit_type, registry)
    version.document = document
    version.key, version.version = standard.key, standard.version
    return version


def _labels_in_use(version: StandardVersion, registry: PluginRegistry) -> set[tuple[str, str]]:
    """(key, version) pairs already cited by other versions or shipped standards of the type."""
    used = {(s.key, s.version) for s in registry.standards(version.unit_type)}
    for other in version.county_standard.versions:
        if other.id != version.id and other.status != "draft":
            used.add((other.key, other.version))
    return used


def publish(
    version: StandardVersion, registry: PluginRegistry, *, effective_from: dt.date, actor: str
) -> list[int]:
    """Publish a draft from a day on; from then on it never changes.

    :returns: ids of the units whose scores the new version affects (see :func:`units_to_rescore`).
    :raises VersionFrozen: when the version is not a draft.
    :raises RecordError: when its label is already used or the day is before an earlier version's.
    """
    require_draft(version)
    if (version.key, version.version) in _labels_in_use(version, registry):
        raise RecordError({"version": f"版本号「{version.version}」已被其他版本使用，请改一个版本号"})
    later = [
        v for v in version.county_standard.versions
        if v.status == "published" and v.effective_from and v.effective_from >= effective_from
    ]
    if later:
        raise RecordError(
            {"effective_from": f"生效日期应晚于已发布的第{later[0].number}版的生效日期 {later[0].effective_from}"}
        )
    document = dict(version.document)
    document["effective_from"] = effective_from.isoformat()
    build_standard(document, version.unit_type, registry)  # still good with its new date
    version.document = document
    version.effective_from = effective_from
    version.status = "published"
    version.published_by, version.published_at = actor, utcnow()
    db.session.flush()
    return units_to_rescore(version.unit_type)


def retire(version: StandardVersion, *, actor: str) -> list[int]:
    """Stop using a published version; the unit type falls back to the previous one.

    :returns: ids of the units whose scores this affects.
    """
    if version.status != "published":
        raise VersionFrozen({"status": "只有已发布的版本可以停用"})
    version.status = "retired"
    version.retired_by, version.retired_at = actor, utcnow()
    db.session.flush()
    return units_to_rescore(version.unit_type)


def delete_draft(version: StandardVersion) -> None:
    """Throw a draft away. :raises VersionFrozen: when it is not a draft."""
    require_draft(version)
    db.session.delete(version)
    db.session.flush()


def units_to_rescore(unit_type: str | None = None, *, tenant_ids: Iterable[int] = ()) -> list[int]:
    """The one place where a change to what scores a unit reaches its stored results.

    Every service here that changes scoring calls it, inside its transaction: publishing or
    retiring a county version (all units of the type), and a unit's approved switch, parameter,
    own item, bands or imported override file (that unit). The units are marked stale in this
    transaction and their re-score queued once it commits (:func:`core.scoring.live.mark_stale`).

    :returns: ids of the units affected, for the page to say how many.
    """
    from core.scoring.live import mark_stale  # scoring reads authoring: imported when called

    ids = set(tenant_ids)
    if unit_type is not None:
        ids.update(db.session.scalars(select(Tenant.id).where(Tenant.unit_type == unit_type)))
    mark_stale(ids)
    return sorted(ids)


@event.listens_for(StandardVersion, "before_update")
def _refuse_published_change(mapper, connection, target: StandardVersion) -> None:
    """Published versions never change, whoever writes (service or not)."""
    status = attributes.get_history(target, "status")
    was = status.deleted[0] if status.deleted else target.status
    if was == "draft":
        return
    changed = [name for name in FROZEN_FIELDS if attributes.get_history(target, name).has_changes()]
    if changed:
        raise VersionFrozen({"status": f"标准第{target.number}版已发布，内容不能修改（{'、'.join(changed)}）"})


# -- resolution --------------------------------------------------------------------------------

#: Loaded county standards by (version id, content): a published version never changes.
_LOADED: dict[tuple[int, str], Standard] = {}


def _published(unit_types: Iterable[str]) -> dict[str, list[StandardVersion]]:
    """Published versions of several unit types, latest start first, in one statement."""
    found: dict[str, list[StandardVersion]] = {key: [] for key in unit_types}
    rows = db.session.execute(
        select(CountyStandard.unit_type, StandardVersion)
        .join(StandardVersion.county_standard)
        .where(CountyStandard.unit_type.in_(list(found)), StandardVersion.status == "published")
        .order_by(StandardVersion.effective_from.desc())
    )
    for unit_type, version in rows:
        found[unit_type].append(version)
    return found


def version_standard(version: StandardVersion, registry: PluginRegistry) -> Standard:
    """:returns: the :class:`Standard` of a stored version (cached while its content is the same)."""
    cache_key = (version.id, json.dumps(version.document, sort_keys=True, ensure_ascii=False))
    standard = _LOADED.get(cache_key)
    if standard is None:
        origin = f"县级标准第{version.number}版"
        standard = build_standard(version.document, version.unit_type, registry, origin=origin)
        _LOADED[cache_key] = standard
    return standard


def effective_version(unit_type: str, *, on: dt.date) -> StandardVersion | None:
    """:returns: the county's published version in effect on the day, or ``None``."""
    return _in_effect(_published([unit_type])[unit_type], on)


def _in_effect(published: list[StandardVersion], on: dt.date) -> StandardVersion | None:
    return next((v for v in published if v.effective_from is not None and v.effective_from <= on), None)


def effective_standard(unit_type: str, *, on: dt.date, registry: PluginRegistry) -> Standard:
    """Which standard scores a unit type on a day.

    :returns: the county's published version in effect then, else the plugin's shipped default.
    :raises LookupError: when neither has a version in effect.
    :raises UnknownUnitType: when no plugin supplies the unit type.
    """
    return effective_standards([unit_type], on=on, registry=registry)[unit_type]


def effective_standards(
    unit_types: Iterable[str], *, on: dt.date, registry: PluginRegistry
) -> dict[str, Standard]:
    """:func:`effective_standard` for several unit types with one statement (county scoring).

    :returns: the standard of each unit type.
    """
    wanted = list(dict.fromkeys(unit_types))
    if not wanted:
        return {}
    for unit_type in wanted:
        registry.unit_type(unit_type)
    published = _published(wanted)
    chosen: dict[str, Standard] = {}
    for unit_type in wanted:
        version = _chosen(published[unit_type], on, registry)
        chosen[unit_type] = version_standard(version, registry) if version else registry.standard(unit_type, on=on)
    return chosen


def _chosen(published: list[StandardVersion], on: dt.date, registry: PluginRegistry) -> StandardVersion | None:
    """The county's version that scores on the day, or ``None`` (then the plugin's applies)."""
    version = _in_effect(published, on)
    if version is None:
        return None
    standard = version_standard(version, registry)
    return version if standard.effective_to is None or on <= standard.effective_to else None


def effective_document(unit_type: str, *, on: dt.date, registry: PluginRegistry) -> dict[str, Any]:
    """:returns: the document of the standard :func:`effective_standard` chooses (to compare a
    draft with what is in force)."""
    version = _chosen(_published([unit_type])[unit_type], on, registry)
    if version is not None:
        return dict(version.document)
    return shipped_document(registry.standard(unit_type, on=on))


def standards_of(unit_type: str, registry: PluginRegistry) -> list[Standard]:
    """:returns: every standard a card of the unit type may cite: shipped, then the county's."""
    found = list(registry.standards(unit_type))
    for version in db.session.scalars(
        select(StandardVersion).join(CountyStandard).where(
            CountyStandard.unit_type == unit_type, StandardVersion.status != "draft"
        )
    ):
        found.append(version_standard(version, registry))
    return found


# -- comparing ---------------------------------------------------------------------------------


#: What a clerk calls the fields of a document, a block and an item (diff lines).
FIELD_NAMES = {
    "key": "标准编号", "version": "版本号", "title": "名称", "effective_from": "生效日期",
    "effective_to": "失效日期", "max": "分值", "scoring": "计分方式", "bonus_cap": "加分上限",
    "sources": "依据文件", "grades": "等级划分", "vetoes": "一票否决", "not_rated": "不参加评定",
    "quota": "名额限制", "weight": "权重", "rule": "条款原文", "kind": "规则类型", "params": "参数",
    "citation": "依据", "applies_when": "适用条件", "when_missing": "缺少数据时", "advice": "整改建议",
    "owner": "责任方", "zero_when": "不得分条件", "id": "编号",
}


def _field_name(field: str) -> str:
    return FIELD_NAMES.get(field, field)


def diff_documents(
    old: Mapping[str, Any], new: Mapping[str, Any], *, labels: Mapping[str, str] | None = None
) -> list[str]:
    """What changed between two documents, one line per block, item or top-level field, in Chinese.

    Conditions and params are worded as the card words them (``党员人数不少于 3``), metrics by
    their labels, never as the file writes them.

    :param labels: metric labels beyond the built-in catalogue (the county's finding kinds).
    """
    from core.standards.rules import RULE_KINDS

    lines: list[str] = []
    for field in sorted(set(old) | set(new)):
        if field == "blocks" or old.get(field) == new.get(field):
            continue
        was, now = _by_id(old.get(field)), _by_id(new.get(field))
        if was is None or now is None:
            lines.append(
                f"{_field_name(field)}：{_short(_words(old.get(field), labels))} → {_short(_words(new.get(field), labels))}"
            )
            continue
        # Vetoes, not-rated rules, sources: one line per entry added, removed or changed.
        for key in [*was, *(k for k in now if k not in was)]:
            before, after = was.get(key), now.get(key)
            if before == after:
                continue
            name = (after or before).get("title") or (after or before).get("document") or key
            if before is None:
                lines.append(f"{_field_name(field)}：新增「{name}」（{_short(_words(after, labels))}）")
            elif after is None:
                lines.append(f"{_field_name(field)}：删除「{name}」")
            else:
                lines.append(f"{_field_name(field)}「{name}」：{_short(_words(before, labels))} → {_short(_words(after, labels))}")
    old_items = _items_by_id(old)
    new_items = _items_by_id(new)
    old_blocks = {b.get("id"): b for b in old.get("blocks") or []}
    new_blocks = {b.get("id"): b for b in new.get("blocks") or []}
    for block_id in list(old_blocks) + [b for b in new_blocks if b not in old_blocks]:
        before, after = old_blocks.get(block_id), new_blocks.get(block_id)
        if before is None:
            lines.append(f"新增块「{after.get('title')}」（{block_id}）")
            continue
        if after is None:
            lines.append(f"删除块「{before.get('title')}」（{block_id}）")
            continue
        for name in ("title", "max", "weight"):
            if before.get(name) != after.get(name):
                lines.append(f"块「{after.get('title')}」{_field_name(name)}：{before.get(name)} → {after.get(name)}")
    for item_id in list(old_items) + [i for i in new_items if i not in old_items]:
        before, after = old_items.get(item_id), new_items.get(item_id)
        if before is None:
            lines.append(f"新增项目「{after[1].get('title')}」（{item_id}，{after[1].get('max')}分）")
        elif after is None:
            lines.append(f"删除项目「{before[1].get('title')}」（{item_id}）")
        else:
            if before[0] != after[0]:
                moved_from = (old_blocks.get(before[0]) or {}).get("title", before[0])
                moved_to = (new_blocks.get(after[0]) or {}).get("title", after[0])
                lines.append(f"项目「{after[1].get('title')}」从块「{moved_from}」移到块「{moved_to}」")
            for name in sorted(set(before[1]) | set(after[1])):
                was, now = before[1].get(name), after[1].get(name)
                if was == now:
                    continue
                title = after[1].get("title")
                if name == "kind":
                    was, now = (RULE_KINDS[k].label_zh if k in RULE_KINDS else k for k in (was, now))
                if name == "params" and isinstance(was, Mapping) and isinstance(now, Mapping):
                    for param in [p for p in {**was, **now} if was.get(p) != now.get(p)]:
                        lines.append(
                            f"项目「{title}」参数「{PARAM_LABELS.get(param, param)}」："
                            f"{_short(_words(was.get(param), labels))} → {_short(_words(now.get(param), labels))}"
                        )
                    continue
                lines.append(
                    f"项目「{title}」{_field_name(name)}：{_short(_words(was, labels))} → {_short(_words(now, labels))}"
                )
    return lines


#: What the entries of a list param (deductions, levels, target cases, filters) call their fields.
ENTRY_WORDS = {
    "label": "情形", "name": "档次", "points": "分值", "when": "条件", "finding": "认定", "count": "计次",
    "max": "最多", "key": "检查项", "field": "字段", "value": "值", "parameter": "参数", "missed": "缺期",
    "min": "至少", "title": "名称", "cap": "最高等级", "citation": "依据", "reason": "原因", "grade": "等级",
    "bands": "等级", "max_share": "最高比例", "demote_to": "降为", "document": "文件", "article": "条款",
    "per": "每次", "from": "从此数起",
}


#: Which fields of an entry come first when it is worded: its name, then what makes it apply.
WORD_ORDER = {
    key: index for index, key in enumerate(
        ("title", "label", "name", "document", "metric", "op", "target", "when", "finding", "count", "where",
         "missed", "min", "from", "points", "per", "max", "cap", "reason", "citation")
    )
}


def _words(value: Any, labels: Mapping[str, str] | None, *, entry: bool = False) -> Any:
    """A document value as a clerk reads it: conditions as the card words them, metric names
    by their labels, params and coded choices in Chinese; other values as they are."""
    if isinstance(value, str):
        if METRIC_NAME.match(value):
            return metric_label(value, labels)
        return CHOICE_LABELS.get(value, value)
    if isinstance(value, list):
        return "；".join(str(_words(v, labels, entry=True)) for v in value) or None
    if isinstance(value, Mapping):
        condition = condition_from_plain(value)
        if condition is not None:
            return condition.describe_zh(labels)
        names = {**PARAM_LABELS, **ENTRY_WORDS} if entry else {**ENTRY_WORDS, **PARAM_LABELS}
        shown = []
        # The same order whichever way the database kept the keys (PostgreSQL's JSONB sorts them).
        for key, inner in sorted(value.items(), key=lambda kv: (WORD_ORDER.get(kv[0], len(WORD_ORDER)), kv[0])):
            if key == "id" and ("title" in value or "label" in value):
                continue  # an entry is named by its title
            words = metric_label(f"flags.{inner}", labels) if key == "finding" else _words(inner, labels)
            shown.append(f"{names.get(key, _field_name(key))}：{words}")
        return "，".join(shown)
    return value


def _by_id(value: Any) -> dict[str, Mapping[str, Any]] | None:
    """A list of entries that carry ids (vetoes, sources) by id; ``None`` for anything else."""
    if not isinstance(value, list | type(None)):
        return None
    entries = value or []
    if not all(isinstance(e, Mapping) and isinstance(e.get("id"), str) for e in entries):
        return None
    return {e["id"]: e for e in entries}


def _items_by_id(document: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for block in document.get("blocks") or []:
        for item in block.get("items") or []:
            found[str(item.get("id"))] = (str(block.get("id")), item)
    return found


def _short(value: Any) -> str:
    text = "—" if value is None else json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "…"


# -- editing one item -------------------------------------------------------------------------


def with_item(
    document: Mapping[str, Any], block_id: str, item: Mapping[str, Any], *, replace_id: str | None = None
) -> dict[str, Any]:
    """:returns: a copy of the document with ``item`` put in block ``block_id``.

    With ``replace_id`` the item of that id is replaced (moved when the block differs); else the
    item is appended. Points of the block follow the items when the block states its ``max``.
    """
    document = json.loads(json.dumps(plain(document)))
    item = plain(item)
    target = None
    for block in document.get("blocks") or []:
        items = block.get("items") or []
        if replace_id is not None:
            for index, old in enumerate(items):
                if old.get("id") == replace_id:
                    if block.get("id") == block_id:
                        items[index] = item
                        target = block
                    else:
                        del items[index]
                    break
        if block.get("id") == block_id:
            target = target or block
    if target is None:
        raise RecordError({"block": f"没有编号为「{block_id}」的块"})
    if item not in (target.get("items") or []):
        target.setdefault("items", []).append(item)
    _follow_points(document)
    return document


def with_blocks(
    document: Mapping[str, Any], changes: Mapping[str, tuple[str, Any]], *, remove: Iterable[str] = ()
) -> dict[str, Any]:
    """:param changes: block id → (title, weight); the weight only for weighted standards.
    :param remove: ids of blocks taken out with their items.
    :returns: a copy of the document with every block changed at once (a weighted standard's
        weights must add up to 1 after the change, never in between)."""
    document = json.loads(json.dumps(plain(document)))
    gone = set(remove)
    known = {block.get("id") for block in document.get("blocks") or []}
    unknown = (set(changes) | gone) - known
    if unknown:
        raise RecordError({"block": f"没有编号为「{sorted(unknown)[0]}」的块"})
    document["blocks"] = [b for b in document.get("blocks") or [] if b.get("id") not in gone]
    for block in document["blocks"]:
        if block.get("id") in changes:
            title, weight = changes[block["id"]]
            block["title"] = title
            if weight not in (None, ""):
                block["weight"] = weight
    _follow_points(document)
    return document


def with_new_block(document: Mapping[str, Any], title: str) -> tuple[dict[str, Any], str]:
    """:returns: a copy of the document with an empty block appended (fill it with
    :func:`with_item` before checking: a block needs at least one item), and the block's id."""
    document = json.loads(json.dumps(plain(document)))
    blocks = document.setdefault("blocks", [])
    taken = {block.get("id") for block in blocks}
    number = len(blocks) + 1
    while f"block{number}" in taken:
        number += 1
    block_id = f"block{number}"
    blocks.append({"id": block_id, "title": title, "max": 0, "items": []})
    return document, block_id


def without_item(document: Mapping[str, Any], item_id: str) -> dict[str, Any]:
    """:returns: a copy of the document without the item."""
    document = json.loads(json.dumps(plain(document)))
    for block in document.get("blocks") or []:
        block["items"] = [i for i in block.get("items") or [] if i.get("id") != item_id]
    _follow_points(document)
    return document


def _follow_points(document: dict[str, Any]) -> None:
    """Keep block and total points equal to their items' (bonus items excluded) in points scoring.

    A clerk who gives one item more points expects the block to grow with it; the checker would
    otherwise refuse the document for a sum nobody asked to change.
    """
    from core.standards.rules import RULE_KINDS

    if document.get("scoring", "points") != "points":
        return
    total = Decimal(0)
    for block in document.get("blocks") or []:
        items = block.get("items") or []
        if not all(_is_number(i.get("max", 0)) for i in items) or not _is_number(block.get("max", 0)):
            return  # the checker will name the bad value; nothing to follow
        scored = sum(
            (Decimal(str(i.get("max", 0))) for i in items
             if i.get("kind") in RULE_KINDS and not RULE_KINDS[i.get("kind")].bonus),
            Decimal(0),
        )
        if "max" in block:
            block["max"] = plain(scored)
        total += Decimal(str(block.get("max", scored)))
    if "max" in document or total != 100:
        document["max"] = plain(total)
    for band in (document.get("grades") or {}).get("bands") or []:
        if Decimal(str(band.get("min", 0))) > total:
            band["min"] = plain(total)


# -- unit overrides ----------------------------------------------------------------------------


def unit_setting(tenant_id: int) -> UnitStandardSetting | None:
    """:returns: the unit's local items and bands (call inside the unit's scope)."""
    return db.session.scalar(select(UnitStandardSetting).where(UnitStandardSetting.tenant_id == tenant_id))


def item_switches(tenant_id: int) -> list[UnitItemSwitch]:
    """:returns: the unit's requests to switch items off, newest first (inside the unit's scope)."""
    return list(
        db.session.scalars(
            select(UnitItemSwitch)
            .where(UnitItemSwitch.tenant_id == tenant_id)
            .order_by(UnitItemSwitch.id.desc())
        )
    )


def unit_override_rows(
    tenant_ids: Iterable[int],
) -> dict[int, tuple[list[UnitItemSwitch], UnitStandardSetting | None]]:
    """Switches and settings of several units in two statements (call inside their scope).

    :returns: by unit id, its switches (oldest first) and its setting.
    """
    ids = list(tenant_ids)
    found: dict[int, tuple[list[UnitItemSwitch], UnitStandardSetting | None]] = {i: ([], None) for i in ids}
    for switch in db.session.scalars(
        select(UnitItemSwitch).where(UnitItemSwitch.tenant_id.in_(ids)).order_by(UnitItemSwitch.id)
    ):
        found[switch.tenant_id][0].append(switch)
    for setting in db.session.scalars(select(UnitStandardSetting).where(UnitStandardSetting.tenant_id.in_(ids))):
        found[setting.tenant_id] = (found[setting.tenant_id][0], setting)
    return found


def switchable_items(unit_type: str) -> list[str] | None:
    """:returns: the item ids the county lets units switch off; ``None`` when the county has
    no standard of its own for the type (then any item may be requested, as with the files)."""
    record = county_standard(unit_type)
    return None if record is None else list(record.unit_may_disable or [])


def request_switch_off(
    tenant: Tenant, item_id: str, reason: str, *, actor: str, known_items: Iterable[str]
) -> UnitItemSwitch:
    """A unit asks to switch an item off; it counts only once a supervisor approves.

    :raises RecordError: without a reason, for an unknown item, or one the county does not allow.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RecordError({"reason": "停用项目须说明理由"})
    if item_id not in set(known_items):
        raise RecordError({"item_id": f"评分标准中没有项目「{item_id}」"})
    allowed = switchable_items(tenant.unit_type)
    if allowed is not None and item_id not in allowed:
        raise RecordError({"item_id": f"县委组织部未允许单位停用项目「{item_id}」"})
    pending = [s for s in item_switches(tenant.id) if s.item_id == item_id and s.status != "rejected"]
    if pending:
        raise RecordError({"item_id": f"项目「{item_id}」已有停用申请（{pending[0].status}）"})
    switch = UnitItemSwitch(tenant_id=tenant.id, item_id=item_id, reason=reason, requested_by=actor)
    db.session.add(switch)
    db.session.flush()
    return switch


def decide_switch(switch: UnitItemSwitch, *, approve: bool, actor: str, on: dt.date) -> UnitItemSwitch:
    """The supervisor approves or rejects a unit's request to switch an item off.

    :raises RecordError: when it was already decided.
    """
    if switch.status != "requested":
        raise RecordError({"status": "该申请已处理"})
    switch.status = "approved" if approve else "rejected"
    switch.decided_by, switch.decided_on = actor, on
    db.session.flush()
    if approve:
        units_to_rescore(tenant_ids=[switch.tenant_id])
    return switch


def _setting_for(tenant: Tenant) -> UnitStandardSetting:
    setting = unit_setting(tenant.id)
    if setting is None:
        setting = UnitStandardSetting(tenant_id=tenant.id, extra_items={}, bands=None, sources=[], vetoes=[])
        db.session.add(setting)
    return setting


def set_unit_parameter(tenant: Tenant, parameter: Parameter, raw: str) -> list[str]:
    """Set (or, with an empty value, clear) one of the unit's own parameter values.

    A value below the national floor is kept, as with county parameters; the warning naming the
    floor and its source is returned for the page (the card shows it too).

    :returns: the warnings.
    :raises RecordError: when the value is not of the parameter's kind (field ``value``).
    """
    from core.host.services import parameter_value  # host services import scoring, which imports us

    values = dict(tenant.parameters or {})
    text = (raw or "").strip()
    if text:
        value = parameter_value(parameter, text)
        values[parameter.key] = value
    else:
        values.pop(parameter.key, None)
    tenant.parameters = values
    db.session.flush()
    units_to_rescore(tenant_ids=[tenant.id])
    return parameter_warnings(parameter, value) if text else []


def unit_items(tenant_id: int) -> list[tuple[str, dict[str, Any]]]:
    """:returns: the unit's own items as (block id, item mapping), in order."""
    setting = unit_setting(tenant_id)
    return [
        (block_id, item)
        for block_id, items in ((setting.extra_items if setting else None) or {}).items()
        for item in items
    ]


def save_unit_item(
    tenant: Tenant,
    standard: Standard,
    block_id: str,
    item: Mapping[str, Any],
    registry: PluginRegistry,
    *,
    replace_id: str | None = None,
) -> UnitStandardSetting:
    """Add one of the unit's own items to a block of its standard (or replace ``replace_id``).

    The item is checked like an item of a rubric file, against the standard (its sources,
    parameters and item ids), the unit's other items and the metric catalogue.

    :raises RecordError: when the county does not let units add items, or the block is unknown.
    :raises DocumentProblems: when the item does not pass the checks; the problems' fields start
        with ``items[n]`` (``n`` = the unit's other items), nothing is changed.
    """
    record = county_standard(tenant.unit_type)
    if record is None or not record.units_may_add_items:
        raise RecordError({"block": "县委组织部未允许单位增加评分项目"})
    if block_id not in {block.id for block in standard.blocks}:
        raise RecordError({"block": "请选择评分标准中的一个块"})
    setting = _setting_for(tenant)
    kept = {
        block: [i for i in items if i.get("id") != replace_id]
        for block, items in (setting.extra_items or {}).items()
    }
    others = [i for items in kept.values() for i in items]
    where = f"items[{len(others)}]"
    problems = [p for p in unit_item_problems(standard, setting, [*others, dict(item)], registry) if p.field.startswith(where)]
    if problems:
        raise DocumentProblems(problems)
    kept.setdefault(block_id, []).append(plain(item))
    setting.extra_items = {block: items for block, items in kept.items() if items}
    db.session.flush()
    units_to_rescore(tenant_ids=[tenant.id])
    return setting


def unit_item_problems(
    standard: Standard, setting: UnitStandardSetting, items: list[dict[str, Any]], registry: PluginRegistry
) -> list[Problem]:
    """The rubric checker's problems with a unit's items (fields ``items[n]…``)."""
    sources, _, _ = parse_sources_and_vetoes(setting.sources or [], [], standard, origin="本单位设置")
    base = dataclasses.replace(standard, sources=sources)
    _, problems = parse_items(items, base, origin="本单位设置", metrics=metric_catalogue(registry))
    return problems


def remove_unit_item(tenant: Tenant, item_id: str) -> None:
    """Take one of the unit's own items out. :raises RecordError: when it has no such item."""
    setting = unit_setting(tenant.id)
    extra = (setting.extra_items if setting else None) or {}
    kept = {block: [i for i in items if i.get("id") != item_id] for block, items in extra.items()}
    if setting is None or kept == extra:
        raise RecordError({"item": f"本单位没有项目「{item_id}」"})
    setting.extra_items = {block: items for block, items in kept.items() if items}
    db.session.flush()
    units_to_rescore(tenant_ids=[tenant.id])


def set_unit_bands(tenant: Tenant, standard: Standard, minimums: list[str] | None) -> UnitStandardSetting:
    """The unit's own grade bands: the standard's grades, in its order, with the unit's minimum
    scores (``None`` goes back to the standard's bands).

    :raises RecordError: when the county does not allow it, or a minimum is not a number within
        the total, not below the one above it, or the lowest is not 0 (field ``band.<n>``).
    """
    record = county_standard(tenant.unit_type)
    if record is None or not record.units_may_set_bands:
        raise RecordError({"bands": "县委组织部未允许单位调整等级划分"})
    setting = _setting_for(tenant)
    if minimums is None:
        setting.bands = None
        db.session.flush()
        units_to_rescore(tenant_ids=[tenant.id])
        return setting
    if len(minimums) != len(standard.bands):
        raise RecordError({"bands": "请为每个等级填写最低分"})
    errors: dict[str, str] = {}
    bands: list[dict[str, Any]] = []
    above: Decimal | None = None
    for index, (band, raw) in enumerate(zip(standard.bands, minimums, strict=True)):
        field = f"band.{index}"
        try:
            value = Decimal((raw or "").strip())
        except InvalidOperation:
            errors[field] = f"「{band.grade}」的最低分应为数字"
            continue
        if not value.is_finite() or value < 0 or value > standard.max:
            errors[field] = f"「{band.grade}」的最低分应在0至{plain(standard.max)}分之间"
        elif above is not None and value >= above:
            errors[field] = f"「{band.grade}」的最低分应低于上一等级的{plain(above)}分"
        elif index == len(standard.bands) - 1 and value != 0:
            errors[field] = f"最低一等「{band.grade}」的最低分应为0"
        above = value
        bands.append({"grade": band.grade, "min": plain(value)})
    if errors:
        raise RecordError(errors)
    setting.bands = bands
    db.session.flush()
    units_to_rescore(tenant_ids=[tenant.id])
    return setting


def import_override_file(tenant: Tenant, data: Mapping[str, Any], *, actor: str) -> dict[str, int]:
    """Store what a ``tenants/overrides/<slug>.yaml`` file says in the database.

    Parameters go on the unit; switched-off items become approved switches (the county put the
    file there, as its approval); extra items and bands become the unit's setting.

    :returns: counts of what was stored.
    """
    parameters = dict(tenant.parameters or {})
    parameters.update(data.get("parameters") or {})
    tenant.parameters = parameters
    existing = {s.item_id for s in item_switches(tenant.id) if s.status == "approved"}
    switched = 0
    for item_id, reason in (data.get("disabled_items") or {}).items():
        if item_id in existing:
            continue
        db.session.add(
            UnitItemSwitch(
                tenant_id=tenant.id, item_id=str(item_id), reason=str(reason or "由文件导入"),
                requested_by=actor, status="approved", decided_by=actor, decided_on=dt.date.today(),
            )
        )
        switched += 1
    if any(data.get(k) for k in ("extra_items", "sources", "vetoes")) or data.get("bands") is not None:
        setting = unit_setting(tenant.id) or UnitStandardSetting(tenant_id=tenant.id, extra_items={})
        setting.extra_items = plain(dict(data.get("extra_items") or {}))
        setting.bands = plain(data.get("bands")) if data.get("bands") is not None else None
        setting.sources = plain(list(data.get("sources") or []))
        setting.vetoes = plain(list(data.get("vetoes") or []))
        db.session.add(setting)
    db.session.flush()
    units_to_rescore(tenant_ids=[tenant.id])
    return {
        "parameters": len(data.get("parameters") or {}),
        "disabled_items": switched,
        "extra_items": sum(len(v) for v in (data.get("extra_items") or {}).values()),
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
