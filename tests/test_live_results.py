"""Stored live results: a write marks the unit stale, one job brings it up to date, reads see it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.events.models import Event
from core.extensions import db as _db
from core.jobs.queue import get_huey
from core.plugins.manager import get_registry
from core.scoring import live
from core.scoring.county import rank_county, rank_stored
from core.scoring.models import Honour, LiveResult, LiveState
from core.scoring.services import score_unit
from core.tenancy import host_scope, use_tenant
from core.timezone import local_today
from tests import test_api_client

#: The shared fixture (a client with a token of the given user).
api_as = test_api_client.api_as



def _state(tenant_id: int) -> LiveState | None:
    _db.session.expire_all()
    with use_tenant(tenant_id):
        return _db.session.scalar(select(LiveState))


def _stored_totals(tenant) -> dict[str, str]:
    outcomes, _ = live.stored_outcomes([tenant], get_registry(), today=local_today())
    return {b.organization.code: str(b.result.total) for b in outcomes[0].branches}


def _live_totals(tenant) -> dict[str, str]:
    outcome = score_unit(tenant, local_today().year, get_registry(), as_of=local_today())
    return {b.organization.code: str(b.result.total) for b in outcome.branches}


def _hold_meetings(tenant_id: int, organization_id: int, kinds: tuple[str, ...]) -> None:
    """Meetings of every month so far and an honour, one commit each (a burst of writes)."""
    with use_tenant(tenant_id):
        for month in range(1, local_today().month + 1):
            for kind in kinds:
                _db.session.add(
                    Event(organization_id=organization_id, kind=kind, held_on=dt.date(local_today().year, month, 1), topic="学习")
                )
                _db.session.commit()
        # A county honour: bonus points, so the burst certainly changes the score.
        _db.session.add(
            Honour(organization_id=organization_id, year=local_today().year, name="先进基层党组织", level="county",
                   awarded_on=local_today(), awarded_by="县委")
        )
        _db.session.commit()


@pytest.fixture
def unit(tenant, make_organization, make_member):
    branch = make_organization(tenant, code="B01", name="机关第一党支部")
    branch_id = branch.id  # read now: on PostgreSQL an expired row reloads only inside its unit
    for name in ("张喆", "李明", "王珺"):
        make_member(branch, name=name)
    return tenant, branch_id


@pytest.fixture
def queued(app, tmp_path):
    """A real (SQLite) queue that only runs when the test says so, and the ``queue`` mode."""
    app.config.update(LIVE_RESULTS_MODE="queue", HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=str(tmp_path / "huey.db"))
    app.extensions.pop("huey", None)
    return get_huey(app)


def test_a_write_marks_the_unit_stale_in_its_transaction_and_one_job_brings_it_up_to_date(db, unit, queued):
    tenant, branch_id = unit
    live.refresh([tenant.id], get_registry(), today=local_today())
    db.session.commit()
    before = _stored_totals(tenant)
    assert before == _live_totals(tenant)
    assert not _state(tenant.id).stale

    _hold_meetings(tenant.id, branch_id, ("committee_meeting", "theme_day", "party_lesson"))
    state = _state(tenant.id)
    assert state.stale and state.queued and state.stale_since is not None
    assert queued.pending_count() == 1  # many writes, one job
    assert _live_totals(tenant) != before  # the meetings do change the score …
    outcomes, freshness = live.stored_outcomes([tenant], get_registry(), today=local_today())
    assert {b.organization.code: str(b.result.total) for b in outcomes[0].branches} == before  # … not yet read
    assert freshness.recomputing

    queued.execute(queued.dequeue())  # the worker runs the job
    assert queued.pending_count() == 0
    assert not _state(tenant.id).stale
    after, freshness = live.stored_outcomes([tenant], get_registry(), today=local_today())
    assert {b.organization.code: str(b.result.total) for b in after[0].branches} == _live_totals(tenant)
    assert not freshness.recomputing and freshness.computed_at is not None


def test_a_write_that_fails_queues_nothing_and_marks_nothing(db, unit, queued):
    tenant, branch_id = unit
    live.refresh([tenant.id], get_registry(), today=local_today())
    db.session.commit()
    with use_tenant(tenant.id):
        db.session.add(Event(organization_id=branch_id, kind="theme_day", held_on=local_today(), topic="学习"))
        db.session.flush()
        db.session.rollback()
    assert not _state(tenant.id).stale
    assert queued.pending_count() == 0


def test_without_a_worker_the_next_read_rescores_the_stale_unit(db, unit):
    tenant, branch_id = unit
    assert live.mode() == "sync"  # no queue configured: the read brings the unit up to date
    first = _stored_totals(tenant)  # nothing stored yet: scored on read
    assert first == _live_totals(tenant)
    _hold_meetings(tenant.id, branch_id, ("theme_day",))
    assert _state(tenant.id).stale
    assert _stored_totals(tenant) == _live_totals(tenant) != first
    assert not _state(tenant.id).stale


def test_a_unit_parameter_change_marks_the_unit_stale_and_queues_its_rescore(db, unit, queued):
    from core.authoring.services import set_unit_parameter

    tenant, _ = unit
    registry = get_registry()
    live.refresh([tenant.id], registry, today=local_today())
    db.session.commit()
    set_unit_parameter(tenant, registry.unit_type("organ").parameter("training_hours_member"), "40")
    db.session.commit()
    assert _state(tenant.id).stale and queued.pending_count() == 1
    queued.execute(queued.dequeue())
    assert not _state(tenant.id).stale
    assert _stored_totals(tenant) == _live_totals(tenant)


def test_the_stored_ranking_is_the_live_ranking(db, unit, other_tenant, make_organization, make_member):
    tenant, branch_id = unit
    theirs = make_organization(other_tenant, code="B01", name="水务集团第一党支部")
    make_member(theirs)
    _hold_meetings(tenant.id, branch_id, ("theme_day",))
    stored, freshness = rank_stored(get_registry(), today=local_today())
    scored = rank_county(local_today().year, get_registry(), as_of=local_today())
    assert stored.to_dict() == scored.to_dict()
    assert not freshness.recomputing
    with host_scope():
        assert db.session.scalar(select(LiveResult.id).limit(1)) is not None


def test_the_api_lists_the_stored_results_and_says_when_they_were_computed(
    db, unit, make_user, api_as
):
    tenant, branch_id = unit
    admin = api_as(make_user("unit_admin", tenant))
    response = admin.get("/api/v1/units/caizhengju/scorecards/current")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["year"] == local_today().year and not body["recomputing"] and body["computed_at"]
    [row] = body["branches"]
    assert row["code"] == "B01" and row["total"] == _live_totals(tenant)["B01"]
    assert row["lost"] and {"id", "title", "score", "max", "status"} <= set(row["lost"][0])
    assert "evidence" not in row["lost"][0]  # a list, not a card
    secretary = api_as(make_user("secretary", tenant, organization_code="B01"))
    assert [b["code"] for b in secretary.get("/api/v1/units/caizhengju/scorecards/current").get_json()["branches"]] == ["B01"]


def _numbers(outcomes) -> dict:
    """Everything a ranking shows of each branch: totals, grades, statuses, each item's points."""
    return {
        (o.tenant.slug, b.organization.code): (
            b.result.total, b.result.max, b.result.grade, b.result.band_grade, b.result.status,
            b.result.grade_reasons, b.result.not_rated_reason,
            [(blk.id, blk.score, blk.max) for blk in b.result.blocks],
            [(i.id, i.score, i.max, i.status, i.explanation) for i in b.result.items()],
        )
        for o in outcomes
        for b in o.branches
    }


def _ranking_equals_full(db, year: int, as_of: dt.date) -> int:
    from core.host.models import Tenant
    from core.scoring.services import score_units

    with host_scope():
        tenants = list(db.session.scalars(select(Tenant).order_by(Tenant.slug)))
    registry = get_registry()
    full = score_units(tenants, year, registry, as_of=as_of)
    ranking = score_units(tenants, year, registry, as_of=as_of, evidence=False)
    assert _numbers(ranking) == _numbers(full)
    def listed(outcomes) -> int:
        return sum(len(i.evidence) for o in outcomes for b in o.branches for i in b.result.items())

    # The full pass lists the records; the ranking pass builds only what a score counts.
    assert listed(full) > 2 * listed(ranking)
    return len(_numbers(full))


def test_the_ranking_pass_and_the_full_pass_agree_on_the_demo_county(app, db):
    from core.demo import load_demo

    summary = load_demo()
    assert _ranking_equals_full(db, summary.as_of.year, summary.as_of) >= 20


def test_the_ranking_pass_and_the_full_pass_agree_on_a_generated_county(app, db):
    from benchmarks.generate import Options, generate_county

    options = Options(units=6, seed=7, units_per_batch=3)
    generate_county(options, report=lambda line: None)
    assert _ranking_equals_full(db, options.year, options.as_of) >= 6


def test_results_of_an_earlier_day_show_as_recomputing_until_the_daily_pass(db, unit, queued):
    tenant, _ = unit
    live.refresh([tenant.id], get_registry(), today=local_today() - dt.timedelta(days=1))
    db.session.commit()
    outcomes, freshness = live.stored_outcomes([tenant], get_registry(), today=local_today())
    assert freshness.recomputing and outcomes[0].branches[0].result.on == local_today() - dt.timedelta(days=1)
    assert live.daily_pass(get_registry()) == 1
    outcomes, freshness = live.stored_outcomes([tenant], get_registry(), today=local_today())
    assert not freshness.recomputing and outcomes[0].branches[0].result.on == local_today()
