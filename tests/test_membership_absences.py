"""Absences on the roll (流动党员外出 / 返回, 出国出境 / 回国) and the other ways of leaving (停止党籍,
自行脱党): each is a period boundary; the member stays on the branch's roll while away, and what an
absence counts for in attendance and dues is core.vocabulary.ABSENCES."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.dues.models import DuesPayment
from core.events.models import Attendance, Event, EventKind
from core.members.models import Member, Membership
from core.members.roll import member_on_roll_clause
from core.members.services import (
    MemberError,
    record_absence,
    record_leaving,
    record_return,
    transfer_member,
    update_member,
)
from core.metrics.registry import compute_metrics
from core.organizations.models import Organization
from core.standards.periods import Period
from core.tenancy import use_tenant
from tests.pages_fixtures import *  # noqa: F403
from tests.pages_fixtures import audit_count, rows

D = dt.date


def _periods(member: Member) -> list[tuple]:
    return [(p.started_on, p.ended_on, p.start_reason, p.end_reason, p.note) for p in member.periods]


def _on_roll(organization_id: int, day: dt.date) -> set[int]:
    return set(_db_scalars(select(Member.id).where(member_on_roll_clause(organization_id, day))))


def _db_scalars(query):
    from core.extensions import db

    return db.session.scalars(query).all()


def test_an_outflow_and_its_return_keep_the_member_on_the_roll(db, tenant, make_organization, make_member):
    branch = make_organization(tenant, code="B1")
    with use_tenant(tenant.id):
        member = db.session.get(Member, make_member(branch, joined_on=D(2012, 3, 1)).id)
        record_absence(member, kind="outflow", on=D(2026, 3, 1), place="深圳市南山区")
        db.session.commit()
        assert member.away == "mobile"
        record_return(member, on=D(2026, 9, 1))
        db.session.commit()
        db.session.expire_all()
        member = db.session.get(Member, member.id)
        assert _periods(member) == [
            (D(2012, 3, 1), D(2026, 3, 1), "joined", "outflow", None),
            (D(2026, 3, 1), D(2026, 9, 1), "outflow", "inflow", "深圳市南山区"),
            (D(2026, 9, 1), None, "inflow", None, None),
        ]
        assert member.away is None and member.organization_id == branch.id
        # On the branch's roll before, during and after the absence: one period covers each day.
        for day in (D(2026, 2, 28), D(2026, 3, 1), D(2026, 8, 31), D(2026, 9, 1)):
            assert member.id in _on_roll(branch.id, day), day
            assert sum(p.started_on <= day and (p.ended_on is None or p.ended_on > day) for p in member.periods) == 1


def test_overlapping_or_reversed_absences_are_refused_in_chinese_and_change_nothing(db, tenant, make_organization, make_member):
    branch = make_organization(tenant, code="B1")
    other = make_organization(tenant, code="B2")
    with use_tenant(tenant.id):
        member = db.session.get(Member, make_member(branch, joined_on=D(2012, 3, 1)).id)
        before = _periods(member)
        cases = [
            (lambda: record_return(member, on=D(2026, 3, 1)), "on", "未处于流动外出或出国出境状态"),
            (lambda: record_absence(member, kind="outflow", on=D(2012, 3, 1), place="深圳"), "on", "外出日期须晚于"),
            (lambda: record_absence(member, kind="outflow", on=D(2099, 1, 1), place="深圳"), "on", "日期不能晚于今天"),
            (lambda: record_absence(member, kind="holiday", on=D(2026, 3, 1), place="深圳"), "kind", "请选择外出类别"),
            (lambda: record_absence(member, kind="abroad", on=D(2026, 3, 1), place="  "), "place", "请填写外出去向"),
            (lambda: record_absence(member, kind="abroad", on=D(2026, 3, 1), place="地" * 201), "place", "不能超过"),
            # The roster's mark follows the periods: not set by hand.
            (lambda: update_member(member, away="mobile"), "away", "请在党员页面登记外出或返回"),
        ]
        for call, field, words in cases:
            with pytest.raises(MemberError) as error:
                call()
            assert words in error.value.errors[field], error.value.errors
            db.session.rollback()
            assert _periods(db.session.get(Member, member.id)) == before
        member = db.session.get(Member, member.id)
        record_absence(member, kind="abroad", on=D(2026, 2, 1), place="英国伦敦（访问学者）")
        db.session.commit()
        away = _periods(member)
        other_branch = db.session.get(Organization, other.id)
        for call, field, words in [
            (lambda: record_absence(member, kind="outflow", on=D(2026, 4, 1), place="深圳"), "kind", "请先登记返回"),
            (lambda: record_return(member, on=D(2026, 2, 1)), "on", "返回日期须晚于外出日期（2026-02-01）"),
            (lambda: record_return(member, on=D(2026, 1, 1)), "on", "返回日期须晚于外出日期"),
            (lambda: transfer_member(member, other_branch, D(2026, 5, 1)), "organization_id", "请先登记返回"),
            (lambda: update_member(member, away=None), "away", "请在党员页面登记外出或返回"),
        ]:
            with pytest.raises(MemberError) as error:
                call()
            assert words in error.value.errors[field], error.value.errors
            db.session.rollback()
            assert _periods(db.session.get(Member, member.id)) == away


@pytest.mark.parametrize("reason", ["suspended", "lapsed"])
def test_suspension_and_lapse_end_the_period_even_while_abroad(db, tenant, make_organization, make_member, reason):
    branch = make_organization(tenant, code="B1")
    with use_tenant(tenant.id):
        member = db.session.get(Member, make_member(branch, joined_on=D(2012, 3, 1)).id)
        record_absence(member, kind="abroad", on=D(2020, 9, 1), place="加拿大")
        db.session.commit()
        with pytest.raises(MemberError) as error:
            record_leaving(member, left_on=D(2020, 8, 1), reason=reason)  # before the absence began
        assert "离开日期不能早于" in error.value.errors["left_on"]
        db.session.rollback()
        member = db.session.get(Member, member.id)
        record_leaving(member, left_on=D(2026, 1, 10), reason=reason)
        db.session.commit()
        db.session.expire_all()
        member = db.session.get(Member, member.id)
        # The absence's period keeps its start: only the leaving is copied onto it.
        assert _periods(member) == [
            (D(2012, 3, 1), D(2020, 9, 1), "joined", "abroad", None),
            (D(2020, 9, 1), D(2026, 1, 10), "abroad", reason, "加拿大"),
        ]
        assert member.left_reason == reason
        assert member.id not in _on_roll(branch.id, D(2026, 1, 10))


def _meeting(db, organization_id: int, day: dt.date, statuses: dict[int, str]) -> None:
    event = Event(organization_id=organization_id, kind="general_meeting", held_on=day, topic="学习党章")
    event.kinds.append(EventKind(kind="general_meeting"))
    for member_id, status in statuses.items():
        event.attendance.append(Attendance(member_id=member_id, status=status))
    db.session.add(event)


def _pay(db, member_id: int, months: list[tuple[int, int]]) -> None:
    for year, month in months:
        db.session.add(DuesPayment(
            member_id=member_id, year=year, month=month, amount_due=Decimal("10"),
            amount_paid=Decimal("10"), paid_on=D(year, month, 5),
        ))


def _months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    found, (year, month) = [], first
    while (year, month) <= last:
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def test_absences_count_as_the_vocabulary_says_in_attendance_and_dues(db, tenant, make_organization, make_member):
    branch = make_organization(tenant, code="B1")
    with use_tenant(tenant.id):
        here = make_member(branch, name="在岗", joined_on=D(2012, 3, 1)).id
        mobile = make_member(branch, name="流动", joined_on=D(2012, 3, 1)).id
        abroad = make_member(branch, name="出国", joined_on=D(2012, 3, 1)).id
        record_absence(db.session.get(Member, mobile), kind="outflow", on=D(2026, 3, 1), place="深圳")
        record_absence(db.session.get(Member, abroad), kind="abroad", on=D(2026, 2, 1), place="英国")
        # Before the absences all three were expected; after, only the one at home.
        _meeting(db, branch.id, D(2026, 1, 10), {here: "present", mobile: "present", abroad: "absent"})
        _meeting(db, branch.id, D(2026, 5, 10), {here: "present", mobile: "excused", abroad: "excused"})
        _meeting(db, branch.id, D(2026, 8, 10), {here: "absent", mobile: "excused", abroad: "excused"})
        _pay(db, here, _months((2025, 1), (2026, 12)))
        _pay(db, abroad, _months((2025, 1), (2026, 1)))  # nothing while abroad
        _pay(db, mobile, _months((2025, 1), (2025, 12)))  # a 流动党员 still owes the branch
        db.session.commit()
        facts = compute_metrics(Period(2026, D(2026, 11, 20)))[branch.id]
    # Jan: 2 of 3 present; May: 1 of 1; Aug: 0 of 1 → 3 of 5.
    assert facts["attendance.ratio"] == round(3 / 5, 4)
    assert facts["attendance.kind_ratio.general_meeting"] == round(3 / 5, 4)
    # Under 80 %: January (2 of 3) and August (0 of 1); May's 1 of 1 is whole.
    assert facts["attendance.events_under_80"] == 2
    # The 流动党员's unpaid run runs across the outflow (Jan–Oct 2026, one entry); the member
    # abroad owes nothing while away and is listed nowhere.
    lapsed = {entry["name"]: entry["months"] for entry in facts["dues.lapsed_members"]}
    assert lapsed == {"流动": [f"2026-{m:02d}" for m in range(1, 11)]}
    assert facts["dues.max_consecutive_unpaid"] == 10
    assert [e["name"] for e in facts["dues.late_members"]] == ["流动"]
    # Due in the year: 10 (at home) + 10 (mobile) + 1 (abroad, January) = 21; paid 10 + 0 + 1.
    assert facts["dues.paid_ratio"] == round(11 / 21, 4)
    # All three are on the roll at the end of the period.
    assert facts["organization.member_count"] == 3


def test_absence_and_return_on_the_member_page_are_audited(client, as_user, county, db):
    admin = as_user("admin")
    page = admin.get(f"/units/caizhengju/members/{county.li}").get_data(as_text=True)
    assert "登记流动党员外出或出国出境" in page and "停止党籍" in page and "自行脱党" in page
    refused = admin.post(f"/units/caizhengju/members/{county.li}/absence", data={
        "absence-kind": "abroad", "absence-on": "2099-01-01", "absence-place": "",
    })
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "日期不能晚于今天" in text and "请填写外出去向" in text
    logged = audit_count(db, "membership")
    done = admin.post(f"/units/caizhengju/members/{county.li}/absence", data={
        "absence-kind": "abroad", "absence-on": "2026-06-01", "absence-place": "新加坡",
    })
    assert done.status_code == 302
    page = admin.get(f"/units/caizhengju/members/{county.li}").get_data(as_text=True)
    assert "出国出境保留组织关系" in page and "新加坡" in page and "登记返回" in page
    assert audit_count(db, "membership") > logged
    back = admin.post(f"/units/caizhengju/members/{county.li}/return", data={"back-on": "2026-05-01"})
    assert back.status_code == 400 and "返回日期须晚于外出日期" in back.get_data(as_text=True)
    assert admin.post(f"/units/caizhengju/members/{county.li}/return", data={"back-on": "2026-10-01"}).status_code == 302
    (member,) = rows(db, county.tenant_id, Member, Member.id == county.li)
    periods = rows(db, county.tenant_id, Membership, Membership.member_id == county.li)
    assert [(p.start_reason, p.end_reason) for p in sorted(periods, key=lambda p: p.started_on)][-2:] == [
        ("abroad", "returned"), ("returned", None),
    ]
    assert member.away is None
