"""Job pages: start a bulk download, watch its progress bar, fetch the ZIP."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.extensions import db
from core.jobs.bulk import may_download, result_file, scope_covers, user_scope
from core.jobs.models import JOB_KINDS, JOB_STATUSES, Job
from core.jobs.services import (
    BULK_LEDGERS,
    ZIP_KINDS,
    JobNotAllowed,
    can_view_job,
    start_bulk_job,
    visible_jobs_query,
)
from core.timezone import local_today
from core.vocabulary import label

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

#: Seconds between refreshes of a job page without JavaScript.
REFRESH_SECONDS = 3


@bp.app_context_processor
def _bulk_defaults() -> dict:
    # The "download all" form on the landing page proposes the current year.
    return {"bulk_year": local_today().year}


def _job_or_404(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if not can_view_job(current_user, job):
        abort(403)
    return job


def _requested_year_and_day() -> tuple[int, dt.date]:
    """The year asked for (default: this year) and the day its records are read on."""
    today = local_today()
    try:
        year = int(request.form.get("year") or today.year)
    except ValueError:
        abort(400)
    if not 2000 <= year <= today.year:
        abort(400)
    # A past year is read as it ended; the current one as of today.
    return year, min(today, dt.date(year, 12, 31))


@bp.post("/bulk-scorecards")
@login_required
def start_bulk_scorecards():
    year, as_of = _requested_year_and_day()
    try:
        job = start_bulk_job(current_user, year, as_of)
    except JobNotAllowed:
        abort(403)
    flash(_("已开始生成全部评分表，完成后可在此页下载。"), "info")
    return redirect(url_for("jobs.show", job_id=job.id))


def _finished_zip(job: Job) -> bool:
    return job.status == "done" and job.kind in ZIP_KINDS


def job_state(job: Job) -> dict:
    """What the progress bar shows (the page and its JSON share it)."""
    return {
        "id": job.id,
        "status": job.status,
        "status_label": label(JOB_STATUSES, job.status),
        "total": job.total,
        "done": job.done,
        "percent": job.percent,
        "error": job.error,
        "finished": job.status in ("done", "failed"),
        # The scope is checked again now: a narrowed scope gets no link (the page says why).
        "download_url": url_for("jobs.download", job_id=job.id)
        if _finished_zip(job) and may_download(job, current_user)
        else None,
    }


@bp.get("/")
@login_required
def index():
    jobs = db.session.scalars(visible_jobs_query(current_user).limit(50)).all()
    scopes: dict[str, object] = {}  # read once per kind for the whole list

    def covered(job: Job) -> bool:
        if job.kind not in scopes:
            scopes[job.kind] = user_scope(current_user, job.kind)
        return scope_covers(scopes[job.kind], job)

    return render_template(
        "jobs/list.html",
        jobs=jobs,
        statuses=JOB_STATUSES,
        kinds=JOB_KINDS,
        downloadable={job.id for job in jobs if _finished_zip(job) and covered(job)},
    )


@bp.get("/<int:job_id>")
@login_required
def show(job_id: int):
    job = _job_or_404(job_id)
    bar = job_state(job)
    return render_template(
        "jobs/show.html",
        job=job,
        kind_label=label(JOB_KINDS, job.kind),
        state=bar,
        refresh_seconds=REFRESH_SECONDS,
        # A finished ZIP the user's narrowed scope no longer covers: said, not handed out.
        scope_narrowed=_finished_zip(job) and bar["download_url"] is None,
        out_of_scope_units=job.params.get("out_of_scope_units") or [],
    )


@bp.get("/<int:job_id>.json")
@login_required
def state(job_id: int):
    return jsonify(job_state(_job_or_404(job_id)))


@bp.get("/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _job_or_404(job_id)
    path = result_file(job)
    if path is None:
        abort(404)
    if not may_download(job, current_user):
        message = _("您的查看范围已变更，这个压缩包含有已不在您范围内的单位，不能下载。请重新生成。")
        return render_template("error.html", code=403, message=message), 403
    year = job.params.get("year")
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=_("工作台账-%(year)s-%(id)s.zip", year=year, id=job.id)
        if job.kind == BULK_LEDGERS
        else _("评分表-%(year)s-%(id)s.zip", year=year, id=job.id),
    )
