"""The county page over stored results: the figures counted in SQL agree with the ranking read
in Python (quota included), and the branch ranking filters, pages and downloads on the server."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert

from core.db import utcnow
from core.plugins.manager import get_registry
from core.scoring.county import BranchFilter, rank_stored, stored_overview
from core.scoring.models import LiveResult, LiveState
from core.tenancy import host_scope
from core.timezone import local_today
from core.web import views

#: (unit, unit type, branches: (code, status, total, grade)). Ten rated branches, so the top
#: grade's 30 % quota leaves 3 places; six hold 五星 and the fourth of them ties at 95 with
#: the second and third, so every 95 loses its place (the tie rule) and only 98 keeps 五星.
COUNTY = [
    ("unit-a", "organ", [("A1", "rated", "98", "五星"), ("A2", "rated", "95", "五星"),
                         ("A3", "rated", "80", "三星"), ("A4", "not_rated", "40", None)]),
    ("unit-b", "organ", [("B1", "rated", "95", "五星"), ("B2", "rated", "91", "五星"),
                         ("B3", "rated", "70", "二星")]),
    ("unit-c", "soe", [("C1", "rated", "95", "五星"), ("C2", "provisional", "90", "五星"),
                       ("C3", "rated", "85", "四星"), ("C4", "rated", "60", "一星")]),
]


@pytest.fixture
def stored_county(db, make_tenant, make_organization):
    """Three units whose stored live results are written as given (fresh: nothing re-scores)."""
    now = utcnow()
    units, rows = {}, []
    for slug, unit_type, branches in COUNTY:
        tenant = make_tenant(slug, unit_type=unit_type, name=f"{slug}单位")
        units[slug] = tenant
        for code, status, total, grade in branches:
            organization = make_organization(tenant, code=code, name=f"{code}党支部")
            rows.append({
                "tenant_id": tenant.id, "organization_id": organization.id, "year": local_today().year,
                "as_of": local_today(), "standard_key": unit_type, "standard_version": "2025",
                "status": status, "total": Decimal(total), "max": Decimal(100), "grade": grade,
                "summary": {"blocks": []}, "lost": [], "alerts": 0, "overdue": 0, "computed_at": now,
            })
    with host_scope():
        # Creating the branches marked their units stale: the results below are their present.
        db.session.execute(delete(LiveState.__table__))
        db.session.execute(insert(LiveState.__table__), [
            {"tenant_id": t.id, "stale": False, "queued": False, "generation": 0, "computed_at": now, "as_of": local_today()}
            for t in units.values()
        ])
        db.session.execute(insert(LiveResult.__table__), rows)
    db.session.commit()
    return units


def _overview_rows(overview) -> dict:
    with host_scope():
        from core.extensions import db

        rows = db.session.execute(overview.branch_rows(BranchFilter())).all()
    return {(r.unit_slug, r.code): (r.rank, r.rank_in_type, r.total, r.grade) for r in rows}


def _ranking_rows(ranking) -> dict:
    return {
        (b.tenant.slug, b.branch.organization.code): (b.rank, b.rank_in_type, b.branch.result.total, b.branch.result.grade)
        for b in ranking.branches
    }


def _units(units) -> list:
    return [(u.tenant.slug, u.score, u.rank, u.rank_in_type, u.grades, u.outcomes) for u in units]


@pytest.mark.parametrize("scope", [None, ["unit-a", "unit-b"]], ids=["county", "organ-scope"])
def test_the_figures_counted_in_sql_are_the_ranking_read_in_python(stored_county, scope):
    registry = get_registry()
    ids = None if scope is None else [stored_county[slug].id for slug in scope]
    overview = stored_overview(registry, today=local_today(), tenant_ids=ids)
    ranking, freshness = rank_stored(registry, today=local_today(), tenant_ids=ids)
    assert _units(overview.units) == _units(ranking.units)
    assert overview.distribution == ranking.distribution
    assert overview.distribution_by_type == ranking.distribution_by_type
    assert _overview_rows(overview) == _ranking_rows(ranking)
    assert not overview.freshness.recomputing and not freshness.recomputing


def test_the_quota_cut_demotes_everyone_tied_at_it(stored_county):
    overview = stored_overview(get_registry(), today=local_today())
    grades = {key: row[3] for key, row in _overview_rows(overview).items()}
    assert grades[("unit-a", "A1")] == "五星"
    assert {grades[k] for k in [("unit-a", "A2"), ("unit-b", "B1"), ("unit-c", "C1"), ("unit-b", "B2")]} == {"四星"}
    assert overview.distribution["五星"] == 1 and overview.distribution["不参加评定"] == 1
    assert overview.statuses == {"rated": 9, "provisional": 1, "not_rated": 1}
    organ = overview.types["organ"]
    assert (organ.units, organ.branches, organ.rated, organ.mean) == (2, 7, 6, Decimal("88.17"))


def _table(page: str, css_class: str) -> str:
    start = page.index(f'class="grid {css_class}"')
    return page[start : page.index("</table>", start)]


def test_the_branch_ranking_lists_the_weakest_first_and_filters_on_the_server(
    client, login, make_user, stored_county
):
    login(make_user("host_admin", username="county-host"))
    table = _table(client.get("/county").get_data(as_text=True), "branches-ranking")
    codes = [code for _, _, branches in COUNTY for code, *_ in branches]
    order = sorted(codes, key=lambda code: table.index(f">{code}党支部<"))
    assert order[:4] == ["C4", "B3", "A3", "C3"] and order[-1] == "A4"  # not rated last

    filtered = _table(client.get("/county?type=organ&grade=四星").get_data(as_text=True), "branches-ranking")
    assert ">A2党支部<" in filtered and ">B1党支部<" in filtered and ">B2党支部<" in filtered
    assert ">C1党支部<" not in filtered and ">A1党支部<" not in filtered
    # Places stay the county's: B2 (91) is fifth in the county (98, then three 95s), fourth
    # among organs.
    at = filtered.index(">B2党支部<")
    row = filtered[filtered.rindex("<tr", 0, at) : at]
    assert '<td class="num">5</td>' in row and '<td class="num">4</td>' in row

    found = _table(client.get("/county?q=C3").get_data(as_text=True), "branches-ranking")
    assert ">C3党支部<" in found and ">C4党支部<" not in found


def test_the_ranking_pages_keep_the_filters(client, login, make_user, stored_county, monkeypatch):
    monkeypatch.setattr(views, "BRANCHES_PER_PAGE", 2)
    login(make_user("host_admin", username="county-host"))
    page = client.get("/county?type=organ&order=best").get_data(as_text=True)
    assert "第 1 / 4 页，共 7 条" in page
    table = _table(page, "branches-ranking")
    assert ">A1党支部<" in table and ">A3党支部<" not in table
    assert "page=2" in page and "type=organ" in page[page.index("page=2") - 200 : page.index("page=2") + 200]
    second = _table(client.get("/county?type=organ&order=best&page=4").get_data(as_text=True), "branches-ranking")
    assert ">A4党支部<" in second  # the not-rated branch closes the list


def test_a_filter_value_the_page_does_not_offer_is_named_and_ignored(client, login, make_user, stored_county):
    login(make_user("host_admin", username="county-host"))
    response = client.get("/county?grade=七星&status=whatever&order=sideways")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "筛选条件“等级”的值“七星”无效，已忽略。" in page
    assert "筛选条件“评定状态”的值“whatever”无效，已忽略。" in page
    assert "筛选条件“排序”的值“sideways”无效，已忽略。" in page
    assert ">C1党支部<" in _table(page, "branches-ranking")  # unfiltered
    assert client.get("/county?page=abc&unit_page=-3").status_code == 200


def test_the_filtered_branches_download_whole_as_csv(client, login, make_user, stored_county):
    login(make_user("supervisor", username="organ-dudao", scope_unit_types=["organ"]))
    response = client.get("/county/branches.csv?grade=四星")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["名次", "类型内名次", "单位"]
    # In the organ scope (6 rated, 1 place): A1 keeps 五星; A2, B1 (95) and B2 (91) are 四星.
    assert sorted(r[4] for r in rows[1:]) == ["A2党支部", "B1党支部", "B2党支部"]
    assert {r[6] for r in rows[1:]} == {"四星"}


def test_unit_users_cannot_download_the_county_list(client, login, make_user, stored_county):
    login(make_user("unit_admin", stored_county["unit-a"], username="a-admin"))
    assert client.get("/county/branches.csv").status_code == 403


def test_a_past_year_scored_live_filters_and_pages_the_same_way(client, login, make_user, stored_county, monkeypatch):
    monkeypatch.setattr(views, "BRANCHES_PER_PAGE", 3)
    login(make_user("host_admin", username="county-host"))
    page = client.get(f"/county?year={local_today().year - 1}&type=soe&order=best").get_data(as_text=True)
    table = _table(page, "branches-ranking")
    assert ">C1党支部<" in table and ">A1党支部<" not in table
    assert "第 1 / 2 页，共 4 条" in page
    found = _table(client.get(f"/county?year={local_today().year - 1}&q=b2").get_data(as_text=True), "branches-ranking")
    assert ">B2党支部<" in found and ">B1党支部<" not in found  # the name matched whatever its case
