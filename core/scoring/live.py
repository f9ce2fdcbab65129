"""Stored live results: each branch's current-year result kept in ``live_result``, read by pages.

How a result stays current
--------------------------

- **A write to a unit's records** (any ORM flush of a tenant-owned row other than the stored
  results themselves, scorecards and rectifications; a change to a unit's own row) marks the unit
  stale in ``live_state`` *in the same transaction*, from one ``after_flush`` listener
  (:func:`install`) — not from each view, form, API or import.
- **What happens next depends on** ``LIVE_RESULTS_MODE``:

  - ``queue`` (``branchmark serve`` with job workers, or any deployment with ``REDIS_URL``): after
    the commit, ONE ``scoring.rescore_unit`` job is queued per unit; further writes while it waits
    queue nothing more (``live_state.queued``). Pages show the stored result with "正在重新计算"
    until the job has run.
  - ``sync`` (the default otherwise — the SQLite embedded set-up without a worker, tests, CLI
    scripts): nothing is queued; the next read of a stale unit re-scores that unit first, in
    the reading request, and stores the result. A read is therefore never behind the records.

  - ``off``: writes mark nothing. Only for work on a schema older than the results tables (the
    migration tests write rows at an earlier revision); pages then read whatever is stored.

  In both modes a unit with no stored result for the year, or one computed for an earlier day,
  is scored on read (the first page after ``db upgrade`` or a new unit) — in ``queue`` mode only
  when nothing at all is stored; a result of an earlier day is shown as stale and the daily job
  (``scoring.daily_pass``) or the queued job brings it up to date.
- **A standard or parameter change** reaches :func:`mark_stale` through
  :func:`core.authoring.services.units_to_rescore`.
- ``branchmark results refresh [--unit slug]`` re-scores on demand; ``branchmark demo`` leaves
  fresh results.

Results are a cache of the present, never a record: the yearly assessment's scorecards are
stored and read as before, and past years are scored live.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import case, delete, event, func, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from core.db import TenantScoped, utcnow
from core.extensions import db
from core.host.models import HostParameter, Tenant
from core.metrics.registry import paused_gc
from core.organizations.models import Organization
from core.plugins.manager import PluginRegistry
from core.scoring.models import LiveResult, LiveState, Rectification, Scorecard
from core.scoring.services import BranchScore, UnitScore, score_units
from core.standards.evaluation import BlockResult, BranchResult
from core.tenancy import (
    _sync_postgres_settings,
    current_tenant_id,
    host_scope,
    in_host_scope,
    use_tenant,
)
from core.timezone import local_today

log = logging.getLogger(__name__)

RESCORE_TASK = "scoring.rescore_unit"
DAILY_TASK = "scoring.daily_pass"
#: Rows whose writes never change a live result: the results themselves and what scoring writes.
NOT_RECORDS = (LiveResult, LiveState, Scorecard, Rectification)
_TO_QUEUE = "branchmark_live_to_queue"
#: Units re-scored per pass of :func:`refresh` (one ``score_units`` call each): memory stays flat.
BATCH = 200


def mode(app=None) -> str:
    """``queue``, ``sync`` or ``off`` (see the module docstring)."""
    app = app or (current_app if has_app_context() else None)
    if app is None:
        return "sync"
    chosen = app.config.get("LIVE_RESULTS_MODE")
    if chosen in ("queue", "sync", "off"):
        return chosen
    return "queue" if app.config.get("REDIS_URL") else "sync"


# -- marking stale ------------------------------------------------------------------------------


def _touched_units(session: Session) -> set[int]:
    ids: set[int] = set()
    everyone = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, NOT_RECORDS):
            continue
        if isinstance(obj, TenantScoped):
            if obj.tenant_id is not None:
                ids.add(obj.tenant_id)
        elif isinstance(obj, Tenant):
            if obj.id is not None and obj in session.dirty and session.is_modified(obj):
                ids.add(obj.id)
        elif isinstance(obj, HostParameter):
            everyone = True  # a county parameter: every unit may score differently
    if everyone:
        ids.update(session.connection().scalars(select(Tenant.id)))
    return ids


def _after_flush(session: Session, flush_context) -> None:
    ids = _touched_units(session)
    if ids:
        _mark(session, ids)


def _mark(session: Session, ids: Iterable[int]) -> None:
    """Mark units stale on the session's own connection (so in its transaction).

    Bookkeeping across units (a county parameter touches all of them): done in host scope, and
    the session's row-level security settings put back afterwards.
    """
    ids = sorted(set(ids))
    if not ids or mode() == "off":
        return
    connection = session.connection()
    table = LiveState.__table__
    now = utcnow()
    queue = mode() == "queue"
    with host_scope():
        _sync_postgres_settings(session)
        known = dict(
            connection.execute(
                select(table.c.tenant_id, table.c.queued).where(table.c.tenant_id.in_(ids))
            ).all()
        )
        if known:
            values: dict[str, Any] = {
                "stale": True,
                "stale_since": func.coalesce(table.c.stale_since, now),
                "generation": table.c.generation + 1,
            }
            if queue:
                values["queued"] = True
            connection.execute(update(table).where(table.c.tenant_id.in_(list(known))).values(**values))
        missing = [i for i in ids if i not in known]
        if missing:
            connection.execute(
                insert(table),
                [
                    {"tenant_id": i, "stale": True, "stale_since": now, "queued": queue, "generation": 1}
                    for i in missing
                ],
            )
    _sync_postgres_settings(session)
    if queue:
        to_queue = session.info.setdefault(_TO_QUEUE, set())
        to_queue.update(i for i in ids if not known.get(i))


def _bulk_statement(state: ORMExecuteState) -> None:
    """ORM ``insert()``/``update()``/``delete()`` statements skip the flush: mark their units too.

    The units are the current one, or — in host scope — the ``tenant_id`` values of an insert's
    rows; a host-scope update or delete of records names no unit, so it marks every unit.
    """
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, TenantScoped) or issubclass(mapper.class_, NOT_RECORDS):
        return
    tenant_id = current_tenant_id()
    if tenant_id is not None and not in_host_scope():
        _mark(state.session, [tenant_id])
        return
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
    ids = {row.get("tenant_id") for row in rows if isinstance(row, dict)} - {None}
    if state.is_insert and ids:
        _mark(state.session, ids)
    else:
        _mark(state.session, state.session.connection().scalars(select(Tenant.id)))


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_TO_QUEUE, None)
    if not ids:
        return
    from core.jobs.queue import enqueue

    try:
        for tenant_id in sorted(ids):
            enqueue(RESCORE_TASK, tenant_id)
    except Exception:  # the write is committed: a queue down must not turn it into an error
        log.exception("could not queue the re-score of units %s; the daily pass will catch up", sorted(ids))


def _after_rollback(session: Session) -> None:
    session.info.pop(_TO_QUEUE, None)


def install(session_class: type[Session]) -> None:
    """Mark units stale on every flush that writes their records; queue their re-score on commit."""
    if getattr(session_class, "_branchmark_live", False):
        return
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "do_orm_execute", _bulk_statement)
    event.listen(session_class, "after_commit", _after_commit)
    event.listen(session_class, "after_soft_rollback", lambda session, previous: _after_rollback(session))
    session_class._branchmark_live = True


def mark_stale(tenant_ids: Iterable[int]) -> None:
    """Mark units stale and (in ``queue`` mode) queue their re-score once the transaction commits.

    For changes that reach scoring without touching a unit's rows (a county standard published).
    """
    with host_scope():
        _mark(db.session, tenant_ids)


# -- re-scoring ---------------------------------------------------------------------------------


def _scope(tenant_ids: Iterable[int]):
    """One unit: work as that unit (a page of it changes no row-level security setting);
    several: the explicit county-wide bypass, restricted to them by every statement here."""
    ids = list(tenant_ids)
    return use_tenant(ids[0]) if len(ids) == 1 else host_scope()


def result_row(branch: BranchScore, *, alerts: int, overdue: int, computed_at: dt.datetime) -> dict[str, Any]:
    """The ``live_result`` row of one branch's result."""
    result = branch.result
    lost = [
        [item.id, item.title, str(item.score), str(item.max), item.status]
        for item in result.items()
        if not item.bonus and item.score < item.max
    ]
    return {
        "tenant_id": branch.organization.tenant_id,
        "organization_id": branch.organization.id,
        "year": result.on.year,
        "as_of": result.on,
        "standard_key": result.standard_key,
        "standard_version": result.standard_version,
        "status": result.status,
        "total": result.total,
        "max": result.max,
        "grade": result.grade,
        "summary": {
            "bonus": str(result.bonus),
            "band_grade": result.band_grade,
            "grade_reasons": list(result.grade_reasons),
            "not_rated_reason": result.not_rated_reason,
            "warnings": list(result.warnings),
            "pending_items": list(result.pending_items),
            "blocks": [
                [b.id, b.title, str(b.score), str(b.max), None if b.weight is None else str(b.weight)]
                for b in result.blocks
            ],
        },
        "lost": lost,
        "alerts": alerts,
        "overdue": overdue,
        "computed_at": computed_at,
    }


def stored_result(row: LiveResult) -> BranchResult:
    """A stored row as a :class:`BranchResult` without items (totals, grade, block scores)."""
    summary = row.summary
    return BranchResult(
        standard_key=row.standard_key,
        standard_version=row.standard_version,
        on=row.as_of,
        status=row.status,
        total=Decimal(row.total),
        max=Decimal(row.max),
        bonus=Decimal(summary.get("bonus", "0")),
        grade=row.grade,
        band_grade=summary.get("band_grade"),
        grade_reasons=tuple(summary.get("grade_reasons", ())),
        vetoes=(),
        not_rated_reason=summary.get("not_rated_reason"),
        blocks=tuple(
            BlockResult(
                id=b[0], title=b[1], score=Decimal(b[2]), max=Decimal(b[3]),
                weight=None if b[4] is None else Decimal(b[4]), items=(),
            )
            for b in summary.get("blocks", ())
        ),
        warnings=tuple(summary.get("warnings", ())),
        pending_items=tuple(summary.get("pending_items", ())),
    )


def refresh(tenant_ids: Iterable[int], registry: PluginRegistry, *, today: dt.date | None = None) -> int:
    """Re-score units and replace their stored results; clear their stale flag if no write came in.

    Runs in the caller's transaction (the caller commits). Units in batches of :data:`BATCH`, each
    batch one :func:`score_units` pass with the garbage collector paused.

    :returns: the number of branch results stored.
    """
    from core.scoring.alerts import unit_alerts

    today = today or local_today()
    ids = sorted(set(tenant_ids))
    stored = 0
    table, state = LiveResult.__table__, LiveState.__table__
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        with _scope(batch):
            generations = dict(
                db.session.execute(select(state.c.tenant_id, state.c.generation).where(state.c.tenant_id.in_(batch))).all()
            )
            tenants = list(db.session.scalars(select(Tenant).where(Tenant.id.in_(batch)).order_by(Tenant.id)))
        with paused_gc():
            outcomes = score_units(tenants, today.year, registry, as_of=today, evidence=False)
            rows = []
            now = utcnow()
            for outcome in outcomes:
                counts: dict[int, tuple[int, int]] = {}
                if outcome.branches and outcome.tenant.enabled and outcome.tenant.plugin_enabled:
                    facts = {b.organization.id: b.facts for b in outcome.branches}
                    for org_id, alerts in unit_alerts(outcome.tenant, today, registry, facts_by_branch=facts).items():
                        counts[org_id] = (len(alerts), sum(1 for a in alerts if a.level == "overdue"))
                for branch in outcome.branches:
                    number, overdue = counts.get(branch.organization.id, (0, 0))
                    rows.append(result_row(branch, alerts=number, overdue=overdue, computed_at=now))
        with _scope(batch):
            db.session.execute(delete(table).where(table.c.tenant_id.in_(batch), table.c.year == today.year))
            if rows:
                db.session.execute(insert(table), rows)
            for tenant_id in batch:
                generation = generations.get(tenant_id)
                if generation is None:
                    db.session.execute(
                        insert(state),
                        {
                            "tenant_id": tenant_id, "stale": False, "queued": False, "generation": 0,
                            "computed_at": now, "as_of": today,
                        },
                    )
                else:
                    # Fresh unless a write came in while it was scored (it raised the generation).
                    unchanged = state.c.generation == generation
                    db.session.execute(
                        update(state)
                        .where(state.c.tenant_id == tenant_id)
                        .values(
                            computed_at=now,
                            as_of=today,
                            stale=case((unchanged, False), else_=state.c.stale),
                            stale_since=case((unchanged, None), else_=state.c.stale_since),
                        )
                    )
        stored += len(rows)
    return stored


def take_job(tenant_id: int) -> None:
    """The queued job starts: later writes must queue another (they may come while it scores)."""
    state = LiveState.__table__
    with host_scope():
        db.session.execute(update(state).where(state.c.tenant_id == tenant_id).values(queued=False))


def rescore_unit(tenant_id: int, registry: PluginRegistry) -> None:
    """The job: re-score one unit and commit (what ``scoring.rescore_unit`` runs)."""
    take_job(tenant_id)
    db.session.commit()
    refresh([tenant_id], registry)
    db.session.commit()


def daily_pass(registry: PluginRegistry) -> int:
    """Every unit re-read as of today, so the date's passing shows (a month ending, a term expiring)."""
    state = LiveState.__table__
    with host_scope():
        ids = list(db.session.scalars(select(Tenant.id)))
        # A job lost with its queue left its unit "queued": from now on, writes queue again.
        db.session.execute(update(state).values(queued=False))
    count = refresh(ids, registry)
    db.session.commit()
    return count


# -- reading ------------------------------------------------------------------------------------


class Freshness:
    """When the stored results of some units were computed and whether any is being recomputed."""

    def __init__(self, computed_at: dt.datetime | None, recomputing: bool) -> None:
        self.computed_at = computed_at
        self.recomputing = recomputing


def _states(tenant_ids: list[int], today: dt.date, *, county: bool = False) -> tuple[set[int], set[int]]:
    """(units behind their records — stale, or computed for an earlier day —, units never scored).

    :param county: ``tenant_ids`` are every unit: read every state without naming them (a
        statement with thousands of parameters costs more to send than to run).
    """
    state = LiveState.__table__
    query = select(state.c.tenant_id, state.c.stale, state.c.as_of)
    if not county:
        query = query.where(state.c.tenant_id.in_(tenant_ids))
    wanted = set(tenant_ids)
    with _scope(tenant_ids):
        rows = [row for row in db.session.execute(query).all() if row.tenant_id in wanted]
    behind = {tenant_id for tenant_id, stale, as_of in rows if stale or (as_of is not None and as_of < today)}
    scored = {tenant_id for tenant_id, _, as_of in rows if as_of is not None}
    return behind, set(tenant_ids) - scored


def _commit_keeping_loaded_rows() -> None:
    """Commit what a read stored without expiring the rows the page already loaded."""
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


def bring_up_to_date(
    tenant_ids: list[int], registry: PluginRegistry, today: dt.date, *, county: bool = False
) -> bool:
    """Re-score, before a read, the units the mode asks for: in ``sync`` mode every stale unit,
    in ``queue`` mode only units with nothing stored.

    :param county: ``tenant_ids`` are every unit of the county (see :func:`_states`).
    :returns: whether some unit's stored results are still behind (a re-score is pending).
    """
    if not tenant_ids:
        return False
    stale, never = _states(tenant_ids, today, county=county)
    now_needed = never | (stale if mode() == "sync" else set())
    if now_needed:
        refresh(now_needed, registry, today=today)
        _commit_keeping_loaded_rows()
        stale -= now_needed
    return bool(stale)


def stored_outcomes(
    tenants: list[Tenant], registry: PluginRegistry, *, today: dt.date | None = None
) -> tuple[list[UnitScore], Freshness]:
    """The units' stored current-year results as :class:`UnitScore` (branches without facts).

    Brings stale units up to date first when the mode asks for it (see the module docstring):
    in ``sync`` mode every stale unit, in ``queue`` mode only units with nothing stored.
    """
    from core.metrics import Period

    today = today or local_today()
    ids = [t.id for t in tenants]
    recomputing = bring_up_to_date(ids, registry, today)
    table = LiveResult.__table__
    period = Period(year=today.year, as_of=today)
    outcomes = {t.id: UnitScore(tenant=t, period=period) for t in tenants}
    from core.scoring.services import not_scored_reason

    for outcome in outcomes.values():
        outcome.not_scored_reason = not_scored_reason(outcome.tenant, registry)
    with _scope(ids):
        rows = db.session.execute(
            select(LiveResult, Organization)
            .join(Organization, Organization.id == table.c.organization_id)
            .where(table.c.tenant_id.in_(ids), table.c.year == today.year)
            .order_by(table.c.tenant_id, Organization.code)
        ).all()
    oldest: dt.datetime | None = None
    for row, organization in rows:
        outcome = outcomes[row.tenant_id]
        if outcome.not_scored_reason is not None:
            continue
        result = stored_result(row)
        branch = BranchScore(organization=organization, result=result, facts={})
        branch.stored = row  # type: ignore[attr-defined]  # alert counts, lost items, computed_at
        outcome.branches.append(branch)
        outcome.warnings.extend(w for w in result.warnings if w not in outcome.warnings)
        if oldest is None or row.computed_at < oldest:
            oldest = row.computed_at
    return [outcomes[t.id] for t in tenants], Freshness(oldest, recomputing)
