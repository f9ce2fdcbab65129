"""The development family: activists (入党积极分子) whose half-yearly assessment is overdue."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.members.models import DevelopmentCase, DevelopmentStep
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue

#: 发展党员工作细则 第十一条: 党支部每半年对入党积极分子考察一次.
ACTIVIST_ASSESSMENT_DAYS = 183


@family(catalogue.DEVELOPMENT)
def development(scope: Scope) -> dict[int, dict[str, Any]]:
    """Activists whose last step 3 or 6 is more than half a year before the end of the period."""
    end = scope.end
    activists = db.session.execute(
        scope.scoped(
            select(DevelopmentCase.id, DevelopmentCase.organization_id, DevelopmentCase.name)
            .where(DevelopmentCase.stage == "activist"),
            DevelopmentCase,
        )
    ).all()
    step_dates: dict[int, list[dt.date]] = defaultdict(list)
    if activists:
        for case_id, done_on in db.session.execute(
            scope.scoped(
                select(DevelopmentStep.case_id, DevelopmentStep.done_on)
                .where(DevelopmentStep.step.in_((3, 6)), DevelopmentStep.done_on <= end),
                DevelopmentStep,
            )
        ):
            step_dates[case_id].append(done_on)
    by_org: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for case_id, organization_id, name in activists:
        by_org[organization_id].append((case_id, name))
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        overdue = []
        for case_id, name in by_org.get(branch.id, ()):
            last = max(step_dates.get(case_id, ()), default=None)
            if last is not None and (end - last).days > ACTIVIST_ASSESSMENT_DAYS:
                due = last + dt.timedelta(days=ACTIVIST_ASSESSMENT_DAYS)
                overdue.append({"case_id": case_id, "name": name, "due_on": due.isoformat()})
        results[branch.id] = {"development.overdue_activist_assessments": overdue}
    return results
