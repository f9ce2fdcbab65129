"""The organization, roll and committee families: the branch, its members and its committee."""

from __future__ import annotations

from typing import Any

from core.metrics.registry import family
from core.metrics.scope import Scope
from core.organizations.roles import has_committee
from core.standards import catalogue


@family(catalogue.ORGANIZATION)
def organization(scope: Scope) -> dict[int, dict[str, Any]]:
    """The branch's kind, founding and its latest term begun by the end of the period."""
    end = scope.end
    latest_term: dict[int, Any] = {}
    for term in scope.terms:  # oldest first: the last one begun wins
        latest_term[term.organization_id] = term
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        term = latest_term.get(branch.id)
        results[branch.id] = {
            "organization.kind": branch.kind,
            "organization.code": branch.code,
            "organization.established_on": branch.established_on.isoformat(),
            # Judged at the end of the period: last year's card is not changed by this year.
            "organization.age_days": (end - branch.established_on).days,
            "organization.term_ends_on": term.ends_on.isoformat() if term else None,
            "organization.term_overdue": bool(term and term.ends_on < end),
            "organization.has_term": term is not None,
        }
    return results


@family(catalogue.ROLL)
def roll(scope: Scope) -> dict[int, dict[str, Any]]:
    """Who is on the branch's roll: during the year (names) and at its end (counts)."""
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        current = scope.current_members(branch.id)
        full = sum(1 for m in current if m.status == "full")
        results[branch.id] = {
            "members.names": {m.id: m.name for m in scope.members_by_org.get(branch.id, ())},
            "organization.member_count": len(current),
            "organization.full_member_count": full,
            "organization.probationary_count": len(current) - full,
        }
    return results


@family(catalogue.COMMITTEE)
def committee(scope: Scope) -> dict[int, dict[str, Any]]:
    """Seats held at the end of the period, and the number of party groups."""
    groups = scope.group_counts
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        seats = scope.seats.get(branch.id, [])
        results[branch.id] = {
            "organization.committee_size": len(seats),
            "organization.has_committee": has_committee(s.role for s in seats),
            "organization.has_secretary": any(s.role == "secretary" for s in seats),
            "organization.group_count": groups.get(branch.id, 0),
        }
    return results
