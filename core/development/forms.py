"""Forms of the development records page: a repeated record, a probation decision."""

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
    optional_int,
    select_choices,
)
from core.vocabulary import DEVELOPMENT_RECORD_KINDS, PROBATION_DECISIONS


class DevelopmentRecordForm(FlaskForm):
    kind = SelectField(_l("记录类别"), choices=select_choices(DEVELOPMENT_RECORD_KINDS.items()), validators=[InputRequired(_l("请选择记录类别"))])
    done_on = ChineseDateField(_l("日期"), validators=[InputRequired(DATE_REQUIRED)])
    summary = StringField(_l("考察意见、汇报题目或课程名称"), validators=[Optional(), Within("topic")])
    assessor = StringField(_l("考察人（培养联系人）或发证单位"), validators=[Optional(), Within("person_name")])
    note = TextAreaField(_l("备注"), validators=[Optional(), Within("note")])


class ProbationDecisionForm(FlaskForm):
    kind = SelectField(_l("支部大会决定"), choices=select_choices(PROBATION_DECISIONS.items()), validators=[InputRequired(_l("请选择决定类别"))])
    event_id = SelectField(_l("讨论决定的党员大会"), coerce=optional_int, validate_choice=False)
    extension_months = ChineseIntegerField(
        _l("延长期限（月，延长预备期时填写）"),
        validators=[Optional(), Within("extension_months")],
    )
    approved_on = ChineseDateField(_l("上级党委批准日期"), validators=[Optional()])
    note = TextAreaField(_l("说明"), validators=[Optional(), Within("note")])
