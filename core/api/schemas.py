"""The base schemas of the JSON API and Excel imports: marshmallow with Chinese messages.

marshmallow's own messages are English ("Missing data for required field."). Every schema here
derives from :class:`Schema`, which swaps each field's messages for the Chinese ones below when
the schema is built, so a bad value reads the same in the API, an Excel row report and a form.
Schemas only parse types and required fields; the services in ``core/<feature>/services.py``
check the rules (dates in order, a member in the branch …) and raise
:class:`~core.validation.RecordError` with messages of the same shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from flask import current_app, g, has_request_context
from marshmallow import fields, validate

from core import validation
from core.audit.recorder import mask_personal

#: Chinese messages by field class and message key; looked up along the field's MRO.
CHINESE_MESSAGES: dict[type, dict[str, str]] = {
    fields.Field: {
        "required": "缺少必填项",
        "null": "不能为空",
        "validator_failed": "值无效",
    },
    fields.String: {"invalid": "不是有效的文本", "invalid_utf8": "不是有效的 UTF-8 文本"},
    fields.Number: {"invalid": "不是有效的数字", "too_large": "数字太大"},
    fields.Integer: {"invalid": "不是有效的整数"},
    fields.Decimal: {"special": "不能是非数字或无穷大", "invalid": "不是有效的数字"},
    fields.Float: {"special": "不能是非数字或无穷大"},
    fields.Boolean: {"invalid": "不是有效的是/否值"},
    fields.Date: {
        "invalid": "不是有效的日期（格式 YYYY-MM-DD）",
        "format": "无法按日期格式输出",
    },
    fields.DateTime: {
        "invalid": "不是有效的日期时间",
        "invalid_awareness": "不是有效的日期时间（时区不符）",
        "format": "无法按日期时间格式输出",
    },
    fields.List: {"invalid": "不是有效的列表"},
    fields.Tuple: {"invalid": "不是有效的列表"},
    fields.Mapping: {"invalid": "不是有效的对象"},
    fields.Nested: {"type": "不是有效的对象"},
    fields.Email: {"invalid": "不是有效的电子邮件地址"},
    fields.URL: {"invalid": "不是有效的网址"},
    fields.Enum: {"unknown": "须为以下之一：{choices}"},
}

#: English messages of schemas we do not build ourselves (flask-smorest's pagination
#: arguments), translated when an error response is written.
TRANSLATED_MESSAGES = {
    "Must be greater than or equal to 1.": "须大于或等于 1",
    "Not a valid integer.": "不是有效的整数",
    "Unknown field.": "未知字段",
    "Missing data for required field.": "缺少必填项",
    "Invalid input type.": "数据格式无效，应为对象",
    "Field may not be null.": "不能为空",
}


def _chinese_for(field: fields.Field) -> dict[str, str]:
    messages: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        messages.update(CHINESE_MESSAGES.get(cls, {}))
    return messages


def _localize(field: fields.Field) -> None:
    # Keep messages a schema author passed explicitly (error_messages=...): only replace the
    # defaults that are still English.
    english: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        english.update(getattr(cls, "default_error_messages", {}))
    for key, text in _chinese_for(field).items():
        if key in field.error_messages and field.error_messages[key] == english.get(key):
            field.error_messages[key] = text
    for inner in _inner_fields(field):
        _localize(inner)


def _inner_fields(field: fields.Field) -> list[fields.Field]:
    inner: list[fields.Field] = []
    if isinstance(field, fields.List):
        inner.append(field.inner)
    if isinstance(field, fields.Tuple):
        inner.extend(field.tuple_fields)
    if isinstance(field, fields.Mapping):
        inner.extend(f for f in (field.key_field, field.value_field) if f is not None)
    return inner


class Schema(ma.Schema):
    """Base of every API and import schema: Chinese messages, unknown fields refused."""

    error_messages = {"unknown": "未知字段", "type": "数据格式无效，应为对象"}

    class Meta:
        unknown = ma.RAISE
        ordered = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            _localize(field)
            _bound(name, field)


def _limit_for(name: str, field: fields.Field) -> validation.Limit | None:
    """The :mod:`core.validation` limit a field obeys by its kind (and, for years, its name)."""
    if isinstance(field, fields.Integer):
        if name == "year" or name.endswith("_year"):
            return validation.LIMITS["year"]
        if name == "month":
            return validation.LIMITS["month"]
        if name == "id" or name.endswith("_id"):
            return validation.LIMITS["id"]
        return validation.NumberLimit(
            validation.Decimal(-validation.INT_MAX - 1), validation.Decimal(validation.INT_MAX), 0
        )
    if isinstance(field, fields.Decimal):
        # Whatever the column, no Numeric of ours holds more than 12 digits before the point;
        # the services check signs and the field's own bounds.
        top = validation.LIMITS["money"].maximum
        return validation.NumberLimit(-top, top)
    if isinstance(field, fields.Date):
        return validation.LIMITS["date"]
    if isinstance(field, fields.String) and name in ("id_number", "phone"):
        return validation.LIMITS[name]
    if isinstance(field, fields.String) and (name == "note" or name.endswith("_note")):
        return validation.LIMITS["note"]
    if isinstance(field, fields.String) and name == "minutes":
        return validation.LIMITS["minutes"]
    return None


def _bound(name: str, field: fields.Field) -> None:
    """Refuse, at load, a value the database could not hold or common sense rules out."""
    if isinstance(field, fields.String):
        field.validators.append(_refuse_nul)
    for inner in _inner_fields(field):
        _bound(name, inner)
    if isinstance(field, fields.Nested | fields.Pluck):
        return
    limit = _limit_for(name, field)
    if limit is None or getattr(field, "_bounded", False):
        return
    field._bounded = True  # a field object shared by two schemas gets one check, not two

    def within(value: Any, limit: validation.Limit = limit) -> None:
        message = validation.check(value, limit)
        if message:
            raise ma.ValidationError(message)

    within.bounded_by = limit  # type: ignore[attr-defined] - read by tests/test_hardening_limits.py
    field.validators.append(within)


def _refuse_nul(value: Any) -> None:
    message = validation.no_nul(value)
    if message:
        raise ma.ValidationError(message)


class QueryArgsSchema(Schema):
    """Base of the query-argument schemas: unknown arguments (``lang``, cache busters) ignored."""

    class Meta:
        unknown = ma.EXCLUDE
        ordered = True


def one_of(vocabulary: dict[str, Any], **kwargs: Any) -> fields.String:
    """A code field restricted to a vocabulary's codes, documented with its labels.

    :param vocabulary: a mapping from :mod:`core.vocabulary` (code → label).
    """
    codes = list(vocabulary)
    labels = "；".join(f"{code}={vocabulary[code]}" for code in codes)
    metadata = kwargs.pop("metadata", {})
    metadata.setdefault("description", labels)
    return fields.String(
        validate=validate.OneOf(codes, error="须为以下之一：" + "、".join(codes)),
        metadata=metadata,
        **kwargs,
    )


def text(limit: str | None = None, **kwargs: Any) -> fields.String:
    """A text field within ``LIMITS[limit]`` of :mod:`core.validation` (any ``Text`` column's
    :data:`~core.validation.TEXT_MAX` when not given), documented as ``maxLength`` and refused
    with the same Chinese message as a form or an import."""
    bound = validation.LIMITS[limit] if limit else validation.TextLimit(validation.TEXT_MAX)
    assert isinstance(bound, validation.TextLimit), limit

    def within(value: Any) -> None:
        message = validation.check(value, bound)
        if message:
            raise ma.ValidationError(message)

    within.limit_name = limit  # type: ignore[attr-defined] - read by tests/test_hardening_limits.py
    field = fields.String(validate=within, metadata={"maxLength": bound.max_length, **kwargs.pop("metadata", {})}, **kwargs)
    field._bounded = True  # the bound above is the field's; _bound adds no other
    return field


#: How the API sends every decimal: a JSON string (no precision lost); input may be a string
#: or a number. Documented so in the OpenAPI document (``type: string`` with this pattern).
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


def _decimal(places: int, kwargs: dict[str, Any]) -> fields.Decimal:
    metadata = {"type": "string", "pattern": DECIMAL_PATTERN, "example": "0." + "0" * places, **kwargs.pop("metadata", {})}
    return fields.Decimal(places=places, as_string=True, metadata=metadata, **kwargs)


def points(**kwargs: Any) -> fields.Decimal:
    """A score (分值), as a string like every decimal the API sends; places as stored."""
    metadata = {"type": "string", "pattern": DECIMAL_PATTERN, "example": "88.5", **kwargs.pop("metadata", {})}
    return fields.Decimal(as_string=True, metadata=metadata, **kwargs)


def money(**kwargs: Any) -> fields.Decimal:
    """A yuan amount, two places, written as a string so no precision is lost in JSON."""
    return _decimal(2, kwargs)


def hours(**kwargs: Any) -> fields.Decimal:
    """学时, one place, as a string."""
    return _decimal(1, kwargs)


def shows_personal_data() -> bool:
    """Whether the current reader may see ID and phone numbers unmasked (DESIGN: personal data)."""
    if not has_request_context():
        return True  # the CLI runs as the operator of the server
    user = g.get("api_user")
    if user is None:  # a page (Excel export) rather than the API
        from flask_login import current_user

        user = current_user if current_user.is_authenticated else None
    if user is None:
        return False
    return user.role in current_app.config.get("PERSONAL_DATA_ROLES", ())


class Timestamp(fields.DateTime):
    """A moment, always sent with its offset (RFC 3339 ``date-time``, as documented).

    Timestamps are stored in UTC (:func:`core.db.utcnow`); SQLite hands them back without a
    zone, PostgreSQL with one, so a naive value is UTC and is sent as ``…+00:00`` on both.
    """

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Personal(fields.String):
    """Personal data (ID card, phone): masked on output unless the reader's role needs it."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        value = super()._serialize(value, attr, obj, **kwargs)
        if value is None or shows_personal_data():
            return value
        return mask_personal(value)


class PaginationMetadataSchema(Schema):
    """What the ``X-Pagination`` header holds (documentation only)."""

    total = fields.Integer()
    total_pages = fields.Integer()
    first_page = fields.Integer()
    last_page = fields.Integer()
    page = fields.Integer()
    previous_page = fields.Integer()
    next_page = fields.Integer()
