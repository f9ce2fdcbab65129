"""Membership periods: a move within the unit ends one period and begins another, so the roll of a
past day — and the past cards of both branches — never change."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.demo import load_demo
from core.dues.models import DuesPayment
from core.extensions import db as _db
from core.host.models import Tenant
from core.members.models import Member, Membership
from core.members.roll import member_on_roll_clause
from core.members.services import MemberError, record_leaving, transfer_member, update_member
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.scoring.services import score_unit
from core.tenancy import use_tenant

D = dt.date
AS_OF = D(2026, 11, 20)


def _periods(member: Member) -> list[tuple]:
    return [(p.organization_id, p.started_on, p.ended_on, p.start_reason, p.end_reason) for p in member.periods]


def test_a_new_member_gets_a_period_that_follows_their_leaving(db, tenant, make_organization, make_member):
    branch = make_organization(tenant, code="B1")
    with use_tenant(tenant.id):
        member = db.session.get(Member, make_member(branch, joined_on=D(2012, 3, 1)).id)
        assert _periods(member) == [(branch.id, D(2012, 3, 1), None, "joined", None)]
        record_leaving(member, left_on=D(2025, 6, 30), reason="deceased")
        db.session.commit()
        db.session.expire_all()
        assert _periods(db.session.get(Member, member.id)) == [
            (branch.id, D(2012, 3, 1), D(2025, 6, 30), "joined", "deceased")
        ]


def test_a_move_closes_one_period_and_opens_another(db, tenant, make_organization, make_member):
    first = make_organization(tenant, code="B1")
    second = make_organization(tenant, code="B2")
    with use_tenant(tenant.id):
        member = db.session.get(Member, make_member(first, joined_on=D(2012, 3, 1)).id)
        first, second = db.session.get(Organization, first.id), db.session.get(Organization, second.id)
        with pytest.raises(MemberError) as error:
            transfer_member(member, second, D(2012, 3, 1))  # not after the period began
        assert "transferred_in_on" in error.value.errors
        with pytest.raises(MemberError) as error:
            update_member(member, organization_id=second.id)  # overwriting would move the past
        assert "调整" in error.value.errors["organization_id"]
        transfer_member(member, second, D(2026, 3, 1))
        db.session.commit()
        db.session.expire_all()
        member = db.session.get(Member, member.id)
        assert _periods(member) == [
            (first.id, D(2012, 3, 1), D(2026, 3, 1), "joined", "moved_within"),
            (second.id, D(2026, 3, 1), None, "moved_within", None),
        ]
        assert member.organization_id == second.id
        # The roll of a day: the first branch before the move, the second from its day on.
        for organization, day, expected in (
            (first, D(2026, 2, 28), True), (second, D(2026, 2, 28), False),
            (first, D(2026, 3, 1), False), (second, D(2026, 3, 1), True),
        ):
            found = db.session.scalars(
                select(Member.id).where(member_on_roll_clause(organization.id, day))
            ).all()
            assert (member.id in found) is expected, (organization.code, day)
            assert member.belongs_on(day, organization.id) is expected


@pytest.fixture
def demo(db):
    load_demo(as_of=AS_OF)
    return db


def _cards(tenant: Tenant, year: int) -> dict[str, tuple]:
    """Branch code → (the whole card, the facts it was scored on)."""
    outcome = score_unit(tenant, year, get_registry(), as_of=AS_OF)
    return {b.organization.code: (b.result, b.facts) for b in outcome.branches}


def test_a_move_leaves_both_branches_past_cards_as_they_were(demo):
    db = demo
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "caizheng"))
    with use_tenant(tenant.id):
        source = db.session.scalar(select(Organization).where(Organization.code == "cz-b1"))
        target = db.session.scalar(select(Organization).where(Organization.code == "cz-b2"))
        # Someone with paid dues in 2025, so the dues facts of the year depend on where they were.
        mover = db.session.scalar(
            select(Member)
            .where(Member.organization_id == source.id, Member.left_on.is_(None))
            .where(Member.id.in_(select(DuesPayment.member_id).where(DuesPayment.year == 2025)))
            .order_by(Member.id)
        )
        assert mover is not None
        past, present = _cards(tenant, 2025), _cards(tenant, 2026)
        assert mover.id in past["cz-b1"][1]["members.names"]
        assert mover.id not in past["cz-b2"][1]["members.names"]
        transfer_member(mover, target, D(2026, 4, 1))
        _db.session.commit()
        assert _cards(tenant, 2025) == past
        # This year each branch had the member for its part of it; at its end, the second has them.
        now = _cards(tenant, 2026)
        for code in ("cz-b1", "cz-b2"):
            assert mover.id in now[code][1]["members.names"]
        count = "organization.member_count"
        assert now["cz-b1"][1][count] == present["cz-b1"][1][count] - 1
        assert now["cz-b2"][1][count] == present["cz-b2"][1][count] + 1
        periods = db.session.scalars(select(Membership).where(Membership.member_id == mover.id)).all()
        assert [p.organization_id for p in periods] == [source.id, target.id]


def test_the_demo_plants_a_move_and_a_transfer(demo):
    db = demo
    from core.events.models import Attendance, Event
    from core.transfers.models import UnitTransfer

    yizhong = db.session.scalar(select(Tenant).where(Tenant.slug == "yizhong"))
    shixiao = db.session.scalar(select(Tenant).where(Tenant.slug == "shixiao"))
    with use_tenant(yizhong.id):
        codes = dict(db.session.execute(select(Organization.id, Organization.code)).all())
        moved = db.session.scalar(select(Member).where(Member.name == "史红雪"))
        assert [(codes[p.organization_id], p.ended_on, p.end_reason) for p in moved.periods] == [
            ("yz-b1", D(2026, 7, 1), "moved_within"), ("yz-b2", None, None),
        ]
        late = db.session.scalar(
            select(Attendance.id).join(Event, Event.id == Attendance.event_id).where(
                Attendance.member_id == moved.id, Event.organization_id == moved.periods[0].organization_id,
                Event.held_on >= D(2026, 7, 1),
            )
        )
        assert late is None  # no meeting of the old branch after the move
        left = db.session.scalar(select(Member).where(Member.name == "贺明轩"))
        assert (left.left_on, left.left_reason) == (D(2026, 9, 1), "transferred")
        (out,) = db.session.scalars(select(UnitTransfer)).all()
        assert (out.direction, out.status, out.letter_no) == ("out", "accepted", "桐组转〔2026〕12号")
    with use_tenant(shixiao.id):
        arrived = db.session.scalar(select(Member).where(Member.name == "贺明轩"))
        assert [(p.started_on, p.start_reason) for p in arrived.periods] == [(D(2026, 9, 1), "transferred_in")]
        (incoming,) = db.session.scalars(select(UnitTransfer)).all()
        assert (incoming.direction, incoming.status, incoming.dues_paid_through) == ("in", "accepted", "2026-10")
        months = db.session.scalars(
            select(DuesPayment.month).where(DuesPayment.member_id == arrived.id).order_by(DuesPayment.month)
        ).all()
        assert months == [9, 10]  # paid at the former unit, carried by the letter


def test_the_demo_plants_an_outflow_and_a_stay_abroad(demo):
    db = demo
    yizhong = db.session.scalar(select(Tenant).where(Tenant.slug == "yizhong"))
    with use_tenant(yizhong.id):
        codes = dict(db.session.execute(select(Organization.id, Organization.code)).all())
        mobile = db.session.scalar(select(Member).where(Member.name == "范晓东"))
        assert [(codes[p.organization_id], p.started_on, p.start_reason, p.end_reason) for p in mobile.periods] == [
            ("yz-b1", D(2021, 10, 30), "joined", "outflow"), ("yz-b1", D(2026, 3, 1), "outflow", None),
        ]
        assert mobile.away == "mobile" and "援疆支教" in mobile.periods[-1].note
        abroad = db.session.scalar(select(Member).where(Member.name == "吴晓东"))
        assert [(p.started_on, p.start_reason, p.end_reason) for p in abroad.periods] == [
            (D(2005, 6, 24), "joined", "abroad"), (D(2026, 2, 15), "abroad", "returned"),
            (D(2026, 8, 20), "returned", None),
        ]
        assert abroad.away is None
        # Both stay on yz-b1's roll throughout the year.
        b1 = next(i for i, c in codes.items() if c == "yz-b1")
        for day in (D(2026, 1, 1), D(2026, 5, 1), D(2026, 11, 20)):
            on_roll = set(db.session.scalars(select(Member.id).where(member_on_roll_clause(b1, day))))
            assert {mobile.id, abroad.id} <= on_roll, day
