"""Metric values for test branches, in the shape the metrics layer hands to the engine."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

YEAR = 2025
MONTHS = [f"{YEAR}-{month:02d}" for month in range(1, 13)]
YEAR_END = dt.date(YEAR, 12, 31)


def monthly(count: int = 1, *, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """:returns: ``{month: count}`` for every month of the year except ``skip``."""
    return {month: (0 if month in skip else count) for month in MONTHS}


def quarterly(*, skip: tuple[int, ...] = ()) -> dict[str, int]:
    """:returns: one event in the middle month of each quarter not in ``skip``."""
    return {f"{YEAR}-{3 * q - 1:02d}": 1 for q in range(1, 5) if q not in skip}


def good_branch(**changes: Any) -> dict[str, Any]:
    """A branch of 12 members that meets every rule of the built-in rubrics.

    :param changes: flat metric names to replace (``{"attendance.ratio": 0.5}``).
    :returns: flat metric values; a fresh copy each call.
    """
    members = {f"m{i}": f"党员{i}" for i in range(1, 13)}
    facts: dict[str, Any] = {
        "period.months": list(MONTHS),
        "period.year": YEAR,
        "meetings.general_meeting": quarterly(),
        "meetings.committee_meeting": monthly(),
        "meetings.group_meeting": monthly(),
        "meetings.party_lesson": quarterly(),
        "meetings.theme_day": monthly(),
        "meetings.org_life_meeting": {f"{YEAR}-12": 1},
        "meetings.democratic_appraisal": {f"{YEAR}-12": 1},
        "meetings.heart_talk": {f"{YEAR}-06": 3},
        "meetings.study_session": monthly(),
        "meetings.mass_work_study": quarterly(),
        "meetings.evidence.general_meeting": [
            {"id": f"e{q}", "date": f"{YEAR}-{3 * q - 1:02d}-15", "topic": f"第{q}季度党员大会"}
            for q in range(1, 5)
        ],
        "attendance.ratio": 0.92,
        "attendance.events": [{"id": "e1", "date": f"{YEAR}-02-15", "ratio": 0.92}],
        "training.hours_by_member": {member: 60 for member in members},
        "training.leader_ids": ["m1", "m2", "m3"],
        "members.names": members,
        "dues.max_consecutive_unpaid": 0,
        "dues.lapsed_members": [],
        "dues.unpaid_3_members": [],
        "dues.on_time_ratio": 1.0,
        "organization.member_count": 12,
        "organization.full_member_count": 11,
        "organization.probationary_count": 1,
        "organization.committee_size": 3,
        "organization.has_committee": True,
        "organization.group_count": 0,
        "organization.established_on": "2015-03-01",
        "organization.age_days": 3959,
        "organization.term_ends_on": "2027-03-01",
        "organization.term_overdue": False,
        "organization.kind": "branch",
        "fiscal.public_operating_expenses": 1_000_000,
        "fiscal.wage_bill_last_year": 8_000_000,
        "fiscal.headcount": 150,
        "fiscal.staff_count": 80,
        "funding.budgeted": 40_000,
        "funding.spent": 38_000,
        "funding.carry_over": 0,
        "staffing.full_time": 1,
        "staffing.part_time": 1,
        "staffing.instructors": 1,
        "staffing.unit_member_count": 40,
        "staffing.unit_branch_count": 1,
        "facilities.items": {
            key: {"met": True, "evidence": "照片", "checked_on": f"{YEAR}-03-01"}
            for key in ("site", "equipment", "signage", "flag", "reading", "rules")
        },
        "appraisal.recorded_ratio": 1.0,
        "development.overdue_activist_assessments": [],
        "honours.items": [],
        "flags.leadership_discipline_violation": False,
        "flags.weak_and_lax": False,
        "flags.records_seriously_missing": False,
    }
    facts.update(copy.deepcopy(changes))
    return facts
