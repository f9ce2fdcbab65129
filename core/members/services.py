"""Member operations: validated edits that leave an audit trail through the session."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from core.members.models import Member
from core.validation import RecordError
from core.vocabulary import DUES_CATEGORIES, GENDERS, MEMBER_STATUSES

#: 18-digit resident ID: 17 digits and a check character (GB 11643).
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
PHONE = re.compile(r"^1\d{10}$")

EDITABLE = {
    "name", "gender", "birth_date", "ethnicity", "education", "position", "id_number", "phone",
    "status", "joined_on", "full_on", "dues_category", "dues_base", "is_leader",
    "party_group_id", "organization_id", "transferred_in_on", "left_on", "left_reason", "note",
}


class MemberError(RecordError):
    """Bad member input; ``errors`` maps each field to a Chinese message."""


def id_number_is_valid(value: str) -> bool:
    """Whether an 18-digit ID number is well formed and its check character matches."""
    if not ID_NUMBER.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def validate_member_fields(fields: dict[str, Any]) -> dict[str, str]:
    """Chinese messages for every bad field among ``fields`` (empty when all are good)."""
    errors: dict[str, str] = {}
    unknown = set(fields) - EDITABLE
    for name in sorted(unknown):
        errors[name] = "不能修改此项"
    if "name" in fields and not str(fields["name"] or "").strip():
        errors["name"] = "请填写姓名"
    if fields.get("gender") not in (None, *GENDERS):
        errors["gender"] = "性别须为 男 或 女"
    if "status" in fields and fields["status"] not in MEMBER_STATUSES:
        errors["status"] = "党员类别须为 正式党员 或 预备党员"
    if "dues_category" in fields and fields["dues_category"] not in DUES_CATEGORIES:
        errors["dues_category"] = "党费类别无效"
    if fields.get("id_number") and not id_number_is_valid(str(fields["id_number"]).upper()):
        errors["id_number"] = "身份证号码格式或校验位不正确"
    if fields.get("phone") and not PHONE.match(str(fields["phone"])):
        errors["phone"] = "手机号码须为 11 位数字"
    if fields.get("dues_base") is not None:
        try:
            if Decimal(str(fields["dues_base"])) < 0:
                errors["dues_base"] = "党费基数不能为负数"
        except InvalidOperation:
            errors["dues_base"] = "党费基数须为数字"
    for name in ("birth_date", "joined_on", "full_on", "transferred_in_on", "left_on"):
        if fields.get(name) is not None and not isinstance(fields[name], dt.date):
            errors[name] = "日期格式应为 YYYY-MM-DD"
    return errors


def update_member(member: Member, **changes: Any) -> Member:
    """Change a member's fields after checking all of them; nothing changes if one is wrong.

    :raises MemberError: with a Chinese message per bad field.
    """
    errors = validate_member_fields(changes)
    joined = changes.get("joined_on", member.joined_on)
    full = changes.get("full_on", member.full_on)
    if not errors and full is not None and joined is not None and full < joined:
        errors["full_on"] = "转正时间不能早于入党时间"
    if errors:
        raise MemberError(errors)
    for name, value in changes.items():
        setattr(member, name, value)
    return member
