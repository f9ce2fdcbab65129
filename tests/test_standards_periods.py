"""Period arithmetic and the roll, written once in core.standards.periods; 29 February included."""

from __future__ import annotations

import datetime as dt

import pytest

from core.standards.periods import (
    Period,
    add_months,
    add_years,
    last_day_of_next_month,
    month_at,
    month_bounds,
    month_end,
    month_index,
    month_key_at,
    month_of,
    months_between,
    months_of,
    months_of_period_holding,
    on_roll,
    on_roll_during,
    period_label,
    period_of,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (D(2024, 2, 29), 1, D(2025, 2, 28)),  # a probation begun on 29 February
        (D(2024, 2, 29), 4, D(2028, 2, 29)),  # a leap year again
        (D(2024, 2, 29), 3, D(2027, 2, 28)),  # a term of three years
        (D(2023, 3, 1), 1, D(2024, 3, 1)),
        (D(2025, 12, 31), 5, D(2030, 12, 31)),
    ],
)
def test_one_year_later_from_29_february_is_28_february(day, years, expected) -> None:
    assert add_years(day, years) == expected


def test_months_later_stop_at_the_last_day_of_a_shorter_month() -> None:
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)


def test_month_ends_and_the_month_after() -> None:
    assert month_end(D(2024, 2, 3)) == D(2024, 2, 29)
    assert month_end(D(2025, 2, 3)) == D(2025, 2, 28)
    assert month_bounds(2025, 12) == (D(2025, 12, 1), D(2025, 12, 31))
    # Dues of January are on time until the end of February; of December, until 31 January.
    assert last_day_of_next_month(2024, 1) == D(2024, 2, 29)
    assert last_day_of_next_month(2025, 1) == D(2025, 2, 28)
    assert last_day_of_next_month(2025, 12) == D(2026, 1, 31)


def test_month_index_round_trips_across_a_year_end() -> None:
    december, january = month_index(2025, 12), month_index(2026, 1)
    assert january - december == 1
    assert month_at(january) == (2026, 1)
    assert month_key_at(december) == "2025-12"
    assert month_of(D(2026, 3, 9)) == "2026-03"
    assert months_between(D(2025, 11, 30), D(2026, 2, 1)) == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]


def test_quarters_halves_and_years() -> None:
    assert period_of("2025-03", "quarter") == "2025-Q1"
    assert period_of("2025-07", "half") == "2025-H2"
    assert period_of("2025-07", "year") == "2025"
    assert months_of("2025-Q4", "quarter") == ["2025-10", "2025-11", "2025-12"]
    assert months_of("2025-H1", "half")[-1] == "2025-06"
    assert len(months_of("2025", "year")) == 12
    assert months_of_period_holding(D(2024, 2, 29), "quarter") == ["2024-01", "2024-02", "2024-03"]
    assert period_label("2025-Q2", "quarter") == "2025年第2季度"
    assert period_label("2025-H2", "half") == "2025年下半年"


def test_period_months_are_those_ended_by_the_reading_day() -> None:
    assert Period(2024, D(2024, 2, 29)).months == ["2024-01"]
    assert Period(2024, D(2024, 3, 1)).months == ["2024-01", "2024-02"]
    assert Period(2024, D(2025, 1, 1)).months[-1] == "2024-12"
    assert Period(2026, D(2025, 6, 1)).months == []
    assert Period(2024, D(2024, 2, 29)).end == D(2024, 2, 29)
    assert Period(2023, D(2024, 2, 29)).end == D(2023, 12, 31)


def test_on_the_roll_from_the_first_day_to_the_day_before_leaving() -> None:
    start, left = D(2024, 2, 29), D(2025, 2, 28)
    assert not on_roll(start, left, D(2024, 2, 28))
    assert on_roll(start, left, D(2024, 2, 29))
    assert on_roll(start, left, D(2025, 2, 27))
    assert not on_roll(start, left, D(2025, 2, 28))  # the day of leaving no longer counts
    assert on_roll(start, None, D(2030, 1, 1))
    assert not on_roll(None, None, D(2030, 1, 1))
    assert on_roll_during(start, left, D(2025, 1, 1), D(2025, 12, 31))
    assert not on_roll_during(start, left, D(2025, 2, 28), D(2025, 12, 31))
    assert not on_roll_during(start, None, D(2023, 1, 1), D(2024, 2, 28))


def test_period_arithmetic_is_written_only_in_the_periods_module() -> None:
    """"One year later" and "the next month" are core.standards.periods' alone: copies written by
    hand (``day.replace(year=…)``, ``(year + 1, 1) if month == 12``) once disagreed on 29 February."""
    import re
    from pathlib import Path

    root = Path(__file__).parents[1] / "core"
    copies = re.compile(r"\.replace\(year=|if month == 12 else|if \w+\.month == 1 else|if \w+\.month == 12 else")
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        if path != root / "standards" / "periods.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if copies.search(line)
    ]
    assert found == []
