"""Forms of transfers between units."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired

from core.forms import Within
from core.organizations.forms import DATE_REQUIRED, ChineseDateField, optional_int


class StartTransferForm(FlaskForm):
    receiver_id = SelectField(_l("接收单位"), coerce=optional_int, validate_choice=False)
    transfer_on = ChineseDateField(_l("转接日期"), validators=[InputRequired(DATE_REQUIRED)])
    letter_no = StringField(_l("介绍信编号"), validators=[Within("document")])
    reason = StringField(_l("转接原因"), validators=[Within("reason")])


class AcceptTransferForm(FlaskForm):
    organization_id = SelectField(_l("接收党支部"), coerce=optional_int, validate_choice=False)


class RefuseTransferForm(FlaskForm):
    refusal_reason = StringField(_l("退回原因"), validators=[Within("reason")])
