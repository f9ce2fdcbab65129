"""Phone width: every page a secretary or supervisor uses fits 390 px without sideways scrolling.

Each page is opened in a 390 × 844 viewport and must satisfy
``document.documentElement.scrollWidth <= window.innerWidth`` (wide tables scroll inside their
own box). A screenshot of each is saved under the test's temporary folder (``BRANCHMARK_PHONE_SHOTS``
names a folder to keep them) for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import log_in

PHONE = {"width": 390, "height": 844}

#: (who, page name, address): the pages of a secretary's and a supervisor's routine.
PAGES = [
    ("cz-b3-sj", "landing", "/"),
    ("cz-b3-sj", "branch", "/units/caizheng/branches/cz-b3"),
    ("cz-b3-sj", "members", "/units/caizheng/members"),
    ("cz-b3-sj", "meetings", "/units/caizheng/branches/cz-b3/events"),
    ("cz-b3-sj", "meeting-form", "/units/caizheng/branches/cz-b3/events/new?kind=committee_meeting"),
    ("cz-b3-sj", "dues-ledger", "/units/caizheng/branches/cz-b3/dues?year=2026"),
    ("cz-b3-sj", "dues-month", "/units/caizheng/branches/cz-b3/dues/2026/10"),
    ("cz-b3-sj", "training", "/units/caizheng/branches/cz-b3/training"),
    ("cz-b3-sj", "six-haves", "/units/caizheng/branches/cz-b3/facilities"),
    ("cz-b3-sj", "rectifications", "/units/caizheng/rectifications"),
    ("cz-b3-sj", "committee-roles", "/units/caizheng/organizations/cz-b3"),
    ("cz-b3-sj", "attendance-lessons", "/units/caizheng/branches/cz-b3/attendance?year=2026"),
    ("cz-b3-sj", "party-documents", "/units/caizheng/branches/cz-b3/documents?year=2026"),
    ("cz-b3-sj", "publicity", "/units/caizheng/branches/cz-b3/publicity?year=2026"),
    ("cz-b3-sj", "mass-organizations", "/units/caizheng/mass-organizations"),
    ("tx-jgdd", "supervisor-landing", "/"),
    ("tx-jgdd", "county", "/county"),
    ("tx-jgdd", "unit", "/units/caizheng"),
    ("tx-jgdd", "supervisor-branch", "/units/caizheng/branches/cz-b1"),
    ("tx-jgdd", "supervisor-ledger", "/units/caizheng/branches/cz-b1/ledger?year=2025"),
    ("tx-jgdd", "scoring-inbox", "/scoring/inbox"),
    ("tx-jgdd", "jobs", "/jobs/"),
    ("tx-admin", "host-county", "/county"),
    ("tx-admin", "host-standards", "/host/standards/"),
    ("caizheng-admin", "unit-standard", "/units/caizheng/standard"),
    # A select whose options are full branch names must not widen the form.
    ("cz-b3-sj", "member-form", "/units/caizheng/members/new?branch=cz-b3"),
    ("caizheng-admin", "exemptions", "/units/caizheng/exemptions"),
    # The longest demo display name (县委两新工委/国资委党委/教育工委督导 …) wraps in the top bar.
    ("tx-qydd", "supervisor-long-name", "/"),
    ("tx-qydd", "supervisor-unit", "/units/shixiao"),
]


@pytest.fixture
def phone_page(chromium_browser, live_server):
    ctx = chromium_browser.new_context(
        base_url=live_server.base_url, locale="zh-CN", viewport=PHONE, device_scale_factor=1
    )
    ctx.set_default_timeout(30_000)
    yield ctx.new_page()
    ctx.close()


@pytest.mark.parametrize(("who", "name", "path"), PAGES, ids=[p[1] for p in PAGES])
def test_page_fits_a_phone(phone_page, tmp_path, who, name, path):
    log_in(phone_page, who)
    response = phone_page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    width, inner = phone_page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    folder = Path(os.environ.get("BRANCHMARK_PHONE_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert width <= inner, f"{path} is {width} px wide at {inner} px"
