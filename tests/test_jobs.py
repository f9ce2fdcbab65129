"""Bulk "download all": the job end to end on the demo county, resuming, access and the page."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

import pytest
from huey.consumer import Consumer
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.demo import load_demo
from core.host.models import Tenant
from core.jobs import bulk
from core.jobs.models import Job
from core.jobs.queue import get_huey
from core.jobs.services import resume_interrupted_jobs, start_bulk_job
from core.organizations.models import Organization
from core.plugins.manager import get_registry
from core.reports import render
from core.scoring.models import Scorecard
from core.scoring.services import score_units
from core.tenancy import host_scope, use_tenant

YEAR = 2026
AS_OF = dt.date(2026, 11, 20)  # the demo county's as-of day
#: Two small units of the demo county: one branch each, so a job renders four PDFs.
SCOPE = ("minzheng", "nongji")


@pytest.fixture
def app_config(tmp_path):
    return {"HUEY_IMMEDIATE": True, "JOBS_DIR": str(tmp_path / "jobs")}


@pytest.fixture
def demo(app, db):
    load_demo()


def _tenants(db, slugs) -> list[Tenant]:
    return list(
        db.session.scalars(select(Tenant).where(Tenant.slug.in_(slugs)).order_by(Tenant.slug))
    )


@pytest.fixture
def supervisor(demo, db, make_user):
    return make_user("supervisor", scope_tenants=_tenants(db, SCOPE))


def _job(db, job_id: int) -> Job:
    db.session.expire_all()
    with host_scope():
        return db.session.get(Job, job_id)


def _scorecard_count(db, organization_id: int, tenant_id: int) -> int:
    with use_tenant(tenant_id):
        return db.session.scalar(
            select(func.count(Scorecard.id)).where(Scorecard.organization_id == organization_id)
        )


def _branches(db) -> list[SimpleNamespace]:
    """The scope's branches as plain values (ORM rows would expire outside the host scope)."""
    with host_scope():
        rows = db.session.execute(
            select(Organization.id, Organization.tenant_id, Organization.code, Organization.name)
            .join(Tenant, Tenant.id == Organization.tenant_id)
            .where(Tenant.slug.in_(SCOPE), Organization.kind.in_(("branch", "joint_branch")))
            .order_by(Organization.code)
        ).all()
    return [SimpleNamespace(id=r.id, tenant_id=r.tenant_id, code=r.code, name=r.name) for r in rows]


def _zip_from(client, job_id: int) -> zipfile.ZipFile:
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    data = response.data
    response.close()  # send_file streams from an open file
    return zipfile.ZipFile(io.BytesIO(data))


def test_bulk_job_renders_the_scope_into_one_zip_with_an_index(app, db, client, login, supervisor):
    job = start_bulk_job(supervisor, YEAR, AS_OF)

    job = _job(db, job.id)
    assert job.status == "done", job.error
    branches = _branches(db)
    # A card per branch, a summary per unit and the roll-up of the supervisor's scope.
    assert job.total == len(branches) + len(SCOPE) + 1
    assert job.done == job.total

    login(supervisor)
    archive = _zip_from(client, job.id)
    names = archive.namelist()
    assert names[0] == "index.xlsx"
    pdfs = [n for n in names if n.endswith(".pdf")]
    assert len(pdfs) == job.total
    for name in pdfs:
        assert archive.read(name).startswith(b"%PDF")
    for branch in branches:
        assert any(n.endswith(f"{branch.code}_{branch.name}.pdf") for n in pdfs)
    assert "00_范围汇总.pdf" in pdfs

    sheet = load_workbook(io.BytesIO(archive.read("index.xlsx"))).active
    header = [c.value for c in sheet[1]]
    assert header == [
        "单位",
        "单位类型",
        "支部代码",
        "支部名称",
        "得分",
        "满分",
        "等级",
        "状态",
        "文件名",
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 20
    rows = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    by_code = {r["支部代码"]: r for r in rows if r["支部代码"]}
    assert set(by_code) == {b.code for b in branches}
    assert {r["文件名"] for r in rows} == set(pdfs)

    # Each row is the scorecard the PDF was rendered from, and the score a fresh scoring gives.
    fresh = {
        b.organization.id: b.result
        for outcome in score_units(_tenants(db, SCOPE), YEAR, get_registry(), as_of=AS_OF)
        for b in outcome.branches
    }
    for branch in branches:
        row = by_code[branch.code]
        with use_tenant(branch.tenant_id):
            card = db.session.scalars(
                select(Scorecard)
                .where(Scorecard.organization_id == branch.id)
                .order_by(Scorecard.id.desc())
            ).first()
        assert card is not None
        assert Decimal(str(row["得分"])) == card.total == fresh[branch.id].total
        assert Decimal(str(row["满分"])) == card.max
        assert (row["等级"] or None) == card.grade
        assert row["单位"] in {"桐溪县民政局", "桐溪县农业技术推广中心"}


def test_download_all_button_starts_a_job_for_the_users_scope(app, db, client, login, supervisor):
    login(supervisor)
    home = client.get("/").get_data(as_text=True)
    assert "下载全部评分表" in home

    response = client.post("/jobs/bulk-scorecards", data={"year": str(YEAR)})
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    job = _job(db, job_id)
    assert job.user_id == supervisor.id
    assert sorted(job.params["tenant_ids"]) == sorted(t.id for t in _tenants(db, SCOPE))
    assert job.params["county"] is False  # the whole county's roll-up is the host admin's
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'href="/jobs/{job_id}/download"' in page


def test_unit_users_cannot_start_a_bulk_job(app, db, client, login, demo, make_user):
    unit_admin = make_user("unit_admin", tenant=_tenants(db, ["minzheng"])[0])
    login(unit_admin)
    assert client.post("/jobs/bulk-scorecards", data={"year": str(YEAR)}).status_code == 403
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_page_shows_a_progress_bar_that_polls(app, db, client, login, make_user):
    user = make_user("supervisor", scope_unit_types=["organ"])
    job = Job(
        kind="bulk_scorecards",
        status="running",
        user_id=user.id,
        params={"year": YEAR},
        total=10,
        done=4,
    )
    db.session.add(job)
    db.session.commit()
    login(user)

    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<progress id="job-progress" value="4" max="10">' in page
    assert "4 / 10" in page and "进行中" in page
    assert '<meta http-equiv="refresh"' in page  # no JavaScript: the page reloads itself
    assert f"/jobs/{job.id}.json" in page  # with JavaScript: it polls this
    state = client.get(f"/jobs/{job.id}.json").get_json()
    assert state == {
        "id": job.id,
        "status": "running",
        "status_label": "进行中",
        "total": 10,
        "done": 4,
        "percent": 40,
        "error": None,
        "finished": False,
        "download_url": None,
    }
    assert client.get(f"/jobs/{job.id}/download").status_code == 404  # not finished yet


def test_another_users_job_is_refused(app, db, client, login, make_user):
    owner = make_user("supervisor", scope_unit_types=["organ"])
    other = make_user("supervisor", scope_unit_types=["organ"])
    admin = make_user("host_admin")
    job = Job(
        kind="bulk_scorecards",
        status="done",
        user_id=owner.id,
        params={"year": YEAR},
        total=1,
        done=1,
    )
    db.session.add(job)
    db.session.commit()

    login(other)
    for url in (f"/jobs/{job.id}", f"/jobs/{job.id}.json", f"/jobs/{job.id}/download"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "您没有权限" in response.get_data(as_text=True) or response.is_json
    assert f"#{job.id}" not in client.get("/jobs/").get_data(as_text=True)

    client.post("/logout")
    login(admin)
    assert client.get(f"/jobs/{job.id}.json").status_code == 200
    assert client.get("/jobs/999999").status_code == 404


# ---------------------------------------------------------------- a worker stopped mid-way


class _QuietConsumer(Consumer):
    """A consumer run from a test: signal handlers belong to the test runner."""

    def _set_signal_handlers(self) -> None:
        pass


def test_interrupted_job_resumes_without_rendering_finished_cards(
    app, db, tmp_path, supervisor, monkeypatch
):
    # A real (SQLite) queue this time: tasks wait until a worker takes them.
    app.config.update(HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=str(tmp_path / "huey.db"))
    app.extensions.pop("huey", None)
    huey = get_huey(app)
    # Count the branch cards the real renderer is asked for, by branch code.
    renders: Counter[str] = Counter()
    real_render = render.render_branch_pdf

    def counted(tenant, organization, *args, **kwargs):
        renders[organization.code] += 1
        return real_render(tenant, organization, *args, **kwargs)

    monkeypatch.setattr(render, "render_branch_pdf", counted)

    job = start_bulk_job(supervisor, YEAR, AS_OF)
    assert _job(db, job.id).status == "queued"

    # The first worker plans the job, renders the roll-up and the first unit's chunk, then dies:
    # the last chunk, queued but not taken, is lost with it (the queue is emptied).
    huey.execute(huey.dequeue())  # plan
    plan = bulk._load_plan(job.id)
    assert len(huey) == len(plan["chunks"]) == len(SCOPE) + 1
    huey.execute(huey.dequeue())  # the scope's roll-up
    huey.execute(huey.dequeue())  # the first unit
    huey.flush()
    job = _job(db, job.id)
    assert job.status == "running" and 0 < job.done < job.total
    unit_chunk = next(
        i for i, chunk in enumerate(plan["chunks"]) if plan["cards"][chunk[0]]["kind"] == "unit"
    )
    finished = [
        plan["cards"][n] for n in plan["chunks"][unit_chunk] if plan["cards"][n]["kind"] == "branch"
    ]
    assert finished and bulk._chunk_marker(job.id, unit_chunk).exists()
    # It died after writing its cards but before marking the chunk done (and, for one card,
    # between writing the PDF and its index row): the chunk runs again.
    bulk._chunk_marker(job.id, unit_chunk).unlink()
    bulk._row_path(job.id, finished[0]).unlink()
    assert bulk._card_path(job.id, finished[0]).exists()
    assert renders == Counter(c["branch_code"] for c in finished)

    # A new worker starts: unfinished jobs are queued again and two workers share the rest.
    db.session.remove()
    assert resume_interrupted_jobs() == [job.id]
    consumer = _QuietConsumer(
        huey, workers=2, worker_type="thread", periodic=False, initial_delay=0.01, max_delay=0.05
    )
    consumer.start()
    try:
        deadline = time.monotonic() + 120
        while _job(db, job.id).status not in ("done", "failed") and time.monotonic() < deadline:
            db.session.remove()
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    job = _job(db, job.id)
    assert job.status == "done", job.error
    assert job.done == job.total

    # Every branch card was rendered once: those finished before the restart were not redone …
    assert renders == Counter(c["branch_code"] for c in plan["cards"] if c["kind"] == "branch")
    # … and the ZIP still holds every card.
    with zipfile.ZipFile(bulk.result_file(job)) as archive:
        assert sorted(n for n in archive.namelist() if n.endswith(".pdf")) == sorted(
            c["file"] for c in plan["cards"]
        )
