"""The demo county scores: planted gaps become the right deductions, alerts and states."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from core.cli import main
from core.demo import load_demo
from core.host.models import HostParameter, Tenant
from core.plugins.manager import get_registry
from core.scoring.alerts import unit_alerts
from core.scoring.county import rank_county
from core.scoring.models import Rectification, Scorecard, ScorecardIsImmutable
from core.scoring.services import score_unit, store_scorecards
from core.tenancy import host_scope, use_tenant

AS_OF = dt.date(2026, 11, 20)


@pytest.fixture
def demo(db):
    load_demo(as_of=AS_OF)
    return db


def _unit(db, slug: str) -> Tenant:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _branch(db, slug: str, code: str, year: int):
    outcome = score_unit(_unit(db, slug), year, get_registry(), as_of=AS_OF, branch_code=code)
    (branch,) = outcome.branches
    return branch.result


def test_planted_gaps_cost_the_right_points(demo):
    db = demo
    # cz-b2 missed 支委会 in 2025-03 and 2025-07: two missed months, each evidenced.
    committee = _branch(db, "caizheng", "cz-b2", 2025).item("life.committee_meeting")
    assert committee.status == "partial"
    assert [e.period for e in committee.evidence if e.period] == ["2025-03", "2025-07"]
    assert sum(1 for e in committee.evidence if e.record_id) == 10  # the meetings that were held
    assert "2025年3月" in committee.explanation and "2025年7月" in committee.explanation

    # nj-b1's term ended 2025-09-15 with no election since.
    term = _branch(db, "nongji", "nj-b1", 2025).item("org.term")
    assert term.score == 0 and "2025-09-15" in term.explanation

    # lx-b1: a member has paid nothing for six months (2026-05 … 2026-10).
    lapsed = _branch(db, "lvxin", "lx-b1", 2026).item("dues.lapsed")
    assert lapsed.score < lapsed.max
    assert [e.description for e in lapsed.evidence if e.member_id], lapsed.evidence
    # The on-time item names who and which months, not only the ratio.
    on_time = _branch(db, "lvxin", "lx-b1", 2026).item("dues.on_time")
    assert on_time.score < on_time.max
    assert "朱志强（2026-05、2026-06、2026-07、2026-08、2026-09、2026-10）" in [
        e.description for e in on_time.evidence
    ]

    # shichang 2025: 120k budgeted against 3.5% of 5.6M = 196k.
    funding = _branch(db, "shichang", "sc-b1", 2025).item("support.funding")
    assert funding.status in ("partial", "failed") and "196,000" in funding.explanation

    # sh-lh: three 六有 items unmet, named.
    facilities = _branch(db, "shehui", "sh-lh", 2026).item("support.facilities")
    assert {e.description for e in facilities.evidence} == {"未达到：有场所", "未达到：有设施", "未达到：有书报"}


def test_a_finding_caps_the_grade_and_an_honour_adds_points(demo):
    vetoed = _branch(demo, "shuiwu", "sw-b3", 2025)
    assert [v.id for v in vetoed.vetoes] == ["veto.weak_and_lax"]
    assert vetoed.grade == "二星" and vetoed.band_grade != "二星"  # the score stays, the grade is capped
    honoured = _branch(demo, "jikong", "jk-b1", 2025).item("bonus.honours")
    assert honoured.score == 1 and "全县先进基层党组织" in " ".join(e.description for e in honoured.evidence)


def test_young_branch_is_not_rated_and_well_kept_branches_are(demo):
    young = _branch(demo, "jiaotou", "jt-b3", 2026)
    assert young.status == "not_rated" and young.grade is None
    assert "成立不满1年" in young.not_rated_reason
    kept = _branch(demo, "jikong", "jk-b1", 2025)
    assert kept.status == "rated" and kept.grade is not None


def test_every_number_on_a_card_comes_with_its_source(demo):
    result = _branch(demo, "caizheng", "cz-b1", 2025)
    for item in result.items():
        assert item.explanation, item.id
        if item.kind != "bonus":
            assert item.citation is not None and item.citation.tag in ("V", "V-full", "L", "U"), item.id


def test_alerts_name_what_is_due(demo):
    registry = get_registry()
    lvxin = unit_alerts(_unit(demo, "lvxin"), AS_OF, registry)
    messages = [a.message for alerts in lvxin.values() for a in alerts]
    assert any("已连续6个月未交党费" in m for m in messages)
    assert any("“六有”未达标：有标志" in m for m in messages)
    nongji = unit_alerts(_unit(demo, "nongji"), AS_OF, registry)
    kinds = {(a.kind, a.level) for alerts in nongji.values() for a in alerts}
    assert ("election", "overdue") in kinds
    yizhong = unit_alerts(_unit(demo, "yizhong"), AS_OF, registry)
    assert any(
        a.kind == "development" and "郑雨桐" in a.message for alerts in yizhong.values() for a in alerts
    )


def test_stored_scorecards_are_snapshots_and_open_rectifications(demo):
    db = demo
    outcome = score_unit(_unit(db, "caizheng"), 2025, get_registry(), as_of=AS_OF)
    cards = store_scorecards(outcome, created_by="test")
    card_id = cards[1].id
    db.session.commit()
    with use_tenant(_unit(db, "caizheng").id):
        card = db.session.get(Scorecard, card_id)
        assert card.inputs["facts"]["period.year"] == 2025
        assert card.result["total"] == str(outcome.branches[1].result.total)
        tasks = db.session.scalars(select(Rectification).where(Rectification.organization_id == card.organization_id)).all()
        lost = [i.id for i in outcome.branches[1].result.items() if i.status in ("failed", "partial")]
        assert sorted(t.item_id for t in tasks) == sorted(lost)
        card.total = 100
        with pytest.raises(ScorecardIsImmutable):
            db.session.flush()
        db.session.rollback()


def test_county_ranking_applies_the_hosts_rules_and_the_quota(demo):
    db = demo
    ranking = rank_county(2025, get_registry(), as_of=AS_OF)
    ranked = [u for u in ranking.units if u.rank is not None]
    assert [u.outcomes for u in ranked[:6]] == [["表扬"]] * 6
    assert "约谈党组织书记" in ranked[-1].outcomes and "不得评先" in ranked[-3].outcomes
    rated = [b for b in ranking.branches if b.branch.result.status != "not_rated"]
    five_star = [b for b in rated if b.branch.result.grade == "五星"]
    assert len(five_star) <= int(0.3 * len(rated))
    # The rules are county data, not code: the host changes them, the outcome follows.
    with host_scope():
        row = db.session.scalar(select(HostParameter).where(HostParameter.key == "county.ranking_rules"))
        row.value = {"praise_top": 2, "bar_bottom": 1, "interview_bottom": 1}
        db.session.commit()
    again = rank_county(2025, get_registry(), as_of=AS_OF)
    praised = [u for u in again.units if "表扬" in u.outcomes]
    assert len(praised) == 2
    # So is the quota: a county that allows 10% five-star branches gets fewer of them.
    with host_scope():
        quota = db.session.scalar(select(HostParameter).where(HostParameter.key == "county.top_grade_quota"))
        quota.value = 0.1
        db.session.commit()
    tighter = rank_county(2025, get_registry(), as_of=AS_OF)
    stars = [b for b in tighter.branches if b.branch.result.grade == "五星"]
    assert 0 < len(stars) <= int(0.1 * len(rated)) < len(five_star)


def test_disabled_plugin_is_reported_not_scored(demo):
    db = demo
    unit = _unit(db, "minzheng")
    unit.plugin_enabled = False
    db.session.commit()
    outcome = score_unit(unit, 2025, get_registry(), as_of=AS_OF)
    assert outcome.branches == [] and "未启用单位类型插件" in outcome.not_scored_reason


def test_score_json_has_the_documented_shape(demo, runner):
    result = runner.invoke(
        main, ["score", "--tenant", "caizheng", "--year", "2025", "--as-of", AS_OF.isoformat(), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"tenant", "unit_type", "standard", "period", "branches"} <= set(data)
    assert data["standard"]["key"] == "organ-2025"
    branch = data["branches"][0]
    assert {"code", "name", "total", "max", "grade", "vetoes", "blocks"} <= set(branch)
    item = branch["blocks"][0]["items"][0]
    assert {"id", "title", "score", "max", "status", "explanation", "evidence", "citation"} <= set(item)
