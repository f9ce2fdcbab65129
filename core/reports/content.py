"""What each report shows, as plain values built from scorecard results (no database access)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core import timezone
from core.reports import charts

ITEM_STATUS_LABELS = {
    "met": _l("达到"),
    "partial": _l("部分达到"),
    "failed": _l("未达到"),
    "pending": _l("待评分"),
    "exempt": _l("豁免"),
    "not_applicable": _l("不适用"),
}
BRANCH_STATUS_LABELS = {
    "rated": _l("已评定"),
    "provisional": _l("暂定（待现场检查）"),
    "not_rated": _l("不参加评定"),
}
#: What the confidence tags on citations mean (printed under the items table).
CONFIDENCE_TAG_LABELS = {
    "V": _l("已核实（据转载文本）"),
    "V-full": _l("已核实（读过全文，含条款号）"),
    "U": _l("待核实"),
    "L": _l("地方或本单位规定"),
}
#: A confidence tag at the end of a stored label (`` [V-full]``).
TAG_SUFFIX = re.compile(r"\s*\[(?:V-full|V|U|L)\]\s*$")
#: Provenance marks and file paths inside a free-text source (a county parameter's "依据"):
#: `` [L]``, ``seeds/001_….txt``, ``reference/rules.md …``.
PROVENANCE = re.compile(
    r"\s*\[(?:V-full|V|U|L)\]|\s*(?:seeds|reference)/[\w./-]+(?:\s+Quick reference)?"
)


def plain_citation(text: str | None) -> str:
    """A source as a reader sees it: the documents' names, without tags or file paths."""
    cleaned = PROVENANCE.sub("", text or "")
    return re.sub(r"\s*；\s*", "；", cleaned).strip(" ；")


#: How urgent an alert is (:class:`core.scoring.alerts.Alert` ``level``).
ALERT_LEVEL_LABELS = {"overdue": _l("逾期"), "due": _l("待办"), "warning": _l("提醒")}
#: Evidence entries printed per item (gaps first); the rest are counted.
EVIDENCE_LINES = 8


def decimal(value: Any) -> Decimal:
    """A score as a Decimal (snapshots store them as strings)."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def points(value: Any) -> str:
    """A score as printed: two decimals as stored (``87.00``), whole maxima as they are (``100``)."""
    return "" if value is None else str(value)


def _short(value: Any) -> str:
    """A deduction as a secretary reads it: ``0.5``, ``1`` (no trailing zeros)."""
    return f"{decimal(value).normalize():f}"


def percent(score: Any, maximum: Any) -> str:
    top = decimal(maximum)
    if top <= 0:
        return "—"
    return f"{decimal(score) / top * 100:.0f}%"


def now_local() -> dt.datetime:
    """Now, in the configured time zone (:mod:`core.timezone`), to the minute."""
    return timezone.local_now().replace(second=0, microsecond=0)


def local_time(moment: dt.datetime | None) -> str:
    return timezone.local_time(moment)


@dataclass
class Citation:
    label: str
    tag: str
    unconfirmed: bool

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Citation | None:
        if not data:
            return None
        tag = str(data.get("tag") or "")
        label = data.get("label") or str(data.get("document", ""))
        # Cards stored before labels dropped their tag still say "… [L]": the tag belongs in
        # the card's legend, not in the text.
        label = TAG_SUFFIX.sub("", str(label))
        return cls(label=label, tag=tag, unconfirmed=tag == "U")


@dataclass
class ItemRow:
    """One rubric item as a card prints it."""

    id: str
    title: str
    rule: str
    score: str
    max: str
    lost: Decimal
    status: str
    status_label: str
    explanation: str
    evidence: list[str]
    citation: Citation | None
    bonus: bool
    exemption: Mapping[str, Any] | None
    #: The unit's duty (funding, full-time staff), not the branch secretary's.
    unit_duty: bool = False
    level: str | None = None
    lines: list[dict[str, str]] = field(default_factory=list)


@dataclass
class BlockRow:
    id: str
    title: str
    score: str
    max: str
    share: str
    items: list[ItemRow]


def evidence_summary(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Short lines for an item's evidence: every gap (missing period, member) first, then the
    records as a count with their date range — what a secretary needs to find them.
    """
    gaps = [e for e in entries if e.get("period") or e.get("member_id") or not e.get("record_id")]
    records = [
        e for e in entries if e.get("record_id") and not (e.get("period") or e.get("member_id"))
    ]
    lines = [str(e.get("description", "")) for e in gaps[:EVIDENCE_LINES]]
    if len(gaps) > EVIDENCE_LINES:
        lines.append(_("另有 %(count)s 项未列出", count=len(gaps) - EVIDENCE_LINES))
    if records:
        dates = sorted(str(e["date"]) for e in records if e.get("date"))
        if len(records) == 1:
            record = records[0]
            lines.append(
                _(
                    "记录：%(date)s %(text)s",
                    date=record.get("date", ""),
                    text=record.get("description", ""),
                )
            )
        elif dates:
            lines.append(
                _(
                    "记录 %(count)s 条（%(first)s 至 %(last)s）",
                    count=len(records),
                    first=dates[0],
                    last=dates[-1],
                )
            )
        else:
            lines.append(_("记录 %(count)s 条", count=len(records)))
    return lines


def block_rows(result: Mapping[str, Any]) -> list[BlockRow]:
    rows = []
    for block in result.get("blocks", []):
        items = []
        for item in block.get("items", []):
            items.append(
                ItemRow(
                    id=item["id"],
                    title=item.get("title", ""),
                    rule=item.get("rule", ""),
                    score=points(item.get("score")),
                    max=points(item.get("max")),
                    lost=decimal(item.get("lost", 0)),
                    status=item.get("status", ""),
                    status_label=str(
                        ITEM_STATUS_LABELS.get(item.get("status"), item.get("status", ""))
                    ),
                    explanation=item.get("explanation", ""),
                    evidence=evidence_summary(item.get("evidence") or []),
                    citation=Citation.from_dict(item.get("citation")),
                    bonus=bool(item.get("bonus")),
                    exemption=item.get("exemption"),
                    unit_duty=item.get("owner") == "unit",
                    level=item.get("level"),
                    lines=[
                        {"label": str(line.get("label", "")), "points": _short(line.get("points"))}
                        for line in item.get("lines") or ()
                    ],
                )
            )
        rows.append(
            BlockRow(
                id=block["id"],
                title=block.get("title", ""),
                score=points(block.get("score")),
                max=points(block.get("max")),
                share=percent(block.get("score"), block.get("max")),
                items=items,
            )
        )
    return rows


def grade_text(result: Mapping[str, Any]) -> str:
    """The grade as printed: the grade, or why there is none."""
    if result.get("status") == "not_rated":
        return _("不参加评定")
    return result.get("grade") or "—"


@dataclass
class Rectification:
    title: str
    description: str
    opened_on: str
    due_on: str


@dataclass
class Snapshot:
    """Where the printed numbers come from (printed in the footer)."""

    id: int | None
    created_at: str
    as_of: str
    live: bool

    @property
    def footer(self) -> str:
        if self.id is not None:
            return _(
                "评分表快照 #%(id)s（%(created)s 存档，记录截至 %(as_of)s）",
                id=self.id,
                created=self.created_at,
                as_of=self.as_of,
            )
        return _("实时评分，未存档（记录截至 %(as_of)s）", as_of=self.as_of)


@dataclass
class BranchCard:
    """Everything the branch scorecard prints."""

    unit_name: str
    unit_slug: str
    unit_type: str
    unit_type_name: str
    branch_name: str
    branch_code: str
    branch_kind: str
    year: int
    period: str
    standard_key: str
    standard_version: str
    standard_title: str
    status: str
    status_label: str
    total: str
    max: str
    grade: str
    band_grade: str | None
    grade_reasons: list[str]
    vetoes: list[Mapping[str, Any]]
    not_rated_reason: str | None
    blocks: list[BlockRow]
    exemptions: list[ItemRow]
    pending: list[ItemRow]
    warnings: list[str]
    rectifications: list[Rectification]
    snapshot: Snapshot
    generated_at: str
    #: The legend at the end of the card: (what a tag means, the documents cited with it).
    tags_used: list[tuple[str, list[str]]] = field(default_factory=list)
    chart: Markup = Markup("")

    @property
    def lost_items(self) -> list[ItemRow]:
        return [i for b in self.blocks for i in b.items if i.lost > 0]


def chart_bars(blocks: Iterable[BlockRow]) -> list[charts.Bar]:
    return [charts.Bar(b.title, decimal(b.score), decimal(b.max)) for b in blocks]


def branch_card(
    *,
    unit_name: str,
    unit_slug: str,
    unit_type: str,
    unit_type_name: str,
    branch_name: str,
    branch_code: str,
    branch_kind: str,
    year: int,
    result: Mapping[str, Any],
    snapshot: Snapshot,
    standard_title: str = "",
    rectifications: Sequence[Rectification] = (),
    generated_at: str | None = None,
) -> BranchCard:
    """Build a branch card from a result mapping (:meth:`BranchResult.to_dict` or a snapshot)."""
    blocks = block_rows(result)
    items = [i for b in blocks for i in b.items]
    cited: dict[str, list[str]] = {}
    for item in items:
        if item.citation and item.citation.tag and item.citation.label not in cited.get(item.citation.tag, []):
            cited.setdefault(item.citation.tag, []).append(item.citation.label)
    title = _("%(year)s 年度各板块得分", year=year)
    return BranchCard(
        unit_name=unit_name,
        unit_slug=unit_slug,
        unit_type=unit_type,
        unit_type_name=unit_type_name,
        branch_name=branch_name,
        branch_code=branch_code,
        branch_kind=branch_kind,
        year=year,
        period=_("%(year)s 年度（记录截至 %(as_of)s）", year=year, as_of=snapshot.as_of),
        standard_key=result.get("standard_key", ""),
        standard_version=result.get("standard_version", ""),
        standard_title=standard_title,
        status=result.get("status", ""),
        status_label=str(BRANCH_STATUS_LABELS.get(result.get("status"), result.get("status", ""))),
        total=points(result.get("total")),
        max=points(result.get("max")),
        grade=grade_text(result),
        band_grade=result.get("band_grade"),
        grade_reasons=list(result.get("grade_reasons") or []),
        vetoes=[_plain_veto(v) for v in result.get("vetoes") or []],
        not_rated_reason=result.get("not_rated_reason"),
        blocks=blocks,
        exemptions=[i for i in items if i.status == "exempt"],
        pending=[i for i in items if i.status == "pending"],
        warnings=list(result.get("warnings") or []),
        rectifications=list(rectifications),
        snapshot=snapshot,
        generated_at=generated_at or now_local().strftime("%Y-%m-%d %H:%M"),
        tags_used=[
            (str(CONFIDENCE_TAG_LABELS.get(tag, tag)), cited[tag]) for tag in sorted(cited)
        ],
        chart=Markup(charts.radar_chart(chart_bars(blocks), title=title)),
    )


def _plain_veto(veto: Mapping[str, Any]) -> Mapping[str, Any]:
    """A stored veto whose citation label may still carry its tag (`` [L]``): print it without."""
    citation = veto.get("citation")
    if not isinstance(citation, Mapping) or not citation.get("label"):
        return veto
    return {**veto, "citation": {**citation, "label": plain_citation(citation["label"])}}


def short_branch_name(name: str, unit_name: str) -> str:
    """A branch's name without the 中共/unit prefix and 委员会 suffix, for chart labels.

    ``中共桐溪县财政局机关第一支部委员会`` in 桐溪县财政局 → ``机关第一支部``.
    """
    short = name.removeprefix("中共").removeprefix(unit_name).removesuffix("委员会")
    return short or name


@dataclass
class SummaryRow:
    """One branch in the unit summary."""

    code: str
    name: str
    status_label: str
    total: str
    max: str
    grade: str
    block_scores: list[str]
    lost_items: int
    snapshot: Snapshot
    alerts: list[Any] = field(default_factory=list)
    #: The items that lost points: (title, points lost, the unit's duty?), in rubric order.
    lost: list[tuple[str, str, bool]] = field(default_factory=list)


@dataclass
class UnitSummary:
    """Everything the unit summary prints."""

    unit_name: str
    unit_slug: str
    unit_type_name: str
    year: int
    standard: str
    columns: list[tuple[str, str]]
    rows: list[SummaryRow]
    not_scored_reason: str | None
    warnings: list[str]
    alerts_on: str
    generated_at: str
    chart: Markup = Markup("")
    blocks_chart: Markup = Markup("")


def unit_summary(
    *,
    unit_name: str,
    unit_slug: str,
    unit_type_name: str,
    year: int,
    branches: Sequence[tuple[str, str, Mapping[str, Any], Snapshot]],
    not_scored_reason: str | None = None,
    warnings: Sequence[str] = (),
    alerts: Mapping[str, list[Any]] | None = None,
    alerts_on: str = "",
    standard_title: str = "",
) -> UnitSummary:
    """Build the unit summary.

    :param branches: ``(code, name, result, snapshot)`` per branch, in print order.
    :param alerts: :class:`core.scoring.alerts.Alert` lists by branch code.
    :param alerts_on: the day the alerts were worked out for.
    :param standard_title: the standard's name as printed (its key is internal and never is).
    """
    columns: list[tuple[str, str]] = []
    for _code, _name, result, _snap in branches:
        for block in result.get("blocks", []):
            if block["id"] not in {c[0] for c in columns}:
                columns.append((block["id"], block.get("title", "")))
    rows = []
    block_totals: dict[str, list[Decimal]] = {c[0]: [Decimal(0), Decimal(0)] for c in columns}
    for code, name, result, snapshot in branches:
        by_id = {b["id"]: b for b in result.get("blocks", [])}
        scores = []
        for block_id, _title in columns:
            block = by_id.get(block_id)
            if block is None:
                scores.append("—")
                continue
            scores.append(f"{points(block.get('score'))}/{points(block.get('max'))}")
            block_totals[block_id][0] += decimal(block.get("score"))
            block_totals[block_id][1] += decimal(block.get("max"))
        lost = sum(
            1
            for b in result.get("blocks", [])
            for i in b.get("items", [])
            if decimal(i.get("lost", 0)) > 0
        )
        rows.append(
            SummaryRow(
                code=code,
                name=name,
                status_label=str(
                    BRANCH_STATUS_LABELS.get(result.get("status"), result.get("status", ""))
                ),
                total=points(result.get("total")),
                max=points(result.get("max")),
                grade=grade_text(result),
                block_scores=scores,
                lost_items=lost,
                snapshot=snapshot,
                alerts=list((alerts or {}).get(code, [])),
                lost=[
                    (i.get("title", ""), points(i.get("lost")), i.get("owner") == "unit")
                    for b in result.get("blocks", [])
                    for i in b.get("items", [])
                    if decimal(i.get("lost", 0)) > 0
                ],
            )
        )
    first = branches[0][2] if branches else {}
    version = first.get("standard_version", "")
    standard = " ".join(filter(None, [standard_title, _("版本") if version else "", version]))
    titles = dict(columns)
    return UnitSummary(
        unit_name=unit_name,
        unit_slug=unit_slug,
        unit_type_name=unit_type_name,
        year=year,
        standard=standard,
        columns=columns,
        rows=rows,
        not_scored_reason=not_scored_reason,
        warnings=list(warnings),
        alerts_on=alerts_on,
        generated_at=now_local().strftime("%Y-%m-%d %H:%M"),
        chart=Markup(
            charts.bar_chart(
                [
                    charts.Bar(
                        short_branch_name(r.name, unit_name), decimal(r.total), decimal(r.max)
                    )
                    for r in rows
                ],
                title=_("各支部总分"),
            )
        )
        if rows
        else Markup(""),
        blocks_chart=Markup(
            charts.bar_chart(
                [charts.Bar(titles[k], v[0], v[1]) for k, v in block_totals.items()],
                title=_("全单位各板块得分率"),
            )
        )
        if rows
        else Markup(""),
    )


#: How a branch without a grade is counted in distributions (``rank_county`` uses this label).
NOT_RATED = "不参加评定"


@dataclass
class RankedUnitRow:
    rank: int | None
    rank_in_type: int | None
    name: str
    unit_type_name: str
    score: str
    branches_rated: int
    grades: str
    outcomes: list[str]
    not_scored_reason: str | None


@dataclass
class RankedBranchRow:
    rank: int | None
    rank_in_type: int | None
    unit_name: str
    name: str
    total: str
    grade: str
    status_label: str


@dataclass
class UnitTypeSection:
    """One unit type's part of the county roll-up."""

    key: str
    name: str
    units: list[RankedUnitRow]
    branches: list[RankedBranchRow]
    distribution: list[tuple[str, int]]


@dataclass
class CountyRollup:
    """Everything the county roll-up prints."""

    year: int
    as_of: str
    scope_note: str | None
    rules: list[str]
    rules_source: str
    units: list[RankedUnitRow]
    not_scored: list[RankedUnitRow]
    grades: list[str]
    distribution: list[tuple[str, int]]
    sections: list[UnitTypeSection]
    branch_count: int
    generated_at: str
    chart: Markup = Markup("")


def grade_order(known: Sequence[str], present: Iterable[str]) -> list[str]:
    """Grades best first: the standards' bands, then anything else seen, 不参加评定 last."""
    order = [g for g in dict.fromkeys(known) if g != NOT_RATED]
    order += sorted(g for g in set(present) if g not in order and g != NOT_RATED)
    return [*order, NOT_RATED]


def county_rollup(
    ranking: Any,
    *,
    unit_type_names: Mapping[str, str],
    band_grades: Sequence[str],
    scope_note: str | None = None,
) -> CountyRollup:
    """Build the roll-up from a :class:`core.scoring.county.CountyRanking`.

    :param unit_type_names: Chinese names by unit-type key.
    :param band_grades: the standards' grades, best first (orders the distribution).
    :param scope_note: said on the report when only part of the county is included.
    """
    grades = grade_order(band_grades, ranking.distribution)

    def type_name(key: str) -> str:
        return unit_type_names.get(key, key)

    def unit_row(unit: Any) -> RankedUnitRow:
        counts = [f"{g} {unit.grades[g]}" for g in grades if unit.grades.get(g)]
        return RankedUnitRow(
            rank=unit.rank,
            rank_in_type=unit.rank_in_type,
            name=unit.tenant.name,
            unit_type_name=type_name(unit.tenant.unit_type),
            score="" if unit.score is None else str(unit.score),
            branches_rated=unit.branches_rated,
            grades="、".join(counts),
            outcomes=list(unit.outcomes),
            not_scored_reason=unit.not_scored_reason,
        )

    def branch_row(ranked: Any) -> RankedBranchRow:
        result = ranked.branch.result
        return RankedBranchRow(
            rank=ranked.rank,
            rank_in_type=ranked.rank_in_type,
            unit_name=ranked.tenant.name,
            name=ranked.branch.organization.name,
            total=points(result.total),
            grade=grade_text({"status": result.status, "grade": result.grade}),
            status_label=str(BRANCH_STATUS_LABELS.get(result.status, result.status)),
        )

    units = [unit_row(u) for u in ranking.units if u.rank is not None]
    not_scored = [unit_row(u) for u in ranking.units if u.rank is None]
    type_keys = list(dict.fromkeys(u.tenant.unit_type for u in ranking.units))
    sections = []
    for key in type_keys:
        typed_units = sorted(
            (u for u in ranking.units if u.tenant.unit_type == key and u.rank_in_type is not None),
            key=lambda u: u.rank_in_type,
        )
        typed_branches = sorted(
            (b for b in ranking.branches if b.tenant.unit_type == key),
            key=lambda b: (
                b.rank_in_type is None,
                b.rank_in_type or 0,
                b.tenant.slug,
                b.branch.organization.code,
            ),
        )
        counts = ranking.distribution_by_type.get(key, {})
        sections.append(
            UnitTypeSection(
                key=key,
                name=type_name(key),
                units=[unit_row(u) for u in typed_units],
                branches=[branch_row(b) for b in typed_branches],
                distribution=[(g, counts.get(g, 0)) for g in grades],
            )
        )
    return CountyRollup(
        year=ranking.year,
        as_of=ranking.as_of.isoformat(),
        scope_note=scope_note,
        rules=list(ranking.rules.describe()),
        rules_source=plain_citation(ranking.rules.source) or _("本县评分细则"),
        units=units,
        not_scored=not_scored,
        grades=grades,
        distribution=[(g, ranking.distribution.get(g, 0)) for g in grades],
        sections=sections,
        branch_count=len(ranking.branches),
        generated_at=now_local().strftime("%Y-%m-%d %H:%M"),
        chart=Markup(
            charts.stacked_bar_chart(
                [(_("合计") if scope_note else _("全县"), [ranking.distribution.get(g, 0) for g in grades])]
                + [(s.name, [n for _g, n in s.distribution]) for s in sections],
                grades,
                title=_("各等级党支部数"),
            )
        ),
    )
