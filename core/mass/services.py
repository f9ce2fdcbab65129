"""Write path and reads of a unit's 群团组织 and their activities.

Kept by the unit admin (a 群团组织 belongs to the unit, not to one branch). Transactions as
everywhere: check every field, raise :class:`~core.validation.RecordError` before changing
anything, flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core import deletion
from core.extensions import db
from core.mass.models import MassActivity, MassOrganization
from core.validation import RecordError, check, check_fields, trimmed
from core.vocabulary import MASS_ORGANIZATION_KINDS

ORGANIZATION_LIMITS = {"name": "unit_name", "leader": "person_name", "note": "note"}
ORGANIZATION_FIELDS = {"kind", "name", "set_up_on", "dissolved_on", "leader", "note"}
ACTIVITY_LIMITS = {"title": "title", "note": "note", "participants": "count"}
ACTIVITY_FIELDS = {"held_on", "title", "participants", "note"}


def _dates(fields: dict[str, Any], names: tuple[str, ...], errors: dict[str, str]) -> None:
    for name in names:
        message = check(fields.get(name), "past_date")
        if message:
            errors[name] = message


def _check_organization(found: MassOrganization | None, fields: dict[str, Any]) -> dict[str, str]:
    errors = {name: _("不能修改此项") for name in sorted(set(fields) - ORGANIZATION_FIELDS)}
    errors.update(check_fields(fields, ORGANIZATION_LIMITS))

    def value(name: str) -> Any:
        return fields[name] if name in fields else getattr(found, name, None)

    if value("kind") not in MASS_ORGANIZATION_KINDS:
        errors["kind"] = _("请选择群团组织类别")
    if not value("name"):
        errors["name"] = _("请填写名称")
    _dates(fields, ("set_up_on", "dissolved_on"), errors)
    set_up, dissolved = value("set_up_on"), value("dissolved_on")
    if set_up is None and "set_up_on" not in errors:
        errors["set_up_on"] = _("请填写成立日期")
    if not {"set_up_on", "dissolved_on"} & set(errors) and dissolved is not None and dissolved < set_up:
        errors["dissolved_on"] = _("撤销日期不能早于成立日期")
    if found is not None and found.id is not None and set_up is not None and "set_up_on" not in errors:
        first = db.session.scalar(
            select(MassActivity.held_on).where(MassActivity.mass_organization_id == found.id).order_by(MassActivity.held_on).limit(1)
        )
        if first is not None and first < set_up:
            errors["set_up_on"] = _("已有 %(day)s 的活动记录，成立日期不能晚于它", day=first.isoformat())
    return errors


def create_mass_organization(**fields: Any) -> MassOrganization:
    """Add a 群团组织 (工会、共青团、妇委会 …) to the current unit.

    :param fields: ``kind``, ``name``, ``set_up_on`` (required); ``dissolved_on``, ``leader``, ``note``.
    :raises RecordError: every bad field.
    """
    fields = trimmed(fields)
    errors = _check_organization(None, fields)
    if errors:
        raise RecordError(errors)
    found = MassOrganization(**fields)
    db.session.add(found)
    db.session.flush()
    return found


def update_mass_organization(found: MassOrganization, **changes: Any) -> MassOrganization:
    """Change a 群团组织 (its name, leader, dates).

    :raises RecordError: every bad field; it is left as it was.
    """
    changes = trimmed(changes)
    errors = _check_organization(found, changes)
    if errors:
        raise RecordError(errors)
    for name, value in changes.items():
        setattr(found, name, value)
    db.session.flush()
    return found


def delete_mass_organization(found: MassOrganization) -> None:
    """Delete a 群团组织 entered by mistake, with the activities recorded under it."""
    deletion.delete(found)


def _check_activity(found: MassOrganization, activity: MassActivity | None, fields: dict[str, Any]) -> dict[str, str]:
    errors = {name: _("不能修改此项") for name in sorted(set(fields) - ACTIVITY_FIELDS)}
    errors.update(check_fields(fields, ACTIVITY_LIMITS))

    def value(name: str) -> Any:
        return fields[name] if name in fields else getattr(activity, name, None)

    if not value("title"):
        errors["title"] = _("请填写活动名称")
    _dates(fields, ("held_on",), errors)
    held = value("held_on")
    if held is None and "held_on" not in errors:
        errors["held_on"] = _("请填写活动日期")
    elif "held_on" not in errors and held < found.set_up_on:
        errors["held_on"] = _("活动日期不能早于%(name)s成立日期 %(day)s", name=found.name, day=found.set_up_on.isoformat())
    elif "held_on" not in errors and found.dissolved_on is not None and held >= found.dissolved_on:
        errors["held_on"] = _("%(name)s已于 %(day)s 撤销", name=found.name, day=found.dissolved_on.isoformat())
    participants = value("participants")
    if participants is not None and (isinstance(participants, bool) or not isinstance(participants, int)):
        errors["participants"] = _("须为整数")
    return errors


def add_activity(found: MassOrganization, **fields: Any) -> MassActivity:
    """Record an activity of a 群团组织.

    :param fields: ``held_on``, ``title`` (required); ``participants``, ``note``.
    :raises RecordError: every bad field.
    """
    fields = trimmed(fields)
    errors = _check_activity(found, None, fields)
    if errors:
        raise RecordError(errors)
    activity = MassActivity(mass_organization_id=found.id, **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(activity: MassActivity, **changes: Any) -> MassActivity:
    """Correct an activity.

    :raises RecordError: every bad field.
    """
    changes = trimmed(changes)
    errors = _check_activity(activity.mass_organization, activity, changes)
    if errors:
        raise RecordError(errors)
    for name, value in changes.items():
        setattr(activity, name, value)
    db.session.flush()
    return activity


def delete_activity(activity: MassActivity) -> None:
    """Delete an activity entered by mistake."""
    deletion.delete(activity)


def mass_organizations() -> list[MassOrganization]:
    """The current unit's 群团组织, by kind and set-up date."""
    order = list(MASS_ORGANIZATION_KINDS)
    found = db.session.scalars(select(MassOrganization)).all()
    return sorted(found, key=lambda m: (order.index(m.kind), m.set_up_on, m.id))


def activities_in_year(year: int) -> list[MassActivity]:
    """The current unit's 群团 activities of ``year`` by date (the yearly 台账)."""
    return list(
        db.session.scalars(
            select(MassActivity)
            .where(MassActivity.held_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
            .order_by(MassActivity.held_on, MassActivity.id)
        )
    )


__all__ = [
    "activities_in_year",
    "add_activity",
    "create_mass_organization",
    "delete_activity",
    "delete_mass_organization",
    "mass_organizations",
    "update_activity",
    "update_mass_organization",
]
