"""The 台账 on the web: who may read it, personal data by role, the year's roll changes, a query
budget that does not grow with the branch, the downloads, and a unit's ledgers in bulk."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.dues.models import DuesPayment
from core.events.models import Attendance, Event, EventKind, TrainingRecord
from core.facilities.models import FacilityCheck
from core.jobs.models import Job
from core.members.models import Appraisal, DevelopmentCase, DevelopmentStep
from core.organizations.models import Organization
from core.tenancy import host_scope, use_tenant
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import in_unit

U = "/units/caizhengju"
PAGE = f"{U}/branches/B01/ledger?year=2025"
FULL_ID, FULL_PHONE = "11010519491231002X", "13800001234"


@pytest.fixture
def app_config(tmp_path):
    return {"HUEY_IMMEDIATE": True, "JOBS_DIR": str(tmp_path / "jobs")}


@pytest.mark.parametrize("role", ["host", "supervisor", "admin", "secretary"])
def test_readers_of_the_scorecard_read_the_ledger(as_user, county, role):
    client = as_user(role)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for anchor in ("ledger-roll", "ledger-meetings", "ledger-dues", "ledger-rectifications"):
        assert f'id="{anchor}"' in page and f'href="#{anchor}"' in page
    assert "张喆" in page and "李堃" in page and "王珺" not in page  # B02's member


@pytest.mark.parametrize("role", ["other_supervisor", "their_secretary", "b2_secretary"])
def test_outsiders_are_refused(as_user, county, role):
    client = as_user(role)
    # Another unit answers 404, like a missing one; another branch of the unit 403.
    refused = 404 if role in ("other_supervisor", "their_secretary") else 403
    for suffix in ("ledger", "ledger.pdf", "ledger.xlsx"):
        assert client.get(f"{U}/branches/B01/{suffix}?year=2025").status_code == refused


def test_a_bad_year_is_refused_in_chinese(as_user, county):
    client = as_user("admin")
    response = client.get(f"{U}/branches/B01/ledger?year=二〇二五")
    assert response.status_code == 400 and "年度" in response.get_data(as_text=True)
    assert client.get(f"{U}/branches/B01/ledger?year=1999").status_code == 400


@pytest.mark.parametrize(("role", "shown"), [("admin", True), ("host", True), ("supervisor", False), ("secretary", False)])
def test_personal_data_is_masked_unless_the_role_needs_it(as_user, county, role, shown):
    client = as_user(role)
    page = client.get(PAGE).get_data(as_text=True)
    workbook = load_workbook(io.BytesIO(client.get(f"{U}/branches/B01/ledger.xlsx?year=2025").data))
    cells = {str(c) for row in workbook["1.党员花名册"].iter_rows(values_only=True) for c in row if c}
    masked_id, masked_phone = "*" * 14 + FULL_ID[-4:], "*" * 7 + FULL_PHONE[-4:]
    for text in (page, "\n".join(cells)):
        assert (FULL_ID in text) is shown and (FULL_PHONE in text) is shown
        assert (masked_id in text) is not shown and (masked_phone in text) is not shown


def test_the_roll_lists_the_years_changes(as_user, county, db, make_member):
    b1 = in_unit(db, county.tenant_id, Organization, county.b1)
    make_member(b1, name="赵转入", transferred_in_on=dt.date(2025, 4, 1), joined_on=dt.date(2001, 7, 1))
    b1 = in_unit(db, county.tenant_id, Organization, county.b1)
    make_member(b1, name="钱转出", left_on=dt.date(2025, 9, 1), left_reason="transferred")
    b1 = in_unit(db, county.tenant_id, Organization, county.b1)
    make_member(b1, name="孙新党员", status="probationary", joined_on=dt.date(2025, 7, 1))
    b1 = in_unit(db, county.tenant_id, Organization, county.b1)
    make_member(b1, name="周早走", left_on=dt.date(2024, 3, 1), left_reason="deceased")
    client = as_user("secretary")
    page = client.get(PAGE).get_data(as_text=True)
    assert "赵转入" in page and "钱转出" in page and "孙新党员" in page
    assert "周早走" not in page  # left before the year
    assert "组织关系转入" in page and "组织关系转出" in page and "本支部发展入党" in page
    workbook = load_workbook(io.BytesIO(client.get(f"{U}/branches/B01/ledger.xlsx?year=2025").data))
    figures = {r[0]: r[1] for r in workbook["1.党员花名册"].iter_rows(values_only=True) if len(r) > 1 and r[1] is not None}
    # 张喆 and 李堃 all year, 钱转出 until September: 3 at the start; 4 at the end.
    assert figures["年初党员数"] == 3 and figures["年末党员数"] == 4
    assert figures["本年发展"] == 1 and figures["转入"] == 1 and figures["转出"] == 1
    assert figures["其中预备党员"] == 1


def _grow(db, county, how_many: int, first: int) -> None:
    """More members of B01, each with a meeting, attendance, dues, an appraisal, training, a case."""
    with use_tenant(county.tenant_id):
        b1 = db.session.get(Organization, county.b1)
        for n in range(first, first + how_many):
            from core.members.models import Member

            member = Member(organization_id=b1.id, name=f"党员{n}", status="full", joined_on=dt.date(2010, 1, 1),
                            id_number=f"1101051980010{n:04d}"[:18], phone=f"1390000{n:04d}")
            db.session.add(member)
            db.session.flush()
            event = Event(organization_id=b1.id, kind="theme_day", held_on=dt.date(2025, 3, 1 + n % 27),
                          topic=f"主题党日{n}", training_hours=Decimal("2"), minutes="记录")
            event.kinds.append(EventKind(kind="theme_day"))
            db.session.add(event)
            db.session.flush()
            db.session.add(Attendance(event_id=event.id, member_id=member.id, status="absent", reason="出差"))
            for month in (1, 2):
                db.session.add(DuesPayment(member_id=member.id, year=2025, month=month, amount_due=Decimal("10"),
                                           amount_paid=Decimal("10"), paid_on=dt.date(2025, month, 5)))
            db.session.add(Appraisal(member_id=member.id, year=2025, result="qualified"))
            db.session.add(TrainingRecord(member_id=member.id, taken_on=dt.date(2025, 5, 1), hours=Decimal("8"),
                                          title="党校轮训", kind="concentrated"))
            case = DevelopmentCase(organization_id=b1.id, name=f"申请人{n}", stage="activist")
            case.steps.append(DevelopmentStep(step=1, done_on=dt.date(2025, 1, 2)))
            case.steps.append(DevelopmentStep(step=3, done_on=dt.date(2025, 6, 2)))
            db.session.add(case)
            db.session.add(FacilityCheck(organization_id=b1.id, item="site", met=True, checked_by="督导",
                                         checked_on=dt.date(2025, 2, 1 + n % 27)))
        db.session.commit()


def test_the_page_reads_a_fixed_number_of_statements_whatever_the_branch_size(as_user, county, db, queries):
    _grow(db, county, 2, 1)
    client = as_user("admin")
    response, few = queries(lambda: client.get(PAGE))
    assert response.status_code == 200
    _grow(db, county, 12, 10)
    response, many = queries(lambda: client.get(PAGE))
    page = response.get_data(as_text=True)
    assert "党员21" in page and "申请人21" in page and "主题党日21" in page
    assert many == few and many <= 40


def test_pdf_and_workbook_download(as_user, county, db):
    _grow(db, county, 2, 1)
    client = as_user("supervisor")
    pdf = client.get(f"{PAGE}&download=1")
    assert pdf.status_code == 200
    response = client.get(f"{U}/branches/B01/ledger.pdf?year=2025&download=1")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "private" in response.headers["Cache-Control"]
    workbook = client.get(f"{U}/branches/B01/ledger.xlsx?year=2025")
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    sheets = load_workbook(io.BytesIO(workbook.data)).sheetnames
    assert sheets[0] == "1.党员花名册" and len(sheets) == 9


def test_a_unit_admin_gets_every_branchs_ledger_in_one_zip(as_user, county, db):
    _grow(db, county, 1, 1)  # B01: one more member, a 主题党日, dues, appraisal … ; B02: its roll only
    client = as_user("admin")
    response = client.post(f"{U}/ledgers", data={"year": "2025"})
    assert response.status_code == 302
    with host_scope():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job.kind == "bulk_ledgers" and job.status == "done", job.error
        job_id = job.id
    assert "各党支部工作台账" in client.get(f"/jobs/{job_id}").get_data(as_text=True)
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    download.close()
    pdfs = sorted(n for n in archive.namelist() if n.endswith(".pdf"))
    assert [n.rsplit("/", 1)[-1] for n in pdfs] == ["B01_机关第一党支部.pdf", "B02_机关第二党支部.pdf"]
    for name in pdfs:
        assert archive.read(name).startswith(b"%PDF")
    # The index is the ledger's own: what each ledger holds, not a score.
    sheet = load_workbook(io.BytesIO(archive.read("index.xlsx"))).active
    header, *lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == [
        "单位", "单位类型", "支部代码", "支部名称", "年度", "年末在册党员数", "已记录会议和活动数",
        "有记录的部分", "无记录的部分", "状态", "文件名",
    ]
    assert "得分" not in header and "等级" not in header
    by_code = {line[2]: dict(zip(header, line, strict=True)) for line in lines}
    assert set(by_code) == {"B01", "B02"}
    first, second = by_code["B01"], by_code["B02"]
    assert (first["年度"], first["年末在册党员数"], first["已记录会议和活动数"]) == (2025, 3, 1)
    assert (second["年度"], second["年末在册党员数"], second["已记录会议和活动数"]) == (2025, 1, 0)
    for part in ("党员花名册", "三会一课及主题党日记录", "党费收缴登记", "发展党员"):
        assert part in first["有记录的部分"], part
    assert "三会一课及主题党日记录" not in first["无记录的部分"]
    assert "党员花名册" in second["有记录的部分"] and "三会一课及主题党日记录" in second["无记录的部分"]
    assert first["文件名"].endswith("B01_机关第一党支部.pdf") and first["状态"] == "工作台账"


@pytest.mark.parametrize("role", ["secretary", "their_secretary", "other_supervisor"])
def test_others_cannot_start_a_units_ledgers(as_user, county, db, role):
    client = as_user(role)
    response = client.post(f"{U}/ledgers", data={"year": "2025"})
    assert response.status_code == (403 if role == "secretary" else 404)
    with host_scope():
        assert db.session.scalar(select(Job.id)) is None
