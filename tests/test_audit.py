"""Every write leaves an audit-log row: who, when, and the values before and after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from core.audit.models import AuditLog
from core.audit.recorder import acting_as
from core.members.models import Member
from core.members.services import MemberError, update_member
from core.tenancy import host_scope, use_tenant


def _log(db, table: str, row_id: int) -> list[AuditLog]:
    with host_scope():  # the audit log has row-level security on PostgreSQL
        return db.session.scalars(
            select(AuditLog).where(AuditLog.table_name == table, AuditLog.row_id == row_id).order_by(AuditLog.id)
        ).all()


@pytest.fixture
def member(tenant, make_organization, make_member):
    branch = make_organization(tenant)
    return make_member(branch, name="赵昇", dues_base=Decimal("4200.00"), id_number="11010519491231002X")


def test_creating_a_member_is_logged_with_its_values(db, member, tenant):
    (entry,) = _log(db, "member", member.id)
    assert entry.action == "insert" and entry.before is None
    assert entry.after["name"] == "赵昇"
    assert entry.tenant_id == tenant.id


def test_editing_a_member_through_the_service_logs_before_and_after(db, member, tenant):
    member_id = member.id
    with use_tenant(tenant.id), acting_as(None, "secretary-zhang"):
        update_member(member, dues_base=Decimal("5200.00"), position="科长")
        db.session.commit()
    entry = _log(db, "member", member_id)[-1]
    assert entry.action == "update" and entry.actor == "secretary-zhang"
    assert entry.before == {"dues_base": "4200.00", "position": None}
    assert entry.after["dues_base"] == "5200.00" and entry.after["position"] == "科长"


def test_editing_through_a_bulk_statement_is_logged_too(db, member, tenant):
    member_id = member.id
    with use_tenant(tenant.id), acting_as(None, "import:roster.xlsx"):
        db.session.execute(update(Member).where(Member.id == member_id).values(position="副科长"))
        db.session.commit()
    entry = _log(db, "member", member_id)[-1]
    assert entry.action == "update" and entry.actor == "import:roster.xlsx"
    assert entry.before == {"position": None} and entry.after == {"position": "副科长"}


def test_deleting_is_logged_with_the_values_that_were_there(db, member, tenant):
    member_id = member.id
    with use_tenant(tenant.id):
        db.session.execute(delete(Member).where(Member.id == member_id))
        db.session.commit()
    entry = _log(db, "member", member_id)[-1]
    assert entry.action == "delete" and entry.before["name"] == "赵昇" and entry.after is None


def test_personal_data_is_masked_in_the_log(db, member):
    (entry,) = _log(db, "member", member.id)
    assert entry.after["id_number"] == "**************002X"


def test_bad_edit_changes_nothing_and_names_the_fields(db, member, tenant):
    before = len(_log(db, "member", member.id))
    with use_tenant(tenant.id):
        with pytest.raises(MemberError) as error:
            update_member(member, phone="12345", id_number="110105194912310021", full_on=dt.date(2001, 1, 1))
        assert set(error.value.errors) == {"phone", "id_number"}
        assert "身份证" in error.value.errors["id_number"]
        db.session.commit()
        assert db.session.get(Member, member.id).phone is None
    assert len(_log(db, "member", member.id)) == before


def test_full_membership_before_joining_is_refused(db, member, tenant):
    with use_tenant(tenant.id), pytest.raises(MemberError) as error:
        update_member(member, full_on=dt.date(2000, 1, 1))
    assert "转正时间不能早于入党时间" in error.value.errors["full_on"]


def test_cascaded_deletes_are_logged(db, tenant, make_organization, make_member):
    import datetime as dt

    from core.events.models import Attendance, Event, EventKind

    branch = make_organization(tenant)
    member = make_member(branch)
    with use_tenant(tenant.id):
        event = Event(organization_id=branch.id, kind="theme_day", held_on=dt.date(2025, 3, 18), topic="主题党日")
        event.kinds.append(EventKind(kind="theme_day"))
        event.attendance.append(Attendance(member_id=member.id, status="present"))
        db.session.add(event)
        db.session.commit()
        attendance_id = event.attendance[0].id
        event.attendance.clear()  # replaced roster: the old row goes as an orphan
        db.session.commit()
    (entry,) = [e for e in _log(db, "attendance", attendance_id) if e.action == "delete"]
    assert entry.before["status"] == "present"


def test_every_table_has_a_chinese_name_for_the_log_and_the_demo_command(app):
    from core.extensions import db as _db
    from core.vocabulary import TABLE_NAMES

    unnamed = sorted(set(_db.metadata.tables) - set(TABLE_NAMES))
    assert not unnamed, f"core.vocabulary.TABLE_NAMES lacks {unnamed}"
