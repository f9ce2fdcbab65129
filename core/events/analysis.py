"""A branch's attendance by kind and by meeting, who presented its 党课, and its leaders'
双重组织生活 — the page that shows the facts the rubrics read (the metric families
``attendance_detail`` and ``lessons``) with the meetings behind them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from core.events.models import Attendance, Event
from core.extensions import db
from core.metrics import Period, compute_metrics
from core.metrics.attendance_detail import LOW_ATTENDANCE, present_count
from core.organizations.models import Organization
from core.organizations.views import choose_branch, organization_or_404, unit_or_404, year_arg
from core.timezone import local_today
from core.vocabulary import EVENT_KINDS

bp = Blueprint("attendance_pages", __name__, url_prefix="/units/<slug>")


def attendance_by_event(organization: Organization, year: int) -> list[dict[str, Any]]:
    """Each meeting of ``year`` with attendance recorded: present, expected, ratio and whether
    it is under 80 % (one statement, summed in the database)."""
    share, whole = LOW_ATTENDANCE
    rows = db.session.execute(
        select(Event, present_count(), func.count())
        .join(Attendance, Attendance.event_id == Event.id)
        .where(Event.organization_id == organization.id, Event.held_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .group_by(Event.id)
        .order_by(Event.held_on, Event.id)
    ).all()
    return [
        {
            "event": event, "present": int(present or 0), "expected": int(expected),
            "ratio": round(int(present or 0) / expected, 4) if expected else None,
            "low": int(present or 0) * whole < expected * share,
        }
        for event, present, expected in rows
    ]


@bp.get("/attendance")
@login_required
def choose(slug: str):
    tenant = unit_or_404(slug)
    return choose_branch(tenant, "attendance_pages.index", _("出勤与党课"))


@bp.get("/branches/<code>/attendance")
@login_required
def index(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code)
    year = year_arg()
    today = local_today()
    period = Period(year=year, as_of=min(today, dt.date(year, 12, 31)))
    facts = compute_metrics(period, tenant_ids=[tenant.id]).get(organization.id, {})
    kinds = [
        (kind, label, facts.get(f"attendance.kind_ratio.{kind}"))
        for kind, label in EVENT_KINDS.items()
        if facts.get(f"attendance.kind_ratio.{kind}") is not None
    ]
    return render_template(
        "events/attendance.html", tenant=tenant, organization=organization, year=year, today=today,
        facts=facts, kinds=kinds, events=attendance_by_event(organization, year),
    )
