"""The dues families: months paid, runs unpaid, on-time payment, and a unit's dues of last year.

The database does the counting: for each member it returns the months paid while on the roll
(in the year, and on time) and the last month paid, so Python receives one row per member,
not one per month paid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from core.dues.models import DuesPayment
from core.extensions import db
from core.members.models import Membership
from core.members.roll import dues_due_in, roll_start
from core.metrics.registry import family
from core.metrics.scope import Scope, month_index_of
from core.standards import catalogue
from core.standards.periods import Period, month_index, month_key_at

#: 中组发〔2008〕3号: 6 consecutive months unpaid without reason → treated as 自行脱党.
DUES_LAPSE_MONTHS = 6
DUES_WARNING_MONTHS = 3


class DuesWindow:
    """The months that are due in a period: from half a year before it to its last whole month."""

    def __init__(self, period: Period) -> None:
        self.period = period
        # A lapse may begin in the previous year: read back far enough to see six months.
        self.first = month_index(period.year, 1) - DUES_LAPSE_MONTHS
        self.year_start = month_index(period.year, 1)
        last = month_index(period.end.year, period.end.month) - 1
        if period.end.month == 12 and period.end.day == 31:
            last += 1  # a finished year: December is due too
        self.last = last

    def of(self, member: Any) -> tuple[int, int]:
        """:returns: the first and last month index due from a member's period on the roll."""
        start, left = roll_start(member), member.ended_on
        first = max(self.first, month_index(start.year, start.month))
        last = self.last if left is None else min(self.last, month_index(left.year, left.month) - 1)
        return first, last


@family(catalogue.DUES)
def dues(scope: Scope) -> dict[int, dict[str, Any]]:
    """Months due while on the roll, counted in the database period by period (a month belongs to
    the branch whose roll the member was on when it began: no gap and no double month at a move)."""
    window = DuesWindow(scope.period)
    paid_month = DuesPayment.year * 12 + DuesPayment.month - 1
    # Paid within the month it was due, or by the end of the next one.
    on_time = month_index_of(DuesPayment.paid_on) <= paid_month + 1
    in_year = paid_month >= window.year_start
    due_while_on_roll = and_(
        paid_month >= window.first,
        paid_month <= window.last,
        paid_month >= month_index_of(Membership.started_on),
        or_(Membership.ended_on.is_(None), paid_month < month_index_of(Membership.ended_on)),
    )
    totals: dict[int, tuple[int | None, int, int]] = {}
    for period_id, last_paid, paid_in_year, on_time_in_year in db.session.execute(
        scope.scoped(
            select(
                Membership.id,
                func.max(paid_month),
                func.sum(case((in_year, 1), else_=0)),
                func.sum(case((and_(in_year, on_time), 1), else_=0)),
            )
            .join(Membership, Membership.member_id == DuesPayment.member_id)
            .where(DuesPayment.paid_on.is_not(None), due_while_on_roll)
            .group_by(Membership.id),
            DuesPayment,
        )
    ):
        totals[period_id] = (
            None if last_paid is None else int(last_paid), int(paid_in_year or 0), int(on_time_in_year or 0)
        )
    # Which of this year's months each member paid on time: only a card's evidence needs it.
    timely: set[tuple[int, int]] | None = None
    if scope.evidence:
        timely = set()
        for member_id, month in db.session.execute(
            scope.scoped(
                select(DuesPayment.member_id, paid_month)
                .where(DuesPayment.paid_on.is_not(None), in_year, on_time)
                .distinct(),
                DuesPayment,
            )
        ):
            timely.add((member_id, int(month)))
    return {
        branch.id: dues_facts(scope.members_by_org.get(branch.id, []), totals, window, timely)
        for branch in scope.branches
    }


def dues_facts(
    roster: list[Any],
    totals: dict[int, tuple[int | None, int, int]],
    window: DuesWindow,
    timely: set[tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """The branch's dues metrics from each member's totals.

    :param roster: the branch's membership periods on its roll during the period
        (:attr:`Scope.members` rows).
    :param totals: period id → (last month paid, months paid in the year, of them on time),
        counting only months due while the period lasted.
    :param timely: (member id, month index) of this year's months paid on time; given, the
        members who were late and their months are listed (the on-time ratio's evidence).
    """
    longest = 0
    lapsed: list[dict[str, Any]] = []
    behind: list[dict[str, Any]] = []
    #: Who did not pay a month of this year on time, and which months: the evidence of the
    #: on-time ratio ("实际为90.91%" says nothing a secretary can act on).
    late: list[dict[str, Any]] = []
    due_in_year = paid_in_year = on_time_in_year = 0
    # An absence splits a member's time on the branch's roll into periods (core.vocabulary.
    # ABSENCES): a run unpaid carries over from a period into the next one it adjoins, and each
    # member is listed once, from their last period on the roll.
    carried: dict[int, tuple[Any, int]] = {}  # member id → (the period's end, run open at its last month)
    listed: dict[int, tuple[int, dict[str, Any]]] = {}
    late_by_member: dict[int, dict[str, Any]] = {}
    for member in roster:
        if not dues_due_in(member):
            carried.pop(member.id, None)
            continue  # abroad: nothing due, so no lapse either
        first, last = window.of(member)
        if last < first:
            continue
        last_paid, paid, paid_on_time = totals.get(member.period_id, (None, 0, 0))
        due_in_year += last - max(first, window.year_start) + 1 if last >= window.year_start else 0
        paid_in_year += paid
        on_time_in_year += paid_on_time
        # The run that matters is the one still open at the last due month.
        run = last - max(first - 1, last_paid if last_paid is not None else first - 1)
        before = carried.get(member.id)
        if last_paid is None and before is not None and before[0] == member.started_on:
            run += before[1]
        carried[member.id] = (member.ended_on, run)
        longest = max(longest, run)
        listed[member.id] = (run, {"member_id": member.id, "name": member.name, "months": [month_key_at(i) for i in range(last - run + 1, last + 1)]})
        if timely is not None:
            months = [
                month_key_at(i)
                for i in range(max(first, window.year_start), last + 1)
                if (member.id, i) not in timely
            ]
            if months:
                late_by_member.setdefault(member.id, {"member_id": member.id, "name": member.name, "months": []})["months"] += months
    late.extend(late_by_member.values())
    for run, entry in listed.values():
        if run >= DUES_LAPSE_MONTHS:
            lapsed.append(entry)
        elif run >= DUES_WARNING_MONTHS:
            behind.append(entry)
    facts = {
        "dues.max_consecutive_unpaid": longest,
        "dues.lapsed_members": lapsed,
        "dues.unpaid_3_members": behind + lapsed,
        "dues.paid_ratio": round(paid_in_year / due_in_year, 4) if due_in_year else None,
        "dues.on_time_ratio": round(on_time_in_year / due_in_year, 4) if due_in_year else None,
    }
    if timely is not None:
        facts["dues.late_members"] = late
    return facts


@family(catalogue.UNIT_DUES)
def unit_dues(scope: Scope) -> dict[int, dict[str, Any]]:
    """Last year's dues paid in each unit: the base of a school's share of retained dues."""
    retained = dict(
        db.session.execute(
            scope.scoped(
                select(DuesPayment.tenant_id, func.sum(DuesPayment.amount_paid))
                .where(DuesPayment.year == scope.period.year - 1, DuesPayment.paid_on.is_not(None))
                .group_by(DuesPayment.tenant_id),
                DuesPayment,
            )
        ).all()
    )
    return {
        branch.id: {"dues.retained_last_year": Decimal(str(retained.get(branch.tenant_id) or 0))}
        for branch in scope.branches
    }
