"""The funding line form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from core.forms import Within
from core.members.forms import ChineseDecimalField
from core.organizations.forms import ChineseIntegerField, optional_int, select_choices
from core.vocabulary import FUNDING_SOURCES


class FundingForm(FlaskForm):
    year = ChineseIntegerField(
        _l("年度"), validators=[InputRequired(_l("请填写年度")), Within("year")]
    )
    source = SelectField(_l("经费来源"), choices=select_choices(list(FUNDING_SOURCES.items())))
    organization_id = SelectField(_l("党组织（可不填，即全单位）"), coerce=optional_int, validate_choice=False)
    budgeted = ChineseDecimalField(_l("预算（元）"), places=2, validators=[Optional(), Within("funding_amount")])
    spent = ChineseDecimalField(_l("实际支出（元）"), places=2, validators=[Optional(), Within("funding_amount")])
    note = TextAreaField(_l("说明"), validators=[Optional(), Within("note")])
