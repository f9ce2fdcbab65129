"""The dues month form: one row per member, built for each request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Optional

from core.dues.models import DuesPayment
from core.forms import Within
from core.members.forms import ChineseDecimalField
from core.members.models import Member
from core.organizations.forms import ChineseDateField

#: Per-member fields, as ``<prefix><member id>``.
ROW_FIELDS = {"due": "amount_due", "paid": "amount_paid", "on": "paid_on", "proxy": "paid_by_proxy", "by": "proxy_name", "note": "note"}


def month_form(members: Iterable[Member], stored: Mapping[int, DuesPayment]) -> FlaskForm:
    """A form with the month's fields for every member, defaults from what is stored.

    An empty amount due means "the calculated amount"; the page shows that amount beside it.
    """

    class MonthForm(FlaskForm):
        #: "全部按此日期交纳": the date put into every empty row before the exceptions are changed.
        all_paid_on = ChineseDateField(_l("统一交纳日期"), validators=[Optional()])

    for member in members:
        row = stored.get(member.id)
        setattr(MonthForm, f"due{member.id}", ChineseDecimalField(
            _l("应交"), places=2, validators=[Optional(), Within("dues_amount")], default=row.amount_due if row else None))
        setattr(MonthForm, f"paid{member.id}", ChineseDecimalField(
            _l("实交"), places=2, validators=[Optional(), Within("dues_amount")], default=row.amount_paid if row else None))
        setattr(MonthForm, f"on{member.id}", ChineseDateField(
            _l("交纳日期"), validators=[Optional()], default=row.paid_on if row else None))
        setattr(MonthForm, f"proxy{member.id}", BooleanField(
            _l("代交"), default=row.paid_by_proxy if row else False))
        setattr(MonthForm, f"by{member.id}", StringField(
            _l("代交人"), validators=[Optional(), Within("person_name")], default=(row.proxy_name or "") if row else ""))
        setattr(MonthForm, f"note{member.id}", StringField(
            _l("备注"), validators=[Optional(), Within("remark")], default=(row.note or "") if row else ""))
    return MonthForm()
