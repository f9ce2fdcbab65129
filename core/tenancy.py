"""Tenant isolation: every query on a tenant-owned model is filtered, every new row stamped.

A unit (tenant) is chosen per request, job or command with :func:`use_tenant`. With no tenant
chosen a query on tenant-owned rows fails (:class:`TenantNotSet`) instead of returning every
unit's rows. County-wide work (rankings, bulk reports) crosses units only inside
:func:`host_scope` — the one explicit, greppable bypass. On PostgreSQL the same choice is passed
to row-level security policies through the ``branchmark.tenant_id`` and ``branchmark.host_scope``
settings, so even SQL that skips the ORM cannot read another unit's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_app_context
from sqlalchemy import event, false, inspect, text
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from core.db import TenantScoped

_tenant: ContextVar[int | None] = ContextVar("branchmark_tenant", default=None)
_host_scope: ContextVar[bool] = ContextVar("branchmark_host_scope", default=False)

#: Key in ``Connection.info`` holding the (tenant, host scope) last sent to PostgreSQL.
_GUC_STATE = "branchmark_rls_state"


class TenantNotSet(RuntimeError):
    """A tenant-owned row was read or written with no unit chosen."""


class CrossTenantWrite(RuntimeError):
    """A write touched a row of a unit other than the current one."""


def current_tenant_id() -> int | None:
    """The unit chosen for this request, job or command, if any."""
    return _tenant.get()


def in_host_scope() -> bool:
    """Whether county-wide access was explicitly granted (see :func:`host_scope`)."""
    return _host_scope.get()


@contextmanager
def use_tenant(tenant_id: int | None) -> Iterator[int | None]:
    """Work as one unit for the duration of the block.

    :param tenant_id: the unit's id; ``None`` clears the choice (queries then fail closed).
    """
    token = _tenant.set(tenant_id)
    try:
        yield tenant_id
    finally:
        _tenant.reset(token)


@contextmanager
def host_scope() -> Iterator[None]:
    """Cross every unit's rows — only for host-level work (county views, bulk jobs, loading)."""
    token = _host_scope.set(True)
    try:
        yield
    finally:
        _host_scope.reset(token)


def set_tenant(tenant_id: int | None) -> None:
    """Choose the unit for the rest of the current context (a request or a CLI command)."""
    _tenant.set(tenant_id)


def _is_tenant_mapper(mapper) -> bool:
    return issubclass(mapper.class_, TenantScoped)


def _sync_postgres_settings(session: Session) -> None:
    """Tell PostgreSQL's row-level security which unit this transaction works for."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    connection = session.connection()
    wanted = (current_tenant_id(), in_host_scope())
    if connection.info.get(_GUC_STATE) == wanted:
        return
    # The host key, not an on/off flag: only the key opens every unit's rows (core/rls.py), and
    # it is set for this transaction only, while host work runs.
    key = current_app.config.get("DB_HOST_SCOPE_KEY") or "" if wanted[1] and has_app_context() else ""
    connection.execute(
        text(
            "SELECT set_config('branchmark.tenant_id', :tenant, true),"
            " set_config('branchmark.host_key', :key, true)"
        ),
        {"tenant": "" if wanted[0] is None else str(wanted[0]), "key": key},
    )
    connection.info[_GUC_STATE] = wanted


def _filter_statement(state: ORMExecuteState) -> None:
    _sync_postgres_settings(state.session)
    if state.is_column_load or state.is_relationship_load:
        # Options of the parent query, including the tenant criteria, travel with these loads.
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if in_host_scope():
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        if any(_is_tenant_mapper(m) for m in state.all_mappers):
            names = ", ".join(sorted(m.class_.__name__ for m in state.all_mappers))
            raise TenantNotSet(f"未选择单位，不能查询单位数据 ({names})")
        # Not detected above (e.g. a bare column select): still return nothing.
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: false(), include_aliases=True)
        )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        )
    )


def _stamp_and_check(session: Session, flush_context, instances) -> None:
    tenant_id = current_tenant_id()
    host = in_host_scope()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantNotSet(f"未选择单位，不能新建 {type(obj).__name__}")
            obj.tenant_id = tenant_id
        elif not host and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"不能为其他单位新建 {type(obj).__name__}")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        history = inspect(obj).attrs.tenant_id.history
        if history.deleted and history.deleted[0] is not None and history.added:
            raise CrossTenantWrite(f"{type(obj).__name__} 不能移到其他单位")
        if not host and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"不能修改其他单位的 {type(obj).__name__}")
    _sync_postgres_settings(session)


def _forget_postgres_settings(session: Session, transaction, connection) -> None:
    # set_config(..., true) lasts one transaction; a new one starts with nothing set.
    connection.info.pop(_GUC_STATE, None)


def install(session_class: type[Session]) -> None:
    """Attach the tenant filter, stamping and PostgreSQL settings to a session class.

    :param session_class: the class whose every instance the application uses.
    """
    if getattr(session_class, "_branchmark_tenancy", False):
        return
    event.listen(session_class, "do_orm_execute", _filter_statement)
    event.listen(session_class, "before_flush", _stamp_and_check)
    event.listen(session_class, "after_begin", _forget_postgres_settings)
    session_class._branchmark_tenancy = True
