#!/usr/bin/env python3
"""Screenshots of the main pages, for README.md: docs/screenshots/<name>.png.

Run by hand (not by CI), from the checkout, after `make setup` (or `make test`, which installs
Debian's chromium):

    .venv/bin/python scripts/screenshots.py            # every page that exists in this build
    .venv/bin/python scripts/screenshots.py county branch --out /tmp/shots

It loads the demo county as `make demo` does (records up to yesterday in the configured zone:
pages score "as of today", so older data would show every branch short for the weeks since)
into a temporary SQLite database, serves the real
application on 127.0.0.1 and a free port, and drives Debian's /usr/bin/chromium with Playwright
(never a downloaded browser), logged in as the demo users. Pages whose endpoint is not in this
build yet are listed as skipped. Tall pages are cut at MAX_HEIGHT pixels.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.browser.conftest import (  # noqa: E402 - the browser tests' server and flags
    CHROMIUM_ARGS,
    LiveServer,
    chromium_path,
    log_in,
)

OUT = PROJECT_ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
#: A phone (issue 12: every routine page works at 390 px).
PHONE = {"width": 390, "height": 844}
MAX_HEIGHT = 2400


@dataclass
class Shot:
    """One screenshot: who is logged in, which endpoint (with its arguments), what to do first."""

    name: str
    title: str
    user: str | None
    endpoint: str
    args: dict[str, Any] = field(default_factory=dict)
    query: str = ""
    prepare: Callable[[Any], None] | None = None
    #: Other endpoints tried, in order, when ``endpoint`` is not in this build.
    fallbacks: tuple[str, ...] = ()
    viewport: dict[str, int] = field(default_factory=lambda: dict(VIEWPORT))


SHOTS = [
    Shot("login", "登录 / Log in", None, "accounts.login"),
    Shot("login-en", "Log in (English)", None, "accounts.login", query="lang=en"),
    Shot("home-host-admin", "县委组织部管理员首页 / host admin home", "tx-admin", "web.home"),
    Shot("home-supervisor", "督导首页 / supervisor home", "tx-jgdd", "web.home"),
    Shot("home-unit-admin", "单位管理员首页 / unit admin home", "caizheng-admin", "web.home"),
    Shot("home-secretary", "支部书记首页 / branch secretary home", "cz-b2-sj", "web.home"),
    Shot("unit", "单位页 / unit page", "tx-admin", "web.unit", {"slug": "shuiwu"}),
    Shot(
        "branch",
        "支部看板 / branch dashboard",
        "cz-b2-sj",
        "web.branch",
        {"slug": "caizheng", "code": "cz-b2"},
    ),
    Shot("county", "全县排名 / county page", "tx-admin", "web.county"),
    Shot(
        "members",
        "党员名册 / members list",
        "caizheng-admin",
        "member_pages.index",
        {"slug": "caizheng"},
    ),
    Shot(
        "meeting-form",
        "录入会议与出勤 / meeting form",
        "cz-b2-sj",
        "event_pages.create",
        {"slug": "caizheng", "code": "cz-b2"},
        query="held_on=2026-11-18",
    ),
    Shot(
        "dues-ledger",
        "党费台账 / dues ledger",
        "lvxin-admin",
        "dues_pages.ledger",
        {"slug": "lvxin", "code": "lx-b1"},
        query="year=2026",
    ),
    Shot(
        "import-errors",
        "导入错误 / import errors",
        "caizheng-admin",
        "excel.index",
        {"slug": "caizheng"},
        prepare=lambda page: _upload_bad_roster(page),
    ),
    Shot("api-docs", "API 文档 / API docs", "tx-admin", "api_docs_page.docs"),
    Shot("host-units", "单位管理 / host: units", "tx-admin", "host.units"),
    Shot("host-audit", "审计日志 / host: audit log", "tx-admin", "host.audit"),
    Shot("host-parameters", "县级参数 / host: parameters", "tx-admin", "host.parameters"),
    # Store 2025's scorecards first: rectifications and the supervisor's inbox then have rows.
    Shot(
        "host-assessment",
        "年度考核 / host: annual assessment",
        "tx-admin",
        "host.assessment",
        prepare=lambda page: _run_assessment(page, "2025"),
    ),
    Shot("scoring-inbox", "督导待办 / supervisor inbox", "tx-qydd", "scoring.inbox"),
    Shot(
        "rectifications",
        "整改任务 / rectifications",
        "caizheng-admin",
        "scoring.rectifications",
        {"slug": "caizheng"},
    ),
    Shot("forbidden", "无权限 / 403", "cz-b2-sj", "web.unit", {"slug": "shuiwu"}),
    # A secretary's month (issue 12), at desktop and phone width.
    Shot("secretary-landing", "支部书记首页（本月要做）/ secretary landing", "cz-b3-sj", "web.home"),
    Shot(
        "secretary-landing-phone", "支部书记首页（手机）/ secretary landing, phone", "cz-b3-sj",
        "web.home", viewport=PHONE,
    ),
    Shot(
        "meeting-form-committee", "记录支委会 / committee meeting form", "cz-b3-sj",
        "event_pages.create", {"slug": "caizheng", "code": "cz-b3"}, query="kind=committee_meeting",
    ),
    Shot(
        "meeting-form-phone", "记录支委会（手机）/ committee meeting form, phone", "cz-b3-sj",
        "event_pages.create", {"slug": "caizheng", "code": "cz-b3"}, query="kind=committee_meeting",
        viewport=PHONE,
    ),
    Shot("county-phone", "全县排名（手机）/ county page, phone", "tx-admin", "web.county", viewport=PHONE),
]


def _upload_bad_roster(page) -> None:
    """Upload a roster with one bad row, as tests/browser/test_excel.py does, to show the report."""
    from tests.browser.test_excel import _roster_with_one_bad_row

    with page.expect_download() as info:
        page.get_by_role("link", name="党员花名册").first.click()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.xlsx"
        info.value.save_as(template)
        upload = Path(tmp) / "花名册.xlsx"
        upload.write_bytes(_roster_with_one_bad_row(template.read_bytes()))
        page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(upload))
        page.get_by_role("button", name="上传并导入").click()
        page.wait_for_load_state()


def _shrink(path: Path) -> None:
    """256 colours without dithering: text stays sharp, the file about a third (kept in git)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    small.save(path, optimize=True)


def _run_assessment(page, year: str) -> None:
    page.locator("select#year").select_option(year)
    page.get_by_role("button", name="执行年度考核并存档").click()
    page.wait_for_load_state()


def _serve(workdir: Path) -> LiveServer:
    from flask_migrate import upgrade

    from core import create_app
    from core.demo import load_demo
    from core.extensions import db
    from core.timezone import local_today

    os.environ["BRANCHMARK_INSTANCE_PATH"] = str(workdir / "instance")  # not the project's
    url = f"sqlite:///{workdir / 'screenshots.db'}"
    config = {
        "DATABASE_URL": url,
        "SECRET_KEY": "screenshots",
        "RATELIMIT_ENABLED": False,
        "HUEY_IMMEDIATE": True,
        "JOBS_DIR": str(workdir / "jobs"),
    }
    app = create_app({**config, "TESTING": True})
    with app.app_context():
        upgrade()
        load_demo(as_of=local_today() - dt.timedelta(days=1))
        db.session.remove()
        db.engine.dispose()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = LiveServer(create_app(config))
    server.start()
    return server


def _url(server: LiveServer, shot: Shot) -> str | None:
    app = server.app
    for endpoint in (shot.endpoint, *shot.fallbacks):
        if endpoint in app.view_functions:
            with app.test_request_context():
                from flask import url_for

                path = url_for(endpoint, **shot.args)
            return server.url(path + (f"?{shot.query}" if shot.query else ""))
    return None


def take(names: list[str], out: Path) -> int:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        print("chromium not found: apt-get install chromium (or make test)", file=sys.stderr)
        return 1
    wanted = [s for s in SHOTS if not names or s.name in names]
    unknown = set(names) - {s.name for s in SHOTS}
    if unknown:
        print(f"unknown screenshots: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    taken, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="branchmark-shots-") as tmp:
        print("loading the demo county …", file=sys.stderr)
        server = _serve(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                contexts: dict[tuple[str | None, int], Any] = {}
                for shot in wanted:
                    url = _url(server, shot)
                    if url is None:
                        skipped.append(f"{shot.name} (no endpoint {shot.endpoint} yet)")
                        continue
                    key = (shot.user, shot.viewport["width"])
                    if key not in contexts:
                        context = browser.new_context(
                            base_url=server.base_url, locale="zh-CN", viewport=shot.viewport
                        )
                        context.set_default_timeout(120_000)
                        if shot.user:
                            log_in(context.new_page(), shot.user)
                        contexts[key] = context
                    page = contexts[key].new_page()
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    if shot.prepare:
                        shot.prepare(page)
                    height = page.evaluate("document.documentElement.scrollHeight")
                    clip = {
                        "x": 0,
                        "y": 0,
                        "width": shot.viewport["width"],
                        "height": min(height, MAX_HEIGHT),
                    }
                    target = out / f"{shot.name}.png"
                    page.screenshot(path=str(target), full_page=True, clip=clip)
                    _shrink(target)
                    page.close()
                    taken.append(shot.name)
                    print(f"  {shot.name}.png  {shot.title}", file=sys.stderr)
                browser.close()
        finally:
            server.stop()
    print(f"{len(taken)} screenshots in {out}", file=sys.stderr)
    for line in skipped:
        print(f"  skipped: {line}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="only these screenshots (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default {OUT})")
    args = parser.parse_args(argv)
    return take(args.names, args.out)


if __name__ == "__main__":
    sys.exit(main())
