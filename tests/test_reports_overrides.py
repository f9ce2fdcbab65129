"""Per-tenant and county (host) overrides of report templates, stylesheets, logo and title
lines (``tenants/<slug>/reports/``, ``tenants/_host/reports/``): an override changes only its
own reports, and a broken one falls back to the default, is logged and is noted on the report.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.reports.engine import REPORTS_DIR
from core.reports.render import render

YEAR = 2025
AS_OF = dt.date(2026, 3, 1)
DEFAULT_HEADING = "党支部标准化规范化建设评分表"


@pytest.fixture
def tenants_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tenants"
    folder.mkdir()
    return folder


@pytest.fixture
def app_config(tenants_dir: Path) -> dict:
    return {"TENANTS_DIR": str(tenants_dir)}


@pytest.fixture
def units(db, make_tenant, make_organization, make_member):
    """Two organ units with one branch each."""
    found = {}
    for slug, name in (("caizhengju", "县财政局"), ("minzhengju", "县民政局")):
        tenant = make_tenant(slug, name=name, unit_type="organ")
        branch = make_organization(tenant, code="B01", name=f"{name}机关党支部")
        make_member(branch, name="张三")
        found[slug] = tenant
    return found


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def card(tenant):
    """The tenant's B01 card, rendered (HTML, notes, stylesheets) without storing anything."""
    return render("branch", tenant, YEAR, "B01", AS_OF)


def text_of(report) -> str:
    return re.sub(
        r"\s+", "", "".join(p.extract_text() for p in PdfReader(BytesIO(report.pdf())).pages)
    )


def test_a_tenant_override_changes_only_that_tenants_pdf(units, tenants_dir):
    folder = tenants_dir / "caizhengju" / "reports"
    write(folder / "report.yaml", "title_lines: [中共桐溪县财政局机关委员会, '{year}年度']\n")
    css = write(folder / "branch" / "card.css", "h1 { color: #003366; letter-spacing: 0; }\n")
    write(
        folder / "logo.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#036"/></svg>',
    )

    ours, theirs = card(units["caizhengju"]), card(units["minzhengju"])
    ours_text, theirs_text = text_of(ours), text_of(theirs)
    assert "中共桐溪县财政局机关委员会" in ours_text and "2025年度" in ours_text
    assert "中共桐溪县财政局机关委员会" not in theirs_text
    assert DEFAULT_HEADING in ours_text and DEFAULT_HEADING in theirs_text
    assert css in ours.look.stylesheets and css not in theirs.look.stylesheets
    assert ours.look.logo != theirs.look.logo and "image/svg+xml" in ours.look.logo
    assert ours.notes == [] and theirs.notes == []


def test_the_hosts_override_reaches_every_unit_and_a_tenants_wins(units, tenants_dir):
    write(
        tenants_dir / "_host" / "reports" / "report.yaml", "title_lines: [中共桐溪县委组织部监制]\n"
    )
    write(
        tenants_dir / "caizhengju" / "reports" / "report.yaml",
        "reports:\n  branch:\n    title_lines: [财政局专用标题]\n",
    )
    ours, theirs = text_of(card(units["caizhengju"])), text_of(card(units["minzhengju"]))
    assert "财政局专用标题" in ours and "中共桐溪县委组织部监制" not in ours
    assert "中共桐溪县委组织部监制" in theirs and "财政局专用标题" not in theirs
    # The county roll-up reads only the host's folder.
    assert "中共桐溪县委组织部监制" in render("county", None, YEAR, as_of=AS_OF).html
    # Per-report settings stay with their report: the unit summary keeps the host's lines.
    assert "中共桐溪县委组织部监制" in render("unit", units["caizhengju"], YEAR, as_of=AS_OF).html


def test_a_tenant_template_replaces_the_card(units, tenants_dir):
    write(
        tenants_dir / "caizhengju" / "reports" / "branch" / "card.html",
        '{% extends "_layout.html" %}{% block heading %}财政局支部评分简表{% endblock %}'
        "{% block content %}<p>{{ card.branch_name }}：{{ card.total }}分，{{ card.grade }}</p>{% endblock %}",
    )
    ours = card(units["caizhengju"])
    text = text_of(ours)
    assert "财政局支部评分简表" in text and "县财政局机关党支部：" in text
    assert DEFAULT_HEADING not in text
    assert DEFAULT_HEADING in text_of(card(units["minzhengju"]))


def test_a_template_with_a_syntax_error_falls_back_and_is_reported(units, tenants_dir, caplog):
    write(
        tenants_dir / "caizhengju" / "reports" / "branch" / "card.html",
        '{% extends "_layout.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n',
    )
    with caplog.at_level(logging.WARNING, logger="core.reports"):
        report = card(units["caizhengju"])
    text = text_of(report)
    assert DEFAULT_HEADING in text and "逐项评分" in text  # the default card, complete
    assert any("自定义模板无法使用" in note and "第3行语法错误" in note for note in report.notes)
    assert "生成说明" in text and "自定义模板无法使用" in text
    assert "tenants/caizhengju/reports/branch/card.html" in text
    assert any("override" in r.getMessage() for r in caplog.records)


def test_a_template_that_reaches_into_python_is_stopped_by_the_sandbox(units, tenants_dir):
    write(
        tenants_dir / "caizhengju" / "reports" / "branch" / "card.html",
        '{% extends "_layout.html" %}{% block content %}'
        "{{ card.__class__.__mro__[1].__subclasses__() }}{% endblock %}",
    )
    report = card(units["caizhengju"])
    assert "__subclasses__" not in report.html and "逐项评分" in report.html
    assert any("SecurityError" in note or "unsafe" in note for note in report.notes)


def test_a_template_using_an_unknown_variable_falls_back(units, tenants_dir):
    write(
        tenants_dir / "_host" / "reports" / "unit" / "summary.html",
        '{% extends "_layout.html" %}{% block content %}{{ no_such_thing.total }}{% endblock %}',
    )
    html = render("unit", units["minzhengju"], YEAR, as_of=AS_OF).html
    assert "各支部得分" in html and "自定义模板无法使用" in html


def test_missing_files_bad_css_and_bad_yaml_are_reported(units, tenants_dir):
    folder = tenants_dir / "caizhengju" / "reports"
    write(
        folder / "report.yaml",
        "logo: emblem.png\ncolour: red\nreports:\n  branch:\n    template: branch/mine.html\n    stylesheet: mine.css\n",
    )
    write(folder / "branch" / "card.css", "h1 { color red }\n")
    report = card(units["caizhengju"])
    notes = "\n".join(report.notes)
    assert "标志文件 emblem.png 不存在" in notes
    assert "colour 不是可设置项" in notes
    assert "模板 branch/mine.html 不存在" in notes
    assert "样式表 mine.css 不存在" in notes
    assert "tenants/caizhengju/reports/branch/card.css 有语法错误" in notes
    assert all(
        p.is_relative_to(REPORTS_DIR) for p in report.look.stylesheets
    )  # the bad CSS is dropped
    assert "logo.svg" not in report.look.logo and report.look.logo.startswith("data:image/svg+xml")
    text = text_of(report)
    assert DEFAULT_HEADING in text and "标志文件emblem.png不存在" in text

    write(
        tenants_dir / "minzhengju" / "reports" / "report.yaml", "title_lines: [未闭合\n  - x: :\n"
    )
    other = card(units["minzhengju"])
    assert any("report.yaml" in n and "格式有误" in n for n in other.notes)
    assert DEFAULT_HEADING in text_of(other)


def test_no_override_means_no_notes(units):
    report = card(units["minzhengju"])
    assert report.notes == [] and "生成说明" not in report.html
    assert [p.name for p in report.look.stylesheets] == ["print.css", "card.css"]
