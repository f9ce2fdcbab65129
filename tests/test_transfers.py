"""Transfers between units (组织关系转接): the sender starts, the receiver accepts or refuses; each
unit reads its own side only, and the dues months continue without a gap or a double month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.dues.models import DuesPayment
from core.members.models import Member, Membership
from core.metrics import Period, compute_metrics
from core.tenancy import host_scope, use_tenant
from core.transfers.models import UnitTransfer
from core.transfers.services import (
    TransferError,
    accept_transfer,
    cancel_transfer,
    refuse_transfer,
    start_transfer,
)

D = dt.date


@pytest.fixture
def county(db, make_tenant, make_organization, make_member):
    sender, receiver = make_tenant(slug="sender", name="发出单位"), make_tenant(slug="receiver", name="接收单位")
    out_org = make_organization(sender, code="S1", name="发出党支部")
    out_branch = out_org.id
    in_org = make_organization(receiver, code="R1", name="接收党支部")
    in_branch = in_org.id
    member_id = make_member(out_org, name="转接人", joined_on=D(2010, 5, 1), dues_base=Decimal("5000")).id
    make_member(in_org, name="原有党员")
    with use_tenant(sender.id):
        # Paid 2026-01 … 2026-06 at the sender (ahead of the transfer on 2026-04-10).
        for month in range(1, 7):
            db.session.add(DuesPayment(member_id=member_id, year=2026, month=month, amount_due=Decimal("25"),
                                       amount_paid=Decimal("25"), paid_on=D(2026, 1, 5)))
        db.session.commit()
    return {"sender": sender, "receiver": receiver, "out_branch": out_branch, "in_branch": in_branch,
            "member_id": member_id}


def _start(db, county, **changes):
    fields = {"receiver_id": county["receiver"].id, "transfer_on": D(2026, 4, 10),
              "letter_no": "组转〔2026〕7号", "reason": "工作调动"} | changes
    with use_tenant(county["sender"].id):
        member = db.session.get(Member, county["member_id"])
        out = start_transfer(member, **fields)
        db.session.commit()
        return out.reference


def _incoming(db, county, reference):
    return db.session.scalar(select(UnitTransfer).where(UnitTransfer.reference == reference))


def test_bad_input_is_refused_field_by_field(db, county):
    with use_tenant(county["sender"].id):
        member = db.session.get(Member, county["member_id"])
        with pytest.raises(TransferError) as error:
            start_transfer(member, receiver_id=county["sender"].id, transfer_on=D(2099, 1, 1), letter_no=" ", reason="")
        assert set(error.value.errors) == {"receiver_id", "transfer_on", "letter_no", "reason"}
        assert "本单位" in error.value.errors["receiver_id"]
    with host_scope():
        assert db.session.scalar(select(UnitTransfer.id)) is None


def test_accept_moves_the_member_and_each_side_keeps_its_own_period(db, county):
    reference = _start(db, county)
    with use_tenant(county["receiver"].id):
        incoming = _incoming(db, county, reference)
        assert incoming.direction == "in" and incoming.member_id is None
        assert incoming.dues_paid_through == "2026-06"
        with pytest.raises(TransferError) as error:
            accept_transfer(incoming, organization_id=county["out_branch"])  # not the receiver's branch
        assert "organization_id" in error.value.errors
        db.session.rollback()
        incoming = _incoming(db, county, reference)
        new = accept_transfer(incoming, organization_id=county["in_branch"])
        db.session.commit()
        new_id = new.id
        # The receiver reads its own member and period, never the sender's.
        assert db.session.scalar(select(Member).where(Member.id == county["member_id"])) is None
        periods = db.session.scalars(select(Membership)).all()
        assert {(p.member_id, p.started_on, p.start_reason) for p in periods} >= {(new_id, D(2026, 4, 10), "transferred_in")}
        assert all(p.member_id != county["member_id"] for p in periods)
        assert [r.direction for r in db.session.scalars(select(UnitTransfer))] == ["in"]
        # Months already paid at the sender from the transfer's month on are paid here too.
        months = db.session.execute(
            select(DuesPayment.month, DuesPayment.paid_on).where(DuesPayment.member_id == new_id).order_by(DuesPayment.month)
        ).all()
        assert [m for m, _ in months] == [4, 5, 6] and all(paid is not None for _, paid in months)
    with use_tenant(county["sender"].id):
        old = db.session.get(Member, county["member_id"])
        assert old.left_on == D(2026, 4, 10) and old.left_reason == "transferred"
        assert [(p.ended_on, p.end_reason) for p in old.periods] == [(D(2026, 4, 10), "transferred_out")]
        assert db.session.scalar(select(Member).where(Member.id == new_id)) is None
        (out,) = db.session.scalars(select(UnitTransfer)).all()
        assert out.status == "accepted" and out.direction == "out"
    # Dues of 2026: each month is due at exactly one unit, and paid there.
    due_at = {}
    for tenant in (county["sender"], county["receiver"]):
        with use_tenant(tenant.id):
            facts = compute_metrics(Period(2026, D(2026, 12, 31)), tenant_ids=[tenant.id])
            (branch_facts,) = facts.values()
            due_at[tenant.slug] = branch_facts
    assert due_at["sender"]["dues.paid_ratio"] == 1.0
    assert due_at["sender"]["dues.max_consecutive_unpaid"] == 0
    # The receiver: 转接人 paid April–June through the sender, owes July on.
    lapsed = {m["name"]: m["months"] for m in due_at["receiver"]["dues.unpaid_3_members"]}
    assert lapsed["转接人"] == [f"2026-{m:02d}" for m in range(7, 13)]


def test_refuse_and_cancel_leave_the_member_with_the_sender(db, county):
    reference = _start(db, county)
    with use_tenant(county["receiver"].id):
        incoming = _incoming(db, county, reference)
        with pytest.raises(TransferError) as error:
            refuse_transfer(incoming, reason=" ")
        assert "refusal_reason" in error.value.errors
        refuse_transfer(incoming, reason="接收单位不符")
        db.session.commit()
    with use_tenant(county["sender"].id):
        out = db.session.scalar(select(UnitTransfer))
        assert (out.status, out.refusal_reason) == ("refused", "接收单位不符")
        member = db.session.get(Member, county["member_id"])
        assert member.left_on is None
        with pytest.raises(TransferError):
            cancel_transfer(out)  # already handled
    reference = _start(db, county, letter_no="组转〔2026〕8号")
    with use_tenant(county["sender"].id):
        out = db.session.scalar(select(UnitTransfer).where(UnitTransfer.reference == reference))
        cancel_transfer(out)
        db.session.commit()
    with use_tenant(county["receiver"].id):
        incoming = _incoming(db, county, reference)
        assert incoming.status == "cancelled"
        with pytest.raises(TransferError):
            accept_transfer(incoming, organization_id=county["in_branch"])
