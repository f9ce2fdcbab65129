"""Forms for a meeting with its attendance roster (built per request) and for training records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import Within
from core.members.forms import ChineseDecimalField
from core.members.models import Member
from core.organizations.forms import DATE_REQUIRED, ChineseDateField, optional_int, select_choices
from core.vocabulary import ATTENDANCE_STATUSES, EVENT_KINDS, TRAINING_KINDS

#: The roster's choices: a blank status leaves the member off this event's roster (a 支委会 is
#: attended by the committee, not the whole branch).
STATUS_CHOICES = [("", _l("不需参加")), *ATTENDANCE_STATUSES.items()]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EventForm(FlaskForm):
    kind = SelectField(_l("主要类型"), choices=select_choices(list(EVENT_KINDS.items())))
    kinds = MultiCheckboxField(
        _l("同时计为"), choices=select_choices(list(EVENT_KINDS.items())), validate_choice=True,
        description=_l("一次活动可同时计为多种组织生活（如党员大会结合主题党日、讲党课），主要类型总会计入。"),
    )
    held_on = ChineseDateField(_l("日期"), validators=[InputRequired(DATE_REQUIRED)])
    topic = StringField(_l("主题"), validators=[DataRequired(_l("请填写主题")), Within("topic")])
    location = StringField(_l("地点"), validators=[Optional(), Within("place")])
    presenter = StringField(_l("主持人/主讲人"), validators=[Optional(), Within("person_name")])
    presenter_member_id = SelectField(
        _l("主讲党员"), coerce=optional_int, validate_choice=False,
        description=_l("党课由本支部书记或领导干部主讲的，请选择主讲人，评分时计入书记讲党课、领导干部讲党课。"),
    )
    recorder = StringField(_l("记录人"), validators=[Optional(), Within("person_name")])
    training_hours = ChineseDecimalField(
        _l("学时（每位出席党员）"), places=1, validators=[Optional(), Within("event_hours")], default=0
    )
    paper_record = BooleanField(_l("已有纸质记录"))
    minutes = TextAreaField(_l("会议记录摘要"), validators=[Optional(), Within("minutes")])


def event_form(
    members: Iterable[Member], defaults: Mapping[int, tuple[str, str | None]], **kwargs
) -> EventForm:
    """The event form with one status and one reason per member, built for this request.

    :param defaults: member id → (status, reason) shown before the user changes anything.
    """

    class RosterForm(EventForm):
        pass

    for member in members:
        status, reason = defaults.get(member.id, ("", None))
        setattr(RosterForm, f"s{member.id}", SelectField(member.name, choices=select_choices(STATUS_CHOICES), default=status))
        setattr(
            RosterForm, f"r{member.id}",
            StringField(_l("事由"), default=reason or "", validators=[Optional(), Within("reason")]),
        )
    return RosterForm(**kwargs)


class TrainingRecordForm(FlaskForm):
    member_id = SelectField(_l("党员"), coerce=optional_int, validate_choice=False)
    taken_on = ChineseDateField(_l("培训日期"), validators=[InputRequired(DATE_REQUIRED)])
    title = StringField(_l("培训名称"), validators=[DataRequired(_l("请填写培训名称")), Within("title")])
    organizer = StringField(_l("主办单位"), validators=[Optional(), Within("unit_name")])
    kind = SelectField(_l("培训形式"), choices=select_choices(list(TRAINING_KINDS.items())))
    hours = ChineseDecimalField(_l("学时"), places=1, validators=[InputRequired(_l("请填写学时")), Within("training_hours")])
