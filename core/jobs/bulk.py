"""Bulk "download all": every scorecard of a scope rendered by workers, then one ZIP with an index.

A job runs as three kinds of task:

1. **plan** — fixes the list of cards (every branch of the scope, each unit's summary, the
   roll-up of the scope — the whole county for a host admin), writes it to ``plan.json`` in the
   job's folder, sets the job's total, adds one chunk row per unit (large units split) and
   queues the chunks, so several workers share them;
2. **chunk** — taken under a lease (:mod:`core.jobs.progress`); checks the requester's scope
   again, scores its unit once and renders its cards from that one result, storing nothing.
   Each PDF is written under a temporary name and linked into place, so a file that exists is
   complete; then the card's index row is linked into place the same way — the row marks the
   card finished, and of two workers that finish the same card exactly one counts it;
3. **finish** — once every chunk is done, writes ``index.xlsx`` and the ZIP.

A worker that dies loses at most the cards it was rendering: its lease runs out, the chunk is
queued again for the remaining workers (finished files are skipped), and a worker that starts
queues the plan of every unfinished job again.

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
from sqlalchemy import select

from core.accounts.access import visible_tenants_query
from core.accounts.models import User
from core.accounts.services import account_usable
from core.db import utcnow
from core.extensions import db
from core.host.models import Tenant
from core.jobs import progress
from core.jobs.archive import (
    INDEX_COLUMNS,
    INDEX_NAME,
    LEDGER_INDEX_COLUMNS,
    safe_name,
    write_index,
    write_zip,
)
from core.jobs.models import Job
from core.metrics import BRANCH_KINDS, Period
from core.organizations.models import Organization
from core.plugins.manager import UnknownUnitType, get_registry
from core.reports import render as reports
from core.reports.snapshots import BranchSource, UnitSources, unit_sources
from core.tenancy import host_scope, use_tenant
from core.vocabulary import SCORECARD_STATUSES, label

log = logging.getLogger(__name__)

PLAN_TASK = "bulk_scorecards.plan"
CHUNK_TASK = "bulk_scorecards.chunk"
FINISH_TASK = "bulk_scorecards.finish"
#: Branch cards per chunk: a big unit is split so two workers share it and a graceful stop
#: waits for at most this many cards.
CHUNK_SIZE = 20

#: Roles that may download every scorecard of their scope at once (DESIGN.md: people).
BULK_ROLES = ("host_admin", "supervisor")
#: The job kind that prints every branch's yearly 台账 (:mod:`core.ledger`) of a unit instead.
LEDGER_KIND = "bulk_ledgers"
#: Roles that may have a unit's 台账 in bulk: unit admins too, for their own unit.
LEDGER_ROLES = (*BULK_ROLES, "unit_admin")

#: Queues a task by name with its arguments (given by the task module).
Enqueue = Callable[..., None]


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


# ---------------------------------------------------------------- scope


def user_scope(user: User | None, kind: str | None = None) -> set[int] | None:
    """The units whose cards ``user`` may have now: ``None`` for the whole county (host admins),
    an empty set for someone who may no longer download (deactivated, another role, deleted).

    :param kind: the job's kind; a unit admin may have their own unit's 台账 (``bulk_ledgers``).
    """
    roles = LEDGER_ROLES if kind == LEDGER_KIND else BULK_ROLES
    if user is None or not account_usable(user) or user.role not in roles:
        return set()
    if user.role == "host_admin":
        return None
    if user.role == "unit_admin":
        return {user.tenant_id} if user.tenant_id is not None else set()
    return set(db.session.scalars(visible_tenants_query(user).with_only_columns(Tenant.id)))


def requester_scope(job: Job) -> set[int] | None:
    """:func:`user_scope` of the user who started the job, read again now."""
    with host_scope():
        user = db.session.get(User, job.user_id) if job.user_id is not None else None
        return user_scope(user, job.kind)


def requester_sees_personal_data(job: Job) -> bool:
    """Whether the requester's role reads ID and phone numbers in full (a 台账 prints them)."""
    with host_scope():
        user = db.session.get(User, job.user_id) if job.user_id is not None else None
        return user is not None and user.role in current_app.config.get("PERSONAL_DATA_ROLES", ())


def _within(scope: set[int] | None, tenant_ids: list[int] | None) -> list[int] | None:
    """``tenant_ids`` (``None``: the county) narrowed to ``scope`` (``None``: no limit)."""
    if scope is None:
        return tenant_ids
    return sorted(scope if tenant_ids is None else scope.intersection(tenant_ids))


def included_units(job: Job) -> list[int] | None:
    """The units a finished job's ZIP holds cards of (``None``: the whole county's roll-up)."""
    if "included_tenant_ids" in job.params:
        return job.params["included_tenant_ids"]
    return None if job.params.get("county") else list(job.params.get("tenant_ids") or [])


def scope_covers(scope: set[int] | None, job: Job) -> bool:
    """Whether a :func:`user_scope` still covers every unit in the job's ZIP."""
    if scope is None:
        return True
    included = included_units(job)
    return included is not None and set(included) <= scope


def may_download(job: Job, user: User) -> bool:
    """Whether ``user`` may have the job's ZIP now: every unit in it is still in their scope.

    A supervisor whose scope was narrowed after the job ran does not get the old units.
    """
    return scope_covers(user_scope(user, job.kind), job)


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


def build_plan(job: Job) -> dict[str, Any]:
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

    ledgers = job.kind == LEDGER_KIND
    if not ledgers:
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
        # A 台账 prints records, not scores: a unit that is not scored still has one.
        reason = None if ledgers else _not_scored_reason(tenant)
        own = branches.get(tenant.id, [])
        if reason is None and not own:
            reason = _("没有党支部")
        if reason is not None:
            skipped.append({**unit_info, "reason": reason})
            continue
        folder = f"{safe_name(tenant.slug)}_{safe_name(tenant.name)}"
        first = [] if ledgers else [
            add(
                {**unit_info, "kind": "unit", "file": f"{folder}/00_{safe_name(_('单位汇总'))}.pdf"}
            )
        ]
        numbers = [
            add(
                {
                    **unit_info,
                    "kind": "ledger" if ledgers else "branch",
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


def plan_job(job_id: int, enqueue: Enqueue) -> None:
    """Fix the job's cards (or reuse the plan of an earlier start) and queue the chunks left.

    Queued again when a worker starts: chunks nobody holds are queued again (a duplicate finds
    its chunk taken or done and returns), chunks whose holder died are reclaimed first.
    """
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
            plan = build_plan(job)
            _write_atomically(plan_file, json.dumps(plan, ensure_ascii=False).encode("utf-8"))
        finished = sum(1 for card in plan["cards"] if _row_path(job_id, card).exists())
        job.status = "running"
        job.started_at = job.started_at or utcnow()
        job.total = len(plan["cards"])
        job.done = finished
        db.session.commit()
    if not progress.queue_chunks(job_id, CHUNK_TASK, len(plan["chunks"]), enqueue):
        enqueue(FINISH_TASK, job_id)


# ---------------------------------------------------------------- chunk


def _row_path(job_id: int, card: dict[str, Any]) -> Path:
    return job_folder(job_id) / "rows" / f"{card['no']}.json"


class ChunkPrinter:
    """Prints the cards of one chunk: the chunk's unit is scored once, on first need, and its
    summary and every branch card are printed from that one result. Nothing is stored.
    """

    def __init__(self, period: Period, *, show_personal: bool = False) -> None:
        self.period = period
        #: A 台账 prints ID and phone numbers in full only for a role that reads them so.
        self.show_personal = show_personal
        self.registry = get_registry()
        self._sources: dict[int, UnitSources] = {}
        self._tenants: dict[int, Tenant] = {}
        self._ledger_rows: dict[tuple[int, str], dict[str, Any]] = {}

    def _tenant(self, tenant_id: int) -> Tenant:
        if tenant_id not in self._tenants:
            with host_scope():
                self._tenants[tenant_id] = db.session.get(Tenant, tenant_id)
        return self._tenants[tenant_id]

    def sources(self, tenant_id: int) -> UnitSources:
        """The unit's results (stored scorecards, else live), computed once per chunk."""
        if tenant_id not in self._sources:
            tenant = self._tenant(tenant_id)
            self._sources[tenant_id] = unit_sources(
                tenant, self.period.year, self.registry, as_of=self.period.as_of
            )
        return self._sources[tenant_id]

    def source(self, card: dict[str, Any]) -> BranchSource | None:
        """The result a branch card prints (``None`` for summaries, or a branch without one)."""
        if card["kind"] != "branch":
            return None
        return self.sources(card["tenant_id"]).branch(card["branch_code"])

    def ledger_row(self, card: dict[str, Any]) -> dict[str, Any]:
        """A 台账's own index columns (:meth:`core.ledger.build.Ledger.index_row`), from the ledger
        its PDF printed; built again when the PDF was printed by an earlier run of the chunk.

        :raises ReportUnavailable: no such branch any more (the index says why).
        """
        key = (card["tenant_id"], card["branch_code"])
        if key not in self._ledger_rows:
            self._render(card)
            db.session.rollback()
        return self._ledger_rows[key]

    def pdf(self, card: dict[str, Any]) -> bytes:
        """One card's PDF.

        :raises ReportUnavailable: nothing to print for this card (the index says why).
        """
        pdf = self._render(card).pdf()
        db.session.rollback()  # reading only: end the transaction before the next card
        return pdf

    def _render(self, card: dict[str, Any]) -> reports.RenderedReport:
        year, as_of = self.period.year, self.period.as_of
        if card["kind"] == "county":
            with host_scope():
                report = reports.render(
                    "county", None, year, as_of=as_of, scope=card["tenant_ids"], registry=self.registry
                )
        elif card["kind"] == "ledger":
            tenant = self._tenant(card["tenant_id"])
            with use_tenant(tenant.id):
                report = reports.render(
                    "ledger",
                    tenant,
                    year,
                    card["branch_code"],
                    registry=self.registry,
                    show_personal=self.show_personal,
                )
            self._ledger_rows[(card["tenant_id"], card["branch_code"])] = report.ledger.index_row()
        else:
            tenant = self._tenant(card["tenant_id"])
            with use_tenant(tenant.id):
                report = reports.render(
                    card["kind"],
                    tenant,
                    year,
                    card.get("branch_code"),
                    as_of,
                    registry=self.registry,
                    sources=self.sources(tenant.id),
                )
        return report


def _out_of_scope() -> str:
    """A card's index status when its unit left the requester's scope while the job ran."""
    return _("已不在您的查看范围内，未生成")


def render_chunk(job_id: int, number: int, enqueue: Enqueue) -> None:
    """Render the chunk's cards not finished yet, then queue the finish when every chunk is done.

    The chunk is taken under a lease kept alive while it renders; a chunk finished, or held by
    a live worker, is left alone. A card is finished when its index row is on disk; the row is
    written after the PDF, so a PDF found without its row (a worker stopped between the two) is
    not rendered again.
    """
    if not progress.job_is_running(job_id):
        return
    lease = progress.claim(job_id, number)
    if lease is None:
        return
    plan = _load_plan(job_id)
    with host_scope():
        job = db.session.get(Job, job_id)
        printer = ChunkPrinter(_period(job), show_personal=requester_sees_personal_data(job))
        # The requester's scope now, not when the job started: a narrowed scope drops units.
        scope = requester_scope(job)
    db.session.commit()
    with progress.kept_alive(lease):
        for index in plan["chunks"][number]:
            card = plan["cards"][index]
            if _row_path(job_id, card).exists():
                continue  # finished before a restart
            row = _render_card(job_id, card, printer, scope)
            if _link_into_place(_row_path(job_id, card), json.dumps(row, ensure_ascii=False).encode()):
                progress.count_done(job_id)
            if lease.lost or not progress.job_is_running(job_id):
                return  # another worker has the chunk now, or the job failed elsewhere
        if not lease.finish():
            return
    if not progress.chunks_left(job_id):
        db.session.remove()
        enqueue(FINISH_TASK, job_id)


def _render_card(
    job_id: int, card: dict[str, Any], printer: ChunkPrinter, scope: set[int] | None
) -> dict[str, Any]:
    """Render one card into the job's folder (unless its PDF is there) and return its index row."""
    path = _card_path(job_id, card)
    if card["kind"] == "county":
        card = {**card, "tenant_ids": _within(scope, card["tenant_ids"])}
    elif scope is not None and card["tenant_id"] not in scope:
        return index_row(card, None, unavailable=_out_of_scope())
    try:
        if not path.exists():
            _link_into_place(path, printer.pdf(card))
        if card["kind"] == "ledger":
            return index_row(card, None, ledger=printer.ledger_row(card))
        return index_row(card, printer.source(card))
    except reports.ReportUnavailable as error:
        return index_row(card, None, unavailable=str(error))


def index_row(
    card: dict[str, Any],
    source: BranchSource | None,
    *,
    unavailable: str | None = None,
    ledger: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The card's line in ``index.xlsx``: a branch's from the result its PDF printed, a 台账's
    from the ledger its PDF printed (``ledger``: its :meth:`~core.ledger.build.Ledger.index_row`)."""
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
        # Not a column: the units whose cards the file holds (the download checks them).
        "units": None if unavailable else (
            card["tenant_ids"] if card["kind"] == "county" else [card["tenant_id"]]
        ),
    }
    if card["kind"] == "county":
        row.update(unit=card["title"], status=unavailable or _("汇总"))
    elif card["kind"] == "unit":
        row.update(branch_name=_("单位汇总"), status=unavailable or _("汇总"))
    elif card["kind"] == "ledger":
        row["status"] = unavailable or _("工作台账")
        row.update(ledger or {})
    elif unavailable:
        row["status"] = unavailable
    elif source is not None:
        result = source.result
        status = str(label(SCORECARD_STATUSES, result.get("status", "")))
        row.update(
            total=str(result.get("total")),
            max=str(result.get("max")),
            grade=result.get("grade") or "",
            # A live result is not the assessment's record: the index says so, as the card does.
            status=_("%(status)s（实时评分，未存档）", status=status) if source.live else status,
        )
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
    what = "ledgers" if job.kind == LEDGER_KIND else "scorecards"
    return f"{what}-{job.params['year']}-job{job.id}.zip"


def finish_job(job_id: int) -> None:
    """Write the index and the ZIP, then mark the job done (a second call does nothing)."""
    with host_scope():
        job = db.session.get(Job, job_id)
        if job is None or job.status != "running":
            return
        name = zip_name(job)
        columns = LEDGER_INDEX_COLUMNS if job.kind == LEDGER_KIND else INDEX_COLUMNS
    plan = _load_plan(job_id)
    folder = job_folder(job_id)
    index = folder / INDEX_NAME
    rows = index_rows(job_id, plan)
    write_index(rows, index, columns)
    write_zip(
        folder / name,
        index,
        (
            (_card_path(job_id, card), card["file"])
            for card, row in zip(plan["cards"], rows, strict=False)
            if row["file"]  # nothing printed for the others (the index says why)
        ),
    )
    included: set[int] = set()
    whole_county = False
    for row in rows:
        if row["file"] and row.get("units") is None:
            whole_county = True
        included.update(row.get("units") or ())
    with host_scope():
        job = db.session.get(Job, job_id)
        if job.status != "running":
            return
        job.params = {
            **job.params,
            "included_tenant_ids": None if whole_county else sorted(included),
            "out_of_scope_units": sorted(
                {r["unit"] for r in rows if r["status"] == _out_of_scope()}
            ),
        }
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
