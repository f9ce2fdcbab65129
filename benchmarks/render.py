"""Scorecard PDFs: one card against WeasyPrint alone on the same HTML, and bulk throughput.

1. **per card** — ``render("branch", …).pdf()`` for a sample of branches in one warm process
   (after a warm-up): the branch's unit scored live (nothing stored), the card's HTML, the PDF.
   The floor: WeasyPrint laying out that same HTML with the same stylesheets through the same
   call and nothing else of ours; for orientation also WeasyPrint as a stranger would call it
   (its own warm font configuration). Median and p95 seconds, wall and CPU.
   Budget: median ratio to the floor ≤ 1.2×.
2. **bulk** — a "download all" job for the first ``--bulk-units`` units run by
   ``branchmark worker --workers 2`` in a child process: cards per minute on the wall clock from
   queueing to the finished ZIP (budget ≥ 300), the same from the workers' CPU time (what two
   idle cores would give), and each worker process's peak resident memory (``VmHWM`` from
   ``/proc``, budget ≤ 300 MB).

    python benchmarks/render.py --database-url sqlite:///demo.db --label demo [--cards 30] [--bulk-units 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
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
    """Seconds per branch card (ours, scoring included) against laying out the same HTML alone."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from core.reports.engine import REPORTS_DIR, write_pdf
    from core.reports.render import render

    registry = get_registry()
    with host_scope():
        branches = db.session.execute(
            select(Organization.code, Organization.tenant_id)
            .where(Organization.kind.in_(BRANCH_KINDS), Organization.established_on <= as_of)
            .order_by(Organization.tenant_id, Organization.code)
        ).all()
        tenants = {t.id: t for t in db.session.scalars(select(Tenant))}
    step = max(1, len(branches) // cards)
    sample = branches[::step][:cards]
    plain_fonts = FontConfiguration()
    plain_css: dict[str, CSS] = {}
    plain_images: dict = {}

    def ours(code: str, tenant_id: int):
        with use_tenant(tenant_id):
            report = render("branch", tenants[tenant_id], year, code, as_of, registry=registry)
            return report, report.pdf()

    def layout(report) -> bytes:
        # The floor: the same HTML laid out by the same WeasyPrint call, nothing else of ours
        # (no scoring, no template).
        return write_pdf(report.html, base_url=REPORTS_DIR, stylesheets=report.look.stylesheets)

    def plain(report) -> bytes:
        # For orientation: WeasyPrint as a stranger would call it on that HTML, with its own warm
        # font configuration, stylesheets parsed once and an image cache.
        stylesheets = [
            plain_css.setdefault(str(p), CSS(filename=str(p), font_config=plain_fonts))
            for p in report.look.stylesheets
        ]
        return HTML(string=report.html, base_url=str(REPORTS_DIR) + "/").write_pdf(
            stylesheets=stylesheets, font_config=plain_fonts, cache=plain_images
        )

    for code, tenant_id in sample[:2]:  # warm-up: templates, fonts, plugin standards
        report, _pdf = ours(code, tenant_id)
        layout(report)
        plain(report)
    times: dict[str, list[float]] = {"ours": [], "layout": [], "plain": []}
    cpu: dict[str, list[float]] = {"ours": [], "layout": [], "plain": []}
    pages = []
    for code, tenant_id in sample:
        # One after the other on the same card, so all three see the same load; the garbage of
        # one collected before the next starts, so none pays for another's.
        for name in ("ours", "layout", "plain"):
            gc.collect()
            started, cpu_started = time.perf_counter(), time.process_time()
            if name == "ours":
                report, pdf = ours(code, tenant_id)
                pages.append(_pages(pdf))
            else:
                (layout if name == "layout" else plain)(report)
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
        db.session.rollback()
    figures: dict[str, float] = {"cards": len(sample)}
    figures["pages"] = statistics.median([p for p in pages if p]) if any(pages) else 0
    for name in times:
        figures[f"{name}_median"] = statistics.median(times[name])
        figures[f"{name}_p95"] = _p95(times[name])
        # CPU seconds: what a busy shared machine disturbs least.
        figures[f"{name}_cpu_median"] = statistics.median(cpu[name])
    return figures


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
    print(f"[{args.label}] load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with app.app_context():
        with db.engine.begin() as connection:
            # A card as a year's first print: scored live (rendering stores nothing).
            connection.execute(text("DELETE FROM rectification"))
            connection.execute(text("DELETE FROM scorecard"))
        r = per_card(args.cards, args.year, args.as_of)
        db.engine.dispose()
    ratio = r["ours_median"] / r["layout_median"]
    cpu_ratio = r["ours_cpu_median"] / r["layout_cpu_median"]
    print(f"[{args.label}] per card, warm process, {r['cards']} cards (pages {r['pages']}):")
    for name, title in (
        ("ours", "render(...).pdf()        "),
        ("layout", "layout of the same HTML  "),
        ("plain", "plain WeasyPrint, same   "),
    ):
        print(
            f"  {title} median {r[name + '_median']:.3f} s  p95 {r[name + '_p95']:.3f} s"
            f"  CPU {r[name + '_cpu_median']:.3f} s"
        )
    print(f"  wall ratio {ratio:.2f}×  (budget ≤ 1.2×) {'ok' if ratio <= 1.2 else 'OVER BUDGET'}")
    print(f"  CPU ratio {cpu_ratio:.2f}× {'ok' if cpu_ratio <= 1.2 else 'OVER BUDGET'}")
    if args.bulk_units:
        b = bulk(args.database_url, args.bulk_units, args.workers, args.year, args.as_of)
        peak = ", ".join(f"{mb:.0f}" for mb in b["worker_peak_mb"])
        print(
            f"[{args.label}] bulk, {args.workers} workers: {b['cards']} cards in {b['seconds']:.1f} s = {b['per_minute']:.0f} cards/min on the wall clock (budget ≥ 300) — job {b['status']}{' ' + b['error'] if b['error'] else ''}"
        )
        print(f"  peak memory per worker: {peak} MB (budget ≤ 300 MB)")
        print(
            f"  worker CPU {b['worker_cpu_s']:.1f} s in all → {b['per_minute_idle']:.0f} cards/min"
            f" on {args.workers} idle cores (budget ≥ 300)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
