"""Writes an audit-log row for every ORM insert, update and delete, in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, object_session

from core.audit.models import AuditLog
from core.db import Base

_actor: ContextVar[tuple[int | None, str]] = ContextVar(
    "branchmark_actor", default=(None, "system")
)

#: Tables whose writes are not audited: the log itself, and bookkeeping that is not a record
#: (stored live results are a cache of the records, rebuilt from them).
UNAUDITED = {"audit_log", "alembic_version", "live_result", "live_state"}
#: Columns whose change is bookkeeping, already told by the log row's own time.
UNCOMPARED = {"updated_at"}


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


def _row(obj, action: str, before, after) -> dict[str, Any] | None:
    table = obj.__table__.name
    if table in UNAUDITED:
        return None
    user_id, actor = current_actor()
    return {
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


def _record(session: Session, flush_context) -> None:
    rows: list[dict[str, Any]] = []

    def add(obj, action: str, before, after) -> None:
        row = _row(obj, action, before, after)
        if row is not None:
            rows.append(row)

    for obj in session.new:
        _, after = _snapshot(obj, before=False)
        add(obj, "insert", None, after)
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        before, after = _snapshot(obj, before=False)
        if after:
            add(obj, "update", before, after)
    # Deletes come from the mapper events below: they see cascaded and orphan deletes too,
    # which never appear in ``session.deleted``.
    rows.extend(session.info.pop(_DELETED, []))
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)


_DELETED = "branchmark_audit_deleted"


def _record_delete(mapper, connection, target) -> None:
    session = object_session(target)
    if session is None:
        return
    before, _ = _snapshot(target, before=True)
    row = _row(target, "delete", before, None)
    if row is not None:
        session.info.setdefault(_DELETED, []).append(row)


def _all_columns(obj) -> dict[str, Any]:
    state = inspect(obj)
    return {
        attr.key: _shown(attr.columns[0], getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
    }


def _record_bulk_statement(state: ORMExecuteState):
    """Audit ORM ``update()``/``delete()`` statements, which skip the flush.

    The rows the statement will touch are read first (through the same tenant filter), the
    statement runs, and the changed rows are read again for the "after" values.
    """
    if not (state.is_update or state.is_delete) or len(state.all_mappers) != 1:
        return None
    model = state.all_mappers[0].class_
    if model.__table__.name in UNAUDITED:
        return None
    session = state.session
    where = state.statement.whereclause
    query = select(model) if where is None else select(model).where(where)
    touched = session.scalars(query.execution_options(populate_existing=True)).all()
    before = {obj.id: _all_columns(obj) for obj in touched}
    result = state.invoke_statement()
    rows: list[dict[str, Any]] = []
    if state.is_delete:
        rows = [_row(obj, "delete", before[obj.id], None) for obj in touched]
    elif touched:
        after_objs = session.scalars(
            select(model)
            .where(model.id.in_(list(before)))
            .execution_options(populate_existing=True)
        ).all()
        for obj in after_objs:
            after = _all_columns(obj)
            changed = {
                k for k in after if k not in UNCOMPARED and after[k] != before[obj.id].get(k)
            }
            if changed:
                rows.append(
                    _row(
                        obj,
                        "update",
                        {k: before[obj.id][k] for k in changed},
                        {k: after[k] for k in changed},
                    )
                )
    rows = [r for r in rows if r is not None]
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)
    return result


def install(session_class: type[Session]) -> None:
    """Record every change made through sessions of ``session_class``.

    Install after the tenant filter: bulk statements must already carry its criteria.
    """
    if getattr(session_class, "_branchmark_audit", False):
        return
    event.listen(session_class, "after_flush", _record)
    event.listen(Base, "after_delete", _record_delete, propagate=True)
    event.listen(session_class, "do_orm_execute", _record_bulk_statement)
    session_class._branchmark_audit = True
