"""The facility check form (one item of the 六有 checklist, with an optional evidence file)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from core.forms import Within
from core.organizations.forms import DATE_REQUIRED, ChineseDateField, select_choices


class FacilityCheckForm(FlaskForm):
    item = SelectField(_l("项目"), validate_choice=False)
    met = RadioField(
        _l("是否达标"), choices=select_choices([("yes", _l("达标")), ("no", _l("未达标"))]),
        validators=[InputRequired(_l("请选择是否达标"))],
    )
    checked_on = ChineseDateField(_l("检查日期"), validators=[InputRequired(DATE_REQUIRED)])
    checked_by = StringField(_l("检查人"), validators=[InputRequired(_l("请填写检查人")), Within("person_name")])
    evidence_note = TextAreaField(_l("情况说明"), validators=[Optional(), Within("note")])
    evidence = FileField(_l("凭证文件（PDF、JPG 或 PNG，可不上传）"))
