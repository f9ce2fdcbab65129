"""The staff post form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Optional

from core.forms import Within
from core.organizations.forms import DATE_REQUIRED, ChineseDateField, optional_int, select_choices
from core.vocabulary import STAFF_KINDS


class StaffPostForm(FlaskForm):
    kind = SelectField(_l("岗位类别"), choices=select_choices(list(STAFF_KINDS.items())))
    member_id = SelectField(_l("党员（本单位党员可直接选择）"), coerce=optional_int, validate_choice=False)
    person_name = StringField(_l("姓名（非本单位党员时填写）"), validators=[Optional(), Within("person_name")])
    title = StringField(_l("职务"), validators=[Optional(), Within("short_text")])
    organization_id = SelectField(_l("所在党组织"), coerce=optional_int, validate_choice=False)
    started_on = ChineseDateField(_l("任职日期"), validators=[InputRequired(DATE_REQUIRED)])
    ended_on = ChineseDateField(_l("离任日期"), validators=[Optional()])
