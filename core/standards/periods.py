"""Calendar arithmetic the rules and the records share: months, quarters, halves, years, rolls.

Written once here so that every reader agrees, in particular on 29 February: "one year later"
(a probation, a term of office) falls on 28 February of a common year, as
:class:`dateutil.relativedelta.relativedelta` counts it. Months are keyed ``YYYY-MM``, quarters
``YYYY-Q1``, halves ``YYYY-H1``, years ``YYYY``. Pure functions of dates: no records, no web.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

PERIOD_WORDS = {"month": "每月", "quarter": "每季度", "half": "每半年", "year": "每年"}
PERIOD_NOUNS = {"month": "月", "quarter": "季度", "half": "半年", "year": "年度"}


@dataclass(frozen=True)
class Period:
    """The assessment year and the day the records are read on."""

    year: int
    as_of: dt.date

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        """Last day whose records count: the year's end, or ``as_of`` in the current year."""
        return min(dt.date(self.year, 12, 31), self.as_of)

    @property
    def months(self) -> list[str]:
        """Whole months of the year that have ended by ``as_of`` (a running month is not due)."""
        if self.as_of.year > self.year:
            last = 12
        elif self.as_of.year < self.year:
            return []
        else:
            last = self.as_of.month - 1
        return [month_key(self.year, m) for m in range(1, last + 1)]


# -- months ---------------------------------------------------------------------------------


def month_key(year: int, month: int) -> str:
    """:returns: ``YYYY-MM``."""
    return f"{year}-{month:02d}"


def month_of(day: dt.date) -> str:
    """:returns: the ``YYYY-MM`` key of the month holding ``day``."""
    return month_key(day.year, day.month)


def month_index(year: int, month: int) -> int:
    """:returns: months since year 0, so that consecutive months differ by one."""
    return year * 12 + month - 1


def month_at(index: int) -> tuple[int, int]:
    """:returns: ``(year, month)`` of a :func:`month_index`."""
    return index // 12, index % 12 + 1


def month_key_at(index: int) -> str:
    """:returns: the ``YYYY-MM`` key of a :func:`month_index`."""
    return month_key(*month_at(index))


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """:returns: the first and last day of a month."""
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def month_end(day: dt.date) -> dt.date:
    """:returns: the last day of the month holding ``day``."""
    return month_bounds(day.year, day.month)[1]


def last_day_of_next_month(year: int, month: int) -> dt.date:
    """:returns: the last day of the month after ``year-month`` (dues paid by then are on time)."""
    return month_end(dt.date(year, month, 1) + relativedelta(months=1))


def add_months(day: dt.date, months: int) -> dt.date:
    """:returns: the same day ``months`` later, or the month's last day when it is shorter."""
    return day + relativedelta(months=months)


def add_years(day: dt.date, years: int) -> dt.date:
    """:returns: the same calendar day ``years`` later; 29 February gives 28 February."""
    return day + relativedelta(years=years)


def years_between(first: dt.date, last: dt.date) -> int:
    """:returns: whole years from ``first`` to ``last`` (0 when ``last`` is earlier); a year from
    29 February is complete on 28 February, as :func:`add_years` counts it."""
    if last <= first:
        return 0
    return relativedelta(last, first).years


def months_between(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    """:returns: every ``(year, month)`` from the month of ``first`` to that of ``last``."""
    return [
        month_at(index)
        for index in range(month_index(first.year, first.month), month_index(last.year, last.month) + 1)
    ]


# -- quarters, halves, years ------------------------------------------------------------------


def period_of(month: str, period: str) -> str:
    """:param month: ``YYYY-MM``.
    :returns: the key of the period holding the month: ``2025-03``, ``2025-Q1``, ``2025-H1``,
        ``2025``."""
    year, number = month[:4], int(month[5:7])
    if period == "month":
        return month
    if period == "quarter":
        return f"{year}-Q{(number - 1) // 3 + 1}"
    if period == "half":
        return f"{year}-H{1 if number <= 6 else 2}"
    return year


def months_of(period_key: str, period: str) -> list[str]:
    """:returns: the ``YYYY-MM`` months a period key covers."""
    year = int(period_key[:4])
    if period == "month":
        return [period_key]
    if period == "quarter":
        first = (int(period_key[-1]) - 1) * 3 + 1
        return [month_key(year, m) for m in range(first, first + 3)]
    if period == "half":
        first = 1 if period_key.endswith("H1") else 7
        return [month_key(year, m) for m in range(first, first + 6)]
    return [month_key(year, m) for m in range(1, 13)]


def months_of_period_holding(day: dt.date, period: str) -> list[str]:
    """:returns: the months of the month / quarter / half / year that holds ``day``."""
    return months_of(period_of(month_of(day), period), period)


def period_label(period_key: str, period: str) -> str:
    """:returns: the period in Chinese: ``2025年3月``, ``2025年第1季度``, ``2025年上半年``."""
    year = period_key[:4]
    if period == "month":
        return f"{year}年{int(period_key[5:7])}月"
    if period == "quarter":
        return f"{year}年第{period_key[-1]}季度"
    if period == "half":
        return f"{year}年{'上' if period_key.endswith('H1') else '下'}半年"
    return f"{year}年"


# -- being on a roll --------------------------------------------------------------------------


def on_roll(start: dt.date | None, left: dt.date | None, day: dt.date) -> bool:
    """Whether a membership that began on ``start`` and ended on ``left`` covers ``day``.

    The day of leaving is no longer on the roll; a membership without a start covers nothing.
    """
    return start is not None and start <= day and (left is None or left > day)


def on_roll_during(
    start: dt.date | None, left: dt.date | None, first: dt.date, last: dt.date
) -> bool:
    """Whether a membership covers at least one day from ``first`` to ``last`` inclusive."""
    return start is not None and start <= last and (left is None or left > first)


__all__ = [
    "PERIOD_NOUNS",
    "PERIOD_WORDS",
    "Period",
    "add_months",
    "add_years",
    "last_day_of_next_month",
    "month_at",
    "month_bounds",
    "month_end",
    "month_index",
    "month_key",
    "month_key_at",
    "month_of",
    "months_between",
    "months_of",
    "months_of_period_holding",
    "on_roll",
    "on_roll_during",
    "period_label",
    "period_of",
]
