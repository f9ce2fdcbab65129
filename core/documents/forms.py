"""The form of the party-building documents page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core.organizations.forms import DATE_REQUIRED, ChineseDateField, ChineseIntegerField


class DocumentForm(FlaskForm):
    """Choices of ``doc_type`` and ``result`` are the unit type's, set per request."""

    doc_type = SelectField(_l("文档类别"), validate_choice=False, validators=[InputRequired(_l("请选择文档类别"))])
    year = ChineseIntegerField(
        _l("所属年度"), validators=[InputRequired(_l("请填写所属年度")), NumberRange(2000, 2100, _l("年度应为 2000 至 2100 之间的整数"))]
    )
    title = StringField(_l("标题"), validators=[InputRequired(_l("请填写标题")), Length(max=200)])
    dated_on = ChineseDateField(_l("成文日期"), validators=[InputRequired(DATE_REQUIRED)])
    approved_by = StringField(_l("审批人（或审批机关）"), validators=[Optional(), Length(max=100)])
    approved_on = ChineseDateField(_l("审批日期"), validators=[Optional()])
    result = SelectField(_l("评议结果（书记述职）"), validate_choice=False)
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    file = FileField(_l("文件（PDF、JPG 或 PNG，可不上传）"))
