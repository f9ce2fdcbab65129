"""The scope a metric family computes for: a period and every branch of some units.

Families share what several of them read (the members on the rolls, the committee seats) through
cached properties, so each table is still read once per scope whatever the number of families.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import Integer, Select, cast, extract, func, select

from core.extensions import db
from core.host.models import Tenant
from core.members.models import Member, Membership
from core.members.roll import on_branch_roll, on_roll_during_clause
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term
from core.standards.periods import Period

T = TypeVar("T")

#: Organization kinds scored as branches.
BRANCH_KINDS = ("branch", "joint_branch")


def month_index_of(day: Any) -> Any:
    """The SQL form of :func:`~core.standards.periods.month_index` for a date column, in
    integers (PostgreSQL's ``EXTRACT`` gives numerics: slow to compute with, group and sort)."""
    return cast(extract("year", day), Integer) * 12 + cast(extract("month", day), Integer) - 1


class Scope:
    """A period and the units whose branches are computed.

    :param period: the year and the day records are read on.
    :param tenant_ids: restrict to these units (inside ``host_scope()`` for several units);
        ``None`` means every unit the current tenant filter lets through.
    :param evidence: also compute the metrics that only explain a result (the events behind a
        count); a ranking pass passes ``False``.
    """

    def __init__(
        self, period: Period, tenant_ids: Iterable[int] | None = None, *, evidence: bool = True,
        registry: Any = None,
    ) -> None:
        self.period = period
        self.tenant_ids = list(tenant_ids) if tenant_ids is not None else None
        self.evidence = evidence
        #: The plugin registry whose unit types say the units' rules (document types, set-up
        #: thresholds); ``None`` when there is none (then those rules are the national ones).
        self.registry = registry
        self._shared: dict[str, Any] = {}

    @property
    def start(self):
        return self.period.start

    @property
    def end(self):
        return self.period.end

    def scoped(self, query: Select, model: Any) -> Select:
        """:returns: ``query`` restricted to the scope's units (``model.tenant_id``)."""
        return query if self.tenant_ids is None else query.where(model.tenant_id.in_(self.tenant_ids))

    def shared(self, key: str, load: Callable[[], T]) -> T:
        """:returns: ``load()``, called once per scope: a read several families need."""
        if key not in self._shared:
            self._shared[key] = load()
        return self._shared[key]

    # -- shared reads -------------------------------------------------------------------------

    @cached_property
    def organizations(self) -> list[Organization]:
        """Every organization of the scope's units (branches and those above them)."""
        return list(db.session.scalars(self.scoped(select(Organization), Organization)).all())

    @cached_property
    def branches(self) -> list[Organization]:
        """The branches founded by the end of the period."""
        end = self.end
        return [o for o in self.organizations if o.kind in BRANCH_KINDS and o.established_on <= end]

    @cached_property
    def unit_types(self) -> dict[int, Any]:
        """Unit id → its :class:`~core.standards.types.UnitType` (``None`` when no plugin
        supplies it, or there is no registry), for the units of :attr:`organizations`."""
        ids = sorted({o.tenant_id for o in self.organizations})
        if not ids:
            return {}
        rows = db.session.execute(select(Tenant.id, Tenant.unit_type).where(Tenant.id.in_(ids))).all()
        found: dict[int, Any] = {}
        for tenant_id, key in rows:
            try:
                found[tenant_id] = self.registry.unit_type(key) if self.registry is not None else None
            except KeyError:
                found[tenant_id] = None
        return found

    @cached_property
    def parent(self) -> dict[int, int | None]:
        """Organization id → the id of the organization above it."""
        return {o.id: o.parent_id for o in self.organizations}

    @cached_property
    def members(self) -> list[Any]:
        """One row per membership period on a roll of the scope on some day of the period: the
        member's fields with the period's branch (``organization_id``), ``started_on``,
        ``ended_on`` and ``period_id``. A member who moved in the period has a row per branch."""
        return list(
            db.session.execute(
                self.scoped(
                    select(
                        Member.id, Member.tenant_id, Membership.organization_id, Member.name,
                        Member.status, Member.joined_on, Membership.started_on, Membership.ended_on,
                        Member.is_leader, Member.full_on, Membership.id.label("period_id"),
                        Membership.start_reason,
                    )
                    .join(Member, Member.id == Membership.member_id)
                    .where(on_roll_during_clause(self.start, self.end))
                    .order_by(Member.id, Membership.started_on, Membership.id),
                    Membership,
                )
            ).all()
        )

    @cached_property
    def members_by_org(self) -> dict[int, list[Any]]:
        """Organization id → its rows of :attr:`members`."""
        found: dict[int, list[Any]] = defaultdict(list)
        for member in self.members:
            found[member.organization_id].append(member)
        return found

    @cached_property
    def current_by_org(self) -> dict[int, list[Any]]:
        """Organization id → its rows of :attr:`members` on the roll at the end of the period."""
        end = self.end
        found: dict[int, list[Any]] = defaultdict(list)
        for member in self.members:
            if on_branch_roll(member, end):
                found[member.organization_id].append(member)
        return found

    def current_members(self, organization_id: int) -> list[Any]:
        """:returns: the organization's members on the roll at the end of the period (worked
        out once per scope: four families ask for every branch)."""
        return list(self.current_by_org.get(organization_id, ()))

    @cached_property
    def terms(self) -> list[Any]:
        """Rows (organization_id, started_on, ends_on) of the terms begun by the end of the
        period, oldest first: the organization, committee-roles and setup families share them."""
        return list(
            db.session.execute(
                self.scoped(
                    select(Term.organization_id, Term.started_on, Term.ends_on).where(Term.started_on <= self.end),
                    Term,
                ).order_by(Term.started_on)
            ).all()
        )

    @cached_property
    def group_counts(self) -> dict[int, int]:
        """Organization id → its number of party groups."""
        return dict(
            db.session.execute(
                self.scoped(
                    select(PartyGroup.organization_id, func.count()).group_by(PartyGroup.organization_id),
                    PartyGroup,
                )
            ).all()
        )

    @cached_property
    def seats(self) -> dict[int, list[Any]]:
        """Organization id → committee seats held at the end of the period."""
        end = self.end
        found: dict[int, list[Any]] = defaultdict(list)
        for seat in db.session.execute(
            self.scoped(
                select(CommitteeSeat.organization_id, CommitteeSeat.member_id, CommitteeSeat.role)
                .where(CommitteeSeat.started_on <= end)
                .where((CommitteeSeat.ended_on.is_(None)) | (CommitteeSeat.ended_on > end)),
                CommitteeSeat,
            )
        ):
            found[seat.organization_id].append(seat)
        return found


__all__ = ["BRANCH_KINDS", "Scope", "month_index_of"]
