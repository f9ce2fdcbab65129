"""Scoring a county runs the same number of queries whatever its size (DESIGN.md, performance)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from benchmarks.generate import Options, generate_county
from benchmarks.score import counting_queries, score_county
from core.organizations.models import Organization
from core.tenancy import host_scope

YEAR = 2026
AS_OF = dt.date(2026, 11, 20)


def _score_and_count(db) -> tuple[int, int]:
    """(statements run, branches scored) for scoring every unit once."""
    db.session.remove()
    with counting_queries(db.engine) as statements:
        outcomes = score_county(YEAR, AS_OF)
    assert all(o.not_scored_reason is None for o in outcomes)
    assert all(
        b.result.status in ("rated", "provisional", "not_rated")
        for o in outcomes
        for b in o.branches
    )
    return len(statements), sum(len(o.branches) for o in outcomes)


def test_scoring_query_count_does_not_grow_with_the_county(app, db):
    quiet = lambda line: None  # noqa: E731 - the generator's progress lines are not wanted here
    generate_county(Options(units=2, seed=3, units_per_batch=2), report=quiet)
    small_queries, small_branches = _score_and_count(db)

    generate_county(Options(units=6, seed=4, units_per_batch=3), report=quiet)
    large_queries, large_branches = _score_and_count(db)

    with host_scope():
        organizations = db.session.scalar(select(func.count(Organization.id)))
    assert large_branches > small_branches * 2  # really more branches, members and events
    assert organizations >= large_branches
    assert small_queries == large_queries
