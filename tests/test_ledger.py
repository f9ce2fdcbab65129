"""The yearly 台账 of a demo branch: the PDF and the workbook hold every section with the demo's
own numbers (read back out of the files and compared with the records), on SQLite and on
PostgreSQL when BRANCHMARK_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from core.dues.models import DuesPayment
from core.events.models import Event
from core.extensions import db as _db
from core.facilities.models import FacilityCheck
from core.host.models import Host, Tenant
from core.ledger.build import SECTION_KEYS, build_ledger
from core.ledger.workbook import ledger_workbook
from core.members.models import Appraisal, Member
from core.members.roll import member_on_roll_clause
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.reports.render import render
from core.tenancy import use_tenant
from tests.test_reports_demo import demo_app  # noqa: F401 (the module-scoped demo county)

YEAR = 2025
UNIT, BRANCH = "caizheng", "cz-b1"
TITLES = (
    "党员花名册",
    "三会一课及主题党日记录",
    "党费收缴登记表和公布表",
    "民主评议党员登记表",
    "发展党员台账",
    "学习培训档案",
    "阵地建设（六有）检查",
    "党建工作文档",
    "整改事项",
)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def branch(demo_app) -> dict:  # noqa: F811 (the fixture imported above)
    """The demo branch's numbers, counted straight from its records."""
    tenant = _db.session.scalar(select(Tenant).where(Tenant.slug == UNIT))
    host = _db.session.scalar(select(Host))
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    with use_tenant(tenant.id):
        organization = _db.session.scalar(select(Organization).where(Organization.code == BRANCH))
        members = list(
            _db.session.scalars(
                select(Member).where(member_on_roll_clause(organization.id, end))
            )
        )
        events = _db.session.scalar(
            select(func.count(Event.id)).where(
                Event.organization_id == organization.id, Event.held_on.between(start, end)
            )
        )
        paid = _db.session.scalar(
            select(func.sum(DuesPayment.amount_paid))
            .join(Member, Member.id == DuesPayment.member_id)
            .where(
                Member.organization_id == organization.id,
                DuesPayment.year == YEAR,
                DuesPayment.paid_on.is_not(None),
            )
        )
        appraisals = dict(
            _db.session.execute(
                select(Appraisal.result, func.count(Appraisal.id))
                .join(Member, Member.id == Appraisal.member_id)
                .where(Member.organization_id == organization.id, Appraisal.year == YEAR)
                .group_by(Appraisal.result)
            ).all()
        )
        latest: dict[str, bool] = {}
        for check in _db.session.scalars(
            select(FacilityCheck)
            .where(FacilityCheck.organization_id == organization.id, FacilityCheck.checked_on <= end)
            .order_by(FacilityCheck.checked_on, FacilityCheck.id)
        ):
            latest[check.item] = check.met
        report = render("ledger", tenant, YEAR, BRANCH, registry=get_registry())
        ledger = build_ledger(tenant, organization, YEAR, registry=get_registry())
    return {
        "tenant": tenant.name,
        "host": host.name,
        "name": organization.name,
        "members": members,
        "events": events,
        "paid": Decimal(paid).quantize(Decimal("0.01")),
        "appraisals": appraisals,
        "facilities_met": sum(latest.values()),
        "pdf": report.pdf(),
        "html": report.html,
        "notes": report.notes,
        "xlsx": ledger_workbook(ledger),
    }


def pdf_pages(pdf: bytes) -> list[str]:
    return [squeeze(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_pdf_has_title_lines_contents_and_page_numbers(branch):
    assert branch["notes"] == []
    pages = pdf_pages(branch["pdf"])
    first = pages[0]
    assert squeeze(branch["host"]) in first and squeeze(branch["tenant"]) in first
    assert "党支部工作台账" in first and "目录" in first
    for number, title in enumerate(TITLES, start=1):
        # Each section starts on a page of its own, and the contents line gives that page.
        start = next(i for i, text in enumerate(pages[1:], start=2) if f"{number}.{title}" in text)
        following = f"{number + 1}\\." if number < len(TITLES) else "本台账"
        assert re.search(rf"{number}\.{re.escape(title)}\.+{start}{following}", first), (title, start)
    for index, text in enumerate(pages, start=1):
        assert f"第{index}页，共{len(pages)}页" in text


def test_pdf_prints_the_demo_branchs_numbers(branch):
    text = "".join(pdf_pages(branch["pdf"]))
    members = branch["members"]
    assert len(members) >= 10
    assert f"年末党员数{len(members)}" in text
    for member in members:
        assert squeeze(member.name) in text
    # Personal data masked for a reader without the role: the last four only.
    with_id = next(m for m in members if m.id_number)
    assert with_id.id_number not in text
    assert "*" * (len(with_id.id_number) - 4) + with_id.id_number[-4:] in text
    assert branch["events"] > 10
    assert f"活动总数{branch['events']}" in text
    assert f"全年实缴（元）{branch['paid']}" in text
    assert branch["appraisals"]
    assert f"参评党员数{sum(branch['appraisals'].values())}" in text
    assert "党员应达学时32" in text and "班子成员应达学时56" in text
    assert f"达到项目{branch['facilities_met']}" in text
    for title in TITLES:
        assert title in text


def test_workbook_has_a_sheet_per_section_with_the_numbers(branch):
    workbook = load_workbook(io.BytesIO(branch["xlsx"]))
    assert workbook.sheetnames == [f"{n}.{t}" for n, t in enumerate(TITLES, start=1)]
    assert len(workbook.sheetnames) == len(SECTION_KEYS)

    def figures(sheet) -> dict:
        return {row[0]: row[1] for row in workbook[sheet].iter_rows(values_only=True) if len(row) > 1 and row[1] is not None and isinstance(row[0], str)}

    assert figures("1.党员花名册")["年末党员数"] == len(branch["members"])
    assert figures("2.三会一课及主题党日记录")["活动总数"] == branch["events"]
    assert Decimal(str(figures("3.党费收缴登记表和公布表")["全年实缴（元）"])) == branch["paid"]
    names = {row[1] for row in workbook["1.党员花名册"].iter_rows(values_only=True)}
    assert {m.name for m in branch["members"]} <= names
