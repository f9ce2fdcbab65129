"""Every demo unit's branch cards, checked with real PDF tools: the text comes back out, the
fonts are embedded, every printed character is in the shipped font, and the printed numbers
are the JSON scorecard's. Also the unit summaries and the county roll-up of the demo county.

Runs on SQLite, and on PostgreSQL when BRANCHMARK_TEST_DATABASE_URL is set. Needs poppler-utils
(pdftotext, pdffonts), which the project's set-up installs.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from sqlalchemy import select

from core import create_app
from core.demo import load_demo
from core.extensions import db as _db
from core.host.models import Tenant
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.reports.engine import FONT_FILE
from core.reports.render import render
from core.reports.snapshots import unit_sources
from core.scoring.services import score_unit
from core.tenancy import set_tenant, use_tenant
from tests.conftest import _empty_all_tables

AS_OF = dt.date(2026, 11, 20)
YEAR = 2025

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")),
    reason="poppler-utils (pdftotext, pdffonts) not installed; run make test's set-up",
)


@pytest.fixture(scope="module")
def demo_app(database_url, owner_engine) -> Iterator:
    """One application with the demo county loaded, shared by this module's tests."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test"})
    ctx = app.app_context()
    ctx.push()
    set_tenant(None)
    try:
        load_demo()
        yield app
    finally:
        _db.session.remove()
        _db.engine.dispose()
        ctx.pop()
        set_tenant(None)
        _empty_all_tables(owner_engine)


class _Text(HTMLParser):
    """The characters a browser or WeasyPrint would draw: text nodes outside <title>, <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("title", "style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def printed_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


class _ReaderText(_Text):
    """Text nodes one by one, less ``<code>`` (where a host's authoring page shows a code on
    purpose, e.g. ``flags.weak_and_lax`` in the finding kinds' code column)."""

    def handle_starttag(self, tag, attrs):
        super().handle_starttag("style" if tag == "code" else tag, attrs)

    def handle_endtag(self, tag):
        super().handle_endtag("style" if tag == "code" else tag)


def reader_text(html: str) -> str:
    """What a reader sees, each text node apart: table cells side by side print as
    ``名称 organ.funding_ratio``, so a code next to a Chinese cell is not hidden by the join."""
    parser = _ReaderText()
    parser.feed(html)
    return " ".join(parser.parts)


def pdftotext(pdf: bytes, *, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode("utf-8")


def pdffonts(pdf: bytes, tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "card.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()
    fonts = []
    for line in lines[2:]:  # two header lines
        # name type... encoding emb sub uni object-id gen: the flags are the 3rd–5th fields from the end
        fields = line.split()
        fonts.append({"name": fields[0], "emb": fields[-5], "sub": fields[-4], "uni": fields[-3]})
    return fonts


def squeeze(text: str) -> str:
    """Text without whitespace: long names wrap inside table cells."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def cards(demo_app) -> dict[tuple[str, str], dict]:
    """Every demo branch card: its PDF, HTML and the JSON scorecard it must agree with."""
    registry = get_registry()
    found: dict[tuple[str, str], dict] = {}
    tenants = _db.session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    for tenant in tenants:
        # The unit is scored once and every card printed from that result (the bulk path).
        sources = unit_sources(tenant, YEAR, registry, as_of=AS_OF)
        reports = [
            render("branch", tenant, YEAR, s.organization.code, AS_OF, registry=registry, sources=sources)
            for s in sources.branches
        ]
        scored = {
            b["code"]: b
            for b in score_unit(tenant, YEAR, registry, as_of=AS_OF).to_dict()["branches"]
        }
        for report in reports:
            found[(tenant.slug, report.code)] = {
                "unit": tenant.name,
                "branch": scored[report.code]["name"],
                "pdf": report.pdf(),
                "html": report.html,
                "json": scored[report.code],
                "notes": report.notes,
            }
    return found


def test_every_demo_branch_has_a_card(cards, demo_app):
    expected = set()
    for tenant in _db.session.scalars(select(Tenant)):
        branches = score_unit(tenant, YEAR, get_registry(), as_of=AS_OF).branches
        expected |= {(tenant.slug, b.organization.code) for b in branches}
    assert len(expected) >= 20
    assert set(cards) == expected


def test_unit_and_branch_names_come_back_out_of_every_card(cards):
    for key, card in cards.items():
        assert card["notes"] == [], key  # no override is in play: nothing to report
        text = squeeze(pdftotext(card["pdf"]))
        assert squeeze(card["unit"]) in text, key
        assert squeeze(card["branch"]) in text, key
        assert "党支部标准化规范化建设评分表" in text
        # pypdf agrees with poppler: the text layer is real text, not drawn shapes.
        first_page = squeeze(PdfReader(BytesIO(card["pdf"])).pages[0].extract_text())
        assert squeeze(card["unit"]) in first_page, key


def test_cards_embed_only_the_shipped_font(cards, tmp_path):
    for key, card in cards.items():
        fonts = pdffonts(card["pdf"], tmp_path)
        assert fonts, key
        for font in fonts:
            assert font["emb"] == "yes" and font["sub"] == "yes" and font["uni"] == "yes", (
                key,
                font,
            )
            # No system fallback was needed: every glyph came from the shipped subset.
            assert "Branchmark-Sans-CJK" in font["name"], (key, font)


def test_every_printed_character_is_in_the_shipped_font(cards):
    cmap = TTFont(str(FONT_FILE)).getBestCmap()
    printed = set()
    for card in cards.values():
        printed |= set(printed_text(card["html"]))
    missing = sorted(ch for ch in printed if not ch.isspace() and ord(ch) not in cmap)
    assert not missing, "characters missing from the shipped font: " + " ".join(
        f"{ch} U+{ord(ch):04X}" for ch in missing
    )
    # The rare name characters of the demo members do reach the cards (training evidence names
    # members), and the font has them.
    assert all(ord(ch) in cmap for ch in "喆堃珺玥昇")


def pdf_text(pdf: bytes) -> str:
    """pypdf's text: in drawing order, which follows the document (poppler sorts by position)."""
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_printed_numbers_are_the_json_scorecards(cards):
    for key, card in cards.items():
        data = card["json"]
        text = pdf_text(card["pdf"])
        layout = pdftotext(card["pdf"], layout=True)
        flat = squeeze(text)
        assert f"总分{data['total']}满分{data['max']}" in flat, key
        grade = data["grade"] if data["status"] != "not_rated" else "不参加评定"
        assert f"等级{grade}" in flat, key
        assert re.search(
            rf"合计\s+{re.escape(data['total'])}\s+{re.escape(data['max'])}\b", text
        ), key
        for block in data["blocks"]:
            row = rf"{re.escape(block['title'])}\s+{re.escape(block['score'])}\s+{re.escape(block['max'])}\s+\d+%"
            assert re.search(row, text), (key, block["title"], block["score"], block["max"])
            # The same row as poppler lays it out.
            assert re.search(row, layout), (key, block["title"])


def test_not_rated_branch_says_why(demo_app):
    registry = get_registry()
    tenant = _db.session.scalar(select(Tenant).where(Tenant.slug == "jiaotou"))
    with use_tenant(tenant.id):
        branch = _db.session.scalar(select(Organization).where(Organization.code == "jt-b3"))
        html = render("branch", tenant, 2026, branch.code, AS_OF, registry=registry).html
    # Founded 2026-03-10 (tenants/README.md): under a year old on the as-of day.
    result = score_unit(tenant, 2026, registry, as_of=AS_OF, branch_code="jt-b3").to_dict()[
        "branches"
    ][0]
    assert result["status"] == "not_rated" and result["not_rated_reason"]
    text = squeeze(printed_text(html))
    assert "等级不参加评定" in text
    assert squeeze(f"不参加评定：{result['not_rated_reason']}") in text
    assert f"总分{result['total']}" in text  # the points are still shown


def test_unit_summary_lists_every_branch_with_its_blocks_and_alerts(demo_app, cards):
    registry = get_registry()
    tenant = _db.session.scalar(select(Tenant).where(Tenant.slug == "caizheng"))
    pdf = render("unit", tenant, YEAR, as_of=AS_OF, registry=registry).pdf()
    text = squeeze(pdftotext(pdf))
    for (slug, _code), card in cards.items():
        if slug == "caizheng":
            assert squeeze(card["branch"]) in text
            assert card["json"]["total"] in text
            for block in card["json"]["blocks"]:
                assert f"{block['score']}/{block['max']}" in text
    assert "待办与提醒" in text
    html = render("unit", tenant, YEAR, as_of=AS_OF, registry=registry).html
    assert "本月尚未召开" in html or "今年尚未开展" in html or "学时进度落后" in html


def test_lapsed_dues_alert_reaches_the_unit_summary(demo_app):
    tenant = _db.session.scalar(select(Tenant).where(Tenant.slug == "lvxin"))
    text = squeeze(pdftotext(render("unit", tenant, 2026, as_of=AS_OF).pdf()))
    # lvxin-007 朱志强 has not paid for six months (tenants/README.md, planted gaps).
    assert "朱志强已连续6个月未交党费" in text


def test_county_rollup_ranks_units_and_applies_the_hosts_rules(demo_app):
    pdf = render("county", None, YEAR, as_of=AS_OF).pdf()
    text = squeeze(pdftotext(pdf))
    assert "前6位的单位予以表扬" in text and "后2位的单位由县委组织部约谈党组织书记" in text
    units = _db.session.scalars(select(Tenant)).all()
    for tenant in units:
        assert squeeze(tenant.name) in text
    assert text.count("表扬") >= 6 + 1  # six praised units, plus the rule itself
    assert "约谈党组织书记" in text and "不得评先" in text
    for heading in ("党政机关", "事业单位", "国有企业", "两新组织", "中小学校"):
        assert heading in text
    assert "不是全县名次" not in text


def test_county_rollup_restricted_to_a_scope_says_so(demo_app):
    ids = list(
        _db.session.scalars(select(Tenant.id).where(Tenant.unit_type.in_(("organ", "institution"))))
    )
    html = render("county", None, YEAR, as_of=AS_OF, scope=ids).html
    text = printed_text(html)
    assert "不是全县名次" in text
    # The county's verdicts are the county's: the scope's report neither computes nor prints them.
    assert "此处不列出" in text
    assert set(re.findall(r'<td class="outcomes">([^<]*)</td>', html)) == {""}
    assert "桐溪县财政局" in text and "桐溪县水务集团有限公司" not in text


# --- Chinese throughout: no code, key, path or provenance tag on any page or card -------------

#: What must never reach a reader: snake_case identifiers (public_welfare_1), dotted keys
#: (organ.funding_ratio), file paths (seeds/001_….txt) and provenance tags ([U], [L], [V]).
CODE_LEAK = re.compile(
    r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.-])"
    r"|(?<![\w/-])[a-z][a-z0-9_]*\.[a-z][a-z0-9_]+(?![\w/-])"
    r"|[\w-]+/[\w./-]+\.(?:txt|md|py|yaml|html|json)\b"
    r"|\[(?:U|L|V|V-full)\]"
)
#: Text a page may show in Latin letters: the language switch and the product's API/Excel terms.
ALLOWED = ("English", "Excel", "PDF", "API", "JSON", "OpenAPI")

#: Every page of the routine, by demo login (the roles: host, supervisor, unit admin, secretary).
PAGES_BY_LOGIN = {
    "tx-admin": [
        "/", "/county", "/county?year=2025", "/host/units", "/host/users", "/host/parameters",
        "/host/assessment", "/host/audit", "/scoring/inbox", "/units/caizheng",
        "/units/shehui", "/units/yizhong/branches/yz-b1", "/host/standards/", "/host/finding-kinds",
    ],
    "tx-jgdd": ["/", "/county", "/units/caizheng", "/units/caizheng/branches/cz-b1", "/scoring/inbox"],
    "tx-qydd": ["/", "/county", "/units/huayuan", "/units/lvxin", "/units/jiaotou/standard"],
    "caizheng-admin": [
        "/", "/units/caizheng/organizations", "/units/caizheng/members", "/units/caizheng/funding",
        "/units/caizheng/staff", "/units/caizheng/exemptions", "/units/caizheng/rectifications",
        "/units/caizheng/excel", "/units/caizheng/standard",
    ],
    "cz-b3-sj": [
        "/", "/units/caizheng/branches/cz-b3/events",
        "/units/caizheng/branches/cz-b3/events/new?kind=committee_meeting",
        "/units/caizheng/branches/cz-b3/events/new?kind=general_meeting",
        "/units/caizheng/branches/cz-b3/dues?year=2026", "/units/caizheng/branches/cz-b3/dues/2026/10",
        "/units/caizheng/branches/cz-b3/training", "/units/caizheng/branches/cz-b3/facilities",
        "/units/caizheng/branches/cz-b3/development", "/units/caizheng/branches/cz-b3/appraisals",
        "/units/caizheng/members", "/units/caizheng/rectifications",
        "/units/caizheng/organizations/cz-b3",
        "/units/caizheng/branches/cz-b3/attendance?year=2026",
        "/units/caizheng/branches/cz-b3/documents?year=2026",
        "/units/caizheng/branches/cz-b3/publicity?year=2026",
        "/units/caizheng/mass-organizations",
    ],
}


def code_leaks(text: str) -> list[str]:
    """Latin codes in what a reader sees, less the allowed words."""
    for word in ALLOWED:
        text = text.replace(word, " ")
    return sorted(set(CODE_LEAK.findall(text)))


def test_code_leak_pattern_catches_what_the_issue_saw():
    seen = "子类别 public_welfare_1 · 已保存参数 organ.funding_ratio · [L] seeds/001_c07.txt · 待核实 [U]"
    assert code_leaks(seen) == ["[L]", "[U]", "organ.funding_ratio", "public_welfare_1", "seeds/001_c07.txt"]
    assert code_leaks("中共桐溪县财政局 2026-11-20 cz-b2-sj 81.00元 English") == []
    # Cells side by side: the code is found though no space separates it from the cell before.
    assert code_leaks(reader_text("<td>县级参数</td><td>organ.funding_ratio</td>")) == [
        "organ.funding_ratio"
    ]
    assert code_leaks(reader_text("<td>认定类别</td><td><code>flags.weak_and_lax</code></td>")) == []


#: Links the crawl does not follow: downloads, the language switch, logging out, the API.
NOT_A_PAGE = re.compile(r"lang=|/logout|\.pdf|\.xlsx|/template/|/download|/static/|/api/|/files/|/evidence")
#: Pages read per login: the routine's pages first, then what their links reach.
CRAWL_LIMIT = 300


def _shape(path: str) -> str:
    """One address per kind of page: ids become N, the query keeps its names only."""
    route, _sep, query = path.partition("?")
    keys = sorted(part.split("=", 1)[0] for part in query.split("&") if part)
    return re.sub(r"/\d+(?=/|$)", "/N", route) + "?" + ",".join(keys)


@pytest.mark.parametrize("login", sorted(PAGES_BY_LOGIN))
def test_no_code_on_any_page_of_the_demo(demo_app, login):
    """Every page the login reaches by following links from its routine's pages (one address
    per kind of page) answers 200 and shows no code: a link that answers 403 is a bug too."""
    from tests.pages_fixtures import fresh_request

    demo_app.config["WTF_CSRF_ENABLED"] = False
    client = demo_app.test_client()
    fresh_request()  # the module's one app context would keep the previous test's user
    response = client.post("/login", data={"username": login, "password": "branchmark-demo"})
    assert response.status_code == 302, login
    found = {}
    queue, shapes, read = list(PAGES_BY_LOGIN[login]), set(), 0
    while queue and read < CRAWL_LIMIT:
        path = queue.pop(0)
        if _shape(path) in shapes:
            continue
        shapes.add(_shape(path))
        fresh_request()
        response = client.get(path, follow_redirects=True)  # /units/x/events → the branch's
        read += 1
        assert response.status_code == 200, (login, path, response.status_code)
        if "html" not in response.content_type:
            continue
        page = response.get_data(as_text=True)
        # Allowed: the audit log's raw before/after values (an auditor reads the row as stored).
        html = re.sub(r'<td class="changes">.*?</td>', "", page, flags=re.S)
        leaks = code_leaks(reader_text(html))
        if leaks:
            found[path] = leaks
        for href in re.findall(r'<a [^>]*href="(/[^"#]*)', page):
            href = href.replace("&amp;", "&")
            if not NOT_A_PAGE.search(href) and _shape(href) not in shapes:
                queue.append(href)
        set_tenant(None)
    assert read >= len(PAGES_BY_LOGIN[login])
    print(f"{login}: {read} pages read")  # the figure for a report
    assert not found, found


def test_no_code_or_placeholder_citation_on_any_demo_card(demo_app):
    registry = get_registry()
    found = {}
    tenants = _db.session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    for tenant in tenants:
        with use_tenant(tenant.id):
            branches = [
                o for o in _db.session.scalars(select(Organization).order_by(Organization.code))
                if o.is_branch
            ]
        for organization in branches:
            with use_tenant(tenant.id):
                try:
                    html = render(
                        "branch", tenant, YEAR, organization.code, AS_OF, registry=registry
                    ).html
                except Exception as error:  # a branch founded after the year has no card
                    if "ReportUnavailable" not in type(error).__name__:
                        raise
                    continue
            text = printed_text(html)
            leaks = code_leaks(text)
            if leaks or "某市" in text or "待核实]" in text or "常见做法" in text:
                found[f"{tenant.slug}/{organization.code}"] = leaks or ["placeholder citation"]
        with use_tenant(tenant.id):
            leaks = code_leaks(reader_text(
                render("unit", tenant, YEAR, as_of=AS_OF, registry=registry).html
            ))
        if leaks:
            found[tenant.slug] = leaks
    leaks = code_leaks(reader_text(render("county", None, YEAR, as_of=AS_OF, registry=registry).html))
    if leaks:
        found["county"] = leaks
    assert not found, found
