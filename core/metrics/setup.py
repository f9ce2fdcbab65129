"""The setup family: organizations a unit should have set up by the end of the period."""

from __future__ import annotations

from typing import Any

from core.metrics.registry import family
from core.metrics.scope import Scope
from core.organizations.setup import due_setups
from core.standards import catalogue


@family(catalogue.SETUP)
def setup(scope: Scope) -> dict[int, dict[str, Any]]:
    """Unit-level: every branch of a unit gets the unit's list (:func:`due_setups`)."""
    end = scope.end
    found = due_setups(end, scope.unit_types, tenant_ids=scope.tenant_ids)
    return {
        branch.id: {"organization.setup_due": [d.to_dict(end) for d in found.get(branch.tenant_id, [])]}
        for branch in scope.branches
    }
