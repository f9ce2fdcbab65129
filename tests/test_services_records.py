"""Write services for records: every bad field named in Chinese at once, nothing changed on error,
the caller commits."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.dues.models import DuesPayment
from core.dues.services import set_branch_dues_month, set_dues_month
from core.events.models import Attendance, Event, TrainingRecord
from core.events.services import (
    create_training_record,
    record_event,
    roster,
    training_hours,
    update_event,
)
from core.facilities.models import FacilityCheck
from core.facilities.services import checklist, record_facility_check
from core.funding.services import create_funding_record, update_funding_record
from core.members.models import Appraisal, DevelopmentCase, Member
from core.members.services import (
    close_development_case,
    create_development_case,
    create_member,
    record_development_step,
    record_leaving,
    set_appraisals,
    transfer_member,
)
from core.organizations.models import CommitteeSeat, Organization
from core.organizations.services import (
    assign_seat,
    create_organization,
    create_party_group,
    create_term,
    organization_warnings,
    update_organization,
)
from core.staffing.services import create_staff_post
from core.tenancy import use_tenant
from core.validation import RecordError

D = dt.date


@pytest.fixture
def unit(db, tenant, make_organization, make_member):
    """A 党总支 with two branches; three members in the first, one in the second."""
    with use_tenant(tenant.id):  # on PostgreSQL, expired rows reload only inside their unit
        general = make_organization(tenant, code="ZZ", name="机关党总支", kind="general_branch")
        first = make_organization(tenant, code="B1", name="第一党支部", parent_id=general.id)
        second = make_organization(tenant, code="B2", name="第二党支部", parent_id=general.id)
        people = [
            make_member(first, name="张喆", dues_base=Decimal("5400")),
            make_member(first, name="李堃", dues_category="retired", dues_base=Decimal("4000")),
            make_member(first, name="新党员", joined_on=D(2025, 6, 1)),
            make_member(second, name="王珺"),
        ]
        yield {"general": db.session.get(Organization, general.id),
               "first": db.session.get(Organization, first.id),
               "second": db.session.get(Organization, second.id),
               "members": [db.session.get(Member, m.id) for m in people]}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- organizations ---------------------------------------------------------------------------


def test_organization_errors_are_all_reported(db, unit):
    with pytest.raises(RecordError) as error:
        create_organization(code="B1", name="", kind="branch", established_on=D(2099, 1, 1),
                            parent_id=unit["first"].id)
    assert set(error.value.errors) == {"code", "name", "established_on", "parent_id"}
    assert "已被" in error.value.errors["code"]
    assert "不能设在" in error.value.errors["parent_id"]
    assert _count(db, Organization) == 3


def test_joint_branch_needs_its_units_and_warns_above_five(db, unit):
    with pytest.raises(RecordError) as error:
        create_organization(code="LH", name="联合支部", kind="joint_branch", established_on=D(2020, 1, 1))
    assert "覆盖" in error.value.errors["covered_units"]
    org = create_organization(code="LH", name="联合支部", kind="joint_branch", established_on=D(2020, 1, 1),
                              covered_units="甲、乙,丙，丁;戊、己")
    assert org.covered_units == "甲、乙、丙、丁、戊、己"
    assert "不超过 5" in organization_warnings(org)[0]


def test_a_general_branch_with_branches_cannot_become_a_branch(db, unit):
    with pytest.raises(RecordError) as error:
        update_organization(unit["general"], kind="branch")
    assert "下设" in error.value.errors["kind"]
    with pytest.raises(RecordError) as error:
        update_organization(unit["general"], parent_id=unit["first"].id)
    assert "parent_id" in error.value.errors


def test_term_ends_after_its_years(db, unit):
    term = create_term(unit["first"], elected_on=D(2024, 2, 29))
    assert term.years == 3 and term.ends_on == D(2027, 2, 28)
    with pytest.raises(RecordError) as error:
        create_term(unit["first"], elected_on=D(2024, 3, 1), started_on=D(2024, 2, 1), years=9)
    assert set(error.value.errors) == {"started_on", "years"}


def test_seats_refuse_outsiders_and_a_second_secretary(db, unit):
    zhang, li, _, wang = unit["members"]
    assign_seat(unit["first"], member_id=zhang.id, role="secretary", started_on=D(2024, 1, 1))
    with pytest.raises(RecordError) as error:
        assign_seat(unit["first"], member_id=wang.id, role="secretary", started_on=D(2024, 1, 1))
    assert set(error.value.errors) == {"member_id", "role"}
    assert _count(db, CommitteeSeat) == 1
    with pytest.raises(RecordError) as error:
        create_party_group(unit["general"], name="", leader_id=wang.id)
    assert set(error.value.errors) == {"organization_id", "name", "leader_id"}


# --- members ---------------------------------------------------------------------------------


def test_create_member_names_every_bad_field(db, unit):
    with pytest.raises(RecordError) as error:
        create_member(unit["first"], name=" ", status="x", joined_on=None, phone="123",
                      id_number="110105194912310021")
    assert set(error.value.errors) == {"name", "status", "joined_on", "phone", "id_number"}
    assert _count(db, Member) == 4
    member = create_member(unit["first"], name="赵昇", status="full", joined_on=D(2001, 7, 1),
                           id_number="11010519491231002x")
    assert member.id and member.id_number == "11010519491231002X"


def test_eighteen_from_29_february_is_counted_as_everywhere_else(db, unit):
    # One year after 29 February is 28 February (core.standards.periods.add_years), here too.
    with pytest.raises(RecordError) as error:
        create_member(unit["first"], name="钱闰", status="probationary", birth_date=D(2004, 2, 29),
                      joined_on=D(2022, 2, 27))
    assert error.value.errors == {"joined_on": "入党时须年满十八岁（早于出生日期加十八年）"}
    member = create_member(unit["first"], name="钱闰", status="probationary", birth_date=D(2004, 2, 29),
                           joined_on=D(2022, 2, 28))
    assert member.joined_on == D(2022, 2, 28)


def test_transfer_and_leaving(db, unit):
    zhang = unit["members"][0]
    with pytest.raises(RecordError) as error:
        transfer_member(zhang, unit["general"], D(2099, 1, 1))
    assert set(error.value.errors) == {"organization_id", "transferred_in_on"}
    assign_seat(unit["first"], member_id=zhang.id, role="secretary", started_on=D(2020, 1, 1))
    transfer_member(zhang, unit["second"], D(2025, 3, 1))
    assert zhang.organization_id == unit["second"].id and zhang.transferred_in_on == D(2025, 3, 1)
    assert db.session.scalar(select(CommitteeSeat.ended_on)) == D(2025, 3, 1)
    with pytest.raises(RecordError) as error:
        record_leaving(zhang, left_on=D(2024, 1, 1), reason="nope")
    assert set(error.value.errors) == {"left_on", "left_reason"}
    record_leaving(zhang, left_on=D(2025, 9, 1), reason="transferred")
    assert zhang.left_reason == "transferred"


def test_development_steps_go_in_order_and_set_the_stage(db, unit):
    case = create_development_case(unit["first"], name="郑雨桐", applied_on=D(2025, 3, 3))
    assert case.stage == "applicant" and case.step_date(1) == D(2025, 3, 3)
    with pytest.raises(RecordError) as error:
        record_development_step(case, 3, D(2025, 9, 10))
    assert "第 2 步" in error.value.errors["step"]
    with pytest.raises(RecordError) as error:
        record_development_step(case, 2, D(2025, 3, 1))
    assert "不能早于第 1 步" in error.value.errors["done_on"]
    record_development_step(case, 2, D(2025, 3, 24))
    record_development_step(case, 3, D(2025, 9, 10))
    assert case.stage == "activist"
    with pytest.raises(RecordError) as error:
        record_development_step(case, 2, D(2025, 10, 1))  # would move after step 3
    assert "不能晚于第 3 步" in error.value.errors["done_on"]
    with pytest.raises(RecordError):
        record_development_step(case, 26, D(2025, 10, 1))
    close_development_case(case, "本人撤回申请")
    assert case.stage == "closed"
    assert db.session.get(DevelopmentCase, case.id).steps[-1].step == 3


def test_appraisals_for_a_branch_in_one_call(db, unit):
    zhang, li, newcomer, wang = unit["members"]
    with pytest.raises(RecordError) as error:
        set_appraisals(unit["first"], 2024, {zhang.id: "excellent", newcomer.id: "qualified",
                                            wang.id: "qualified", li.id: "bogus"})
    assert "王珺" not in error.value.errors[str(wang.id)]  # an outsider's name is not shown
    assert "新党员 在 2024 年不属于本支部" in error.value.errors[str(newcomer.id)]
    assert "李堃" in error.value.errors[str(li.id)]
    assert _count(db, Appraisal) == 0
    set_appraisals(unit["first"], 2025, {zhang.id: "excellent", li.id: "qualified"})
    set_appraisals(unit["first"], 2025, {zhang.id: "qualified", li.id: ""})
    rows = db.session.scalars(select(Appraisal)).all()
    assert [(r.member_id, r.result) for r in rows] == [(zhang.id, "qualified")]


# --- events ----------------------------------------------------------------------------------


def test_record_event_with_roster_and_kinds(db, unit):
    zhang, li, newcomer, wang = unit["members"]
    # The roll in pinyin order: 李 (lǐ) before 张 (zhāng).
    assert [m.name for m in roster(unit["first"], D(2025, 1, 10))] == ["李堃", "张喆"]
    with pytest.raises(RecordError) as error:
        record_event(unit["first"], ["theme_day", "party_lesson"], D(2025, 1, 10), "学习",
                     attendance={zhang.id: ("present", None), li.id: ("excused", ""),
                                 newcomer.id: ("present", None), wang.id: ("present", None)})
    errors = error.value.errors
    assert "新党员" in errors["attendance"] and "王珺" in errors["attendance"]
    assert "请假须填写事由" in errors[f"attendance.{li.id}"]
    assert _count(db, Event) == 0
    event = record_event(unit["first"], ["party_lesson"], D(2025, 1, 10), "学习", kind="theme_day",
                         training_hours="2.5",
                         attendance={zhang.id: ("present", None), li.id: ("excused", "出差")})
    assert event.kind == "theme_day" and set(event.kind_codes) == {"theme_day", "party_lesson"}
    assert _count(db, Attendance) == 2
    update_event(event, attendance={zhang.id: ("present", None)}, topic="改")
    db.session.flush()
    assert _count(db, Attendance) == 1 and event.topic == "改"
    create_training_record(zhang, taken_on=D(2025, 5, 1), hours=8, title="党校轮训")
    hours = training_hours([zhang.id, li.id], 2025)
    assert hours[zhang.id]["total"] == Decimal("10.5") and hours[li.id]["total"] == 0


def test_event_and_training_field_errors(db, unit):
    with pytest.raises(RecordError) as error:
        record_event(unit["first"], ["bogus"], D(2099, 1, 1), " ", training_hours="-1")
    assert set(error.value.errors) == {"kinds", "held_on", "topic", "training_hours"}
    with pytest.raises(RecordError) as error:
        create_training_record(unit["members"][0], taken_on=D(2099, 1, 1), hours=0, title="", kind="x")
    assert set(error.value.errors) == {"taken_on", "hours", "title", "kind"}
    assert _count(db, TrainingRecord) == 0


# --- dues ------------------------------------------------------------------------------------


def test_dues_month_defaults_to_the_calculated_amount(db, unit):
    zhang = unit["members"][0]
    row = set_dues_month(zhang, 2025, 3, paid_on=D(2025, 3, 5))
    assert row.amount_due == Decimal("81.00") and row.amount_paid == Decimal("81.00")
    with pytest.raises(RecordError) as error:
        set_dues_month(zhang, 2025, 3, paid_on=D(2099, 1, 1), amount_paid="x", paid_by_proxy=True)
    assert set(error.value.errors) == {"paid_on", "amount_paid", "proxy_name"}
    assert db.session.get(DuesPayment, row.id).paid_on == D(2025, 3, 5)


def test_a_branch_month_in_one_call_is_all_or_nothing(db, unit):
    zhang, li, newcomer, wang = unit["members"]
    rows = {zhang.id: {"paid_on": D(2025, 4, 3)}, li.id: {"paid_on": D(2099, 4, 3)},
            newcomer.id: {}, wang.id: {}}
    with pytest.raises(RecordError) as error:
        set_branch_dues_month(unit["first"], 2025, 4, rows)
    errors = error.value.errors
    assert errors[f"{li.id}.paid_on"].startswith("李堃：")
    assert "不在本支部" in errors[f"{newcomer.id}.month"]
    assert str(wang.id) in errors
    assert _count(db, DuesPayment) == 0
    stored = set_branch_dues_month(unit["first"], 2025, 4, {zhang.id: {"paid_on": D(2025, 4, 3)}, li.id: {}})
    assert [r.amount_due for r in stored] == [Decimal("81.00"), Decimal("20.00")]
    assert stored[1].paid_on is None


# --- funding, staffing, facilities -----------------------------------------------------------


def test_funding_and_staff_errors(db, unit):
    with pytest.raises(RecordError) as error:
        create_funding_record(year=1990, source="x", budgeted="-1", spent="abc")
    assert set(error.value.errors) == {"year", "source", "budgeted", "spent"}
    record = create_funding_record(year=2025, source="fiscal_budget", budgeted="120000", spent="80000.5")
    with pytest.raises(RecordError):
        update_funding_record(record, spent="-3")
    assert record.spent == Decimal("80000.5")
    with pytest.raises(RecordError) as error:
        create_staff_post(kind="x", started_on=D(2025, 1, 1), ended_on=D(2024, 1, 1))
    assert set(error.value.errors) == {"person_name", "kind", "ended_on"}
    post = create_staff_post(member_id=unit["members"][0].id, kind="full_time", started_on=D(2025, 1, 1))
    assert post.person_name == "张喆"


def test_facility_check_saves_a_checked_file(db, app, unit, tmp_path):
    app.instance_path = str(tmp_path)
    keys = [i.key for i in checklist(_tenant(db, unit))]
    assert keys[:2] == ["site", "equipment"]

    class Upload:
        def __init__(self, name: str, data: bytes):
            self.filename, self.stream = name, io.BytesIO(data)

    with pytest.raises(RecordError) as error:
        record_facility_check(unit["first"], item="pool", met=True, checked_on=D(2025, 1, 1),
                              checked_by="", evidence=Upload("x.pdf", b"MZ\x90"))
    assert set(error.value.errors) == {"item", "checked_by", "evidence"}
    with pytest.raises(RecordError) as error:
        record_facility_check(unit["first"], item="site", met=True, checked_on=D(2025, 1, 1),
                              checked_by="张喆", evidence=Upload("../../evil.exe", b"MZ"))
    assert "PDF" in error.value.errors["evidence"]
    assert _count(db, FacilityCheck) == 0 and not (tmp_path / "uploads").exists()
    check = record_facility_check(unit["first"], item="site", met=True, checked_on=D(2025, 1, 1),
                                  checked_by="张喆", evidence=Upload("活动室 照片.PNG", b"\x89PNG\r\n\x1a\nrest"))
    assert check.evidence_file.startswith(f"uploads/{unit['first'].tenant_id}/facilities/")
    assert check.evidence_file.endswith(".png") and ".." not in check.evidence_file
    assert (tmp_path / check.evidence_file).read_bytes().startswith(b"\x89PNG")


def _tenant(db, unit):
    from core.host.models import Tenant

    return db.session.get(Tenant, unit["first"].tenant_id)
