"""Dues pages: a branch's ledger for a year (members × 12 months) and one month for every member
of the branch in one form, with the calculated amount beside each row.

Pages commit: the month is saved through one service call and one commit; a refused month rolls
back and shows each member's messages in their row, with what the user typed still in place.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.dues import services
from core.dues.calculator import DuesInputError
from core.dues.forms import ROW_FIELDS, month_form
from core.extensions import db
from core.members.models import Member
from core.members.roll import member_on_roll_clause, member_on_roll_during
from core.organizations.views import (
    can_edit_organization,
    choose_branch,
    organization_or_404,
    save,
    unit_or_404,
    year_arg,
)
from core.sorting import by_pinyin
from core.standards.periods import month_bounds
from core.timezone import local_today

bp = Blueprint("dues_pages", __name__, url_prefix="/units/<slug>")


def _members_in(organization_id: int, first: dt.date, last: dt.date) -> list[Member]:
    """Members who belonged to the branch on any day between ``first`` and ``last``."""
    return by_pinyin(
        db.session.scalars(
            select(Member)
            .where(member_on_roll_clause(organization_id, first, last))
            .options(selectinload(Member.periods))
            .order_by(Member.name, Member.id)
        ).all()
    )


@bp.get("/dues")
@login_required
def choose(slug: str):
    tenant = unit_or_404(slug)
    return choose_branch(tenant, "dues_pages.ledger", _("党费"))


@bp.get("/branches/<code>/dues")
@login_required
def ledger(slug: str, code: str):
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code)
    year = year_arg()
    members = _members_in(organization.id, dt.date(year, 1, 1), dt.date(year, 12, 31))
    rows = services.ledger([m.id for m in members], year)
    today = local_today()
    owed = {
        m.id: [mo for mo in range(1, 13) if member_on_roll_during(m, organization.id, *month_bounds(year, mo))]
        for m in members
    }
    totals = {
        "due": sum((r.amount_due for months in rows.values() for r in months.values()), Decimal(0)),
        "paid": sum((r.amount_paid or 0 for months in rows.values() for r in months.values()), Decimal(0)),
    }
    return render_template(
        "dues/ledger.html", tenant=tenant, organization=organization, year=year, members=members,
        rows=rows, owed=owed, totals=totals, today=today,
        last_month=(year < today.year and 12) or (year == today.year and today.month) or 0,
        can_edit=can_edit_organization(tenant, organization.id),
    )


def _fill_paid_on(form, members: list[Member], blocked: set[int]) -> bool:
    """"全部按此日期交纳": put the common date into every empty date of the month (no save), so
    only the exceptions are left to change. Members whose dues cannot be calculated are skipped.
    """
    if request.method != "POST" or "fill" not in request.form:
        return False
    day = form.all_paid_on.data
    if not isinstance(day, dt.date):
        form.all_paid_on.errors = [*form.all_paid_on.errors, _("请先填写统一交纳日期")]
        return True
    for member in members:
        field = getattr(form, f"on{member.id}")
        if member.id not in blocked and field.data is None:
            field.data = day
            field.raw_data = [day.isoformat()]  # the input shows raw data over data
    return True


@bp.route("/branches/<code>/dues/<int:year>/<int:month>", methods=["GET", "POST"])
@login_required
def month(slug: str, code: str, year: int, month: int):
    """One month for the whole branch. A member whose dues cannot be calculated (no dues base)
    and for whom no amount is typed is flagged in the row and left out; the others are saved."""
    tenant = unit_or_404(slug)
    organization = organization_or_404(tenant, code, edit=True)
    if not 1 <= month <= 12 or not 2000 <= year <= local_today().year + 1:
        abort(404)
    first, last = services.month_bounds(year, month)
    members = _members_in(organization.id, first, last)
    stored = {
        member_id: months[month]
        for member_id, months in services.ledger([m.id for m in members], year).items()
        if month in months
    }
    calculated: dict[int, str] = {}
    amounts: dict[int, str] = {}
    missing: dict[int, str] = {}
    for member in members:
        try:
            amounts[member.id] = calculated[member.id] = str(services.calculated_due(member).amount)
        except DuesInputError as error:
            calculated[member.id] = _("无法计算：%(reason)s", reason=str(error))
            if member.id not in stored:
                missing[member.id] = str(error)
    form = month_form(members, stored)
    if _fill_paid_on(form, members, set(missing)):
        return _render_month(tenant, organization, year, month, members, form, calculated, amounts, stored, missing)
    if form.validate_on_submit():
        rows = {
            m.id: {name: getattr(form, f"{prefix}{m.id}").data for prefix, name in ROW_FIELDS.items()}
            for m in members
        }
        # Missing data of one member must not hold back the branch: leave that row out unless
        # an amount due was typed for it (then the service checks it like any other row).
        skipped = [m for m in members if m.id in missing and rows[m.id]["amount_due"] is None]
        for member in skipped:
            rows.pop(member.id)
        error_fields = {
            f"{m.id}.{name}": f"{prefix}{m.id}" for m in members for prefix, name in ROW_FIELDS.items()
        }
        error_fields |= {f"{m.id}.month": f"note{m.id}" for m in members}
        done = save(lambda: services.set_branch_dues_month(organization, year, month, rows), form, error_fields)
        if done is not None:
            flash(_("已保存 %(year)d 年 %(month)d 月党费（%(n)d 人）", year=year, month=month, n=len(done)), "info")
            if skipped:
                flash(
                    _(
                        "%(names)s 缺少党费计算基数，本月未保存：请在党员信息中补录基数后再登记",
                        names="、".join(m.name for m in skipped),
                    ),
                    "warning",
                )
            return redirect(url_for(".ledger", slug=slug, code=code, year=year))
    status = 400 if request.method == "POST" else 200
    return _render_month(tenant, organization, year, month, members, form, calculated, amounts, stored, missing), status


def _render_month(tenant, organization, year, month, members, form, calculated, amounts, stored, missing) -> str:
    return render_template(
        "dues/month.html", tenant=tenant, organization=organization, year=year, month=month,
        members=members, form=form, calculated=calculated, amounts=amounts, stored=stored,
        missing=missing,
    )
