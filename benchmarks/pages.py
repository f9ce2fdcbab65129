"""Pages as a person meets them: p50/p95 of real HTTP requests against ``branchmark serve``.

Starts ``branchmark serve`` (gunicorn, 2 workers, and one job worker) on the given database,
logs in as a host admin and as a supervisor of one unit type (both created here if missing, with
an API token for the host admin), and requests, one after another, each page ``--requests``
times after one warm-up: the county page, the unit page and the branch page of the unit with
the most branches, and the API's scores of that unit. Then: each gunicorn worker's peak resident
memory (``VmHWM``), and the time from a record written on a unit (an event, through the API) to
the county page showing the re-scored unit (searched by the branch's name, it no longer says a
re-score is pending: ``serve`` with a job worker runs stored live results in ``queue`` mode, and
the job queued by the write has run), and the job worker's peak memory.

Prints one table; nothing here is a test. The load average is printed before and after, because
absolute times on a shared machine mean little without it.

    .venv/bin/python benchmarks/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bm_bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-Passw0rd-2026"
HOST_USER = "bench-host"
#: What the county page says while a unit's re-score is queued (templates/web/_freshness.html).
RECOMPUTING = "正在重新计算"
SUPERVISOR_USER = "bench-supervisor"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def prepare(database_url: str, supervised_type: str) -> tuple[str, str, int, str, str]:
    """Create the two users and a token if missing; pick the unit with the most branches.

    :returns: (unit slug, branch code, branch id, branch name, API token of the host admin).
    """
    os.environ["BRANCHMARK_DATABASE_URL"] = database_url
    from sqlalchemy import func, select

    from core import create_app
    from core.accounts.models import User
    from core.accounts.services import create_user, issue_token
    from core.audit.recorder import acting_as
    from core.extensions import db
    from core.host.models import Tenant
    from core.organizations.models import Organization
    from core.tenancy import host_scope

    app = create_app()
    with app.app_context(), host_scope(), acting_as(None, "benchmark"):
        for username, role, scope in ((HOST_USER, "host_admin", []), (SUPERVISOR_USER, "supervisor", [supervised_type])):
            if db.session.scalar(select(User).where(User.username == username)) is None:
                create_user(username=username, password=PASSWORD, role=role, display_name=username, scope_unit_types=scope)
        host = db.session.scalar(select(User).where(User.username == HOST_USER))
        token = issue_token(host, f"benchmark {dt.datetime.now():%Y-%m-%d %H:%M:%S}")
        tenant_id, _count = db.session.execute(
            select(Organization.tenant_id, func.count())
            .group_by(Organization.tenant_id)
            .order_by(func.count().desc(), Organization.tenant_id)
            .limit(1)
        ).one()
        slug = db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))
        branch = db.session.execute(
            select(Organization.code, Organization.id, Organization.name)
            .where(Organization.tenant_id == tenant_id, Organization.kind.in_(("branch", "joint_branch")))
            .order_by(Organization.id)
            .limit(1)
        ).one()
        db.session.commit()
    return slug, branch.code, branch.id, branch.name, token


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=60).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    answer = session.post(
        f"{base}/login",
        data={"csrf_token": csrf.group(1), "username": username, "password": PASSWORD},
        allow_redirects=False,
        timeout=60,
    )
    if answer.status_code != 302:
        raise SystemExit(f"login as {username} failed: {answer.status_code}")
    return session


def timed(session: requests.Session, url: str, repeat: int, **kwargs) -> list[float]:
    session.get(url, timeout=300, **kwargs).raise_for_status()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        session.get(url, timeout=300, **kwargs).raise_for_status()
        times.append(time.perf_counter() - start)
    return times


def _workers(master: int) -> list[int]:
    """gunicorn workers: children of the master that are not the job worker's process tree."""
    found = []
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        if b" worker" not in cmdline:
            found.append(int(child))
    return found


def _job_workers(master: int) -> list[int]:
    """The job worker (``branchmark worker``) and the consumer processes it forked."""
    found = []
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        if b" worker" in cmdline:
            found.append(int(child))
            found.extend(int(p) for p in Path(f"/proc/{child}/task/{child}/children").read_text().split())
    return found


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _branch_row(page: str, name: str) -> str | None:
    """The branch's row of the county page's branch ranking, or None when it is not listed."""
    at = page.find(f">{name}<")
    if at < 0:
        return None
    return page[page.rindex("<tr", 0, at) : page.index("</tr>", at)]


def write_to_visible(
    base: str, host: requests.Session, token: str, slug: str, branch_id: int, branch_name: str, limit: float
) -> tuple[float | None, bool]:
    """Seconds from an event written through the API to the county page showing the re-scored
    result: the page searched for the branch no longer says a re-score is pending (the job queued
    by the write has run and stored the unit's results).

    :returns: (seconds or None past the limit, whether the branch's row changed: a meeting that
        the branch already had enough of changes no score).
    """
    address = f"{base}/county?{urlencode({'q': branch_name})}"
    before = _branch_row(host.get(address, timeout=300).text, branch_name)
    today = dt.date.today().isoformat()
    answer = requests.post(
        f"{base}/api/v1/units/{slug}/events",
        headers={"Authorization": f"Bearer {token}"},
        json={"organization_id": branch_id, "kinds": ["theme_day"], "held_on": today, "topic": "基准测试：记录后多久可见"},
        timeout=60,
    )
    if answer.status_code >= 300:
        print(f"  (write refused: {answer.status_code} {answer.text[:200]})")
        return None, False
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        page = host.get(address, timeout=300).text
        if RECOMPUTING not in page:
            return time.perf_counter() - start, _branch_row(page, branch_name) != before
        time.sleep(0.5)
    return None, False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--port", type=int, default=5210)
    parser.add_argument("--supervised-type", default="organ", help="unit type of the supervisor's scope")
    parser.add_argument("--visible-limit", type=float, default=60.0, help="seconds to wait for a write to show")
    args = parser.parse_args(argv)

    slug, code, branch_id, branch_name, token = prepare(args.database_url, args.supervised_type)
    env = dict(os.environ, BRANCHMARK_DATABASE_URL=args.database_url)
    bm = Path(sys.executable).with_name("branchmark")
    server = subprocess.Popen(  # noqa: S603
        [str(bm), "serve", "--host", "127.0.0.1", "--port", str(args.port), "--workers", "2", "--job-workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/login", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        load_before = os.getloadavg()
        host = login(base, HOST_USER)
        supervisor = login(base, SUPERVISOR_USER)
        rows = []
        pages = [
            ("county page, host admin", host, f"{base}/county", {}),
            (f"county page, supervisor ({args.supervised_type})", supervisor, f"{base}/county", {}),
            (
                f"county page, host admin, filtered ({args.supervised_type}, best first, page 2)",
                host,
                f"{base}/county?type={args.supervised_type}&order=best&page=2",
                {},
            ),
            ("home page, host admin", host, f"{base}/", {}),
            ("unit page", host, f"{base}/units/{slug}", {}),
            ("branch page", host, f"{base}/units/{slug}/branches/{code}", {}),
            (
                "API list: the unit's stored results",
                requests.Session(),
                f"{base}/api/v1/units/{slug}/scorecards/current",
                {"headers": {"Authorization": f"Bearer {token}"}},
            ),
            (
                "API unit scores (scored on request, with evidence)",
                requests.Session(),
                f"{base}/api/v1/units/{slug}/scorecards?year={dt.date.today().year}",
                {"headers": {"Authorization": f"Bearer {token}"}},
            ),
        ]
        for name, session, url, kwargs in pages:
            times = timed(session, url, args.requests, **kwargs)
            rows.append((name, statistics.median(times), _p95(times)))
        peaks = [_peak_mib(pid) for pid in _workers(server.pid)]
        visible, changed = write_to_visible(base, host, token, slug, branch_id, branch_name, args.visible_limit)
        job_peaks = [_peak_mib(pid) for pid in _job_workers(server.pid)]
        load_after = os.getloadavg()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)

    print(f"\n{args.label or args.database_url.rsplit('/', 1)[-1]}: unit {slug}, branch {code}, {args.requests} requests each")
    print(f"load average before {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f} (2 cores)")
    print("| page | p50 s | p95 s |\n|---|---|---|")
    for name, p50, p95 in rows:
        print(f"| {name} | {p50:.3f} | {p95:.3f} |")
    print(f"gunicorn workers' peak memory: {', '.join(f'{peak:.0f} MiB' for peak in peaks)}")
    print(f"job worker processes' peak memory (after the re-score): {', '.join(f'{peak:.0f} MiB' for peak in job_peaks)}")
    print("record written → county page shows the re-scored unit: "
          + (f"{visible:.1f} s (the branch's row {'changed' if changed else 'unchanged: no score moved'})" if visible is not None else "not within the limit"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
