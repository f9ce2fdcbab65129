"""The form of the party-building documents page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from core.forms import Within
from core.organizations.forms import DATE_REQUIRED, ChineseDateField, ChineseIntegerField


class DocumentForm(FlaskForm):
    """Choices of ``doc_type`` and ``result`` are the unit type's, set per request."""

    doc_type = SelectField(_l("文档类别"), validate_choice=False, validators=[InputRequired(_l("请选择文档类别"))])
    year = ChineseIntegerField(
        _l("所属年度"), validators=[InputRequired(_l("请填写所属年度")), Within("year")]
    )
    title = StringField(_l("标题"), validators=[InputRequired(_l("请填写标题")), Within("title")])
    dated_on = ChineseDateField(_l("成文日期"), validators=[InputRequired(DATE_REQUIRED)])
    approved_by = StringField(_l("审批人（或审批机关）"), validators=[Optional(), Within("short_text")])
    approved_on = ChineseDateField(_l("审批日期"), validators=[Optional()])
    result = SelectField(_l("评议结果（书记述职）"), validate_choice=False)
    note = TextAreaField(_l("说明"), validators=[Optional(), Within("note")])
    file = FileField(_l("文件（PDF、JPG 或 PNG，可不上传）"))
