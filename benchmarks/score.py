"""Scoring every branch of the county against a bare SQL pass over the same tables.

For each database given: ``score_units`` over every unit (``compute_metrics`` for all units in one
``host_scope`` pass, then every branch evaluated against its standard), and, as the floor, a
bare pass that SELECTs the same columns of the same tables once and fetches every row. Printed:
the median seconds of each, their ratio (budget: ≤ 3×) and the statements each ran (counted with
a ``before_cursor_execute`` listener) — the scoring count must not depend on the county's size.

    python benchmarks/score.py --database-url sqlite:///bench.db --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import bench_app  # noqa: E402
from core.extensions import db  # noqa: E402
from core.host.models import Tenant  # noqa: E402
from core.plugins.manager import get_registry  # noqa: E402
from core.scoring.services import UnitScore, score_units  # noqa: E402
from core.tenancy import host_scope  # noqa: E402

#: The columns compute_metrics reads, table by table, each read once with the period's filter.
FLOOR_QUERIES = (
    "SELECT id, tenant_id, parent_id, kind, code, name, established_on FROM organization",
    "SELECT id, tenant_id, organization_id, name, status, joined_on, transferred_in_on, left_on,"
    " is_leader FROM member WHERE joined_on <= :end AND (left_on IS NULL OR left_on > :start)",
    "SELECT e.id, e.organization_id, e.held_on, e.topic, k.kind FROM event e"
    " JOIN event_kind k ON k.event_id = e.id WHERE e.held_on BETWEEN :start AND :end",
    "SELECT a.event_id, a.member_id, a.status, e.training_hours FROM attendance a"
    " JOIN event e ON e.id = a.event_id WHERE e.held_on BETWEEN :start AND :end",
    "SELECT member_id, hours FROM training_record WHERE taken_on BETWEEN :start AND :end",
    "SELECT member_id, tenant_id, year, month, paid_on, amount_paid FROM dues_payment"
    " WHERE paid_on IS NOT NULL AND year >= :last_year",
    "SELECT organization_id, started_on, ends_on FROM term",
    "SELECT organization_id, member_id, role, started_on, ended_on FROM committee_seat",
    "SELECT organization_id FROM party_group",
    "SELECT * FROM fiscal_basis WHERE year = :year",
    "SELECT tenant_id, budgeted, spent FROM funding_record WHERE year = :year",
    "SELECT tenant_id, organization_id, member_id, kind, started_on, ended_on FROM staff_post",
    "SELECT * FROM facility_check WHERE checked_on <= :end",
    "SELECT member_id FROM appraisal WHERE year = :year",
    "SELECT id, organization_id, name, stage FROM development_case",
    "SELECT case_id, step, done_on FROM development_step WHERE step IN (3, 6)",
)


@contextmanager
def counting_queries(engine) -> Iterator[list[str]]:
    """Collect every statement the engine sends while the block runs."""
    statements: list[str] = []

    def _count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def all_tenants() -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).order_by(Tenant.id)))


def score_county(year: int, as_of: dt.date) -> list[UnitScore]:
    """Every branch of every unit, in one pass (what the county view and bulk jobs rely on)."""
    with host_scope():
        tenants = all_tenants()
    return score_units(tenants, year, get_registry(), as_of=as_of)


def floor_pass(year: int, as_of: dt.date) -> int:
    """The same tables read once with bare SQL; returns the rows fetched."""
    params = {
        "start": dt.date(year, 1, 1),
        "end": min(as_of, dt.date(year, 12, 31)),
        "year": year,
        "last_year": year - 1,
    }
    rows = 0
    with db.engine.connect() as connection:
        for sql in FLOOR_QUERIES:
            rows += len(connection.execute(text(sql), params).fetchall())
    return rows


def _median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        db.session.remove()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(database_url: str, *, year: int, as_of: dt.date, repeat: int) -> dict[str, object]:
    """Time scoring and the floor on one database (after a warm-up run of each)."""
    app = bench_app(database_url)
    with app.app_context():
        engine = db.engine
        with host_scope():
            units = len(all_tenants())
        outcomes = score_county(year, as_of)  # warm-up: plugin standards, caches, pages in memory
        branches = sum(len(o.branches) for o in outcomes)
        floor_rows = floor_pass(year, as_of)
        db.session.remove()
        with counting_queries(engine) as statements:
            score_county(year, as_of)
        scoring_queries = len(statements)
        scoring = _median_seconds(lambda: score_county(year, as_of), repeat)
        floor = _median_seconds(lambda: floor_pass(year, as_of), repeat)
        engine.dispose()
    return {
        "database": engine.dialect.name,
        "units": units,
        "branches": branches,
        "floor_rows": floor_rows,
        "scoring_s": scoring,
        "floor_s": floor,
        "ratio": scoring / floor if floor else float("inf"),
        "scoring_queries": scoring_queries,
        "floor_queries": len(FLOOR_QUERIES),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", action="append", required=True, help="repeat for several databases"
    )
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (median)")
    args = parser.parse_args(argv)
    print(
        f"{'db':10} {'units':>6} {'branches':>8} {'rows read':>10} {'scoring s':>10} {'floor s':>8} {'ratio':>6} {'queries':>8}  budget ≤3×"
    )
    worst = 0.0
    for url in args.database_url:
        r = measure(url, year=args.year, as_of=args.as_of, repeat=args.repeat)
        worst = max(worst, r["ratio"])
        print(
            f"{r['database']:10} {r['units']:>6} {r['branches']:>8} {r['floor_rows']:>10,} "
            f"{r['scoring_s']:>10.2f} {r['floor_s']:>8.2f} {r['ratio']:>5.2f}× {r['scoring_queries']:>8}"
        )
    print("within budget" if worst <= 3 else "OVER BUDGET (scoring > 3× the bare pass)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
