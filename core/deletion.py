"""Deleting a record: refused, with the reason in Chinese, while other records point to it.

Every feature's ``delete_*`` service describes which records depend on the one being deleted
(:class:`Dependent`) and what the user can do instead (end a seat, record a member's leaving,
enter a dissolution date). Rows a record owns outright — an event's attendance, a case's steps —
are not dependents: they go with it, and the audit log keeps each of them as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.extensions import db
from core.validation import RecordError

#: The error key a refused delete is reported under.
DELETE_FIELD = "delete"


@dataclass(frozen=True)
class Dependent:
    """Records of one kind that point to the record being deleted.

    :param column: the pointing column, e.g. ``DuesPayment.member_id``.
    :param label: what they are, counted: ``_l("条党费记录")``.
    """

    column: Any
    label: Any


def refusal(record: Any, dependents: Iterable[Dependent], *, what: str, instead: str) -> str | None:
    """Why ``record`` cannot be deleted (the counts of what points to it), or None.

    One COUNT per kind of dependent, read through the tenant filter like every other query.
    """
    parts = []
    for dependent in dependents:
        count = db.session.scalar(
            select(func.count()).select_from(dependent.column.class_).where(dependent.column == record.id)
        )
        if count:
            parts.append(f"{count} {dependent.label}")
    if not parts:
        return None
    return _("%(what)s有 %(list)s，不能删除；%(instead)s", what=what, list="、".join(parts), instead=instead)


def delete(record: Any, refused: str | None = None) -> None:
    """Delete ``record`` (and what it owns) unless ``refused`` names a reason; flushes.

    :raises RecordError: under ``delete`` with the reason.
    """
    if refused:
        raise RecordError({DELETE_FIELD: refused})
    db.session.delete(record)
    db.session.flush()
