"""The staffing family: party-affairs posts and the unit's size (unit-level figures)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.staffing.models import StaffPost
from core.standards import catalogue


@family(catalogue.STAFFING)
def staffing(scope: Scope) -> dict[int, dict[str, Any]]:
    """Posts held at the end of the period, counted per unit (instructors also per branch)."""
    end = scope.end
    staff: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    staff_by_org: dict[int, int] = defaultdict(int)
    full_time_members: set[int] = set()
    for tenant_id, organization_id, kind, member_id in db.session.execute(
        scope.scoped(
            select(StaffPost.tenant_id, StaffPost.organization_id, StaffPost.kind, StaffPost.member_id)
            .where(StaffPost.started_on <= end)
            .where((StaffPost.ended_on.is_(None)) | (StaffPost.ended_on > end)),
            StaffPost,
        )
    ):
        staff[tenant_id][kind] += 1
        if kind == "instructor" and organization_id is not None:
            staff_by_org[organization_id] += 1
        if kind == "full_time" and member_id is not None:
            full_time_members.add(member_id)
    unit_members: dict[int, int] = defaultdict(int)
    for current in scope.current_by_org.values():
        for member in current:
            unit_members[member.tenant_id] += 1
    branch_count: dict[int, int] = defaultdict(int)
    for branch in scope.branches:
        branch_count[branch.tenant_id] += 1
    deputies: dict[int, int] = defaultdict(int)
    for organization in scope.organizations:
        for seat in scope.seats.get(organization.id, []):
            # 专职副书记: a deputy-secretary seat held by someone in a full-time party-affairs post.
            if seat.role == "deputy_secretary" and seat.member_id in full_time_members:
                deputies[organization.tenant_id] += 1
    results: dict[int, dict[str, Any]] = {}
    for branch in scope.branches:
        unit = branch.tenant_id
        results[branch.id] = {
            "staffing.full_time": staff[unit]["full_time"],
            "staffing.part_time": staff[unit]["part_time"],
            "staffing.instructors": staff[unit]["instructor"],
            "organization.instructors": staff_by_org.get(branch.id, 0),
            "staffing.unit_member_count": unit_members[unit],
            "staffing.unit_branch_count": branch_count[unit],
            "staffing.full_time_deputy_secretary": deputies[unit],
        }
    return results
