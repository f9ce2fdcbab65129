"""Reports: who may download which PDF, snapshots before live scores, what a card states
(vetoes, exemptions, not-rated, rectifications, signatures, page numbers), charts, the closed
URL fetcher, the slow-fonts warning, the shipped font and ``branchmark render``.

Per-tenant overrides are tested in ``test_reports_overrides.py``; the demo county's cards in
``test_reports_demo.py``.
"""

from __future__ import annotations

import copy
import ctypes.util
import datetime as dt
import logging
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from sqlalchemy import func, select

from core.cli import main
from core.plugins.manager import get_registry
from core.reports import charts, engine
from core.reports.render import ReportUnavailable, render
from core.scoring.models import Exemption, Rectification, Scorecard
from core.scoring.services import score_unit, store_scorecards
from core.tenancy import host_scope, use_tenant

YEAR = 2025
AS_OF = dt.date(2026, 3, 1)
ROOT = Path(__file__).resolve().parent.parent


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def county(db, tenant, other_tenant, make_organization, make_member, make_user):
    """Two units (an organ and an SOE) with branches and members, and a user of every role."""
    first = make_organization(tenant, code="B01", name="机关第一党支部")
    second = make_organization(tenant, code="B02", name="机关第二党支部")
    theirs = make_organization(other_tenant, code="B01", name="水务集团第一党支部")
    for n, name in enumerate(["张喆", "李堃", "王珺", "赵玥"]):
        make_member(first, name=name, is_leader=n == 0)
    make_member(second, name="孙昇")
    make_member(theirs, name="周敏")
    return {
        "tenant": tenant,
        "other_tenant": other_tenant,
        "first": first,
        "second": second,
        "theirs": theirs,
        "host": make_user("host_admin", username="county"),
        "organs": make_user("supervisor", username="jiguan-dudao", scope_unit_types=["organ"]),
        "soes": make_user("supervisor", username="guoqi-dudao", scope_unit_types=["soe"]),
        "admin": make_user("unit_admin", tenant, username="czj-admin"),
        "their_admin": make_user("unit_admin", other_tenant, username="sw-admin"),
        "secretary": make_user("secretary", tenant, username="czj-b01", organization_code="B01"),
        "their_secretary": make_user(
            "secretary", other_tenant, username="sw-b01", organization_code="B01"
        ),
    }


def code_of(tenant, branch) -> str:
    with use_tenant(tenant.id):  # a commit expired the row; on PostgreSQL only its unit sees it
        return branch.code


def branch_html(tenant, branch, year=YEAR, *, as_of=AS_OF) -> str:
    return render("branch", tenant, year, code_of(tenant, branch), as_of).html


def branch_pdf(tenant, branch, year=YEAR, *, as_of=AS_OF) -> bytes:
    return render("branch", tenant, year, code_of(tenant, branch), as_of).pdf()


def assess(db, tenant, branch=None, *, as_of=AS_OF) -> None:
    """The yearly assessment's act for one unit (or branch): score and store the scorecards."""
    code = code_of(tenant, branch) if branch else None
    outcome = score_unit(tenant, YEAR, get_registry(), as_of=as_of, branch_code=code)
    store_scorecards(outcome, created_by="test")
    db.session.commit()


def scorecard_count(db) -> int:
    with host_scope():
        return db.session.scalar(select(func.count()).select_from(Scorecard))


# -- who may download what ---------------------------------------------------------------------

BRANCH_URL = "/units/caizhengju/branches/B01/scorecard.pdf?year=2025&as_of=2026-03-01"


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("host", BRANCH_URL, 200),
        ("organs", BRANCH_URL, 200),
        ("admin", BRANCH_URL, 200),
        ("secretary", BRANCH_URL, 200),
        # Outside one's units the unit is not there: the same 404 as a missing one.
        ("soes", BRANCH_URL, 404),  # supervisor of another unit type
        ("their_admin", BRANCH_URL, 404),  # another unit's admin
        ("their_secretary", BRANCH_URL, 404),
        ("secretary", BRANCH_URL.replace("B01", "B02"), 403),  # a secretary sees only their branch
    ],
)
def test_branch_scorecard_download_follows_the_page_rules(client, login, county, who, url, status):
    login(county[who])
    response = client.get(url)
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
        assert "机关第一党支部" in squeeze(pdf_text(response.data))
        assert "inline" in response.headers["Content-Disposition"]
    else:
        assert not response.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("host", 200),
        ("organs", 200),
        ("admin", 200),
        ("soes", 404),
        ("their_admin", 404),
        ("secretary", 403),
        ("their_secretary", 404),
    ],
)
def test_unit_summary_download_follows_the_page_rules(client, login, county, who, status):
    login(county[who])
    response = client.get("/units/caizhengju/summary.pdf?year=2025&as_of=2026-03-01&download=1")
    assert response.status_code == status
    if status == 200:
        text = squeeze(pdf_text(response.data))
        assert "机关第一党支部" in text and "机关第二党支部" in text
        assert "attachment" in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("host", 200), ("organs", 200), ("soes", 200), ("admin", 403), ("secretary", 403)],
)
def test_county_rollup_download_follows_the_page_rules(client, login, county, who, status):
    login(county[who])
    response = client.get("/county/rollup.pdf?year=2025&as_of=2026-03-01")
    assert response.status_code == status
    if status != 200:
        return
    text = squeeze(pdf_text(response.data))
    if who == "host":
        assert "县财政局" in text and "县水务集团" in text and "不是全县名次" not in text
    elif who == "organs":  # only the units in the supervisor's scope, and it says so
        assert "县财政局" in text and "县水务集团" not in text and "不是全县名次" in text
    else:
        assert "县水务集团" in text and "县财政局" not in text


def test_missing_branch_unit_or_bad_year(client, login, county):
    login(county["host"])
    assert client.get("/units/caizhengju/branches/B99/scorecard.pdf?year=2025").status_code == 404
    assert client.get("/units/nowhere/summary.pdf?year=2025").status_code == 404
    assert client.get("/units/caizhengju/summary.pdf?year=twenty").status_code == 400
    assert client.get("/county/rollup.pdf?year=2025&as_of=soon").status_code == 400


def test_downloads_need_login(client, county):
    assert client.get(BRANCH_URL).status_code == 302


def test_pages_offer_the_downloads_to_those_allowed(client, login, county):
    login(county["organs"])
    assert "/county/rollup.pdf" in client.get("/").get_data(as_text=True)
    assert "/units/caizhengju/summary.pdf" in client.get("/units/caizhengju").get_data(as_text=True)
    page = client.get("/units/caizhengju/branches/B01").get_data(as_text=True)
    assert "/units/caizhengju/branches/B01/scorecard.pdf" in page
    client.post("/logout")
    login(county["admin"])
    assert "/county/rollup.pdf" not in client.get("/units/caizhengju").get_data(as_text=True)


# -- snapshots first, else live scores; rendering never stores ----------------------------------


def test_download_scores_live_without_storing(client, login, county, db):
    login(county["host"])
    assert client.get(BRANCH_URL).status_code == 200
    assert scorecard_count(db) == 0


def test_rendering_never_stores_a_card_or_opens_rectifications(app, county, db):
    tenant = county["tenant"]
    for branch in (county["first"], county["second"]):
        assert "实时评分，未存档" in branch_html(tenant, branch)
    assert "机关第二党支部" in render("unit", tenant, YEAR, as_of=AS_OF).html
    render("county", None, YEAR, as_of=AS_OF)
    assert scorecard_count(db) == 0
    with host_scope():
        assert db.session.scalar(select(func.count()).select_from(Rectification)) == 0


def test_render_refuses_what_it_cannot_print(app, county):
    tenant = county["tenant"]
    with pytest.raises(ReportUnavailable, match="没有在 2025 年度参加评分的支部 B09"):
        render("branch", tenant, YEAR, "B09", AS_OF)
    with pytest.raises(ValueError):
        render("ledger", tenant, YEAR)  # not a report kind (yet)
    with pytest.raises(ValueError):
        render("branch", tenant, YEAR)  # a branch card names its branch


def test_the_assessment_freezes_the_card_and_later_renders_print_the_snapshot(app, county, db):
    tenant, branch = county["tenant"], county["first"]
    assess(db, tenant, branch)
    html = branch_html(tenant, branch)
    assert scorecard_count(db) == 1
    with use_tenant(tenant.id):
        card = db.session.scalar(select(Scorecard))
        tasks = db.session.scalars(
            select(Rectification).where(Rectification.organization_id == branch.id)
        ).all()
    assert f"评分表快照 #{card.id}" in html
    assert tasks, "lost points open rectification tasks"
    # Rendered again (even as of another day): the stored card, not a new score.
    again = branch_html(tenant, branch, as_of=dt.date(2026, 6, 1))
    assert scorecard_count(db) == 1
    assert f"评分表快照 #{card.id}" in again and "记录截至 2026-03-01" in again
    for task in tasks:
        assert task.title in again  # open rectification items are listed
    assert "实时评分" not in again


def test_the_newest_snapshot_is_printed(app, county, db):
    tenant, branch = county["tenant"], county["first"]
    outcome = score_unit(tenant, YEAR, get_registry(), as_of=AS_OF, branch_code="B01")
    store_scorecards(outcome, created_by="test")
    db.session.commit()
    with use_tenant(tenant.id):
        first = db.session.scalar(select(Scorecard))
        later = copy.deepcopy(first.result)
        later["total"], later["grade"] = "91.50", "五星"
        newer = Scorecard(
            organization_id=branch.id,
            year=YEAR,
            as_of=AS_OF,
            unit_type="organ",
            standard_key=first.standard_key,
            standard_version=first.standard_version,
            status=first.status,
            total=Decimal("91.50"),
            max=first.max,
            grade="五星",
            result=later,
            inputs=first.inputs,
            created_by="test",
            created_at=first.created_at + dt.timedelta(minutes=5),
        )
        db.session.add(newer)
        db.session.commit()
        newer_id = newer.id
    text = squeeze(pdf_text(branch_pdf(tenant, branch)))
    assert f"评分表快照#{newer_id}" in text
    assert "总分91.50" in text and "等级五星" in text


def test_a_card_states_vetoes_plainly(app, county, db):
    tenant, branch = county["tenant"], county["first"]
    assess(db, tenant, branch)
    with use_tenant(tenant.id):
        stored = db.session.scalar(select(Scorecard))
        vetoed = copy.deepcopy(stored.result)
        vetoed["vetoes"] = [
            {
                "id": "veto.discipline",
                "title": "班子成员违法违纪",
                "cap": "二星",
                "condition": "班子成员违法违纪为是",
                "citation": {
                    "document": "《评星定级办法》",
                    "tag": "L",
                    "label": "《评星定级办法》 [L]",
                },
            }
        ]
        vetoed["band_grade"], vetoed["grade"] = "四星", "二星"
        vetoed["grade_reasons"] = ["一票否决：班子成员违法违纪，等级最高为二星（按得分应为四星）。"]
        db.session.add(
            Scorecard(
                organization_id=branch.id,
                year=YEAR,
                as_of=AS_OF,
                unit_type="organ",
                standard_key=stored.standard_key,
                standard_version=stored.standard_version,
                status="rated",
                total=stored.total,
                max=stored.max,
                grade="二星",
                result=vetoed,
                inputs={},
                created_by="test",
                created_at=stored.created_at + dt.timedelta(minutes=1),
            )
        )
        db.session.commit()
    text = squeeze(pdf_text(branch_pdf(tenant, branch)))
    assert "一票否决：班子成员违法违纪——等级最高为二星" in text
    assert "依据《评星定级办法》" in text and "[L]" not in text  # stored tags stay off the card
    assert "按得分应为四星，评定为二星。" in text
    assert "等级二星" in text


def test_a_card_states_exemptions_and_pending_items(app, county, db):
    tenant, branch = county["tenant"], county["first"]
    with use_tenant(tenant.id):
        db.session.add(
            Exemption(
                organization_id=branch.id,
                item_id="life.general_meeting",
                reason="支部书记长期病休",
                status="approved",
                requested_by="czj-admin",
                approved_by="机关工委督导",
                expires_on=dt.date(2026, 12, 31),
            )
        )
        db.session.commit()
    text = squeeze(pdf_text(branch_pdf(tenant, branch)))
    assert "豁免：党员大会——党员大会：经机关工委督导批准豁免（支部书记长期病休）" in text
    assert "待评分：" in text  # on-site items have no score yet
    assert "实时评分，未存档" in text


def test_a_new_branch_is_not_rated_and_the_card_says_why(
    app, county, make_organization, make_member
):
    young = make_organization(
        county["tenant"], code="B03", name="新建党支部", established_on=dt.date(2025, 9, 1)
    )
    make_member(young, name="钱程")
    text = squeeze(
        pdf_text(branch_pdf(county["tenant"], young))
    )
    assert "等级不参加评定" in text
    assert "不参加评定：成立不满1年" in text


def test_a_card_has_signature_lines_page_numbers_and_its_source(app, county):
    pdf = branch_pdf(county["tenant"], county["first"])
    reader = PdfReader(BytesIO(pdf))
    text = pdf_text(pdf)
    for line in ("党支部书记（签字）", "单位党组织（盖章）", "督导（签字）"):
        assert line in squeeze(text)
    pages = len(reader.pages)
    for number in range(1, pages + 1):
        assert f"第{number}页，共{pages}页" in squeeze(reader.pages[number - 1].extract_text())
    assert re.search(r"生成时间\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
    for phrase in ("党支部标准化规范化建设评分表", "评分表版本2025.1", "2025年度（记录截至2026-03-01）"):
        assert phrase in squeeze(text)
    assert "organ-2025" not in text  # the standard's key is internal: its name and version print
    # Every item is listed with its citation; the confidence tags go to the legend at the end.
    assert "依据：《中国共产党支部工作条例（试行）》" in squeeze(text) and "[V]" not in text
    legend = squeeze(text).split("依据说明：", 1)[1]
    assert "已核实（据转载文本）——《中国共产党支部工作条例（试行）》" in legend


def test_unit_summary_has_every_branch_side_by_side(app, county):
    html = render("unit", county["tenant"], YEAR, as_of=AS_OF).html
    assert "评分表 版本 2025.1" in html and "organ-2025" not in html  # the standard by name
    assert "机关第一党支部" in html and "机关第二党支部" in html and "水务集团" not in html
    assert html.count('class="block-head"') >= 5  # one column per block
    assert "待办与提醒" in html


def test_a_unit_without_its_plugin_is_reported_not_printed(app, county, db):
    tenant = county["tenant"]
    tenant.plugin_enabled = False
    db.session.commit()
    html = render("unit", tenant, YEAR, as_of=AS_OF).html
    assert "未评分：" in html and "未启用单位类型插件" in html


# -- charts ------------------------------------------------------------------------------------


def test_radar_chart_is_valid_svg_with_escaped_labels():
    bars = [
        charts.Bar("组织<建设>&", Decimal("15"), Decimal("15")),
        charts.Bar("组织生活", 29, 30),
        charts.Bar("保障（经费、人员、阵地）", Decimal("12.00"), 15),
        charts.Bar("现场检查", 0, 10),
    ]
    svg = charts.radar_chart(bars, title="各板块得分")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("viewBox")
    texts = "".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "组织<建设>&" in texts and "29/30" in texts and "0/10" in texts
    # The score polygon's first point (a full block) lies on the outer ring, straight up.
    score = next(p for p in root.iter() if p.get("class") == "score")
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    x, y = (float(v) for v in score.get("points").split()[0].split(","))
    assert abs(x - width / 2) < 0.01 and y < height / 2


def test_bar_chart_clamps_and_radar_needs_three_axes():
    svg = charts.radar_chart([charts.Bar("甲", 5, 4), charts.Bar("乙", 1, 0)], title="两项")
    root = ET.fromstring(svg)
    assert "bm-bar-chart" in root.get("class")  # two axes: bars, not a radar
    bars = [r for r in root.iter() if (r.get("class") or "").startswith("bar ")]
    track = next(r for r in root.iter() if r.get("class") == "track")
    assert float(bars[0].get("width")) == pytest.approx(float(track.get("width")))  # 5/4 → full
    assert float(bars[1].get("width")) == 0  # max 0 → empty, no division error


def test_stacked_chart_counts():
    svg = charts.stacked_bar_chart(
        [("全县", [2, 0, 3]), ("党政机关", [1, 0, 0])], ["五星", "四星", "不参加评定"], title="分布"
    )
    root = ET.fromstring(svg)
    labels = [t.text for t in root.iter() if t.tag.endswith("text")]
    assert "五星" in labels and "不参加评定" in labels and "5" in labels and "1" in labels


# -- the closed URL fetcher ---------------------------------------------------------------------


def test_url_fetcher_refuses_network_and_other_files(app, tmp_path):
    fetcher = engine.url_fetcher()
    with pytest.raises(engine.ReportResourceRefused):
        engine._local_path("https://example.com/logo.png")
    with pytest.raises(engine.ReportResourceRefused):
        engine._local_path("file:///etc/passwd")
    with pytest.raises(engine.ReportResourceRefused):
        engine._local_path((engine.REPORTS_DIR / ".." / ".." / "pyproject.toml").as_uri())
    with pytest.raises(Exception, match="network|protocol"):
        fetcher("http://127.0.0.1:9/x.png")
    font = fetcher(engine.FONT_FILE.as_uri())
    assert font.read(4) in (b"\x00\x01\x00\x00", b"true", b"OTTO")


def test_a_report_that_points_outside_renders_without_fetching_it(app, caplog):
    html = (
        '<html><body><p>测试</p><img src="http://127.0.0.1:9/track.png">'
        '<img src="file:///etc/hostname"></body></html>'
    )
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = engine.write_pdf(html, base_url=engine.REPORTS_DIR)
    assert pdf.startswith(b"%PDF")
    refused = " ".join(r.getMessage() for r in caplog.records)
    assert "network" in refused or "protocol" in refused
    assert "report folders" in refused


# -- fonts --------------------------------------------------------------------------------------


def test_the_shipped_font_is_small_licensed_and_covers_a_county():
    assert engine.FONT_FILE.stat().st_size < 3 * 1024 * 1024
    fonts = engine.FONTS_DIR
    assert "Apache License" in (fonts / "LICENSE").read_text(encoding="utf-8")
    assert "WenQuanYi Micro Hei" in (fonts / "NOTICE").read_text(encoding="utf-8")
    cmap = TTFont(str(engine.FONT_FILE)).getBestCmap()
    gb2312 = [
        bytes((lead, trail)).decode("gb2312")
        for lead in range(0xB0, 0xF8)
        for trail in range(0xA1, 0xFF)
        if (lead, trail) < (0xD7, 0xFA)
    ]  # level 1 and 2 end at D7F9 / F7FE
    missing = [ch for ch in gb2312 if ord(ch) not in cmap]
    assert not missing, missing[:20]
    for ch in "喆堃珺玥昇，。、《》（）〔〕【】“”：；！？ＡＢ１２—…≥≤×·":
        assert ord(ch) in cmap, ch


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists(),
    reason="fonts-wqy-microhei not installed",
)
def test_font_build_script_checks_its_source_covers_the_data():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build-font.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "covers all" in result.stdout


def test_missing_harfbuzz_subset_is_said_loudly(monkeypatch, caplog, client, login, county):
    from weasyprint.text import ffi

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    monkeypatch.setattr(engine, "_warned", False)
    engine.harfbuzz_subset_missing.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="core.reports.engine"):
            assert engine.warn_if_slow_fonts() is True
        assert any("libharfbuzz-subset0" in r.getMessage() for r in caplog.records)
        login(county["admin"])
        assert "libharfbuzz-subset0" in client.get("/units/caizhengju").get_data(as_text=True)
    finally:
        engine.harfbuzz_subset_missing.cache_clear()


def test_harfbuzz_subset_is_present_on_a_set_up_machine():
    if not ctypes.util.find_library("harfbuzz-subset"):
        pytest.skip("libharfbuzz-subset0 not installed here")
    engine.harfbuzz_subset_missing.cache_clear()
    assert engine.harfbuzz_subset_missing() is False


# -- branchmark render ------------------------------------------------------------------------


def run(runner, *args: str):
    return runner.invoke(main, list(args))


def test_cli_renders_every_branch_card_into_a_folder(runner, county, tmp_path, db):
    out = tmp_path / "cards"
    result = run(
        runner,
        "render",
        "--tenant",
        "caizhengju",
        "--year",
        "2025",
        "--as-of",
        "2026-03-01",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["caizhengju-B01-2025.pdf", "caizhengju-B02-2025.pdf"]
    assert "机关第二党支部" in squeeze(pdf_text((out / files[1]).read_bytes()))
    assert scorecard_count(db) == 0  # rendering never stores


def test_cli_renders_one_card_unit_and_county_to_files(runner, county, tmp_path, db):
    card = tmp_path / "b01.pdf"
    result = run(
        runner,
        "render",
        "--tenant",
        "caizhengju",
        "--year",
        "2025",
        "--branch",
        "B01",
        "--as-of",
        "2026-03-01",
        "--out",
        str(card),
    )
    assert result.exit_code == 0, result.output
    assert card.read_bytes().startswith(b"%PDF") and scorecard_count(db) == 0
    assert "实时评分，未存档" in squeeze(pdf_text(card.read_bytes()))
    # Storing is the assessment's (`score --save`); afterwards the card prints the record.
    result = run(runner, "score", "--tenant", "caizhengju", "--year", "2025", "--as-of", "2026-03-01", "--save")
    assert result.exit_code == 0, result.output
    assert scorecard_count(db) == 2
    result = run(
        runner, "render", "--tenant", "caizhengju", "--year", "2025", "--branch", "B01", "--out", str(card)
    )
    assert result.exit_code == 0, result.output
    assert "评分表快照#" in squeeze(pdf_text(card.read_bytes()))
    result = run(
        runner,
        "render",
        "--tenant",
        "caizhengju",
        "--year",
        "2025",
        "--kind",
        "unit",
        "--as-of",
        "2026-03-01",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "caizhengju-2025.pdf").exists()
    result = run(
        runner,
        "render",
        "--year",
        "2025",
        "--kind",
        "county",
        "--as-of",
        "2026-03-01",
        "--out",
        str(tmp_path / "county.pdf"),
    )
    assert result.exit_code == 0, result.output
    text = squeeze(pdf_text((tmp_path / "county.pdf").read_bytes()))
    assert "县财政局" in text and "县水务集团" in text
    result = run(
        runner,
        "render",
        "--tenant",
        "shuiwu-jituan",
        "--year",
        "2025",
        "--kind",
        "county",
        "--as-of",
        "2026-03-01",
        "--out",
        str(tmp_path / "scoped.pdf"),
    )
    assert result.exit_code == 0, result.output
    assert "县财政局" not in squeeze(pdf_text((tmp_path / "scoped.pdf").read_bytes()))


def test_cli_says_what_is_wrong_in_chinese(runner, county, tmp_path):
    result = run(runner, "render", "--year", "2025", "--out", str(tmp_path / "x.pdf"))
    assert result.exit_code != 0 and "需要 --tenant" in result.output
    result = run(
        runner,
        "render",
        "--tenant",
        "caizhengju",
        "--year",
        "2025",
        "--branch",
        "B09",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code != 0 and "没有代码为 B09 的支部" in result.output
    result = run(
        runner,
        "render",
        "--tenant",
        "caizhengju",
        "--year",
        "2025",
        "--out",
        str(tmp_path / "all.pdf"),
    )
    assert result.exit_code != 0 and "应为目录" in result.output
    result = run(runner, "render", "--tenant", "nowhere", "--year", "2025", "--out", str(tmp_path))
    assert result.exit_code != 0 and "没有代码为 nowhere 的单位" in result.output
    # Rendering has no way to store: that is the yearly assessment's act.
    result = run(runner, "render", "--tenant", "caizhengju", "--year", "2025", "--save", "--out", str(tmp_path))
    assert result.exit_code != 0 and "--save" in result.output


def test_chart_labels_are_never_drawn_past_the_left_edge():
    import re as _re

    from core.reports.charts import Bar, bar_chart, stacked_bar_chart, text_width

    long = "中共桐溪县市场监督管理局城关市场监管所党支部委员会"
    for svg, size in (
        (bar_chart([Bar(long, 80, 100), Bar("短", 5, 10)], title="t"), 12),
        (stacked_bar_chart([(long, [1, 2]), ("机关", [3, 0])], ["五星", "四星"], title="t"), 11),
    ):
        for x, text in _re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="end"[^>]*>([^<]+)</text>', svg):
            assert float(x) - text_width(text, size) >= 0, (text, x)
        assert "中共桐溪县" in svg  # the name is shown, shortened only if it must be
