"""Forms for organizations, terms, party groups and committee seats (labels and messages in Chinese)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from core.forms import Within
from core.validation import INT_MAX
from core.vocabulary import COMMITTEE_ROLES, ORGANIZATION_KINDS

#: Messages for WTForms' own checks, so a bad date or number is explained in Chinese.
DATE_REQUIRED = _l("请填写日期（YYYY-MM-DD）")
NOT_A_DATE = _l("日期格式应为 YYYY-MM-DD")


def select_choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Choices as WTForms wants them: values as text (ids included), labels possibly lazy."""
    return [SelectChoice("" if value is None else str(value), label) for value, label in pairs]


def optional_int(value: object) -> int | None:
    """Coerce a select's value to an id; empty, or beyond any id the database holds → ``None``
    (the service then names the field), never an integer the database cannot compare."""
    if value in (None, "", "None"):
        return None
    number = int(value)  # type: ignore[arg-type]
    return number if 0 < number <= INT_MAX else None


class ChineseDateField(DateField):
    """A date field whose parse error is in Chinese."""

    def process_formdata(self, valuelist):  # noqa: D401 - WTForms hook
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(NOT_A_DATE)) from None


class ChineseIntegerField(IntegerField):
    """An integer field whose parse error is in Chinese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("须为整数")) from None


class OrganizationForm(FlaskForm):
    code = StringField(_l("代码"), validators=[DataRequired(_l("请填写代码")), Within("code")])
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称")), Within("unit_name")])
    kind = SelectField(
        _l("类别"), choices=select_choices([(k, v) for k, v in ORGANIZATION_KINDS.items()]),
        validators=[InputRequired(_l("请选择党组织类别"))],
    )
    parent_id = SelectField(_l("上级党组织"), coerce=optional_int, validate_choice=False)
    established_on = ChineseDateField(_l("成立日期"), validators=[InputRequired(DATE_REQUIRED)])
    dissolved_on = ChineseDateField(_l("撤销日期"), validators=[Optional()])
    covered_units = TextAreaField(
        _l("覆盖单位（联合党支部，用顿号分隔）"), validators=[Optional(), Within("note")]
    )


class TermForm(FlaskForm):
    elected_on = ChineseDateField(_l("选举日期"), validators=[InputRequired(DATE_REQUIRED)])
    started_on = ChineseDateField(_l("任期开始（默认同选举日期）"), validators=[Optional()])
    years = ChineseIntegerField(
        _l("任期（年）"), validators=[Optional(), Within("term_years")]
    )
    note = StringField(_l("备注"), validators=[Optional(), Within("note")])


class PartyGroupForm(FlaskForm):
    name = StringField(_l("党小组名称"), validators=[DataRequired(_l("请填写党小组名称")), Within("short_text")])
    leader_id = SelectField(_l("组长"), coerce=optional_int, validate_choice=False)


class SeatForm(FlaskForm):
    member_id = SelectField(_l("党员"), coerce=optional_int, validate_choice=False)
    role = SelectField(_l("职务"), choices=select_choices([(k, v) for k, v in COMMITTEE_ROLES.items()]))
    started_on = ChineseDateField(_l("任职日期"), validators=[InputRequired(DATE_REQUIRED)])
    term_id = SelectField(_l("届次"), coerce=optional_int, validate_choice=False)


class EndSeatForm(FlaskForm):
    ended_on = ChineseDateField(_l("离任日期"), validators=[InputRequired(DATE_REQUIRED)])
