"""Excel templates, imports and exports: round trip, all-or-nothing with row errors, secretary
restrictions, score export, CLI."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.audit.models import AuditLog
from core.audit.recorder import acting_as
from core.dues.models import DuesPayment
from core.events.models import Event
from core.excel.importer import import_workbook
from core.excel.sheets import SHEETS
from core.excel.workbooks import export_records, new_workbook, to_bytes
from core.members.models import Member
from core.staffing.models import StaffPost
from core.tenancy import host_scope, use_tenant


@pytest.fixture
def source(tenant, make_organization, make_member, db):
    """A unit with two branches, members, an event with attendance, dues and a staff post."""
    b1 = make_organization(tenant, "b1", name="第一党支部")
    b1_id = b1.id
    b2 = make_organization(tenant, "b2", name="第二党支部")
    b2_id = b2.id
    zhang = make_member(b1, name="张三", gender="male", id_number="11010519491231002X", phone="13800001111",
                        dues_base=Decimal("5400"), birth_date=dt.date(1980, 5, 1), is_leader=True).id
    li = make_member(b1, name="李四", status="probationary", joined_on=dt.date(2024, 7, 1), dues_base=Decimal("3000")).id
    make_member(b2, name="王五", dues_category="retired", dues_base=Decimal("4000"))
    from core.dues.services import set_dues_month
    from core.events.services import record_event
    from core.staffing.services import create_staff_post

    with use_tenant(tenant.id):
        organization = db.session.get(type(b1), b1_id)
        record_event(organization, ["general_meeting", "party_lesson"], dt.date(2025, 3, 5), "学习党章",
                     attendance={zhang: ("present", None), li: ("excused", "出差")}, training_hours="2")
        member = db.session.get(Member, zhang)
        set_dues_month(member, 2025, 3, paid_on=dt.date(2025, 3, 10))
        create_staff_post(person_name="周专干", kind="full_time", started_on=dt.date(2024, 1, 1), organization_id=b1_id)
        db.session.commit()
    return {"tenant": tenant, "b1": b1_id, "b2": b2_id}


def _export(kind: str, tenant, **kwargs) -> io.BytesIO:
    with use_tenant(tenant.id):
        return io.BytesIO(to_bytes(export_records(kind, tenant, **kwargs)))


def _import(tenant, data, **kwargs):
    with use_tenant(tenant.id), acting_as(None, "import:test.xlsx"):
        return import_workbook(data, **kwargs)


def _snapshot(db, tenant) -> dict:
    """The records as plain values (without ids), to compare two units."""
    with use_tenant(tenant.id):
        members = sorted(
            (m.name, m.gender, m.birth_date, m.id_number, m.phone, m.status, m.joined_on, m.dues_category,
             m.dues_base, m.is_leader, m.organization.code)
            for m in db.session.scalars(select(Member))
        )
        events = sorted(
            (e.organization.code, e.held_on, e.kind, tuple(sorted(e.kind_codes)), e.topic, e.training_hours,
             tuple(sorted((a.member.name, a.status, a.reason) for a in e.attendance)))
            for e in db.session.scalars(select(Event))
        )
        dues = sorted(
            (d.member.name, d.year, d.month, d.amount_due, d.amount_paid, d.paid_on)
            for d in db.session.scalars(select(DuesPayment))
        )
        staff = sorted((s.person_name, s.kind, s.started_on, s.ended_on) for s in db.session.scalars(select(StaffPost)))
    return {"members": members, "events": events, "dues": dues, "staff": staff}


def test_template_has_chinese_headers_lists_and_instructions(source):
    tenant = source["tenant"]
    with use_tenant(tenant.id):
        workbook = load_workbook(io.BytesIO(to_bytes(new_workbook(SHEETS["members"], tenant))))
    sheet = workbook["党员花名册"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["支部代码", "姓名", "性别"] and "入党时间" in headers
    formulas = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert any(ref.startswith("C2") for ref in formulas)  # 性别 offers 男/女
    codes = workbook["代码表"]
    assert codes.sheet_state == "hidden"
    values = {c.value for row in codes.iter_rows() for c in row}
    assert {"男", "女", "正式党员", "预备党员", "b1", "b2"} <= values
    notes = [r[0].value for r in workbook["填写说明"].iter_rows()]
    assert any("任何一行有错" in (n or "") for n in notes)


def test_round_trip_into_an_empty_unit(source, make_tenant, make_organization, db):
    """Export every kind, import into a unit with the same branch codes: the same records."""
    target = make_tenant("target", name="目标单位")
    make_organization(target, "b1", name="第一党支部")
    make_organization(target, "b2", name="第二党支部")
    for kind in ("members", "events", "dues", "staff"):  # members first: the others name them
        result = _import(target, _export(kind, source["tenant"]))
        assert result.ok, [str(e) for e in result.errors]
        assert result.kind == kind and result.created == result.rows and result.updated == 0
    assert _snapshot(db, target) == _snapshot(db, source["tenant"])
    # Importing the same member file again updates (matched by ID number), never duplicates.
    again = _import(target, _export("members", source["tenant"]))
    assert again.ok and again.updated >= 1
    with use_tenant(target.id):
        assert db.session.scalar(select(func.count(Member.id))) == 3
    with host_scope():  # the audit log has row-level security on PostgreSQL
        actors = set(db.session.scalars(select(AuditLog.actor).where(AuditLog.tenant_id == target.id, AuditLog.table_name == "member")))
    assert actors == {"import:test.xlsx"}


def _workbook_with_rows(tenant, kind: str, rows: list[dict]) -> io.BytesIO:
    spec = SHEETS[kind]
    with use_tenant(tenant.id):
        workbook = new_workbook(spec, tenant)
    sheet = workbook[spec.sheet]
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(spec.columns, start=1):
            if column.header in row:
                sheet.cell(row=number, column=index, value=row[column.header])
    return io.BytesIO(to_bytes(workbook))


def test_one_bad_row_changes_nothing_and_is_reported(source, db):
    tenant = source["tenant"]
    with use_tenant(tenant.id):
        before = db.session.scalar(select(func.count(Member.id)))
    with host_scope():
        audit_before = db.session.scalar(select(func.count(AuditLog.id)))
    data = _workbook_with_rows(
        tenant,
        "members",
        [
            {"支部代码": "b1", "姓名": "赵六", "党员类别": "正式党员", "入党时间": dt.date(2015, 7, 1)},
            {"支部代码": "b2", "姓名": "钱七", "党员类别": "党员", "入党时间": "2015-13-01", "手机号": "123"},
            {"支部代码": "b9", "姓名": "孙八", "党员类别": "正式党员", "入党时间": dt.date(2016, 7, 1)},
        ],
    )
    result = _import(tenant, data)
    assert not result.ok
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert errors[(3, "党员类别")].startswith("“党员”无效，须为以下之一：正式党员、预备党员")
    assert (4, "支部代码") in errors and "b9" in errors[(4, "支部代码")]
    assert 2 not in {e.row for e in result.errors}
    assert "第 3 行「党员类别」" in str(result.errors[0]) or any("第 3 行" in str(e) for e in result.errors)
    with use_tenant(tenant.id):
        assert db.session.scalar(select(func.count(Member.id))) == before
    with host_scope():
        assert db.session.scalar(select(func.count(AuditLog.id))) == audit_before


def test_schema_and_service_messages_name_row_and_column(source, db):
    tenant = source["tenant"]
    data = _workbook_with_rows(
        tenant,
        "members",
        [
            {"支部代码": "b1", "姓名": "赵六", "党员类别": "正式党员", "入党时间": "2015/07/01"},
            {"支部代码": "b1", "姓名": "钱七", "党员类别": "正式党员", "入党时间": dt.date(2015, 7, 1), "转正时间": dt.date(2014, 1, 1)},
        ],
    )
    result = _import(tenant, data)
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert errors[(2, "入党时间")] == "不是有效的日期（格式 YYYY-MM-DD）"
    assert errors[(3, "转正时间")] == "转正时间不能早于入党时间"


def test_a_bad_cell_does_not_make_the_good_cells_of_its_row_look_wrong(source, db):
    """One pass names every bad cell of a row, and only the bad ones: a wrong 党员类别 beside a
    valid date written as text once also reported the date as badly formatted."""
    tenant = source["tenant"]
    data = _workbook_with_rows(
        tenant,
        "members",
        [{"支部代码": "b9", "姓名": "钱七", "党员类别": "党员", "入党时间": "2015-07-01", "手机号": "abc"}],
    )
    errors = {(e.row, e.column): e.message for e in _import(tenant, data).errors}
    assert set(errors) == {(2, "支部代码"), (2, "党员类别"), (2, "手机号")}


def test_event_row_with_unknown_attendee_is_refused(source, db):
    tenant = source["tenant"]
    with use_tenant(tenant.id):
        before = db.session.scalar(select(func.count(Event.id)))
    data = _workbook_with_rows(
        tenant,
        "events",
        [{"支部代码": "b1", "日期": dt.date(2025, 4, 2), "主要类型": "支委会", "议题": "研究工作", "出席": "张三、王五"}],
    )
    result = _import(tenant, data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "出席")]
    assert "王五" in result.errors[0].message
    with use_tenant(tenant.id):
        assert db.session.scalar(select(func.count(Event.id))) == before


def test_secretary_import_of_another_branch_is_refused_per_row(source, db):
    tenant = source["tenant"]
    data = _workbook_with_rows(
        tenant,
        "staff",
        [
            {"支部代码": "b1", "姓名": "吴干事", "类别": "兼职党务工作人员", "任职日期": dt.date(2024, 3, 1)},
            {"支部代码": "b2", "姓名": "郑干事", "类别": "兼职党务工作人员", "任职日期": dt.date(2024, 3, 1)},
            {"姓名": "冯干事", "类别": "兼职党务工作人员", "任职日期": dt.date(2024, 3, 1)},
        ],
    )
    result = _import(tenant, data, branch_id=source["b1"])
    assert [(e.row, e.column) for e in result.errors] == [(3, "支部代码"), (4, "支部代码")]
    assert result.errors[0].message == "支部书记只能导入本支部的记录"
    with use_tenant(tenant.id):
        assert db.session.scalar(select(func.count(StaffPost.id))) == 1


def test_unrecognised_file_and_missing_headers(source):
    tenant = source["tenant"]
    result = _import(tenant, io.BytesIO(b"not a workbook"))
    assert not result.ok and "不是有效的 Excel" in result.errors[0].message
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "随便"
    result = _import(tenant, io.BytesIO(to_bytes(workbook)))
    assert "找不到工作表" in result.errors[0].message
    workbook.active.title = "党员花名册"
    workbook.active.append(["姓名"])
    result = _import(tenant, io.BytesIO(to_bytes(workbook)))
    assert result.errors[0].row == 1 and "支部代码" in result.errors[0].message


def test_export_masks_personal_data_for_a_secretary_branch_only(source, app, db):
    tenant = source["tenant"]
    with app.test_request_context():
        from flask import g

        g.api_user = None  # no reader who needs personal data: masked
        workbook = load_workbook(_export("members", tenant, branch_id=source["b1"]))
    rows = list(workbook["党员花名册"].iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in rows} == {"张三", "李四"}
    zhang = next(r for r in rows if r[1] == "张三")
    assert zhang[7].endswith("002X") and not zhang[7].startswith("1101")
