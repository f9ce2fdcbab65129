"""The dues families: months paid, runs unpaid, on-time payment, and a unit's dues of last year."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.dues.models import DuesPayment
from core.extensions import db
from core.members.roll import roll_start
from core.metrics.registry import family
from core.metrics.scope import Scope
from core.standards import catalogue
from core.standards.periods import Period, last_day_of_next_month, month_index, month_key_at

#: 中组发〔2008〕3号: 6 consecutive months unpaid without reason → treated as 自行脱党.
DUES_LAPSE_MONTHS = 6
DUES_WARNING_MONTHS = 3


@family(catalogue.DUES)
def dues(scope: Scope) -> dict[int, dict[str, Any]]:
    """Months due while on the roll, read back far enough to see a lapse begun last year."""
    period = scope.period
    paid: set[tuple[int, int]] = set()
    on_time: set[tuple[int, int]] = set()
    for member_id, year, month, paid_on in db.session.execute(
        scope.scoped(
            select(DuesPayment.member_id, DuesPayment.year, DuesPayment.month, DuesPayment.paid_on)
            .where(DuesPayment.paid_on.is_not(None), DuesPayment.year >= period.year - 1),
            DuesPayment,
        )
    ):
        index = month_index(year, month)
        paid.add((member_id, index))
        # Paid within the month it was due, or by the end of the next one.
        if paid_on <= last_day_of_next_month(year, month):
            on_time.add((member_id, index))
    return {
        branch.id: dues_facts(scope.members_by_org.get(branch.id, []), paid, on_time, period)
        for branch in scope.branches
    }


def dues_facts(
    roster: list[Any], paid: set[tuple[int, int]], on_time: set[tuple[int, int]], period: Period
) -> dict[str, Any]:
    """Unpaid months per member up to the last whole month, and the longest unpaid run.

    :param roster: the branch's members on its roll during the period.
    :param paid: ``(member id, month index)`` of every month paid.
    :param on_time: those of :paramref:`paid` paid by the end of the following month.
    """
    dues_from = month_index(period.year, 1) - DUES_LAPSE_MONTHS
    last_due = month_index(period.end.year, period.end.month) - 1
    if period.end.month == 12 and period.end.day == 31:
        last_due += 1  # a finished year: December is due too
    longest = 0
    lapsed: list[dict[str, Any]] = []
    behind: list[dict[str, Any]] = []
    due_in_year = paid_in_year = on_time_in_year = 0
    year_start = month_index(period.year, 1)
    for member in roster:
        start, left = roll_start(member), member.left_on
        first = max(dues_from, month_index(start.year, start.month))
        last = last_due if left is None else min(last_due, month_index(left.year, left.month) - 1)
        run, run_months = 0, []
        for index in range(first, last + 1):
            if index >= year_start:
                due_in_year += 1
                if (member.id, index) in paid:
                    paid_in_year += 1
                if (member.id, index) in on_time:
                    on_time_in_year += 1
            if (member.id, index) in paid:
                run, run_months = 0, []
            else:
                run += 1
                run_months.append(month_key_at(index))
        # The run that matters is the one still open at the last due month.
        longest = max(longest, run)
        entry = {"member_id": member.id, "name": member.name, "months": run_months}
        if run >= DUES_LAPSE_MONTHS:
            lapsed.append(entry)
        elif run >= DUES_WARNING_MONTHS:
            behind.append(entry)
    return {
        "dues.max_consecutive_unpaid": longest,
        "dues.lapsed_members": lapsed,
        "dues.unpaid_3_members": behind + lapsed,
        "dues.paid_ratio": round(paid_in_year / due_in_year, 4) if due_in_year else None,
        "dues.on_time_ratio": round(on_time_in_year / due_in_year, 4) if due_in_year else None,
    }


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
