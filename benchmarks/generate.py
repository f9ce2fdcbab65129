"""Generate a synthetic county for benchmarks: units of every type, branches, members, a year of records.

At ``--units 1500`` (the size in DESIGN.md's performance budget) it writes about 4,000 branches,
60,000 members and 1,000,000 events, plus their kinds, attendance, dues, training, seats, terms,
groups, facility checks, funding, staff, appraisals and development cases. Records have gaps the
way real ones do: missed months, thin attendance, unpaid dues, missing appraisals.

Attendance: by default only for the events whose attendance the metrics read (党员大会, 党课,
主题党日 — about 1.2 million rows at full size); ``--attendance-share`` keeps a fraction of those;
``--full-attendance`` records every member at every event (about 15 million rows at full size).

Rows are written with bulk ``INSERT`` statements in batches inside ``host_scope`` with explicit
``tenant_id``, one transaction per batch of units, so the full size builds in minutes.
Calling it again adds more units (slugs continue the numbering).

    python benchmarks/generate.py --units 150 [--database-url URL] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.dues.models import DuesPayment  # noqa: E402
from core.events.models import Attendance, Event, EventKind, TrainingRecord  # noqa: E402
from core.extensions import db  # noqa: E402
from core.facilities.models import FacilityCheck  # noqa: E402
from core.funding.models import FundingRecord  # noqa: E402
from core.host.models import FiscalBasis, Host, Tenant  # noqa: E402
from core.members.models import Appraisal, DevelopmentCase, DevelopmentStep, Member  # noqa: E402
from core.members.periods import open_missing_periods  # noqa: E402
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term  # noqa: E402
from core.staffing.models import StaffPost  # noqa: E402
from core.tenancy import host_scope  # noqa: E402
from core.vocabulary import FACILITY_ITEMS  # noqa: E402

#: Shares of unit types in a county (organs and institutions dominate; schools are few).
UNIT_TYPE_SHARES = {
    "organ": 0.35,
    "institution": 0.25,
    "soe": 0.10,
    "two_new": 0.22,
    "school": 0.08,
}
UNIT_TYPE_NAMES = {
    "organ": "局",
    "institution": "中心",
    "soe": "集团有限公司",
    "two_new": "科技有限公司",
    "school": "学校",
}
SLUG_PREFIX = "gen-"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红玉兰文辉鹏飞宇浩晨阳雪梅婷欣怡嘉琪喆堃珺玥"
#: Monthly kinds and how many a branch holds per month; quarterly kinds in the quarter's middle month.
MONTHLY = ("committee_meeting", "theme_day", "study_session")
QUARTERLY = ("general_meeting", "party_lesson")
#: Kinds whose attendance the metrics read (core.metrics.meetings.ATTENDANCE_KINDS).
ATTENDANCE_KINDS = ("general_meeting", "theme_day", "party_lesson")
#: Heart-to-heart talks per member per year: with the meetings, ~250 events per branch.
HEART_TALKS_PER_MEMBER = 15
BATCH_ROWS = 5000


@dataclass
class Options:
    """What to generate."""

    units: int
    seed: int = 1
    year: int = 2026
    as_of: dt.date = dt.date(2026, 11, 20)
    attendance_share: float = 1.0
    full_attendance: bool = False
    #: Units written per transaction (bounds memory at full size).
    units_per_batch: int = 100


@dataclass
class Counts:
    """Rows written per table, and the seconds it took."""

    rows: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def line(self) -> str:
        keys = ("tenant", "organization", "member", "event", "attendance", "dues_payment")
        parts = [f"{k}={self.rows[k]:,}" for k in keys]
        return f"{', '.join(parts)}; {sum(self.rows.values()):,} rows in {self.seconds:.1f} s"


def _insert(model, rows: list[dict[str, Any]], counts: Counts, *, ids: bool = False) -> list[int]:
    """Bulk-insert ``rows`` in batches; with ``ids``, return the new primary keys in order."""
    new_ids: list[int] = []
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        if ids:
            result = db.session.execute(
                insert(model).returning(model.id, sort_by_parameter_order=True), batch
            )
            new_ids.extend(result.scalars())
        else:
            db.session.execute(insert(model), batch)
    counts.rows[model.__tablename__] += len(rows)
    return new_ids


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _months(options: Options) -> list[int]:
    """Months of the year with records: up to the as-of month."""
    last = 12 if options.as_of.year > options.year else options.as_of.month
    return list(range(1, last + 1))


def _day(rng: random.Random, year: int, month: int, as_of: dt.date) -> dt.date:
    day = dt.date(year, month, rng.randint(1, 28))
    return min(day, as_of)


def _unit_types(rng: random.Random, n: int) -> list[str]:
    keys = list(UNIT_TYPE_SHARES)
    return rng.choices(keys, weights=[UNIT_TYPE_SHARES[k] for k in keys], k=n)


def _shape(rng: random.Random) -> tuple[str | None, int]:
    """A unit's organization: (parent kind or None, number of branches). Mean ≈ 2.7 branches."""
    roll = rng.random()
    if roll < 0.55:
        return None, 1
    if roll < 0.80:
        return "general_branch", rng.randint(2, 4)
    return "committee", rng.randint(4, 10)


def generate_county(options: Options, *, report: Callable[[str], None] = print) -> Counts:
    """Write a synthetic county into the application's database (inside an app context).

    :param options: size, seed, year and attendance settings.
    :param report: receives one progress line per batch of units.
    :returns: rows written per table.
    """
    started = time.perf_counter()
    counts = Counts()
    rng = random.Random(options.seed)
    with host_scope():
        if db.session.scalar(select(func.count(Host.id))) == 0:
            db.session.add(Host(name="基准测试县委组织部", county="基准测试县"))
            db.session.flush()
        first = db.session.scalar(
            select(func.count(Tenant.id)).where(Tenant.slug.like(f"{SLUG_PREFIX}%"))
        )
        db.session.commit()
        for start in range(0, options.units, options.units_per_batch):
            size = min(options.units_per_batch, options.units - start)
            _generate_batch(options, rng, first + start, size, counts)
            db.session.commit()
            report(f"  {start + size}/{options.units} units: {counts.line()}")
    counts.seconds = time.perf_counter() - started
    return counts


def _generate_batch(
    options: Options, rng: random.Random, first: int, size: int, counts: Counts
) -> None:
    year, as_of = options.year, options.as_of
    months = _months(options)
    types = _unit_types(rng, size)
    tenant_rows = [
        {
            "slug": f"{SLUG_PREFIX}{first + i + 1:05d}",
            "name": f"基准县第{first + i + 1}{UNIT_TYPE_NAMES[t]}",
            "unit_type": t,
            "enabled": True,
            "plugin_enabled": True,
            "parameters": {},
        }
        for i, t in enumerate(types)
    ]
    tenant_ids = _insert(Tenant, tenant_rows, counts, ids=True)

    # Organizations: parents first (their ids are the branches' parent_id).
    shapes = [_shape(rng) for _ in tenant_ids]
    parent_rows = [
        {
            "tenant_id": tid,
            "kind": kind,
            "code": "P1",
            "name": f"{'党委' if kind == 'committee' else '党总支'}",
            "established_on": dt.date(2010, 7, 1),
        }
        for tid, (kind, _n) in zip(tenant_ids, shapes, strict=True)
        if kind
    ]
    parent_ids = iter(_insert(Organization, parent_rows, counts, ids=True))
    parent_of = {
        tid: next(parent_ids) for tid, (kind, _n) in zip(tenant_ids, shapes, strict=True) if kind
    }
    branch_rows = []
    for tid, (_kind, n) in zip(tenant_ids, shapes, strict=True):
        for b in range(n):
            # A few branches are new this year: too young to be rated (the "not rated" state).
            new = rng.random() < 0.03
            branch_rows.append(
                {
                    "tenant_id": tid,
                    "parent_id": parent_of.get(tid),
                    "kind": "joint_branch" if rng.random() < 0.04 else "branch",
                    "code": f"B{b + 1:02d}",
                    "name": f"第{b + 1}党支部",
                    "established_on": dt.date(year, rng.randint(1, 6), 1)
                    if new
                    else dt.date(2012, 7, 1),
                }
            )
    branch_ids = _insert(Organization, branch_rows, counts, ids=True)
    branches = [(bid, row["tenant_id"]) for bid, row in zip(branch_ids, branch_rows, strict=True)]

    # Terms: most current, some overdue for re-election.
    term_rows = []
    for oid, tid in branches + [(pid, tid) for tid, pid in parent_of.items()]:
        started = dt.date(rng.choice((2021, 2022, 2023, 2024)), rng.randint(1, 12), 1)
        term_rows.append(
            {
                "tenant_id": tid,
                "organization_id": oid,
                "elected_on": started,
                "started_on": started,
                "ends_on": started.replace(year=started.year + 3),
                "years": 3,
            }
        )
    _insert(Term, term_rows, counts)

    # Members, party groups.
    member_rows, group_rows = [], []
    for oid, tid in branches:
        n = rng.randint(6, 24)
        for _ in range(n):
            joined = dt.date(rng.randint(1975, year - 1), rng.randint(1, 12), rng.randint(1, 28))
            probationary = joined > as_of - dt.timedelta(days=365)
            member_rows.append(
                {
                    "tenant_id": tid,
                    "organization_id": oid,
                    "name": _name(rng),
                    "gender": rng.choice(("male", "female")),
                    "status": "probationary" if probationary else "full",
                    "joined_on": joined,
                    "full_on": None if probationary else joined + dt.timedelta(days=366),
                    "dues_category": "employed",
                    "dues_base": Decimal(rng.randrange(3000, 12000, 100)),
                    "is_leader": rng.random() < 0.08,
                    # A few left during the year (transferred out).
                    "left_on": dt.date(year, rng.randint(2, 10), 15)
                    if rng.random() < 0.02
                    else None,
                }
            )
        for g in range(n // 8 if n >= 10 else 0):
            group_rows.append(
                {"tenant_id": tid, "organization_id": oid, "name": f"第{g + 1}党小组"}
            )
    member_ids = _insert(Member, member_rows, counts, ids=True)
    _insert(PartyGroup, group_rows, counts)
    open_missing_periods(db.session)  # each member's period on their branch's roll
    roster: dict[int, list[int]] = {}
    for mid, row in zip(member_ids, member_rows, strict=True):
        roster.setdefault(row["organization_id"], []).append(mid)
    tenant_of = {oid: tid for oid, tid in branches}
    groups = Counter(row["organization_id"] for row in group_rows)

    # Committee seats: a committee where the branch is big enough, else a secretary only.
    roles = ("secretary", "deputy_secretary", "organization", "propaganda", "discipline")
    seat_rows = []
    for oid, tid in branches:
        people = roster[oid]
        size = 5 if len(people) >= 15 else (3 if len(people) >= 7 else 1)
        for role, mid in zip(roles[:size], people, strict=False):
            seat_rows.append(
                {
                    "tenant_id": tid,
                    "organization_id": oid,
                    "member_id": mid,
                    "role": role,
                    "started_on": dt.date(2023, 1, 1),
                }
            )
    _insert(CommitteeSeat, seat_rows, counts)

    # Unit-level records: fiscal basis, funding, staff.
    fiscal_rows, funding_rows, staff_rows = [], [], []
    for tid in tenant_ids:
        headcount = rng.randint(20, 400)
        fiscal_rows.append(
            {
                "tenant_id": tid,
                "year": year,
                "public_operating_expenses": Decimal(rng.randrange(200_000, 5_000_000, 1000)),
                "wage_bill_last_year": Decimal(headcount * rng.randrange(80_000, 150_000, 1000)),
                "headcount": headcount,
                "carry_over": Decimal(0),
            }
        )
        budget = Decimal(rng.randrange(5_000, 80_000, 500))
        funding_rows.append(
            {
                "tenant_id": tid,
                "year": year,
                "source": "fiscal_budget",
                "budgeted": budget,
                "spent": (budget * Decimal(rng.uniform(0.5, 1.0))).quantize(Decimal("0.01")),
            }
        )
        for k in range(rng.choice((0, 1, 1, 2))):
            staff_rows.append(
                {
                    "tenant_id": tid,
                    "person_name": _name(rng),
                    "kind": "full_time" if k == 0 and rng.random() < 0.5 else "part_time",
                    "started_on": dt.date(2020, 1, 1),
                }
            )
    _insert(FiscalBasis, fiscal_rows, counts)
    _insert(FundingRecord, funding_rows, counts)
    _insert(StaffPost, staff_rows, counts)

    # 六有 checks: on the parent where there is one (branches share its room), else the branch.
    check_rows = []
    checked = [(pid, tid) for tid, pid in parent_of.items()] + [
        (oid, tid) for oid, tid in branches if tid not in parent_of
    ]
    for oid, tid in checked:
        for item in FACILITY_ITEMS:
            check_rows.append(
                {
                    "tenant_id": tid,
                    "organization_id": oid,
                    "item": item,
                    "met": rng.random() < 0.9,
                    "evidence_note": "现场查看",
                    "checked_by": "县委组织部",
                    "checked_on": dt.date(year, rng.randint(1, max(1, as_of.month - 1)), 10),
                }
            )
    _insert(FacilityCheck, check_rows, counts)

    # Events: monthly and quarterly meetings with gaps, group meetings, heart-to-heart talks.
    event_rows: list[dict[str, Any]] = []
    for oid, tid in branches:
        # Diligence: most branches keep every month, some miss a few, a few miss many.
        roll = rng.random()
        miss = 0 if roll < 0.7 else (rng.randint(1, 3) if roll < 0.9 else rng.randint(4, 6))
        missed = set(rng.sample(months, min(miss, len(months))))
        for month in months:
            if month in missed:
                continue
            for kind in MONTHLY:
                event_rows.append(_event(rng, tid, oid, kind, year, month, as_of))
            if month % 3 == 2:
                for kind in QUARTERLY:
                    event_rows.append(_event(rng, tid, oid, kind, year, month, as_of))
            for _ in range(groups.get(oid, 0)):
                event_rows.append(_event(rng, tid, oid, "group_meeting", year, month, as_of))
        for kind in ("org_life_meeting", "democratic_appraisal"):
            if len(months) >= 2:
                event_rows.append(_event(rng, tid, oid, kind, year, months[1], as_of))
        talks = len(roster[oid]) * HEART_TALKS_PER_MEMBER * len(months) // 12
        for _ in range(talks):
            event_rows.append(_event(rng, tid, oid, "heart_talk", year, rng.choice(months), as_of))
    event_ids = _insert(Event, event_rows, counts, ids=True)
    kind_rows = [
        {"tenant_id": row["tenant_id"], "event_id": eid, "kind": row["kind"]}
        for eid, row in zip(event_ids, event_rows, strict=True)
    ]
    _insert(EventKind, kind_rows, counts)
    del kind_rows

    # Attendance, per branch's own turnout.
    turnout = {oid: rng.uniform(0.6, 0.98) for oid, _tid in branches}
    attendance_rows: list[dict[str, Any]] = []
    for eid, row in zip(event_ids, event_rows, strict=True):
        wanted = row["kind"] in ATTENDANCE_KINDS and rng.random() < options.attendance_share
        if not (options.full_attendance or wanted):
            continue
        oid = row["organization_id"]
        for mid in roster[oid]:
            roll = rng.random()
            status = (
                "present"
                if roll < turnout[oid]
                else ("excused" if roll < turnout[oid] + 0.05 else "absent")
            )
            attendance_rows.append(
                {"tenant_id": row["tenant_id"], "event_id": eid, "member_id": mid, "status": status}
            )
        if len(attendance_rows) >= 50_000:
            _insert(Attendance, attendance_rows, counts)
            attendance_rows = []
    _insert(Attendance, attendance_rows, counts)
    del event_rows, attendance_rows

    # Dues: the last six months of last year (a lapse may start there) and this year so far;
    # some members stop paying for a run of months.
    dues_rows: list[dict[str, Any]] = []
    periods = [(year - 1, m) for m in range(7, 13)] + [(year, m) for m in months if m < as_of.month]
    for mid, row in zip(member_ids, member_rows, strict=True):
        gap_start = rng.randint(0, len(periods)) if rng.random() < 0.06 else None
        gap_len = rng.randint(1, 7)
        amount = (row["dues_base"] * Decimal("0.01")).quantize(Decimal("0.01"))
        for index, (y, m) in enumerate(periods):
            unpaid = gap_start is not None and gap_start <= index < gap_start + gap_len
            late = rng.random() < 0.05
            dues_rows.append(
                {
                    "tenant_id": row["tenant_id"],
                    "member_id": mid,
                    "year": y,
                    "month": m,
                    "amount_due": amount,
                    "amount_paid": None if unpaid else amount,
                    "paid_on": None
                    if unpaid
                    else dt.date(y, m, 20) + dt.timedelta(days=75 if late else 0),
                }
            )
    _insert(DuesPayment, dues_rows, counts)
    del dues_rows

    # Training beyond meetings, appraisals for most full members, a few activists.
    training_rows, appraisal_rows = [], []
    for mid, row in zip(member_ids, member_rows, strict=True):
        for _ in range(rng.randint(1, 4)):
            training_rows.append(
                {
                    "tenant_id": row["tenant_id"],
                    "member_id": mid,
                    "taken_on": _day(rng, year, rng.choice(months), as_of),
                    "hours": Decimal(rng.choice((2, 4, 8, 16))),
                    "title": "党员教育培训",
                    "kind": rng.choice(("concentrated", "online", "study")),
                }
            )
        if row["status"] == "full" and rng.random() < 0.85:
            appraisal_rows.append(
                {
                    "tenant_id": row["tenant_id"],
                    "member_id": mid,
                    "year": year,
                    "result": rng.choices(
                        ("excellent", "qualified", "basically_qualified"), (2, 7, 1)
                    )[0],
                }
            )
    _insert(TrainingRecord, training_rows, counts)
    _insert(Appraisal, appraisal_rows, counts)

    case_rows = [
        {"tenant_id": tid, "organization_id": oid, "name": _name(rng), "stage": "activist"}
        for oid, tid in branches
        if rng.random() < 0.3
    ]
    case_ids = _insert(DevelopmentCase, case_rows, counts, ids=True)
    step_rows = []
    for cid, row in zip(case_ids, case_rows, strict=True):
        named = dt.date(year - 1, rng.randint(1, 12), 15)
        step_rows.append(
            {"tenant_id": row["tenant_id"], "case_id": cid, "step": 3, "done_on": named}
        )
        if rng.random() < 0.7:  # the others are overdue for their half-yearly assessment
            step_rows.append(
                {
                    "tenant_id": row["tenant_id"],
                    "case_id": cid,
                    "step": 6,
                    "done_on": min(as_of, named + dt.timedelta(days=170)),
                }
            )
    _insert(DevelopmentStep, step_rows, counts)
    del tenant_of


def _event(
    rng: random.Random, tid: int, oid: int, kind: str, year: int, month: int, as_of: dt.date
) -> dict[str, Any]:
    hours = {"party_lesson": 2, "theme_day": 2, "study_session": 2, "general_meeting": 1}.get(
        kind, 0
    )
    return {
        "tenant_id": tid,
        "organization_id": oid,
        "kind": kind,
        "held_on": _day(rng, year, month, as_of),
        "topic": f"{year}年{month}月{kind}",
        "training_hours": Decimal(hours),
    }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, required=True, help="units to add (1500 = full size)")
    parser.add_argument(
        "--database-url", help="SQLAlchemy URL (default: the app's configured database)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    parser.add_argument(
        "--attendance-share",
        type=float,
        default=1.0,
        help="share of 三会一课/主题党日 events with attendance",
    )
    parser.add_argument(
        "--full-attendance",
        action="store_true",
        help="attendance for every event (~15M rows at full size)",
    )
    parser.add_argument(
        "--migrate", action="store_true", help="create the schema first (flask db upgrade)"
    )
    return parser.parse_args(argv)


def bench_app(database_url: str | None, *, migrate: bool = False):
    """An application on ``database_url`` (the tables' owner: benchmarks skip SET ROLE)."""
    from core.app import create_app

    config: dict[str, Any] = {"DB_APP_ROLE": ""}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    if migrate:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
    return app


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    app = bench_app(args.database_url, migrate=args.migrate)
    options = Options(
        units=args.units,
        seed=args.seed,
        year=args.year,
        as_of=args.as_of,
        attendance_share=args.attendance_share,
        full_attendance=args.full_attendance,
    )
    with app.app_context():
        print(
            f"generating {args.units} units into {db.engine.url.render_as_string(hide_password=True)}"
        )
        counts = generate_county(options)
        # A county that grew over years has its statistics; a freshly bulk-loaded one has none
        # until autovacuum comes round, and PostgreSQL then plans the scoring joins as if the
        # tables were empty (nested loops over a million attendance rows: minutes, not seconds).
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
    print(f"done: {counts.line()}")
    for table, n in sorted(counts.rows.items()):
        print(f"  {table:20} {n:>12,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
