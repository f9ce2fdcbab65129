"""Bulk "download all": every scorecard of a scope rendered by workers, then one ZIP with an index.

A job runs as three kinds of task:

1. **plan** — fixes the list of cards (every branch of the scope, each unit's summary, the
   roll-up of the scope — the whole county for a host admin), writes it to ``plan.json`` in the job's folder, sets the job's
   total and queues one **chunk** per unit (large units split), so several workers share it;
2. **chunk** — renders its cards one by one; each PDF is written under a temporary name and
   then linked into place, so a file that exists is complete; then the card's index row is
   linked into place the same way — the row marks the card finished, and of two workers that
   finish the same card (after a resume) exactly one counts it;
3. **finish** — once every chunk has left its marker, writes ``index.xlsx`` and the ZIP.

A worker stopped in the middle loses at most the cards it was rendering: the plan is kept,
finished files are skipped, and :func:`core.jobs.services.resume_interrupted_jobs` queues the
plan again when a worker starts.

The functions here queue follow-up work through an ``enqueue(task_name, *args)`` callable that
the task module passes in, so this module never imports the queue or the tasks.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import case, select, update
from sqlalchemy.exc import SQLAlchemyError

from core.audit.recorder import acting_as
from core.db import utcnow
from core.extensions import db
from core.host.models import Tenant
from core.jobs.archive import INDEX_NAME, safe_name, write_index, write_zip
from core.jobs.models import Job
from core.metrics import BRANCH_KINDS, Period
from core.organizations.models import Organization
from core.plugins.manager import UnknownUnitType, get_registry
from core.scoring.models import Scorecard
from core.tenancy import host_scope, use_tenant
from core.vocabulary import SCORECARD_STATUSES, label

log = logging.getLogger(__name__)

PLAN_TASK = "bulk_scorecards.plan"
CHUNK_TASK = "bulk_scorecards.chunk"
FINISH_TASK = "bulk_scorecards.finish"
#: Branch cards per chunk: a big unit is split so two workers share it and a graceful stop
#: waits for at most this many cards.
CHUNK_SIZE = 20

#: Queues a task by name with its arguments (given by the task module).
Enqueue = Callable[..., None]


def guarded(job_id: int, work: Callable[[], None]) -> None:
    """Run one task's work; an error fails the job with a message instead of retrying forever."""
    with acting_as(None, f"job:{job_id}"):
        try:
            work()
        except Exception as error:  # noqa: BLE001 - any failure must reach the job's page
            log.exception("job %s failed", job_id)
            # Database errors carry statements and values: the page gets a plain sentence.
            message = (
                _("数据库出错，请稍后重试或联系管理员")
                if isinstance(error, SQLAlchemyError)
                else str(error)[:500] or type(error).__name__
            )
            db.session.rollback()
            with host_scope():
                job = db.session.get(Job, job_id)
                if job is not None and job.status != "done":
                    job.status = "failed"
                    job.error = message
                    job.finished_at = utcnow()
                    db.session.commit()


# ---------------------------------------------------------------- the job's folder


def jobs_dir(app: Flask | None = None) -> Path:
    """The folder under which each job writes its files (``<instance>/jobs`` by default).

    Set ``JOBS_DIR`` (``BRANCHMARK_JOBS_DIR``) to move it.
    """
    app = app or current_app
    configured = app.config.get("JOBS_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "jobs"


def job_folder(job_id: int) -> Path:
    """Everything a job writes: ``<jobs dir>/<id>/``."""
    return jobs_dir() / str(job_id)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _link_into_place(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it exists; ``True`` when this call created it.

    ``os.link`` fails when the name is taken, so of two workers rendering the same card exactly
    one counts it, and a reader never sees half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_bytes(data)
    try:
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink()


# ---------------------------------------------------------------- plan


def _period(job: Job) -> Period:
    return Period(year=int(job.params["year"]), as_of=dt.date.fromisoformat(job.params["as_of"]))


def _not_scored_reason(tenant: Tenant) -> str | None:
    """Why a unit has no cards (switched off, or its unit type has no installed plugin)."""
    if not tenant.enabled:
        return _("单位已停用，未评分")
    if not tenant.plugin_enabled:
        return _("单位类型插件未启用，未评分")
    try:
        get_registry().unit_type(tenant.unit_type)
    except UnknownUnitType:
        return _("单位类型 %(unit_type)s 的插件未安装，未评分", unit_type=tenant.unit_type)
    return None


def _unit_type_label(key: str) -> str:
    try:
        return get_registry().unit_type(key).name_zh
    except UnknownUnitType:
        return key


def build_plan(job: Job, *, county_available: bool) -> dict[str, Any]:
    """The cards of a job's scope, in reading order, and how they are split into chunks.

    Read inside ``host_scope``: a supervisor's scope spans units. Two queries whatever the size.
    """
    period = _period(job)
    tenant_ids = list(job.params.get("tenant_ids") or [])
    tenants = (
        db.session.scalars(
            select(Tenant).where(Tenant.id.in_(tenant_ids)).order_by(Tenant.unit_type, Tenant.name)
        ).all()
        if tenant_ids
        else []
    )
    branches: dict[int, list[Organization]] = {}
    if tenants:
        for organization in db.session.scalars(
            select(Organization)
            .where(
                Organization.tenant_id.in_([t.id for t in tenants]),
                Organization.kind.in_(BRANCH_KINDS),
                Organization.established_on <= period.end,
            )
            .order_by(Organization.code)
        ):
            branches.setdefault(organization.tenant_id, []).append(organization)

    cards: list[dict[str, Any]] = []
    chunks: list[list[int]] = []
    skipped: list[dict[str, Any]] = []

    def add(card: dict[str, Any]) -> int:
        card["no"] = len(cards)
        cards.append(card)
        return card["no"]

    if county_available:
        # The roll-up of the scope: the whole county for a host admin, else the units in scope.
        whole = bool(job.params.get("county"))
        title = _("全县汇总") if whole else _("范围汇总")
        card = {"kind": "county", "title": title, "tenant_ids": None if whole else tenant_ids}
        chunks.append([add({**card, "file": f"00_{safe_name(title)}.pdf"})])
    for tenant in tenants:
        unit_info = {
            "tenant_id": tenant.id,
            "unit": tenant.name,
            "unit_type": _unit_type_label(tenant.unit_type),
        }
        reason = _not_scored_reason(tenant)
        own = branches.get(tenant.id, [])
        if reason is None and not own:
            reason = _("没有党支部")
        if reason is not None:
            skipped.append({**unit_info, "reason": reason})
            continue
        folder = f"{safe_name(tenant.slug)}_{safe_name(tenant.name)}"
        first = [
            add(
                {**unit_info, "kind": "unit", "file": f"{folder}/00_{safe_name(_('单位汇总'))}.pdf"}
            )
        ]
        numbers = [
            add(
                {
                    **unit_info,
                    "kind": "branch",
                    "organization_id": o.id,
                    "branch_code": o.code,
                    "branch_name": o.name,
                    "file": f"{folder}/{safe_name(o.code)}_{safe_name(o.name)}.pdf",
                }
            )
            for o in own
        ]
        for start in range(0, len(numbers), CHUNK_SIZE):
            chunks.append((first if start == 0 else []) + numbers[start : start + CHUNK_SIZE])
    return {"cards": cards, "chunks": chunks, "skipped": skipped}


def _load_plan(job_id: int) -> dict[str, Any]:
    return json.loads((job_folder(job_id) / "plan.json").read_text(encoding="utf-8"))


def _card_path(job_id: int, card: dict[str, Any]) -> Path:
    return job_folder(job_id) / "files" / card["file"]


def _chunk_marker(job_id: int, index: int) -> Path:
    return job_folder(job_id) / "chunks" / f"{index}.done"


def plan_job(job_id: int, enqueue: Enqueue) -> None:
    """Fix the job's cards (or reuse the plan of an earlier start) and queue the chunks left."""
    with host_scope():
        job = db.session.get(Job, job_id)
        if job is None or job.status in ("done", "failed"):
            return
        folder = job_folder(job_id)
        plan_file = folder / "plan.json"
        if plan_file.exists():
            # Resumed: keep the first plan so the cards already written stay the ones counted.
            plan = _load_plan(job_id)
        else:
            plan = build_plan(job, county_available=_county_renderer() is not None)
            _write_atomically(plan_file, json.dumps(plan, ensure_ascii=False).encode("utf-8"))
        finished = sum(1 for card in plan["cards"] if _row_path(job_id, card).exists())
        job.status = "running"
        job.started_at = job.started_at or utcnow()
        job.total = len(plan["cards"])
        job.done = finished
        db.session.commit()
    pending = [i for i in range(len(plan["chunks"])) if not _chunk_marker(job_id, i).exists()]
    db.session.remove()  # hand the connection back before an immediate-mode queue runs the chunks
    if not pending:
        enqueue(FINISH_TASK, job_id)
        return
    for index in pending:
        enqueue(CHUNK_TASK, job_id, index)


# ---------------------------------------------------------------- chunk


def _renderers():
    """The report module (``core.reports.render``)."""
    from core.reports import render

    return render


def _county_renderer():
    try:
        return getattr(_renderers(), "render_county_pdf", None)
    except ImportError:
        return None


def _job_is_running(job_id: int) -> bool:
    with host_scope():
        status = db.session.scalar(select(Job.status).where(Job.id == job_id))
    db.session.commit()
    return status == "running"


def _count_one(job_id: int) -> None:
    # A table-level statement: the progress counter is bookkeeping, not a record worth an audit
    # row per card (the job's start, end and failure are audited through the ORM).
    # Capped at the total: a plan queued again while chunks run (a worker starting up resumes
    # every running job) recounts the rows on disk, and a card counted both ways must not push
    # the bar past 100 %.
    table = Job.__table__
    with host_scope():
        db.session.execute(
            update(table)
            .where(table.c.id == job_id)
            .values(done=case((table.c.done < table.c.total, table.c.done + 1), else_=table.c.done))
        )
    db.session.commit()


def _row_path(job_id: int, card: dict[str, Any]) -> Path:
    return job_folder(job_id) / "rows" / f"{card['no']}.json"


def render_chunk(job_id: int, index: int, enqueue: Enqueue) -> None:
    """Render the chunk's cards not finished yet, then queue the finish when every chunk is done.

    A card is finished when its index row is on disk; the row is written after the PDF, so a
    PDF found without its row (a worker stopped between the two) is not rendered again.
    """
    if not _job_is_running(job_id):
        return
    plan = _load_plan(job_id)
    with host_scope():
        period = _period(db.session.get(Job, job_id))
    created_by = f"job:{job_id}"
    for number in plan["chunks"][index]:
        card = plan["cards"][number]
        if _row_path(job_id, card).exists():
            continue  # finished before a restart
        path = _card_path(job_id, card)
        unavailable = None
        if not path.exists():
            try:
                _link_into_place(path, render_pdf(card, period, created_by=created_by))
            except _report_unavailable() as error:
                unavailable = str(error)
        row = index_row(card, period, unavailable=unavailable)
        if _link_into_place(_row_path(job_id, card), json.dumps(row, ensure_ascii=False).encode()):
            _count_one(job_id)
        if not _job_is_running(job_id):  # failed elsewhere: stop early
            return
    _write_atomically(_chunk_marker(job_id, index), b"")
    if all(_chunk_marker(job_id, i).exists() for i in range(len(plan["chunks"]))):
        db.session.remove()
        enqueue(FINISH_TASK, job_id)


def _report_unavailable() -> type[Exception]:
    """The renderer's "nothing to print" error (a branch with no result for the year …)."""
    return getattr(_renderers(), "ReportUnavailable", LookupError)


def render_pdf(card: dict[str, Any], period: Period, *, created_by: str) -> bytes:
    """One card's PDF.

    Branch cards are rendered with ``store=True``: the renderer prints the branch's newest stored
    scorecard, or scores the branch and stores the result, so the index (read from that
    snapshot by :func:`index_row`) and the PDF cannot disagree.

    :param created_by: recorded on scorecards stored on the way.
    :raises ReportUnavailable: the renderer has nothing to print for this card.
    """
    render = _renderers()
    registry = get_registry()
    if card["kind"] == "county":
        with host_scope():
            return render.render_county_pdf(
                period.year, card["tenant_ids"], as_of=period.as_of, registry=registry
            )
    with host_scope():
        tenant = db.session.get(Tenant, card["tenant_id"])
    with use_tenant(tenant.id):
        if card["kind"] == "unit":
            pdf = render.render_unit_pdf(
                tenant, period.year, as_of=period.as_of, registry=registry, created_by=created_by
            )
        else:
            pdf = render.render_branch_pdf(
                tenant,
                db.session.get(Organization, card["organization_id"]),
                period.year,
                as_of=period.as_of,
                registry=registry,
                store=True,
                created_by=created_by,
            )
    db.session.commit()  # keep the snapshots the PDF was made from
    return pdf


def index_row(
    card: dict[str, Any], period: Period, *, unavailable: str | None = None
) -> dict[str, Any]:
    """The card's line in ``index.xlsx``: a branch's from its newest stored scorecard."""
    row = {
        "unit": card.get("unit", ""),
        "unit_type": card.get("unit_type", ""),
        "branch_code": card.get("branch_code", ""),
        "branch_name": card.get("branch_name", ""),
        "total": None,
        "max": None,
        "grade": "",
        "status": "",
        "file": "" if unavailable else card["file"],
    }
    if card["kind"] == "county":
        row.update(unit=card["title"], status=unavailable or _("汇总"))
    elif card["kind"] == "unit":
        row.update(branch_name=_("单位汇总"), status=unavailable or _("汇总"))
    elif unavailable:
        row["status"] = unavailable
    else:
        with use_tenant(card["tenant_id"]):
            scorecard = db.session.scalars(
                select(Scorecard)
                .where(
                    Scorecard.organization_id == card["organization_id"],
                    Scorecard.year == period.year,
                )
                .order_by(Scorecard.id.desc())
                .limit(1)
            ).first()
            if scorecard is not None:
                row.update(
                    total=str(scorecard.total),
                    max=str(scorecard.max),
                    grade=scorecard.grade or "",
                    status=label(SCORECARD_STATUSES, scorecard.status),
                )
        db.session.commit()
    return row


# ---------------------------------------------------------------- finish


def index_rows(job_id: int, plan: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per card in plan order, then one per unit that has no cards."""
    rows = [
        json.loads(_row_path(job_id, card).read_text(encoding="utf-8")) for card in plan["cards"]
    ]
    for unit in plan["skipped"]:
        rows.append(
            {
                "unit": unit["unit"],
                "unit_type": unit["unit_type"],
                "branch_code": "",
                "branch_name": "",
                "total": None,
                "max": None,
                "grade": "",
                "status": unit["reason"],
                "file": "",
            }
        )
    return rows


def zip_name(job: Job) -> str:
    return f"scorecards-{job.params['year']}-job{job.id}.zip"


def finish_job(job_id: int) -> None:
    """Write the index and the ZIP, then mark the job done (a second call does nothing)."""
    with host_scope():
        job = db.session.get(Job, job_id)
        if job is None or job.status != "running":
            return
        name = zip_name(job)
    plan = _load_plan(job_id)
    folder = job_folder(job_id)
    index = folder / INDEX_NAME
    rows = index_rows(job_id, plan)
    write_index(rows, index)
    write_zip(
        folder / name,
        index,
        (
            (_card_path(job_id, card), card["file"])
            for card, row in zip(plan["cards"], rows, strict=False)
            if row["file"]  # nothing printed for the others (the index says why)
        ),
    )
    with host_scope():
        job = db.session.get(Job, job_id)
        if job.status != "running":
            return
        job.status = "done"
        job.done = job.total
        job.result_path = f"{job_id}/{name}"
        job.finished_at = utcnow()
        db.session.commit()
    # The ZIP holds them now; the loose copies only served to resume an interrupted job.
    shutil.rmtree(folder / "files", ignore_errors=True)


def result_file(job: Job) -> Path | None:
    """The finished ZIP on disk, if the job is done and the file is still there."""
    if job.status != "done" or not job.result_path:
        return None
    path = jobs_dir() / job.result_path
    return path if path.is_file() else None
