"""Issue 13's promises checked against a real ``branchmark serve`` (gunicorn, 2 workers, 2 job
workers) over HTTP: hostile uploads with the web workers' peak memory, the same files through the
CLI, a cookie captured before logout, the headers, login throttling across both workers, the
inputs that used to answer 500, a formula in an export, a job worker killed mid-job and, on
PostgreSQL, every backend ended while requests run.

Not a test (it needs a served database with the demo county, ``branchmark demo``); it prints one
line per check, ``ok`` or ``FAIL``, with the figure measured, and exits 1 on any failure::

    BRANCHMARK_DATABASE_URL=... python benchmarks/hardening_live.py --port 5260 [--https-proxy]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.pages import _peak_mib, _workers  # noqa: E402

PASSWORD = "branchmark-demo"
UNIT = "caizheng"
UNIT_ADMIN = "caizheng-admin"
HOST_ADMIN = "tx-admin"
SUPERVISOR = "tx-jgdd"
#: A web worker may reach this peak (issue 13, "Done when").
MAX_WORKER_MIB = 300
#: An answer to a hostile upload may take this long (issue 13, "Done when").
MAX_SECONDS = 10

failures: list[str] = []


def report(name: str, ok: bool, detail: str) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)
    if not ok:
        failures.append(name)


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _plain_http_counts_as_https() -> None:
    """This script plays the HTTPS proxy: it speaks plain HTTP to gunicorn with
    ``X-Forwarded-Proto: https``, so the Secure cookies it gets must go back over that HTTP."""
    from requests.cookies import MockRequest

    original = MockRequest.__init__

    def init(self, request) -> None:
        original(self, request)
        self.type = "https"

    MockRequest.__init__ = init


class Client:
    """A browser: a session, the CSRF token of the last page, and the proxy headers if any."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers.update(headers or {})
        # Behind the "proxy" (X-Forwarded-Proto: https) cookies are Secure, and requests would
        # not send them back over the plain HTTP this script speaks to gunicorn.

    def csrf(self, path: str) -> str:
        page = self.http.get(self.base + path, timeout=60).text
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        return found.group(1) if found else ""

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        token = self.csrf("/login")
        return self.http.post(
            self.base + "/login",
            data={"csrf_token": token, "username": username, "password": password},
            allow_redirects=False,
            timeout=60,
        )


def api_token(base: str, proxy: dict[str, str]) -> str:
    """A bearer token of the unit admin, made through the account page like a person would."""
    unit = Client(base, proxy)
    unit.login(UNIT_ADMIN)
    token = unit.csrf("/account")
    page = unit.http.post(base + "/account/tokens", data={"csrf_token": token, "name": "hardening"}, timeout=60).text
    found = re.search(r'id="new-token">([^<]+)<', page)
    if not found:
        raise SystemExit("no token on the account page")
    return found.group(1)


# --- headers and sessions -----------------------------------------------------------------------


def check_headers(base: str, https: bool, proxy: dict[str, str]) -> None:
    answer = requests.get(base + "/login", headers=proxy, timeout=60)
    head = answer.headers
    csp = head.get("Content-Security-Policy", "")
    report("CSP", "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0],
           csp[:80])
    report("frame-ancestors / X-Frame-Options", "frame-ancestors 'none'" in csp and head.get("X-Frame-Options") == "DENY",
           head.get("X-Frame-Options", "-"))
    report("nosniff", head.get("X-Content-Type-Options") == "nosniff", head.get("X-Content-Type-Options", "-"))
    report("Referrer-Policy", bool(head.get("Referrer-Policy")), head.get("Referrer-Policy", "-"))
    hsts = head.get("Strict-Transport-Security")
    cookie = head.get("Set-Cookie", "")
    if https:
        report("HSTS over HTTPS", bool(hsts), hsts or "-")
        report("Secure cookie over HTTPS", "Secure" in cookie and "HttpOnly" in cookie, cookie.split(";", 1)[-1][:80])
        plain = requests.get(base + "/login", allow_redirects=False, timeout=60)
        report("plain HTTP redirected", plain.status_code in (301, 302) and plain.headers["Location"].startswith("https:"),
               f"{plain.status_code} {plain.headers.get('Location', '')[:40]}")
    else:
        report("no HSTS over HTTP", hsts is None, hsts or "none")


def check_logout(base: str, proxy: dict[str, str]) -> None:
    browser = Client(base, proxy)
    browser.login(UNIT_ADMIN)
    captured = dict(browser.http.cookies)
    before = requests.get(base + f"/units/{UNIT}", cookies=captured, headers=proxy, allow_redirects=False, timeout=60)
    token = browser.csrf(f"/units/{UNIT}")
    browser.http.post(base + "/logout", data={"csrf_token": token}, timeout=60)
    after = requests.get(base + f"/units/{UNIT}", cookies=captured, headers=proxy, allow_redirects=False, timeout=60)
    report("captured cookie refused after logout", before.status_code == 200 and after.status_code in (302, 401),
           f"before logout {before.status_code}, after {after.status_code} → {after.headers.get('Location', '')[:30]}")
    # A CSRF token of the old session no longer posts.
    stale = requests.post(base + "/logout", data={"csrf_token": token}, cookies=captured, headers=proxy,
                          allow_redirects=False, timeout=60)
    report("old CSRF token refused", stale.status_code in (302, 400, 401), str(stale.status_code))


def _worker_ticks(pids: list[int]) -> list[int]:
    ticks = []
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks.append(int(fields[11]) + int(fields[12]))
    return ticks


def check_throttle(base: str, pids: list[int], proxy: dict[str, str], trusted: bool) -> None:
    # Account lock first: 5 wrong passwords, then the right one is refused with the time.
    victim = "cz-b1-sj"
    client = Client(base, {**proxy, "X-Forwarded-For": "10.9.9.9"} if trusted else proxy)
    # Counted against the address too, unless the account was locked already (a 429).
    counted = sum(client.login(victim, "wrong").status_code == 400 for _ in range(5))
    locked = client.login(victim)
    body = locked.text
    report("account lock after 5 failures", locked.status_code == 429 and "锁定" in body,
           f"{locked.status_code} {'锁定' if '锁定' in body else ''}")
    # By address: fresh connections (spread over both workers) until the first 429.
    ticks = _worker_ticks(pids)
    first = None
    for attempt in range(1, 41):
        answer = Client(base, {**proxy, "X-Forwarded-For": "10.1.1.1"} if trusted else proxy).login("nobody", "x")
        if answer.status_code == 429:
            first = attempt
            message = re.search(r"尝试次数过多[^<]*", answer.text)
            break
    served = [b - a for a, b in zip(ticks, _worker_ticks(pids), strict=True)]
    earlier = 0 if trusted else counted  # behind the proxy the lock came from another address
    report("address limit across 2 workers", first is not None and first - 1 + earlier == 20 and all(served),
           f"first 429 at attempt {first} after {counted} failures counted while locking the account, "
           f"CPU ticks per worker {served}, message {message.group(0) if first else '-'!r}, "
           f"Retry-After {answer.headers.get('Retry-After')}")
    if trusted:
        other = Client(base, {**proxy, "X-Forwarded-For": "10.2.2.2"}).login("nobody", "x")
        report("trusted proxy: another client address is not throttled", other.status_code == 400, str(other.status_code))
    else:
        spoof = Client(base, {"X-Forwarded-For": "10.3.3.3"}).login("nobody", "x")
        report("untrusted X-Forwarded-For ignored", spoof.status_code == 429, str(spoof.status_code))


# --- inputs that answered 500 -------------------------------------------------------------------


def check_inputs(base: str, token: str, proxy: dict[str, str], postgres: bool) -> None:
    api = requests.Session()
    api.headers.update({**proxy, "Authorization": f"Bearer {token}"})
    u = f"{base}/api/v1/units/{UNIT}"
    members = api.get(f"{u}/members", timeout=60).json()
    member = members[0]["id"]
    branch = members[0]["organization_id"]
    statuses: Counter = Counter()
    bad = []

    def expect_4xx(label: str, response: requests.Response) -> None:
        statuses[response.status_code] += 1
        text = response.text
        if response.headers.get("Content-Type", "").startswith("application/json"):
            text = json.dumps(response.json(), ensure_ascii=False)
        if not (400 <= response.status_code < 500 and chinese(text)):
            bad.append(f"{label} → {response.status_code} {text[:80]}")

    for path in (
        f"{u}/scorecards?year=0", f"{u}/scorecards?year=10000", f"{u}/training-records?year=0",
        f"{u}/training-records?year=10000", f"{u}/alerts?as_of=2000-01-01", f"{base}/api/v1/jobs?status=foo",
        f"{u}/members/{2**31}", f"{u}/members/{2**63}", f"{u}/members?organization_id={2**31}",
        f"{u}/members?organization_id={2**63}", f"{u}/members?page={2**31}", f"{u}/members?page={2**63}",
        f"{u}/members?name=a%00b",
    ):
        expect_4xx(path.replace(base, ""), api.get(path, timeout=60))
    body = {"organization_id": branch, "name": "测试", "status": "full", "joined_on": "2010-07-01"}
    for label, extra in (
        ("NUL in name", {"name": "张\x00三"}),
        ("dues_base 1e20", {"dues_base": 1e20}),
        ("1 MB note", {"note": "x" * 1_000_000}),
        ("joined before born", {"birth_date": "1990-01-01", "joined_on": "1980-01-01"}),
        ("branch id 2^31", {"organization_id": 2**31}),
        ("branch id 2^63", {"organization_id": 2**63}),
    ):
        expect_4xx(label, api.post(f"{u}/members", json={**body, **extra}, timeout=60))
    # Bodies near MAX_CONTENT_LENGTH (12 MB): the workers' peak after this step is printed.
    expect_4xx("11 MB note", api.post(f"{u}/members", json={**body, "note": "x" * 11_000_000}, timeout=120))
    expect_4xx("2.9 M short strings", api.post(f"{u}/members", data="[" + '"a",' * 2_900_000 + '"a"]', timeout=120,
                                             headers={"Content-Type": "application/json"}))
    expect_4xx("12 MB of {}", api.post(f"{u}/members", data="[" + "{}," * 4_000_000 + "{}]", timeout=120,
                                       headers={"Content-Type": "application/json"}))
    expect_4xx("5,000 nested [", api.post(f"{u}/members", data="[" * 5000, timeout=60,
                                          headers={"Content-Type": "application/json"}))
    expect_4xx("PATCH without a body", api.patch(f"{u}/members/{member}", timeout=60))
    expect_4xx("PATCH {}", api.patch(f"{u}/members/{member}", json={}, timeout=60))
    page = Client(base, proxy)
    page.login(UNIT_ADMIN)
    for path in (f"/units/{UNIT}?year=0", f"/units/{UNIT}?year=10000", f"/units/{UNIT}/members/{2**63}",
                 f"/units/{UNIT}/members/{2**31}", f"/jobs/{2**63}", f"/units/{UNIT}/branches/x/members?page={2**63}"):
        answer = page.http.get(base + path, allow_redirects=False, timeout=60)
        statuses[answer.status_code] += 1
        if answer.status_code >= 500:
            bad.append(f"{path} → {answer.status_code}")
    after = api.get(f"{u}/members?page_size=1", timeout=60)
    total = after.headers.get("X-Pagination", "")
    report("former 500 inputs answer 4xx in Chinese", not bad,
           f"{sum(statuses.values())} requests {dict(statuses)}; {'; '.join(bad) or 'none bad'}; {total[:60]}")
    foreign = page.http.get(base + "/units/shichang", allow_redirects=False, timeout=60).status_code
    missing = page.http.get(base + "/units/no-such-unit", allow_redirects=False, timeout=60).status_code
    report("web: foreign unit answers as a missing one", foreign == missing == 404, f"foreign {foreign}, missing {missing}")


def check_export(base: str, token: str, proxy: dict[str, str]) -> None:
    import io
    import zipfile

    api = requests.Session()
    api.headers.update({**proxy, "Authorization": f"Bearer {token}"})
    u = f"{base}/api/v1/units/{UNIT}"
    branch = api.get(f"{u}/members", timeout=60).json()[0]["organization_id"]
    name = '=HYPERLINK("http://x.invalid","点我")'
    created = api.post(f"{u}/members", json={"organization_id": branch, "name": name[:20], "status": "full",
                                             "joined_on": "2010-07-01"}, timeout=60)
    page = Client(base, proxy)
    page.login(UNIT_ADMIN)
    data = page.http.get(f"{base}/units/{UNIT}/excel/export/members", timeout=120).content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
        strings = archive.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in archive.namelist() else b""
    report("formula name exported as text", created.status_code == 201 and b"<f>" not in sheets
           and ("'" + name[:20]).encode() in (strings + sheets).replace(b"&quot;", b'"'),
           f"create {created.status_code} {created.text[:120] if created.status_code != 201 else ''}, "
           f"<f> in sheets: {b'<f>' in sheets}")
    if created.status_code == 201:
        api.delete(f"{u}/members/{created.json()['id']}", timeout=60)


# --- hostile files ------------------------------------------------------------------------------


def hostile_files() -> list[tuple[str, bytes, str]]:
    from tests import test_hardening_files as f

    return [
        ("zip bomb", f._bomb(), "解压后超过"),
        ("1 GiB cell in 1 MB", f._one_huge_cell_bomb(), "解压后超过"),
        ("8 M-char cell", f._huge_cell_within_limits(), "内容超过 5000 个字符"),
        ("1 M rows", f._million_rows(), "超过 5000 行"),
        ("500 parts", f._many_parts(), "部件"),
        ("PNG", b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048, "不是有效的 Excel"),
        ("CSV", "姓名,支部\n张三,b1\n".encode(), "不是有效的 Excel"),
    ]


def _rss_watch(pids: list[int], stop: threading.Event, peak: dict[int, float]) -> None:
    """Sample the current RSS of the workers and of any child they start (the parsing child)."""
    while not stop.is_set():
        for pid in pids:
            try:
                for proc in [pid, *map(int, _children(pid))]:
                    for line in Path(f"/proc/{proc}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            peak[proc] = max(peak.get(proc, 0), int(line.split()[1]) / 1024)
            except (FileNotFoundError, ProcessLookupError):
                pass
        stop.wait(0.02)


def check_hostile(base: str, pids: list[int], proxy: dict[str, str], database_url: str) -> None:
    browser = Client(base, proxy)
    browser.login(UNIT_ADMIN)
    before_members = _count_members(browser)
    stop = threading.Event()
    peak: dict[int, float] = {}
    watcher = threading.Thread(target=_rss_watch, args=(pids, stop, peak), daemon=True)
    watcher.start()
    folder = Path(tempfile.mkdtemp(prefix="bm_hardening_"))
    try:
        for name, data, message in hostile_files():
            token = browser.csrf(f"/units/{UNIT}/excel")
            start = time.perf_counter()
            answer = browser.http.post(
                f"{base}/units/{UNIT}/excel/import", data={"csrf_token": token, "kind": "members"},
                files={"file": ("members.xlsx", data)}, timeout=120,
            )
            took = time.perf_counter() - start
            worker_peak = max(_peak_mib(pid) for pid in pids)
            report(f"web upload: {name} ({len(data) // 1024} KB)",
                   answer.status_code == 400 and message in answer.text and took <= MAX_SECONDS
                   and worker_peak <= MAX_WORKER_MIB,
                   f"{answer.status_code} in {took:.1f} s, workers' peak RSS (VmHWM) {worker_peak:.0f} MB")
            path = folder / "hostile.xlsx"
            path.write_bytes(data)
            code, output, cli_peak, took, cpu = _cli(["import", "--tenant", UNIT, "--kind", "members", str(path)], database_url)
            report(f"CLI import: {name}", code != 0 and message in output and "Traceback" not in output
                   and cli_peak <= MAX_WORKER_MIB,
                   f"exit {code} in {took:.1f} s ({cpu:.1f} s CPU, load {os.getloadavg()[0]:.0f}), peak RSS of CLI + parsing child {cli_peak:.0f} MB")
    finally:
        stop.set()
        watcher.join()
    web_peaks = {pid: peak.get(pid, 0) for pid in pids}
    children = {pid: p for pid, p in peak.items() if pid not in pids}
    report("web workers' sampled peak RSS", max(web_peaks.values()) <= MAX_WORKER_MIB,
           f"workers {', '.join(f'{p:.0f}' for p in web_peaks.values())} MB; parsing children up to "
           f"{max(children.values(), default=0):.0f} MB")
    report("nothing written by hostile files", _count_members(browser) == before_members, f"{before_members} members")


def _count_members(browser: Client) -> int:
    page = browser.http.get(f"{browser.base}/units/{UNIT}/excel/export/members", timeout=120).content
    import io

    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(page), read_only=True).worksheets[0].max_row


_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:]).returncode
took = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"\\n{code} {usage.ru_maxrss} {took:.2f} {usage.ru_utime + usage.ru_stime:.2f}")
"""


def _cli(args: list[str], database_url: str) -> tuple[int, str, float, float, float]:
    command = [sys.executable, "-I", "-c", _MEASURE, str(Path(sys.executable).with_name("branchmark")), *args]
    done = subprocess.run(command, capture_output=True, env={**os.environ, "BRANCHMARK_DATABASE_URL": database_url},
                          timeout=300, check=False)  # noqa: S603
    output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    code, peak_kb, took, cpu = done.stdout.decode().rsplit("\n", 2)[-2].split()
    return int(code), output, int(peak_kb) / 1024, float(took), float(cpu)


# --- faults -------------------------------------------------------------------------------------


def check_job_kill(base: str, server: subprocess.Popen, proxy: dict[str, str]) -> None:
    """Start a supervisor's bulk job, SIGKILL the job worker process holding a chunk, wait."""
    supervisor = Client(base, proxy)
    supervisor.login(SUPERVISOR)
    token = supervisor.csrf("/county")
    year = time.gmtime().tm_year - 1
    started = supervisor.http.post(f"{base}/jobs/bulk-scorecards", data={"csrf_token": token, "year": year},
                                   allow_redirects=False, timeout=60)
    location = started.headers.get("Location", "")
    found = re.search(r"/jobs/(\d+)", location)
    if not found:
        report("job healed after a worker was killed", False, f"no job started: {started.status_code} {location}")
        return
    job = found.group(1)
    consumer = [int(p) for p in _children(server.pid) if b" worker" in Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ")]
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline:
        state = supervisor.http.get(f"{base}/jobs/{job}.json", timeout=60).json()
        if state.get("done", 0) >= 1 and state.get("status") == "running":
            processes = [int(p) for c in consumer for p in _children(c)]
            if processes:
                killed = processes[0]
                os.kill(killed, signal.SIGKILL)
                at = f"{state['done']}/{state['total']}"
        time.sleep(0.2)
    start = time.perf_counter()
    while time.monotonic() < deadline + 300:
        state = supervisor.http.get(f"{base}/jobs/{job}.json", timeout=60).json()
        if state.get("status") in ("done", "failed"):
            break
        time.sleep(0.5)
    took = time.perf_counter() - start
    download = supervisor.http.get(f"{base}/jobs/{job}/download", timeout=120)
    report("job healed after a worker was killed", killed is not None and state.get("status") == "done"
           and download.status_code == 200,
           f"killed pid {killed} at {at if killed else '-'}, then {state.get('status')} "
           f"{state.get('done')}/{state.get('total')} after {took:.0f} s, download {download.status_code}")


def _children(pid: int) -> list[str]:
    """Child processes of every thread of a process (a gthread worker's child is its thread's)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError):
            found += (task / "children").read_text().split()
    return found


def check_pg_terminate(base: str, token: str, proxy: dict[str, str], database_url: str) -> None:
    from sqlalchemy import create_engine, text

    database = database_url.rsplit("/", 1)[-1].split("?")[0]
    owner = create_engine(database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    statuses: Counter = Counter()
    stop = threading.Event()

    def hammer() -> None:
        api = requests.Session()
        api.headers.update({**proxy, "Authorization": f"Bearer {token}"})
        while not stop.is_set():
            statuses[api.get(f"{base}/api/v1/units/{UNIT}/members?page_size=5", timeout=60).status_code] += 1

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    ended = 0
    with owner.connect() as conn:
        for _ in range(5):
            time.sleep(1)
            ended += conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": database}).scalar()
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()
    after = Counter(requests.get(f"{base}/api/v1/units/{UNIT}/members?page_size=5", timeout=60,
                                 headers={**proxy, "Authorization": f"Bearer {token}"}).status_code for _ in range(10))
    report("PostgreSQL backends ended mid-requests", not any(s >= 500 and s != 503 for s in statuses)
           and after == Counter({200: 10}),
           f"{ended} backends ended in 5 rounds; during: {dict(statuses)}; after: {dict(after)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--https-proxy", action="store_true",
                        help="serve with HTTPS=true and TRUSTED_PROXIES=1; requests carry X-Forwarded-Proto: https")
    parser.add_argument("--only", default="", help="comma-separated checks to run (default: all)")
    args = parser.parse_args(argv)
    database_url = os.environ["BRANCHMARK_DATABASE_URL"]
    env = dict(os.environ)
    proxy: dict[str, str] = {}
    if args.https_proxy:
        env.update(BRANCHMARK_HTTPS="true", BRANCHMARK_TRUSTED_PROXIES="1")
        _plain_http_counts_as_https()
        # A browser on HTTPS sends its page as Referer; Flask-WTF checks it on HTTPS posts.
        proxy = {"X-Forwarded-Proto": "https", "Referer": f"https://127.0.0.1:{args.port}/"}
    log = open(Path(tempfile.gettempdir()) / f"bm_hardening_serve_{args.port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("branchmark")), "serve", "--host", "127.0.0.1", "--port", str(args.port),
         "--workers", "2", "--job-workers", "2"],
        env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    only = set(filter(None, args.only.split(",")))
    try:
        for _ in range(240):
            try:
                if requests.get(f"{base}/login", headers=proxy, timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        pids = _workers(server.pid)
        print(f"serve pid {server.pid}, gunicorn workers {pids}, {database_url.split(':')[0]}, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
        token = api_token(base, proxy) if not only or only & {"inputs", "export", "pg"} else ""
        steps = {
            "headers": lambda: check_headers(base, args.https_proxy, proxy),
            "logout": lambda: check_logout(base, proxy),
            "inputs": lambda: check_inputs(base, token, proxy, database_url.startswith("postgresql")),
            "export": lambda: check_export(base, token, proxy),
            "hostile": lambda: check_hostile(base, pids, proxy, database_url),
            "job": lambda: check_job_kill(base, server, proxy),
            "pg": lambda: check_pg_terminate(base, token, proxy, database_url)
            if database_url.startswith("postgresql") else None,
            "throttle": lambda: check_throttle(base, pids, proxy, args.https_proxy),
        }
        for name, step in steps.items():
            if not only or name in only:
                step()
                print(f"    after {name}: workers' peak RSS {', '.join(f'{_peak_mib(p):.0f}' for p in pids)} MB",
                      flush=True)
        print(f"workers' peak RSS (VmHWM): {', '.join(f'{_peak_mib(p):.0f} MB' for p in pids)}; "
              f"this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    print(f"{len(failures)} failed: {', '.join(failures) or '-'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
