"""The committee-roles family: which roles are held at the end of the period, and vacancies."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.organizations.models import CommitteeSeat
from core.organizations.roles import role_statuses, term_start
from core.standards import catalogue
from core.vocabulary import COMMITTEE_ROLES


@family(catalogue.COMMITTEE_ROLES)
def committee_roles(scope: Scope) -> dict[int, dict[str, Any]]:
    """Every seat begun by the end of the period, read once (the terms are the scope's); the
    roles of each branch follow :func:`core.organizations.roles.role_statuses`."""
    end = scope.end
    seats: dict[int, list[Any]] = defaultdict(list)
    for seat in db.session.execute(
        scope.scoped(
            select(
                CommitteeSeat.organization_id, CommitteeSeat.role, CommitteeSeat.member_id,
                CommitteeSeat.started_on, CommitteeSeat.ended_on,
            ).where(CommitteeSeat.started_on <= end),
            CommitteeSeat,
        )
    ):
        seats[seat.organization_id].append(seat)
    terms_by_org: dict[int, list[Any]] = defaultdict(list)
    for term in scope.terms:
        terms_by_org[term.organization_id].append(term)
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        since = term_start(branch.id, end, terms_by_org.get(branch.id, ())) or branch.established_on
        roles = role_statuses(seats.get(branch.id, ()), end, since)
        vacancies = [
            {
                "role": status.role,
                "label": str(COMMITTEE_ROLES[status.role]),
                "since": status.vacant_since.isoformat(),
                "days": status.vacant_days(end),
            }
            for status in roles.values()
            if not status.seated
        ]
        facts: dict[str, Any] = {
            f"committee.seated.{role}": role in roles and roles[role].seated for role in COMMITTEE_ROLES
        }
        facts["committee.vacancies"] = vacancies
        facts["committee.longest_vacancy_days"] = max((v["days"] for v in vacancies), default=0)
        results[branch.id] = facts
    return results
