"""The form of the publicity reports page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from core.forms import Within
from core.organizations.forms import DATE_REQUIRED, ChineseDateField, select_choices
from core.vocabulary import PUBLICITY_LEVELS


class PublicityForm(FlaskForm):
    title = StringField(_l("标题"), validators=[InputRequired(_l("请填写标题")), Within("title")])
    outlet = StringField(_l("刊发媒体或平台"), validators=[InputRequired(_l("请填写刊发媒体或平台")), Within("unit_name")])
    level = SelectField(_l("级别"), choices=select_choices(PUBLICITY_LEVELS.items()), validators=[InputRequired(_l("请选择级别"))])
    published_on = ChineseDateField(_l("刊发日期"), validators=[InputRequired(DATE_REQUIRED)])
    url = StringField(_l("网址（可不填）"), validators=[Optional(), Within("url")])
    note = TextAreaField(_l("说明"), validators=[Optional(), Within("note")])
