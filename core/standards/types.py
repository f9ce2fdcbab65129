"""Typed records shared by standards and plugins: sources, parameters, formulas, unit types.

They live with the standards, which read them; plugins build them and import them from here
(``core.standards.types`` re-exports them for plugins written before the move).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

#: Confidence tags from ``reference/rules.md``: verified in a re-publication, whole official text
#: read, unverified, local (county/unit) rule.
ConfidenceTag = Literal["V", "V-full", "U", "L"]
CONFIDENCE_TAGS: tuple[str, ...] = ("V", "V-full", "U", "L")

#: Periods a meeting cadence can be counted in.
Period = Literal["month", "quarter", "half", "year"]
PERIODS: tuple[str, ...] = ("month", "quarter", "half", "year")

#: Types a tenant-settable parameter can have.
ParameterType = Literal["decimal", "integer", "boolean", "choice", "text"]


@dataclass(frozen=True)
class Source:
    """A document a number comes from, with its confidence tag.

    :param document: the document's name, e.g. ``《中国共产党支部工作条例（试行）》``.
    :param tag: confidence tag, one of :data:`CONFIDENCE_TAGS`.
    :param article: article number; only shown when the whole text was read (``V-full``), because
        third-party re-publications often misquote article numbers.
    :param url: where the text was read.
    :param note: anything a reader of the card should know (e.g. the seed file name).
    """

    document: str
    tag: ConfidenceTag
    article: str | None = None
    url: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        """The citation as printed on pages and cards: the document's official name (with the
        article when verified), e.g. ``《…》第三十条``. The confidence tag is not part of it: a
        card explains tags in its legend (see :attr:`tagged` for tools that show both)."""
        article = self.article if self.article and self.tag == "V-full" else ""
        return f"{self.document}{article}"

    @property
    def tagged(self) -> str:
        """The label with its confidence tag, e.g. ``《…》第三十条 [V-full]`` (command output)."""
        return f"{self.label} [{self.tag}]"

    @property
    def unconfirmed(self) -> bool:
        """Whether the card must mark the number as 待核实 (to be confirmed)."""
        return self.tag == "U"

    def to_dict(self) -> dict[str, Any]:
        """:returns: a JSON-serialisable mapping including the printed ``label``."""
        data = {"document": self.document, "tag": self.tag, "label": self.label}
        for key in ("article", "url", "note"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class Parameter:
    """A value a tenant may set (a funding ratio, training hours …), with its schema and floor.

    :param key: identifier used in rubric files (``{parameter: key}``) and tenant overrides.
    :param label_zh: what the county admin sees.
    :param type: value type; ``decimal`` values are kept as :class:`~decimal.Decimal`.
    :param default: value used when the tenant sets nothing.
    :param unit: unit shown after the value (``%``, ``‰``, ``学时``, ``人``, ``元``).
    :param source: where the default comes from; its tag is the parameter's confidence.
    :param floor: national minimum; a tenant value below it is kept but warned about.
    :param floor_source: the document that sets the floor.
    :param ceiling: a level above which the value has consequences (e.g. not tax-deductible).
    :param ceiling_source: the document that sets the ceiling.
    :param ceiling_note_zh: what exceeding the ceiling means.
    :param choices: allowed values for ``choice`` parameters.
    :param note_zh: remarks, e.g. a lower local figure that was deliberately not used as default.
    """

    key: str
    label_zh: str
    type: ParameterType
    default: Any
    source: Source
    unit: str = ""
    floor: Any = None
    floor_source: Source | None = None
    ceiling: Any = None
    ceiling_source: Source | None = None
    ceiling_note_zh: str | None = None
    choices: tuple[str, ...] = ()
    note_zh: str | None = None

    @property
    def name(self) -> str:
        """The record name checked for uniqueness within a unit type."""
        return self.key

    @property
    def confidence(self) -> str:
        """The confidence tag of the default value."""
        return self.source.tag


@dataclass(frozen=True)
class SubKind:
    """A variety of a unit type that shares its standard (e.g. 乡镇机关 within 党政机关)."""

    key: str
    name_zh: str


@dataclass(frozen=True)
class Cadence:
    """How often a meeting kind must be held (支部工作条例: 党员大会 quarterly …).

    :param kind: the ``Event.kind`` counted (``general_meeting`` …).
    :param period: the counting period; when ``parameter`` is set the tenant may change it.
    :param minimum: events required per period.
    :param parameter: key of the :class:`Parameter` that holds the period, if tenant-settable.
    """

    kind: str
    label_zh: str
    period: Period
    minimum: int
    source: Source
    parameter: str | None = None

    @property
    def name(self) -> str:
        """The record name checked for uniqueness within a unit type."""
        return self.kind


@dataclass(frozen=True)
class TrainingTarget:
    """Yearly training hours (学时) required of a group of members.

    :param role: ``member`` (every member) or ``leader`` (书记 and 班子成员).
    :param parameter: the parameter holding the hours, so a tenant override applies.
    """

    role: Literal["member", "leader"]
    label_zh: str
    parameter: Parameter

    @property
    def name(self) -> str:
        """The record name checked for uniqueness within a unit type."""
        return self.role

    @property
    def hours(self) -> Any:
        """The default hours (the parameter's default)."""
        return self.parameter.default


@dataclass(frozen=True)
class OrganizationRule:
    """A set-up rule: a threshold for branch / committee / general branch / party groups / terms.

    :param key: e.g. ``branch_min_full_members``.
    :param value: the number (members, years …).
    """

    key: str
    label_zh: str
    value: int
    unit: str
    source: Source

    @property
    def name(self) -> str:
        """The record name checked for uniqueness within a unit type."""
        return self.key


@dataclass(frozen=True)
class FacilityItem:
    """One of the 六有 (six-item facility checklist), in the unit type's wording.

    :param key: ``site``, ``equipment``, ``signage``, ``flag``, ``reading`` or ``rules``; rubric
        ``checklist`` items refer to these keys.
    :param requirement_zh: what must be there.
    :param evidence_zh: what counts as evidence that it is there.
    """

    key: str
    label_zh: str
    requirement_zh: str
    evidence_zh: str
    source: Source

    @property
    def name(self) -> str:
        """The record name checked for uniqueness within a unit type."""
        return self.key


@dataclass(frozen=True)
class DocumentType:
    """A kind of party-building document a unit of this type keeps (年度工作计划, 书记述职 …).

    :param key: the code stored on each document and read by ``documents.<kind>.<key>``
        metrics; unique within the unit type.
    :param due: ``MM-DD``: a document for a year should be dated on or before this day of that
        year (年度计划 by 03-31); ``None`` when there is no such day (制度, 党务公开 entries).
    :param results: the 评议结果 a document of this type records (书记述职评议), empty when none.
    :param note_zh: what the document is, shown beside the upload form.
    """

    key: str
    label_zh: str
    source: Source
    due: str | None = None
    results: tuple[str, ...] = ()
    note_zh: str = ""

    def __post_init__(self) -> None:
        if self.due is not None:
            month, _, day = self.due.partition("-")
            if not (month.isdigit() and day.isdigit()) or not 1 <= int(month) <= 12 or not 1 <= int(day) <= 31:
                raise ValueError(f"document type {self.key!r}: due {self.due!r} is not MM-DD")

    @property
    def name(self) -> str:
        """The record name checked for uniqueness within a unit type."""
        return self.key

    def due_on(self, year: int) -> Any:
        """:returns: the due day in ``year`` (a ``datetime.date``), or ``None`` without one;
        a 29 February due day falls on the 28th in a common year."""
        import calendar
        import datetime as dt

        if self.due is None:
            return None
        month, day = (int(part) for part in self.due.split("-"))
        return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class UnitType:
    """A unit type (党政机关, 国有企业 …) as supplied by a plugin.

    :param key: the code used everywhere (``organ``, ``institution``, ``soe`` …).
    :param standard_files: rubric YAML files, one per version; several unit types may share one.
    :param parameters: everything a tenant may set for this unit type.
    :param report_template: a template path relative to ``templates/``, or ``None`` for the default.
    """

    key: str
    name_zh: str
    name_en: str
    standard_files: tuple[Path, ...]
    parameters: tuple[Parameter, ...] = ()
    sub_kinds: tuple[SubKind, ...] = ()
    facility_checklist: tuple[FacilityItem, ...] = ()
    cadences: tuple[Cadence, ...] = ()
    training_targets: tuple[TrainingTarget, ...] = ()
    organization_rules: tuple[OrganizationRule, ...] = ()
    #: Party-building documents its units keep, with their due days (see :class:`DocumentType`).
    document_types: tuple[DocumentType, ...] = ()
    report_template: str | None = None
    description_zh: str = ""

    @property
    def name(self) -> str:
        """The record name checked for uniqueness across plugins."""
        return self.key

    def parameter(self, key: str) -> Parameter:
        """:returns: the parameter called ``key``.
        :raises KeyError: when the unit type has no such parameter."""
        for parameter in self.parameters:
            if parameter.key == key:
                return parameter
        raise KeyError(f"unit type {self.key!r} has no parameter {key!r}")


@dataclass(frozen=True)
class Computation:
    """What a formula's ``compute`` returns when the plain value needs a remark.

    :param value: the required amount or count.
    :param note_zh: appended to the explanation (e.g. why the requirement is zero this year).
    :param warnings: messages shown to the admin (e.g. above the tax-deductible cap).
    """

    value: Decimal
    note_zh: str | None = None
    warnings: tuple[str, ...] = ()


#: A formula's computation: resolved inputs and parameters in, required value out.
ComputeFunction = Callable[[Mapping[str, Any]], "Decimal | int | Computation"]


@dataclass(frozen=True)
class Formula:
    """A named calculation a unit type supplies (required funding, required party-affairs staff).

    :param name: unique within the unit type; rubric ``formula`` items refer to it.
    :param unit_type: key of the unit type it belongs to.
    :param inputs: metric names the formula reads, mapped to a Chinese label for explanations.
    :param parameters: tenant-settable values it uses, with defaults, units and floors.
    :param compute: pure function of the merged inputs and parameters.
    :param explanation_zh: :meth:`str.format` template over inputs, parameters and ``result``.
    :param result_unit: ``元`` results are quantized to 0.01; ``人`` results to whole people.
    :param optional_inputs: inputs that may be missing (``compute`` handles ``None``).
    """

    name: str
    unit_type: str
    label_zh: str
    inputs: Mapping[str, str]
    compute: ComputeFunction
    explanation_zh: str
    source: Source
    result_unit: str
    parameters: tuple[Parameter, ...] = ()
    optional_inputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormulaResult:
    """The outcome of evaluating a :class:`Formula` for one unit or branch."""

    formula: str
    unit_type: str
    value: Decimal
    unit: str
    explanation: str
    source: Source
    inputs: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """:returns: a JSON-serialisable mapping (Decimals as strings)."""
        return {
            "formula": self.formula,
            "unit_type": self.unit_type,
            "value": str(self.value),
            "unit": self.unit,
            "explanation": self.explanation,
            "source": self.source.to_dict(),
            "inputs": {key: _plain(value) for key, value in self.inputs.items()},
            "warnings": list(self.warnings),
        }


def _plain(value: Any) -> Any:
    """Make Decimals JSON-safe without losing digits."""
    return str(value) if isinstance(value, Decimal) else value
