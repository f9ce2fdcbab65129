"""Writes an audit-log row for every ORM insert, update and delete, in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from core.audit.models import AuditLog

_actor: ContextVar[tuple[int | None, str]] = ContextVar(
    "branchmark_actor", default=(None, "system")
)

#: Tables whose writes are not audited: the log itself, and bookkeeping that is not a record.
UNAUDITED = {"audit_log", "alembic_version"}


def current_actor() -> tuple[int | None, str]:
    """(user id, readable name) of whoever is writing now."""
    return _actor.get()


def set_actor(user_id: int | None, name: str) -> None:
    """Name the writer for the rest of the current context (a request or a command)."""
    _actor.set((user_id, name))


@contextmanager
def acting_as(user_id: int | None, name: str) -> Iterator[None]:
    """Name the writer for the duration of a block."""
    token = _actor.set((user_id, name))
    try:
        yield
    finally:
        _actor.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def mask_personal(value: Any) -> Any:
    """Keep the last four characters of personal data (ID and phone numbers)."""
    if not value:
        return value
    text = str(value)
    return "*" * max(len(text) - 4, 0) + text[-4:]


def _shown(column, value: Any) -> Any:
    if column.info.get("secret"):
        return "[hidden]" if value is not None else None
    if column.info.get("personal"):
        return mask_personal(value)
    return _plain(value)


def _snapshot(obj, *, before: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Changed columns of ``obj`` as (before, after) dicts."""
    state = inspect(obj)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        history = state.attrs[attr.key].history
        if before:  # delete: everything that was there
            value = history.unchanged[0] if history.unchanged else (
                history.deleted[0] if history.deleted else None
            )
            old[attr.key] = _shown(column, value)
        elif history.has_changes():
            old[attr.key] = _shown(column, history.deleted[0]) if history.deleted else None
            new[attr.key] = _shown(column, history.added[0]) if history.added else None
    return old, new


def _record(session: Session, flush_context) -> None:
    user_id, actor = current_actor()
    rows: list[dict[str, Any]] = []

    def add(obj, action: str, before, after) -> None:
        table = obj.__table__.name
        if table in UNAUDITED:
            return
        rows.append(
            {
                "at": dt.datetime.now(dt.UTC),
                "user_id": user_id,
                "actor": actor[:100],
                "tenant_id": getattr(obj, "tenant_id", None),
                "action": action,
                "table_name": table,
                "row_id": getattr(obj, "id", None),
                "before": before,
                "after": after,
            }
        )

    for obj in session.new:
        _, after = _snapshot(obj, before=False)
        add(obj, "insert", None, after)
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        before, after = _snapshot(obj, before=False)
        if after:
            add(obj, "update", before, after)
    for obj in session.deleted:
        before, _ = _snapshot(obj, before=True)
        add(obj, "delete", before, None)
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)


def install(session_class: type[Session]) -> None:
    """Record every flushed change of sessions of ``session_class``."""
    if getattr(session_class, "_branchmark_audit", False):
        return
    event.listen(session_class, "after_flush", _record)
    session_class._branchmark_audit = True
