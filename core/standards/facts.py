"""Reading one branch's metric values (the facts a standard is evaluated on)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.standards.catalogue import default_catalogue

#: Metrics as a branch secretary would name them, for conditions shown on a card (from the
#: metric catalogue, where each label is declared once).
METRIC_LABELS: dict[str, str] = default_catalogue().labels()


def metric_label(name: str, labels: Mapping[str, str] | None = None) -> str:
    """What a card calls a metric: ``labels`` (the scoring run's catalogue, with the county's
    finding kinds and plugin metrics) first, then the built-in catalogue.

    A finding kind nobody labelled is still worded, never shown by its code.
    """
    found = (labels or {}).get(name) or METRIC_LABELS.get(name)
    if found:
        return found
    return "上级认定事项" if name.startswith("flags.") else name


#: What the codes of ``code`` metrics are called (组织类别 branch → 党支部), from the catalogue.
VALUE_LABELS: dict[tuple[str, str], str] = {
    (entry.name, code): label
    for entry in default_catalogue().entries()
    for code, label in entry.spec.values
}


def value_label(name: str, value: object) -> object:
    """:returns: how a card words ``value`` of metric ``name``: a code's name, else the value."""
    if isinstance(value, str):
        return VALUE_LABELS.get((name, value), value)
    return value


class _Missing:
    """Marks a metric that the facts do not contain (distinct from a recorded ``None``)."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def lookup_metric(facts: Mapping[str, Any], name: str) -> Any:
    """Find a metric by its dotted name.

    The metrics layer may hand over flat keys (``"meetings.general_meeting"``) or nested
    mappings (``{"meetings": {"general_meeting": …}}``); both are accepted.

    :param facts: metric values for one branch.
    :param name: dotted metric name from the metric catalogue.
    :returns: the value, or :data:`MISSING`.
    """
    if name in facts:
        return facts[name]
    current: Any = facts
    for part in name.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return MISSING
        current = current[part]
    return current


def to_decimal(value: Any) -> Decimal:
    """:returns: ``value`` as a Decimal; floats go through ``str`` so 0.1 stays 0.1.
    :raises TypeError: for values that are not numbers (booleans count as 0/1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | int):
        return Decimal(int(value))
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        return Decimal(value)
    raise TypeError(f"not a number: {value!r}")
