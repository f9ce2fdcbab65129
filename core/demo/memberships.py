"""The demo's changes of membership (``memberships.yaml``), applied through the record services.

A move within a unit goes through :func:`core.members.services.transfer_member`, a transfer
between units through :mod:`core.transfers.services` (started by the sender, accepted by the
receiver), an absence (流动党员外出, 出国出境) and its return through
:func:`~core.members.services.record_absence` and :func:`~core.members.services.record_return`,
so the demo obeys the same checks as the pages and the API. The generated attendance
of a member at their old branch's meetings on or after the day they left it is removed: they were
no longer on that branch's roll.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from core.demo.data import Checker, DemoDataError, display_path, read_yaml
from core.demo.records import service_refusal
from core.dues.models import DuesPayment
from core.events.models import Attendance, Event
from core.members.models import Member
from core.members.services import record_absence, record_return, transfer_member
from core.organizations.models import Organization
from core.tenancy import use_tenant
from core.transfers.models import UnitTransfer
from core.transfers.services import accept_transfer, start_transfer

FILE = "memberships.yaml"
KEYS = ("moves", "transfers", "absences")


def read_memberships(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """:returns: the ``moves``, ``transfers`` and ``absences`` of the folder's file (none when it
    is absent); each entry remembers its line (:class:`~core.demo.data.LineDict`)."""
    path = folder / FILE
    if not path.exists():
        return {key: [] for key in KEYS}
    data = read_yaml(path)
    found = {key: data.get(key) or [] for key in KEYS}
    for key, entries in found.items():
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise DemoDataError(display_path(path), "应为条目列表", line=data.line_of(key), field=key)
    return found


def apply_memberships(session, folder: Path, member_ids: dict[str, int], org_ids: dict[tuple[str, str], int],
                      tenant_ids: dict[str, int]) -> dict[str, int]:
    """Apply the moves, transfers and absences of ``memberships.yaml``.

    :returns: rows added by table (a transfer adds the receiver's member and the dues months it
        carries) and ``membership_changes``, the number of moves and transfers.

    :raises DemoDataError: an entry names an unknown member, unit or branch, or a service
        refuses it (its Chinese message, with the field).
    """
    entries = read_memberships(folder)
    added: Counter[str] = Counter()
    for index, entry in enumerate(entries["moves"], 1):
        member, unit = _member(session, entry, member_ids, tenant_ids, f"moves[{index}]")
        on = _date(entry, "date", f"moves[{index}]")
        with use_tenant(tenant_ids[unit]):
            target = session.get(Organization, _org(org_ids, unit, entry.get("to"), f"moves[{index}].to"))
            old_branch = member.organization_id
            _run(entry, f"moves[{index}]", transfer_member, member, target, on)
            added["attendance"] -= _drop_attendance_after(session, member.id, old_branch, on)
    for index, entry in enumerate(entries["transfers"], 1):
        where = f"transfers[{index}]"
        member, unit = _member(session, entry, member_ids, tenant_ids, where)
        receiver = entry.get("to_unit")
        if receiver not in tenant_ids:
            raise DemoDataError(FILE, f"单位 {receiver} 不存在", field=f"{where}.to_unit")
        branch_id = _org(org_ids, receiver, entry.get("branch"), f"{where}.branch")
        on = _date(entry, "date", where)
        with use_tenant(tenant_ids[unit]):
            old_branch = member.organization_id
            out = _run(
                entry, where, start_transfer, member, receiver_id=tenant_ids[receiver], transfer_on=on,
                letter_no=entry.get("letter_no"), reason=entry.get("reason"),
            )
            added["attendance"] -= _drop_attendance_after(session, member.id, old_branch, on)
        with use_tenant(tenant_ids[receiver]):
            incoming = session.scalar(
                select(UnitTransfer).where(UnitTransfer.reference == out.reference, UnitTransfer.direction == "in")
            )
            arrived = _run(entry, where, accept_transfer, incoming, organization_id=branch_id)
            added["member"] += 1
            added["dues_payment"] += session.scalar(
                select(func.count()).select_from(DuesPayment).where(DuesPayment.member_id == arrived.id)
            )
    for index, entry in enumerate(entries["absences"], 1):
        where = f"absences[{index}]"
        member, unit = _member(session, entry, member_ids, tenant_ids, where)
        with use_tenant(tenant_ids[unit]):
            _run(entry, where, record_absence, member, kind=entry.get("kind"), on=_date(entry, "date", where),
                 place=entry.get("place"))
            if entry.get("returned") is not None:
                _run(entry, where, record_return, member, on=_date(entry, "returned", where))
    added["membership_changes"] = sum(len(entries[key]) for key in KEYS)
    return dict(added)


def _member(session, entry: dict, member_ids: dict[str, int], tenant_ids: dict[str, int], where: str):
    number = entry.get("member")
    if number not in member_ids:
        raise DemoDataError(FILE, f"名册中没有编号 {number}", field=f"{where}.member")
    unit = str(number).rsplit("-", 1)[0]
    with use_tenant(tenant_ids[unit]):
        return session.get(Member, member_ids[number]), unit


def _org(org_ids: dict[tuple[str, str], int], unit: str, code: Any, field: str) -> int:
    if (unit, code) not in org_ids:
        raise DemoDataError(FILE, f"单位 {unit} 没有党组织 {code}", field=field)
    return org_ids[(unit, code)]


def _date(entry: dict, name: str, where: str) -> dt.date:
    value = entry.get(name)
    if isinstance(value, dt.date):
        return value
    return Checker(FILE).parse_date(value, line=getattr(entry, "line", None), field=f"{where}.{name}")


def _run(entry: dict, where: str, service, *args: Any, **kwargs: Any):
    with service_refusal(FILE, getattr(entry, "line", None), where):
        return service(*args, **kwargs)


def _drop_attendance_after(session, member_id: int, organization_id: int, day: dt.date) -> int:
    """Remove the generated attendance at the old branch's meetings from the day the member left
    it; :returns: how many rows."""
    return session.execute(
        delete(Attendance).where(
            Attendance.member_id == member_id,
            Attendance.event_id.in_(
                select(Event.id).where(Event.organization_id == organization_id, Event.held_on >= day)
            ),
        )
    ).rowcount
