"""Reading one branch's metric values (the facts a standard is evaluated on)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

#: Metrics as a branch secretary would name them, for conditions shown on a card.
METRIC_LABELS: dict[str, str] = {
    "period.complete": "考核年度已结束",
    "organization.age_days": "党支部成立天数",
    "organization.member_count": "党员人数",
    "organization.full_member_count": "正式党员人数",
    "organization.committee_size": "支部委员人数",
    "organization.has_committee": "设立支部委员会",
    "organization.term_overdue": "届期已满未换届",
    "organization.group_count": "党小组数",
    "organization.kind": "组织类别",
    "dues.max_consecutive_unpaid": "连续未交党费月数",
    "attendance.ratio": "党员到会率",
    "flags.leadership_discipline_violation": "班子成员违法违纪",
    "flags.weak_and_lax": "被认定为软弱涣散党组织",
    "flags.records_seriously_missing": "档案严重缺失",
    "flags.teacher_ethics_violation": "严重违反师德",
    "flags.medical_ethics_violation": "严重违反医德",
    "staffing.unit_member_count": "本单位党员人数",
}


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
