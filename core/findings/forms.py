"""Forms of the findings, honours and finding-kind pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from core.forms import Within
from core.organizations.forms import (
    DATE_REQUIRED,
    ChineseDateField,
    ChineseIntegerField,
    select_choices,
)
from core.vocabulary import HONOUR_LEVELS

EVIDENCE_LABEL = _l("认定文件扫描件（PDF、JPG 或 PNG，可不上传）")


class FindingForm(FlaskForm):
    finding = SelectField(_l("认定类别"), validate_choice=False, validators=[InputRequired(_l("请选择认定类别"))])
    year = ChineseIntegerField(_l("考核年度"), validators=[InputRequired(_l("请填写考核年度")), Within("year")])
    decided_on = ChineseDateField(_l("认定日期"), validators=[InputRequired(DATE_REQUIRED)])
    document = StringField(
        _l("依据文件（文件名称或文号）"),
        validators=[InputRequired(_l("请填写认定所依据的文件（文件名称或文号）")), Within("document")],
    )
    note = TextAreaField(_l("说明"), validators=[Optional(), Within("note")])
    evidence = FileField(EVIDENCE_LABEL)


class HonourForm(FlaskForm):
    name = StringField(_l("表彰名称"), validators=[InputRequired(_l("请填写表彰名称")), Within("title")])
    level = SelectField(
        _l("级别"), choices=select_choices(HONOUR_LEVELS.items()),
        validators=[InputRequired(_l("请选择级别"))],
    )
    year = ChineseIntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度")), Within("year")])
    awarded_on = ChineseDateField(_l("表彰日期"), validators=[InputRequired(DATE_REQUIRED)])
    awarded_by = StringField(_l("表彰机关"), validators=[InputRequired(_l("请填写表彰机关")), Within("unit_name")])
    document = StringField(_l("表彰文件（文件名称或文号）"), validators=[Optional(), Within("document")])
    note = TextAreaField(_l("说明"), validators=[Optional(), Within("note")])
    evidence = FileField(_l("表彰文件扫描件（PDF、JPG 或 PNG，可不上传）"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("撤销理由"), validators=[InputRequired(_l("请填写撤销理由")), Within("note")])


class FindingKindForm(FlaskForm):
    code = StringField(
        _l("代码"), validators=[InputRequired(_l("请填写代码")), Within("kind_code")],
        description=_l("小写英文字母、数字和下划线；评分标准以 flags.代码 引用，保存后不能修改"),
    )
    label_zh = StringField(_l("名称"), validators=[InputRequired(_l("请填写认定类别名称")), Within("title")])
    label_en = StringField(_l("英文名称"), validators=[Optional(), Within("title")])
    source = TextAreaField(
        _l("依据（文件名称或文号）"), validators=[InputRequired(_l("请填写依据（文件名称或文号）")), Within("note")]
    )
    effect = TextAreaField(_l("对评分的影响"), validators=[Optional(), Within("note")])
    position = ChineseIntegerField(_l("排序"), validators=[Optional(), Within("position")])
    active = BooleanField(_l("启用"), default=True)
