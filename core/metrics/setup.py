"""The setup family: organizations a unit should have set up by the end of the period.

It reads nothing of its own: the organizations, the members on the rolls, the seats, the party
groups and the terms are the scope's shared reads, handed to
:func:`core.organizations.setup.find_due`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from core.members.roll import roll_start
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.organizations.setup import find_due, full_since
from core.standards import catalogue


@family(catalogue.SETUP)
def setup(scope: Scope) -> dict[int, dict[str, Any]]:
    """Unit-level: every branch of a unit gets the unit's list."""
    end = scope.end
    members: dict[int, list[Any]] = defaultdict(list)
    for organization_id, current in scope.current_by_org.items():
        for member in current:
            start = roll_start(member)
            members[organization_id].append(
                (start, full_since(member.status, start, member.full_on, member.joined_on))
            )
    roles = {organization_id: [s.role for s in seats] for organization_id, seats in scope.seats.items()}
    term_ends = {term.organization_id: term.ends_on for term in scope.terms}  # oldest first
    organizations = sorted(scope.organizations, key=lambda o: o.code)
    found = find_due(end, organizations, members, roles, scope.group_counts, term_ends, scope.unit_types)
    return {
        branch.id: {"organization.setup_due": [d.to_dict(end) for d in found.get(branch.tenant_id, [])]}
        for branch in scope.branches
    }
