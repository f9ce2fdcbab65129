"""Forms for members, transfers and leaving, development cases and a year's appraisals."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from core.dues.calculator import BASE_WORDS
from core.forms import Within
from core.members.models import Member
from core.organizations.forms import DATE_REQUIRED, ChineseDateField, optional_int, select_choices
from core.vocabulary import (
    ABSENCE_KINDS,
    APPRAISAL_RESULTS,
    DEVELOPMENT_STEPS,
    DUES_CATEGORIES,
    GENDERS,
    LEAVING_REASONS,
    MEMBER_AWAY,
    MEMBER_STATUSES,
)


class ChineseDecimalField(DecimalField):
    """A decimal field whose parse error is in Chinese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("须为数字")) from None


def _choices(vocabulary: dict, blank: object | None = None) -> list[tuple[str, object]]:
    items = [(k, v) for k, v in vocabulary.items()]
    return [("", blank), *items] if blank is not None else items


def _blank_none(value: object) -> object:
    return value or None


class MemberForm(FlaskForm):
    organization_id = SelectField(_l("所在党支部"), coerce=optional_int, validate_choice=False)
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名")), Within("person_name")])
    gender = SelectField(
        _l("性别"),
        choices=select_choices(_choices(GENDERS, _l("（未填）"))),
        filters=[_blank_none],
        validate_choice=False,  # the service checks it; an absent gender is simply not given
    )
    birth_date = ChineseDateField(_l("出生日期"), validators=[Optional()])
    ethnicity = StringField(_l("民族"), validators=[Optional(), Within("ethnicity")])
    education = StringField(_l("学历"), validators=[Optional(), Within("education")])
    position = StringField(_l("职务"), validators=[Optional(), Within("short_text")])
    id_number = StringField(_l("身份证号码"), validators=[Optional(), Within("id_number")])
    phone = StringField(_l("手机号码"), validators=[Optional(), Within("phone")])
    status = SelectField(_l("党员类别"), choices=select_choices(_choices(MEMBER_STATUSES)))
    joined_on = ChineseDateField(_l("入党时间"), validators=[InputRequired(DATE_REQUIRED)])
    full_on = ChineseDateField(_l("转正时间"), validators=[Optional()])
    party_group_id = SelectField(_l("党小组"), coerce=optional_int, validate_choice=False)
    dues_category = SelectField(_l("党费类别"), choices=select_choices(_choices(DUES_CATEGORIES)))
    dues_base = ChineseDecimalField(
        _l("党费计算基数（元/月）"),
        places=2,
        validators=[Optional(), Within("dues_base")],
    )
    is_leader = BooleanField(_l("班子成员"))
    transferred_in_on = ChineseDateField(_l("转入本支部日期"), validators=[Optional()])
    away = SelectField(
        _l("外出情况"),
        choices=select_choices(_choices(MEMBER_AWAY, _l("（在岗）"))),
        filters=[_blank_none],
        validate_choice=False,  # the service checks it
    )
    note = TextAreaField(_l("备注"), validators=[Optional(), Within("note")])

    def validate_dues_base(self, field) -> None:
        """A category whose dues are a share of income needs the income: ask now, not at the
        dues month (where a missing base leaves the member's month uncalculated)."""
        if field.data is None and not field.errors and self.dues_category.data in BASE_WORDS:
            raise ValueError(
                _l("该党费类别须填写计算基数：%(words)s", words=BASE_WORDS[self.dues_category.data])
            )


class TransferForm(FlaskForm):
    organization_id = SelectField(_l("转入党支部"), coerce=optional_int, validate_choice=False)
    transferred_in_on = ChineseDateField(_l("转入日期"), validators=[InputRequired(DATE_REQUIRED)])


class LeaveForm(FlaskForm):
    left_on = ChineseDateField(_l("离开日期"), validators=[InputRequired(DATE_REQUIRED)])
    left_reason = SelectField(
        _l("离开原因"), choices=select_choices(_choices(LEAVING_REASONS, _l("请选择")))
    )
    note = StringField(_l("说明"), validators=[Optional(), Within("note")])


class AbsenceForm(FlaskForm):
    """流动党员外出 or 出国出境: the member stays on the branch's roll (services.record_absence)."""

    kind = SelectField(_l("外出类别"), choices=select_choices(_choices(ABSENCE_KINDS, _l("请选择"))))
    on = ChineseDateField(_l("外出日期"), validators=[InputRequired(DATE_REQUIRED)])
    place = StringField(_l("外出去向（地点或国家、地区）"), validators=[Optional(), Within("reason")])
    note = StringField(_l("说明"), validators=[Optional(), Within("note")])


class ReturnForm(FlaskForm):
    on = ChineseDateField(_l("返回日期"), validators=[InputRequired(DATE_REQUIRED)])
    note = StringField(_l("说明"), validators=[Optional(), Within("note")])


class DevelopmentCaseForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名")), Within("person_name")])
    gender = SelectField(
        _l("性别"),
        choices=select_choices(_choices(GENDERS, _l("（未填）"))),
        filters=[_blank_none],
        validate_choice=False,  # the service checks it; an absent gender is simply not given
    )
    birth_date = ChineseDateField(_l("出生日期"), validators=[Optional()])
    id_number = StringField(_l("身份证号码"), validators=[Optional(), Within("id_number")])
    applied_on = ChineseDateField(_l("递交入党申请书日期（第1步）"), validators=[Optional()])
    note = TextAreaField(_l("备注"), validators=[Optional(), Within("note")])


class StepForm(FlaskForm):
    step = SelectField(
        _l("步骤"),
        coerce=int,
        choices=select_choices(
            [(n, f"{n}. {label}") for n, (_stage, label) in DEVELOPMENT_STEPS.items()]
        ),
    )
    done_on = ChineseDateField(_l("完成日期"), validators=[InputRequired(DATE_REQUIRED)])
    note = StringField(_l("备注"), validators=[Optional(), Within("note")])


class CloseCaseForm(FlaskForm):
    note = StringField(
        _l("终止原因"), validators=[DataRequired(_l("请填写终止原因")), Within("note")]
    )


def appraisal_form(members: Iterable[Member], results: dict[int, str]) -> FlaskForm:
    """A form with one result select per member, built for this request (a fresh subclass).

    :param results: member id → stored result, the selects' defaults.
    """

    class AppraisalForm(FlaskForm):
        appraised_on = ChineseDateField(_l("评议日期"), validators=[Optional()])

    for member in members:
        setattr(
            AppraisalForm,
            f"m{member.id}",
            SelectField(
                member.name,
                choices=select_choices(_choices(APPRAISAL_RESULTS, _l("（未评议）"))),
                default=results.get(member.id, ""),
            ),
        )
    return AppraisalForm()
