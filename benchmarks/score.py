"""Scoring every branch of the county against a bare SQL pass over the same tables.

For each database given: ``score_units`` over every unit (``compute_metrics`` for all units in one
``host_scope`` pass, then every branch evaluated against its standard) at both depths — the
**ranking pass** (``evidence=False``, the garbage collector paused: what stored live results and
rankings run) and the **full pass** (every item's evidence, as a card) — and, as the floor, a bare
pass that SELECTs the same columns of the same tables once and fetches every row. Printed: the
median wall seconds and the median **CPU seconds** of each (``time.process_time()`` of this
process plus, on PostgreSQL, the CPU of the database's server processes read from ``/proc`` — the
server must run on this machine), the CPU ratios to the floor (budgets: ranking ≤ 1.5×, full ≤
2.5×), the statements each ran (counted with a ``before_cursor_execute`` listener) — the
scoring count must not depend on the county's size — and the process's peak resident memory
on each database (budget ≤ 400 MB at 1,500 units).

    python benchmarks/score.py --database-url sqlite:///bench.db --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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
from core.metrics.registry import paused_gc  # noqa: E402
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


def score_county(year: int, as_of: dt.date, *, evidence: bool = True) -> list[UnitScore]:
    """Every branch of every unit, in one pass (what the county view and bulk jobs rely on)."""
    with host_scope():
        tenants = all_tenants()
    return score_units(tenants, year, get_registry(), as_of=as_of, evidence=evidence)


def ranking_pass(year: int, as_of: dt.date) -> list[UnitScore]:
    """The ranking pass as stored live results run it: no evidence, the collector paused."""
    with paused_gc():
        return score_county(year, as_of, evidence=False)


def _server_cpu() -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL server process of this database (empty on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return {}
    with db.engine.connect() as connection:
        pids = connection.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).all()
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # not on this machine, or gone
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


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


def _median_seconds(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds of this process and the database server)."""
    walls, cpus = [], []
    for _ in range(repeat):
        db.session.remove()
        server_before = _server_cpu()
        started, cpu_started = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - started)
        cpu = time.process_time() - cpu_started
        server_after = _server_cpu()
        cpu += sum(seconds - server_before.get(pid, 0.0) for pid, seconds in server_after.items())
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def _peak_rss_mib(reset: bool = False) -> float | None:
    """This process's peak resident memory (``VmHWM``) in MiB; ``reset`` starts it again from
    the present (Linux ``clear_refs``), so each database gets its own figure. ``None`` off Linux."""
    try:
        if reset:
            Path("/proc/self/clear_refs").write_text("5")
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def measure(database_url: str, *, year: int, as_of: dt.date, repeat: int) -> dict[str, object]:
    """Time both scoring passes and the floor on one database (after a warm-up run of each)."""
    _peak_rss_mib(reset=True)
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
            ranking_pass(year, as_of)
        scoring_queries = len(statements)
        ranking = _median_seconds(lambda: ranking_pass(year, as_of), repeat)
        full = _median_seconds(lambda: score_county(year, as_of), repeat)
        floor = _median_seconds(lambda: floor_pass(year, as_of), repeat)
        engine.dispose()
    return {
        "database": engine.dialect.name,
        "units": units,
        "branches": branches,
        "floor_rows": floor_rows,
        "ranking": ranking,
        "full": full,
        "floor": floor,
        "ranking_ratio": ranking[1] / floor[1] if floor[1] else float("inf"),
        "full_ratio": full[1] / floor[1] if floor[1] else float("inf"),
        "scoring_queries": scoring_queries,
        "floor_queries": len(FLOOR_QUERIES),
        "peak_rss_mib": _peak_rss_mib(),
    }


def _mib(value: object) -> str:
    return "—" if value is None else f"{value:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", action="append", required=True, help="repeat for several databases"
    )
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (median)")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f} / {os.getloadavg()[1]:.2f} / {os.getloadavg()[2]:.2f} (2 cores)")
    print("| db | units | branches | rows read by the floor | ranking wall / CPU s | full wall / CPU s "
          "| floor wall / CPU s | ranking ÷ floor (CPU, ≤ 1.5×) | full ÷ floor (CPU, ≤ 2.5×) | statements "
          "| peak RSS MiB (≤ 400 MB) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for url in args.database_url:
        r = measure(url, year=args.year, as_of=args.as_of, repeat=args.repeat)
        print(
            f"| {r['database']} | {r['units']:,} | {r['branches']:,} | {r['floor_rows']:,} "
            f"| {r['ranking'][0]:.2f} / {r['ranking'][1]:.2f} | {r['full'][0]:.2f} / {r['full'][1]:.2f} "
            f"| {r['floor'][0]:.2f} / {r['floor'][1]:.2f} | {r['ranking_ratio']:.2f}× | {r['full_ratio']:.2f}× "
            f"| {r['scoring_queries']} | {_mib(r['peak_rss_mib'])} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
