"""Scorecard PDFs: seconds per card in a warm process against WeasyPrint alone, and bulk throughput.

1. **per card** — ``render_branch_pdf`` for a sample of branches in one warm process (after a
   warm-up), median and p95 seconds; the same for WeasyPrint rendering the fixed reference
   document ``benchmarks/reference/scorecard.html`` (2 pages, Chinese, a table, an inline SVG; the
   same shipped font file) with nothing of ours around it. Budget: median ratio ≤ 1.5×.
2. **bulk** — a "download all" job for the first ``--bulk-units`` units run by
   ``branchmark worker --workers 2`` in a child process: cards per minute from queueing to the
   finished ZIP (budget ≥ 150), and each worker process's peak resident memory (``VmHWM`` from
   ``/proc``, budget ≤ 300 MB).

    python benchmarks/render.py --database-url sqlite:///demo.db --label demo [--cards 30] [--bulk-units 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate import bench_app  # noqa: E402
from core.extensions import db  # noqa: E402
from core.host.models import Tenant  # noqa: E402
from core.organizations.models import Organization  # noqa: E402
from core.plugins.manager import get_registry  # noqa: E402
from core.tenancy import host_scope, use_tenant  # noqa: E402

REFERENCE = ROOT / "benchmarks" / "reference" / "scorecard.html"
BRANCH_KINDS = ("branch", "joint_branch")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _pages(pdf: bytes) -> int | None:
    try:
        from io import BytesIO

        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(BytesIO(pdf)).pages)


def per_card(cards: int, year: int, as_of: dt.date) -> dict[str, float]:
    """Seconds per branch card (ours) and per reference document (WeasyPrint alone)."""
    from weasyprint import HTML

    from core.reports.render import render_branch_pdf

    registry = get_registry()
    with host_scope():
        branches = db.session.execute(
            select(Organization.id, Organization.tenant_id)
            .where(Organization.kind.in_(BRANCH_KINDS), Organization.established_on <= as_of)
            .order_by(Organization.tenant_id, Organization.code)
        ).all()
        tenants = {t.id: t for t in db.session.scalars(select(Tenant))}
    step = max(1, len(branches) // cards)
    sample = branches[::step][:cards]

    def ours(organization_id: int, tenant_id: int) -> bytes:
        tenant = tenants[tenant_id]
        with use_tenant(tenant_id):
            organization = db.session.get(Organization, organization_id)
            # store=False: measure printing, not writing snapshots (bulk jobs store them).
            return render_branch_pdf(
                tenant, organization, year, as_of=as_of, registry=registry, store=False
            )

    reference_html = REFERENCE.read_text(encoding="utf-8")

    def reference() -> bytes:
        return HTML(string=reference_html, base_url=str(REFERENCE)).write_pdf()

    for organization_id, tenant_id in sample[:2]:  # warm-up: templates, fonts, plugin standards
        ours(organization_id, tenant_id)
    reference()
    our_times, our_cpu, our_pages = [], [], []
    for organization_id, tenant_id in sample:
        started, cpu = time.perf_counter(), time.process_time()
        pdf = ours(organization_id, tenant_id)
        our_times.append(time.perf_counter() - started)
        our_cpu.append(time.process_time() - cpu)
        our_pages.append(_pages(pdf))
    reference_times, reference_cpu = [], []
    for _ in sample:
        started, cpu = time.perf_counter(), time.process_time()
        pdf = reference()
        reference_times.append(time.perf_counter() - started)
        reference_cpu.append(time.process_time() - cpu)
    return {
        "cards": len(sample),
        "ours_median": statistics.median(our_times),
        "ours_p95": _p95(our_times),
        "ours_pages": statistics.median([p for p in our_pages if p]) if any(our_pages) else 0,
        "reference_median": statistics.median(reference_times),
        "reference_p95": _p95(reference_times),
        "reference_pages": _pages(pdf) or 0,
        # CPU seconds: what a busy shared machine disturbs least.
        "ours_cpu_median": statistics.median(our_cpu),
        "reference_cpu_median": statistics.median(reference_cpu),
    }


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bulk(
    database_url: str, bulk_units: int, workers: int, year: int, as_of: dt.date
) -> dict[str, float]:
    """Run a bulk job on ``workers`` worker processes; cards per minute and peak memory each."""
    from core.accounts.models import User
    from core.accounts.services import create_user
    from core.jobs.models import Job
    from core.jobs.queue import get_huey
    from core.jobs.services import start_bulk_job

    folder = Path(tempfile.mkdtemp(prefix="bm-bulk-"))
    settings = {
        "BRANCHMARK_DATABASE_URL": database_url,
        "BRANCHMARK_DB_APP_ROLE": "",
        "BRANCHMARK_HUEY_SQLITE_PATH": str(folder / "huey.db"),
        "BRANCHMARK_JOBS_DIR": str(folder / "jobs"),
        "BRANCHMARK_REDIS_URL": "",
    }
    app = bench_app(database_url)
    app.config.update(
        HUEY_SQLITE_PATH=settings["BRANCHMARK_HUEY_SQLITE_PATH"],
        JOBS_DIR=settings["BRANCHMARK_JOBS_DIR"],
        REDIS_URL=None,
    )
    with app.app_context():
        with db.engine.begin() as connection:
            # Score live, as a first download of the year would (rendering reuses stored cards).
            connection.execute(text("DELETE FROM rectification"))
            connection.execute(text("DELETE FROM scorecard"))
        with host_scope():
            tenants = list(db.session.scalars(select(Tenant).order_by(Tenant.id).limit(bulk_units)))
        username = f"bench-{os.getpid()}"
        user = create_user(
            username=username, password="bench-password-1", role="supervisor", scope_tenants=tenants
        )
        db.session.commit()
        user = db.session.scalar(select(User).where(User.username == username))
        get_huey(app)
        env = {**os.environ, **settings}
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from core.cli import main; main()",
                "worker",
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)  # the consumer builds its app and forks its workers
            started = time.perf_counter()
            job = start_bulk_job(user, year, as_of)
            peaks: dict[int, int] = {}
            cpu: dict[int, float] = {}
            status = "queued"
            while status not in ("done", "failed"):
                time.sleep(0.2)
                for child in _children(worker.pid):
                    peaks[child] = max(peaks.get(child, 0), _peak_kib(child))
                    cpu[child] = max(cpu.get(child, 0.0), _cpu_seconds(child))
                db.session.expire_all()
                with host_scope():
                    status = db.session.scalar(select(Job.status).where(Job.id == job.id))
                db.session.commit()
            elapsed = time.perf_counter() - started
            with host_scope():
                job = db.session.get(Job, job.id)
                total, error = job.total, job.error
        finally:
            worker.send_signal(2)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
    worker_peaks = sorted((kib / 1024 for kib in peaks.values()), reverse=True)[:workers]
    return {
        "status": status,
        "error": error,
        "cards": total,
        "seconds": elapsed,
        "per_minute": total / elapsed * 60,
        "worker_peak_mb": worker_peaks,
        # Cards per CPU-minute of the workers, times the workers: the rate on idle cores.
        "per_minute_idle": total / sum(cpu.values()) * 60 * workers if cpu else 0.0,
        "worker_cpu_s": sum(cpu.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    parser.add_argument("--cards", type=int, default=30, help="branch cards timed one by one")
    parser.add_argument(
        "--bulk-units", type=int, default=40, help="units in the bulk job (0: skip)"
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    app = bench_app(args.database_url)
    with app.app_context():
        r = per_card(args.cards, args.year, args.as_of)
        db.engine.dispose()
    ratio = r["ours_median"] / r["reference_median"]
    print(f"[{args.label}] per card, warm process, {r['cards']} cards:")
    print(
        f"  ours       median {r['ours_median']:.3f} s  p95 {r['ours_p95']:.3f} s  pages {r['ours_pages']}"
    )
    print(
        f"  reference  median {r['reference_median']:.3f} s  p95 {r['reference_p95']:.3f} s  pages {r['reference_pages']}"
    )
    print(f"  ratio {ratio:.2f}×  (budget ≤ 1.5×) {'ok' if ratio <= 1.5 else 'OVER BUDGET'}")
    cpu_ratio = r["ours_cpu_median"] / r["reference_cpu_median"]
    print(
        f"  CPU seconds: ours {r['ours_cpu_median']:.3f}, reference {r['reference_cpu_median']:.3f},"
        f" ratio {cpu_ratio:.2f}× {'ok' if cpu_ratio <= 1.5 else 'OVER BUDGET'}"
    )
    if args.bulk_units:
        b = bulk(args.database_url, args.bulk_units, args.workers, args.year, args.as_of)
        peak = ", ".join(f"{mb:.0f}" for mb in b["worker_peak_mb"])
        print(
            f"[{args.label}] bulk, {args.workers} workers: {b['cards']} cards in {b['seconds']:.1f} s = {b['per_minute']:.0f} cards/min (budget ≥ 150) — job {b['status']}{' ' + b['error'] if b['error'] else ''}"
        )
        print(f"  peak memory per worker: {peak} MB (budget ≤ 300 MB)")
        print(
            f"  worker CPU {b['worker_cpu_s']:.1f} s in all → {b['per_minute_idle']:.0f} cards/min"
            f" on {args.workers} idle cores (budget ≥ 150)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
