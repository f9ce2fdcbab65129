"""Staffing write paths: party-affairs staff posts and party-building instructors.

Transactions: these functions check every field, then change the session (add, set, flush) and
return; they never commit. The caller — a page, the JSON API, an Excel import — commits once at
the end, so an import of many rows stays all-or-nothing. On bad input they raise
:class:`~core.validation.RecordError` naming every bad field at once, in Chinese, and change
nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from core import deletion
from core.extensions import db
from core.members.models import Member
from core.organizations.models import Organization
from core.staffing.models import StaffPost
from core.timezone import local_today
from core.validation import RecordError
from core.vocabulary import STAFF_KINDS

FIELDS = {"person_name", "kind", "title", "started_on", "ended_on", "organization_id", "member_id"}


def staff_post_errors(post: StaffPost | None, fields: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Every bad field of ``post`` (``None``: a new post) with ``fields`` applied, and the values
    it would then hold; the write paths and the demo's bulk load check with it."""
    errors: dict[str, str] = {}
    for name in sorted(set(fields) - FIELDS):
        errors[name] = _("不能修改此项")
    merged: dict[str, Any] = {}
    if post is not None:
        merged = {name: getattr(post, name) for name in FIELDS}
    merged.update({k: (v.strip() or None) if isinstance(v, str) else v for k, v in fields.items() if k in FIELDS})
    member = None
    if merged.get("member_id") is not None:
        member = db.session.get(Member, merged["member_id"])
        if member is None:
            errors["member_id"] = _("请选择本单位的党员")
        elif not merged.get("person_name"):
            merged["person_name"] = member.name
    if not merged.get("person_name"):
        errors["person_name"] = _("请填写姓名")
    elif len(merged["person_name"]) > 50:
        errors["person_name"] = _("不能超过 %(limit)d 个字符", limit=50)
    if merged.get("kind") not in STAFF_KINDS:
        errors["kind"] = _("请选择岗位类别")
    if len(merged.get("title") or "") > 100:
        errors["title"] = _("不能超过 %(limit)d 个字符", limit=100)
    today = local_today()
    for name in ("started_on", "ended_on"):
        value = merged.get(name)
        if value is not None and not isinstance(value, dt.date):
            errors[name] = _("日期格式应为 YYYY-MM-DD")
        elif value is not None and value > today:
            errors[name] = _("日期不能晚于今天")
    if merged.get("started_on") is None and "started_on" not in errors:
        errors["started_on"] = _("请填写任职日期")
    if (
        not {"started_on", "ended_on"} & set(errors)
        and merged.get("ended_on") is not None
        and merged["ended_on"] < merged["started_on"]
    ):
        errors["ended_on"] = _("离任日期不能早于任职日期")
    if (
        merged.get("organization_id") is not None
        and db.session.get(Organization, merged["organization_id"]) is None
    ):
        errors["organization_id"] = _("请选择本单位的党组织")
    return errors, merged


def create_staff_post(**fields: Any) -> StaffPost:
    """Add a staff post: ``person_name`` (or ``member_id``), ``kind``, ``started_on``; optional
    ``title``, ``organization_id``, ``ended_on``.

    :raises RecordError: every bad field.
    """
    errors, values = staff_post_errors(None, fields)
    if errors:
        raise RecordError(errors)
    post = StaffPost(**values)
    db.session.add(post)
    db.session.flush()
    return post


def update_staff_post(post: StaffPost, **changes: Any) -> StaffPost:
    """Change a staff post (e.g. record the day it ended with ``ended_on``).

    :raises RecordError: every bad field.
    """
    errors, values = staff_post_errors(post, changes)
    if errors:
        raise RecordError(errors)
    for name, value in values.items():
        setattr(post, name, value)
    db.session.flush()
    return post


def delete_staff_post(post: StaffPost) -> None:
    """Delete a staff post entered by mistake (nothing points to it); a post that ended is
    kept with its end date instead."""
    deletion.delete(post)
