"""The development family: assessments overdue, 预备期 past their end, years without admitting.

An assessment is due half a year after an activist's last one (or becoming an activist) and a
quarter after a probationary member's last one (or the admission); the dates come from the
repeated records and from the steps that kept one date before there were records
(:mod:`core.development.timing`). The database takes the latest date per case and kind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from core.development.models import DevelopmentRecord, ProbationDecision
from core.development.timing import (
    ADMISSION_STEP,
    ASSESSED_STAGES,
    ASSESSMENT_STARTS,
    assessment_due_on,
    probation_ends_on,
)
from core.extensions import db
from core.members.models import DevelopmentCase, DevelopmentStep, Member, Membership
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue
from core.standards.periods import years_between

_STEPS = sorted({step for steps in ASSESSMENT_STARTS.values() for step in steps})


@family(catalogue.DEVELOPMENT)
def development(scope: Scope) -> dict[int, dict[str, Any]]:
    """Cases under assessment and the branch's last admission, with seven statements."""
    end = scope.end
    cases = db.session.execute(
        scope.scoped(
            select(
                DevelopmentCase.id, DevelopmentCase.organization_id, DevelopmentCase.name,
                DevelopmentCase.stage, Member.joined_on,
            )
            .outerjoin(Member, Member.id == DevelopmentCase.member_id)
            .where(DevelopmentCase.stage.in_(list(ASSESSED_STAGES))),
            DevelopmentCase,
        )
    ).all()
    known: dict[tuple[int, str], list[dt.date]] = defaultdict(list)
    decisions: dict[int, dict[str, Any]] = defaultdict(dict)
    admitted: dict[int, dt.date] = {}
    if cases:
        for case_id, step, done_on in db.session.execute(
            scope.scoped(
                select(DevelopmentStep.case_id, DevelopmentStep.step, DevelopmentStep.done_on)
                .join(DevelopmentCase, DevelopmentCase.id == DevelopmentStep.case_id)
                .where(
                    DevelopmentStep.step.in_(_STEPS), DevelopmentStep.done_on <= end,
                    DevelopmentCase.stage.in_(list(ASSESSED_STAGES)),
                ),
                DevelopmentStep,
            )
        ):
            if step == ADMISSION_STEP:
                admitted[case_id] = done_on
            for kind, steps in ASSESSMENT_STARTS.items():
                if step in steps:
                    known[case_id, kind].append(done_on)
        for case_id, kind, last in db.session.execute(
            scope.scoped(
                select(DevelopmentRecord.case_id, DevelopmentRecord.kind, func.max(DevelopmentRecord.done_on))
                .where(DevelopmentRecord.kind.in_(list(ASSESSED_STAGES.values())), DevelopmentRecord.done_on <= end)
                .group_by(DevelopmentRecord.case_id, DevelopmentRecord.kind),
                DevelopmentRecord,
            )
        ):
            known[case_id, kind].append(last)
        for case_id, kind, months in db.session.execute(
            scope.scoped(
                select(ProbationDecision.case_id, ProbationDecision.kind, ProbationDecision.extension_months)
                .where(ProbationDecision.decided_on <= end),
                ProbationDecision,
            )
        ):
            decisions[case_id][kind] = months
    by_org: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for case_id, organization_id, name, stage, joined_on in cases:
        kind = ASSESSED_STAGES[stage]
        dates = list(known.get((case_id, kind), ()))
        found = by_org[organization_id]
        if kind == "probationary_assessment":
            started = admitted.get(case_id) or joined_on
            if started is None or {"convert", "cancel"} & set(decisions.get(case_id, {})):
                continue
            dates.append(started)
            ends = probation_ends_on(started, decisions[case_id].get("extend"))
            if ends < end:
                found["probation"].append({"case_id": case_id, "name": name, "ends_on": ends.isoformat()})
        last = max(dates, default=None)
        if last is None:
            continue
        due = assessment_due_on(kind, last)
        if due < end:
            found[kind].append({"case_id": case_id, "name": name, "due_on": due.isoformat()})
    last_admitted = _last_admissions(scope)
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        found = by_org.get(branch.id, {})
        last = last_admitted.get(branch.id)
        results[branch.id] = {
            "development.overdue_activist_assessments": found.get("activist_assessment", []),
            "development.overdue_probationary_assessments": found.get("probationary_assessment", []),
            "development.probation_overdue": found.get("probation", []),
            "development.last_admitted_on": last.isoformat() if last else None,
            "development.years_without_admission": years_between(last or branch.established_on, end),
        }
    return results


def _last_admissions(scope: Scope) -> dict[int, dt.date]:
    """Branch id → the latest admission by the end of the period: a 支部大会 of a case (step
    15), or a member who joined the party in the branch (not transferred in)."""
    end = scope.end
    found: dict[int, dt.date] = {}
    for organization_id, day in db.session.execute(
        scope.scoped(
            select(DevelopmentCase.organization_id, func.max(DevelopmentStep.done_on))
            .join(DevelopmentStep, DevelopmentStep.case_id == DevelopmentCase.id)
            .where(DevelopmentStep.step == ADMISSION_STEP, DevelopmentStep.done_on <= end)
            .group_by(DevelopmentCase.organization_id),
            DevelopmentCase,
        )
    ):
        found[organization_id] = day
    for organization_id, day in db.session.execute(
        scope.scoped(
            # A member admitted by the branch: their period there began with joining.
            select(Membership.organization_id, func.max(Membership.started_on))
            .where(Membership.start_reason == "joined", Membership.started_on <= end)
            .group_by(Membership.organization_id),
            Membership,
        )
    ):
        if day is not None and (organization_id not in found or day > found[organization_id]):
            found[organization_id] = day
    return found
