"""Forms of the 群团组织 pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from core.forms import Within
from core.organizations.forms import (
    DATE_REQUIRED,
    ChineseDateField,
    ChineseIntegerField,
    select_choices,
)
from core.vocabulary import MASS_ORGANIZATION_KINDS


class MassOrganizationForm(FlaskForm):
    kind = SelectField(_l("类别"), choices=select_choices(MASS_ORGANIZATION_KINDS.items()), validators=[InputRequired(_l("请选择群团组织类别"))])
    name = StringField(_l("名称"), validators=[InputRequired(_l("请填写名称")), Within("unit_name")])
    set_up_on = ChineseDateField(_l("成立日期"), validators=[InputRequired(DATE_REQUIRED)])
    leader = StringField(_l("负责人"), validators=[Optional(), Within("person_name")])
    dissolved_on = ChineseDateField(_l("撤销日期"), validators=[Optional()])
    note = TextAreaField(_l("说明（任职文件、分工文件等）"), validators=[Optional(), Within("note")])


class MassActivityForm(FlaskForm):
    held_on = ChineseDateField(_l("活动日期"), validators=[InputRequired(DATE_REQUIRED)])
    title = StringField(_l("活动名称"), validators=[InputRequired(_l("请填写活动名称")), Within("title")])
    participants = ChineseIntegerField(_l("参加人数"), validators=[Optional(), Within("participants")])
    note = TextAreaField(_l("说明"), validators=[Optional(), Within("note")])
