"""Bad input, refused in one way: the limits every field obeys and the error that reports them.

One definition of each limit lives here; forms, the JSON API, Excel imports and the CLI all reach
the database through the services, and the services (plus the flush check below) use these
definitions, so a value is refused with the same Chinese message whichever way it came in.

Two layers:

* :data:`LIMITS` names the bounds common sense sets (a person's name, a note, a percentage, 学时,
  a year, a date). Services, form fields and API schemas take their numbers from it
  (:func:`check` for one value, :func:`check_fields` for a mapping).
* :func:`install` adds a ``before_flush`` check of every new or changed row against its columns
  (text length from ``String(n)``, :data:`TEXT_MAX` for ``Text``, integers within 32 bits,
  ``Numeric(p, s)`` within its digits, dates and years within range, no NUL byte), so a value no
  service thought of is still a Chinese :class:`RecordError`, never a database error (a 500).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Date, DateTime, Integer, Numeric, String, Text, event, inspect

#: Largest id or count a 32-bit signed ``INTEGER`` column holds (PostgreSQL's ``integer``).
INT_MAX = 2**31 - 1
#: Years a record may name: the Party's founding year to well past any plan.
YEAR_MIN, YEAR_MAX = 1921, 2100
#: Dates a record may carry (a birth date of 1900 is possible, 2101 is a typo).
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
#: Longest note (备注, 说明) a person types.
NOTE_MAX = 2000
#: Longest text any ``Text`` column takes (meeting minutes, a job's error): the flush check's bound.
TEXT_MAX = 100_000
#: Longest text of an uploaded or imported cell before it is even looked at.
CELL_MAX = 5000


class RecordError(ValueError):
    """Bad input for a record; nothing was changed.

    :param errors: field name → message in Chinese (for imports the caller adds the row).
    """

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class TextLimit:
    """A text field: at most ``max_length`` characters, no NUL byte."""

    max_length: int


@dataclass(frozen=True)
class NumberLimit:
    """A number within ``minimum``..``maximum`` (both included) and ``places`` decimal places."""

    minimum: Decimal
    maximum: Decimal
    places: int | None = None


@dataclass(frozen=True)
class YearLimit:
    """A year within :data:`YEAR_MIN`..:data:`YEAR_MAX`."""


@dataclass(frozen=True)
class DateLimit:
    """A date within :data:`DATE_MIN`..:data:`DATE_MAX` (and with ``not_future``, ≤ today)."""

    not_future: bool = False


Limit = TextLimit | NumberLimit | YearLimit | DateLimit


def _n(value: str) -> Decimal:
    return Decimal(value)


#: The named limits. Add a name here rather than a number in a service, a form or a schema.
LIMITS: dict[str, Limit] = {
    "person_name": TextLimit(50),  # 姓名, 代交人, 检查人, 主持人
    "unit_name": TextLimit(200),  # 单位、党组织名称
    "code": TextLimit(32),  # 党组织代码
    "slug": TextLimit(64),  # 单位标识
    "username": TextLimit(64),
    "title": TextLimit(200),  # 培训名称, 荣誉名称, 整改标题
    "topic": TextLimit(300),  # 会议议题
    "short_text": TextLimit(100),  # 职务, 党小组名称, 令牌名称
    "place": TextLimit(200),  # 地点
    "address": TextLimit(300),  # 单位地址
    "url": TextLimit(500),  # 网址（宣传报道链接）
    "remark": TextLimit(200),  # 一行记录的备注（党费）
    "ethnicity": TextLimit(20),  # 民族
    "education": TextLimit(30),  # 学历
    "id_number": TextLimit(18),  # 身份证号码
    "phone": TextLimit(20),  # 手机号码
    "kind_code": TextLimit(64),  # 认定类别代码
    "reason": TextLimit(200),  # 请假、缺席、免评原因
    "document": TextLimit(200),  # 文号
    "note": TextLimit(NOTE_MAX),  # 备注, 说明
    "minutes": TextLimit(20_000),  # 会议记录
    "percent": NumberLimit(_n("0"), _n("100"), 2),  # 百分比（经费比例等）
    "ratio": NumberLimit(_n("0"), _n("1"), 4),  # 比例（0–1）
    # 一次会议每人学时: a whole-day session is 8; a two-day course belongs in a record.
    "event_hours": NumberLimit(_n("0"), _n("16"), 1),
    # 一条培训记录的学时: a month-long 党校 course is about 160.
    "training_hours": NumberLimit(_n("0.1"), _n("200"), 1),
    "money": NumberLimit(_n("0"), _n("999999999999.99"), 2),  # 元，the most Numeric(14, 2) holds
    "dues_base": NumberLimit(_n("0"), _n("1000000"), 2),  # 党费基数（元/月）
    # One month's dues: far above any real due, it catches a misplaced digit.
    "dues_amount": NumberLimit(_n("0"), _n("100000"), 2),
    # One funding line: above this is almost certainly a misplaced digit.
    "funding_amount": NumberLimit(_n("0"), _n("1000000000"), 2),
    "points": NumberLimit(_n("-1000"), _n("1000"), 2),  # 分值
    "month": NumberLimit(_n("1"), _n("12"), 0),
    # 任期年数: 党章 sets three or five years for a primary organization's committee.
    "term_years": NumberLimit(_n("1"), _n("5"), 0),
    "position": NumberLimit(_n("-1000"), _n("1000"), 0),  # 排序
    # 预备期延长: 党章 第七条 allows extending probation by six months to a year.
    "extension_months": NumberLimit(_n("6"), _n("12"), 0),
    "participants": NumberLimit(_n("0"), _n("1000000"), 0),  # 活动参加人数
    "count": NumberLimit(_n("0"), Decimal(INT_MAX), 0),
    "id": NumberLimit(_n("1"), Decimal(INT_MAX), 0),
    "year": YearLimit(),
    "date": DateLimit(),
    "past_date": DateLimit(not_future=True),
}


def _text_error(value: Any, limit: TextLimit) -> str | None:
    if not isinstance(value, str):
        return _("须为文本")
    if "\x00" in value:
        return _("不能包含空字符（NUL）")
    if len(value) > limit.max_length:
        return _("不能超过 %(limit)d 个字符", limit=limit.max_length)
    return None


def _number_error(value: Any, limit: NumberLimit) -> str | None:
    if isinstance(value, bool):
        return _("须为数字")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return _("须为数字")
    if not number.is_finite():
        return _("须为数字")
    if limit.places == 0 and number != number.to_integral_value():
        return _("须为整数")
    if number < 0 <= limit.minimum:
        return _("不能为负数")
    if number < limit.minimum or number > limit.maximum:
        return _("须在 %(low)s 到 %(high)s 之间", low=_plain(limit.minimum), high=_plain(limit.maximum))
    if limit.places and number.as_tuple().exponent < -limit.places:  # type: ignore[operator]
        return _("最多 %(places)d 位小数", places=limit.places)
    return None


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral_value() else str(number)


def _date_error(value: Any, limit: DateLimit) -> str | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return _("日期格式应为 YYYY-MM-DD")
    if not DATE_MIN <= value <= DATE_MAX:
        return _("日期须在 %(low)s 到 %(high)s 之间", low=DATE_MIN.isoformat(), high=DATE_MAX.isoformat())
    if limit.not_future and value > _today():
        return _("日期不能晚于今天")
    return None


def _year_error(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            return _("年份须为整数")
    if not YEAR_MIN <= value <= YEAR_MAX:
        return _("年份须在 %(low)d 到 %(high)d 之间", low=YEAR_MIN, high=YEAR_MAX)
    return None


def check(value: Any, limit: Limit | str) -> str | None:
    """The Chinese message for a value outside a limit, or ``None`` when it is fine (or absent).

    :param limit: a :class:`Limit` or the name of one in :data:`LIMITS`.
    """
    if value is None:
        return None
    if isinstance(limit, str):
        limit = LIMITS[limit]
    if isinstance(limit, TextLimit):
        return _text_error(value, limit)
    if isinstance(limit, NumberLimit):
        return _number_error(value, limit)
    if isinstance(limit, DateLimit):
        return _date_error(value, limit)
    return _year_error(value)


def check_fields(fields: Mapping[str, Any], limits: Mapping[str, Limit | str]) -> dict[str, str]:
    """Messages for every field of ``fields`` outside its limit (fields not in ``limits`` pass).

    :param limits: field name → limit (or its name in :data:`LIMITS`).
    """
    errors: dict[str, str] = {}
    for name, limit in limits.items():
        if name in fields:
            message = check(fields[name], limit)
            if message:
                errors[name] = message
    return errors


def trimmed(fields: Mapping[str, Any]) -> dict[str, Any]:
    """:returns: ``fields`` with every text stripped and an empty text as ``None`` (what a
    blank form box or an empty cell means), other values as they are."""
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in fields.items()}


def no_nul(value: Any) -> str | None:
    """A message when a text holds a NUL byte (PostgreSQL cannot store one)."""
    if isinstance(value, str) and "\x00" in value:
        return _("不能包含空字符（NUL）")
    return None


# --- the backstop: every row against its columns, at flush --------------------------------------


def column_limit(column: Any) -> Limit | None:
    """The limit a mapped column's type sets (``None`` for types with no bound to check)."""
    kind = column.type
    named = column.info.get("limit") if column.info else None
    if named:
        return LIMITS[named] if isinstance(named, str) else named
    if isinstance(kind, String) and getattr(kind, "length", None):
        return TextLimit(kind.length)
    if isinstance(kind, Text | String):
        return TextLimit(TEXT_MAX)
    if isinstance(kind, Numeric) and not isinstance(kind, Integer):
        precision, scale = kind.precision, kind.scale or 0
        if precision is None:
            return None
        top = Decimal(10) ** (precision - scale) - Decimal(1).scaleb(-scale)
        return NumberLimit(-top, top, None)
    if isinstance(kind, Integer):
        if column.name == "year":
            return YearLimit()
        return NumberLimit(Decimal(-INT_MAX - 1), Decimal(INT_MAX), 0)
    if isinstance(kind, Date) and not isinstance(kind, DateTime):
        return DateLimit()
    return None


def row_errors(row: Any, *, changed_only: bool = True) -> dict[str, str]:
    """Messages for every column value of a mapped row outside what its column can hold.

    :param changed_only: for a persistent row, check only the attributes changed in this flush.
    """
    state = inspect(row)
    errors: dict[str, str] = {}
    for attribute in state.mapper.column_attrs:
        if changed_only and state.persistent and not state.attrs[attribute.key].history.has_changes():
            continue
        value = state.dict.get(attribute.key)
        if value is None or isinstance(value, bool):
            continue
        for column in attribute.columns:
            limit = column_limit(column)
            if isinstance(limit, NumberLimit) and isinstance(value, float) and not math.isfinite(value):
                errors[attribute.key] = _("须为数字")
                break
            if isinstance(limit, NumberLimit | YearLimit) and isinstance(value, str):
                break  # a code stored in an integer column is not ours to judge here
            message = check(value, limit) if limit is not None else None
            if message:
                errors[attribute.key] = message
                break
            if limit is None and isinstance(value, str):
                message = no_nul(value)
                if message:
                    errors[attribute.key] = message
    return errors


def _check_session(session, flush_context, instances) -> None:
    errors: dict[str, str] = {}
    for row in list(session.new) + list(session.dirty):
        if not session.is_modified(row) and row not in session.new:
            continue
        errors.update(row_errors(row))
    if errors:
        raise RecordError(errors)


def install(session_class: type) -> None:
    """Check every new or changed row at flush (see the module's docstring)."""
    if not event.contains(session_class, "before_flush", _check_session):
        event.listen(session_class, "before_flush", _check_session)


def _today() -> dt.date:
    """Today in the configured zone (``core.timezone``) inside an app, else the server's date."""
    try:
        from core.timezone import local_today
    except ImportError:  # Flask is not installed: the pure checks still run
        return dt.date.today()
    return local_today()
