"""Organizations a unit should have set up and has not, with the day each became due.

The thresholds are the unit type's organization rules (支部工作条例: 正式党员3人以上成立党支部,
7人以上设支部委员会; 党员超过30人的支部划分党小组; a term runs its years): full members kept
outside any branch, a branch big enough for a committee without one, a large branch without
party groups, a term past its end. One definition for the unit page, the API and the ``setup``
metric family; a constant number of statements for any number of units.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select

from core.extensions import db
from core.members.models import Member, Membership
from core.members.roll import on_roll_clause
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term
from core.organizations.roles import has_committee
from core.standards.national import NATIONAL_ORGANIZATION_RULES

BRANCH_KINDS = ("branch", "joint_branch")
#: What each kind of due set-up is called.
SETUP_KINDS = {
    "branch": "成立党支部",
    "committee": "设立支部委员会",
    "groups": "划分党小组",
    "election": "按期换届",
}


@dataclass(frozen=True)
class SetupDue:
    """One organization that should have been set up (or re-elected) and is not.

    :param kind: a key of :data:`SETUP_KINDS`.
    :param due_on: the day it became due (the member who reached the threshold, a term's end).
    :param reason: what was found, in Chinese, with the rule.
    """

    kind: str
    organization_id: int
    organization: str
    tenant_id: int
    due_on: dt.date
    reason: str

    def days(self, on: dt.date) -> int:
        """:returns: days it has been due by ``on``."""
        return max((on - self.due_on).days, 0)

    def to_dict(self, on: dt.date) -> dict[str, Any]:
        """:returns: the entry as the ``organization.setup_due`` metric lists it."""
        return {
            "kind": self.kind, "label": SETUP_KINDS[self.kind], "organization": self.organization,
            "organization_id": self.organization_id, "due_on": self.due_on.isoformat(),
            "days": self.days(on), "reason": self.reason,
        }


def rule_value(unit_type: Any, key: str) -> int:
    """:returns: the unit type's organization rule ``key``, else the national one."""
    rules = unit_type.organization_rules if unit_type is not None else ()
    for rule in (*rules, *NATIONAL_ORGANIZATION_RULES):
        if rule.key == key:
            return int(rule.value)
    raise KeyError(key)


def _kth(dates: list[dt.date], k: int) -> dt.date:
    return sorted(dates)[k - 1]


def full_since(status: str, start: dt.date, full_on: dt.date | None, joined_on: dt.date) -> dt.date | None:
    """:returns: the day a member on the roll counts as a full member there (the later of
    joining the roll and 转正), or ``None`` for a probationary member."""
    return max(start, full_on or joined_on) if status == "full" else None


def find_due(
    on: dt.date,
    organizations: Iterable[Any],
    members: Mapping[int, list[tuple[dt.date, dt.date | None]]],
    roles: Mapping[int, list[str]],
    groups: Mapping[int, int],
    term_ends: Mapping[int, dt.date],
    unit_types: Mapping[int, Any],
) -> dict[int, list[SetupDue]]:
    """What is due by ``on``, from records already read (no statement of its own).

    :param organizations: rows with ``id``, ``tenant_id``, ``kind``, ``name``,
        ``established_on`` and ``dissolved_on``, by code.
    :param members: organization id → (roll start, :func:`full_since`) of each member on the
        roll on ``on``.
    :param roles: organization id → the roles of the seats held on ``on``.
    :param groups: organization id → number of party groups.
    :param term_ends: organization id → the end of its latest term begun by ``on``.
    :param unit_types: unit id → its unit type (for the thresholds; ``None`` → national).
    :returns: unit id → what is due there.
    """
    found: dict[int, list[SetupDue]] = defaultdict(list)
    for org in organizations:
        if org.established_on > on or (org.dissolved_on is not None and org.dissolved_on <= on):
            continue
        unit_type = unit_types.get(org.tenant_id)
        rows = members.get(org.id, [])
        full = [since for _start, since in rows if since is not None]

        def due(kind: str, day: dt.date, reason: str, org: Any = org) -> None:
            found[org.tenant_id].append(
                SetupDue(kind, org.id, org.name, org.tenant_id, max(day, org.established_on), reason)
            )

        if org.kind not in BRANCH_KINDS:
            least = rule_value(unit_type, "branch_min_full_members")
            if len(full) >= least:
                due("branch", _kth(full, least), f"有{len(full)}名正式党员未编入党支部（正式党员{least}人以上应成立党支部）")
        else:
            least = rule_value(unit_type, "committee_min_full_members")
            if len(full) >= least and not has_committee(roles.get(org.id, [])):
                due("committee", _kth(full, least), f"正式党员{len(full)}人，未设支部委员会（正式党员{least}人以上应设立）")
            over = rule_value(unit_type, "party_group_over_members")
            if len(rows) > over and not groups.get(org.id):
                due("groups", _kth([start for start, _ in rows], over + 1), f"党员{len(rows)}人，未划分党小组（超过{over}人应划分）")
        ends = term_ends.get(org.id)
        if ends is not None and ends < on:
            due("election", ends, f"本届任期已于{ends.isoformat()}届满，尚未换届")
    return dict(found)


def due_setups(
    on: dt.date,
    unit_types: Mapping[int, Any],
    *,
    tenant_ids: Iterable[int] | None = None,
) -> dict[int, list[SetupDue]]:
    """Every set-up due by ``on`` in the units of the current tenant filter (five statements,
    whatever the number of units); the unit page and the API call this, the ``setup`` metric
    family passes the scope's own reads to :func:`find_due`.

    :param tenant_ids: restrict to these units (inside ``host_scope()``).
    """
    ids = list(tenant_ids) if tenant_ids is not None else None

    def scoped(query: Any, model: Any) -> Any:
        return query if ids is None else query.where(model.tenant_id.in_(ids))

    organizations = db.session.execute(
        scoped(
            select(
                Organization.id, Organization.tenant_id, Organization.kind, Organization.code,
                Organization.name, Organization.established_on, Organization.dissolved_on,
            ),
            Organization,
        ).order_by(Organization.code)
    ).all()
    if not organizations:
        return {}
    members: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for organization_id, status, start, full_on, joined_on in db.session.execute(
        scoped(
            select(
                Membership.organization_id, Member.status, Membership.started_on, Member.full_on, Member.joined_on,
            )
            .join(Member, Member.id == Membership.member_id)
            .where(on_roll_clause(on)),
            Membership,
        )
    ):
        members[organization_id].append((start, full_since(status, start, full_on, joined_on)))
    roles: dict[int, list[str]] = defaultdict(list)
    for organization_id, role in db.session.execute(
        scoped(
            select(CommitteeSeat.organization_id, CommitteeSeat.role).where(
                CommitteeSeat.started_on <= on,
                or_(CommitteeSeat.ended_on.is_(None), CommitteeSeat.ended_on > on),
            ),
            CommitteeSeat,
        )
    ):
        roles[organization_id].append(role)
    groups = dict(
        db.session.execute(
            scoped(select(PartyGroup.organization_id, func.count()).group_by(PartyGroup.organization_id), PartyGroup)
        ).all()
    )
    term_ends: dict[int, dt.date] = {}
    for organization_id, ends_on in db.session.execute(
        scoped(select(Term.organization_id, Term.ends_on).where(Term.started_on <= on), Term)
        .order_by(Term.started_on)
    ):
        term_ends[organization_id] = ends_on
    return find_due(on, organizations, members, roles, groups, term_ends, unit_types)


__all__ = ["SETUP_KINDS", "SetupDue", "due_setups", "find_due", "full_since", "rule_value"]
