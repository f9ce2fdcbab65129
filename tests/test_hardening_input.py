"""Bounded input: every value issue 13 found answering 500 now answers 4xx in Chinese and writes
nothing — years and dates out of range, ids beyond the database's integers, NUL bytes, a body of
5,000 nested ``[``, ``dues_base: 1e20``, a member joined before born, a 1 MB note."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from core import validation
from core.members.models import Member
from core.tenancy import use_tenant
from tests import test_api_client

api_as = test_api_client.api_as

U = "/api/v1/units/caizhengju"


@pytest.fixture
def unit(tenant, make_organization, make_member):
    b1 = make_organization(tenant, "b1", name="第一党支部")
    b1_id = b1.id
    member_id = make_member(b1, name="张三").id
    return {"tenant": tenant, "b1": b1_id, "member": member_id}


@pytest.fixture
def admin_api(unit, make_user, api_as):
    return api_as(make_user("unit_admin", unit["tenant"]))


def _members(db, tenant) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count(Member.id)))


def _member_body(unit, **extra):
    return {"organization_id": unit["b1"], "name": "李四", "status": "full", "joined_on": "2010-07-01", **extra}


def test_limits_are_one_definition():
    assert validation.check("x" * 51, "person_name") == "不能超过 50 个字符"
    assert validation.check("a\x00b", "note") == "不能包含空字符（NUL）"
    assert validation.check("100.5", "percent").startswith("须在 0 到 100")
    assert validation.check(1920, "year") == "年份须在 1921 到 2100 之间"
    assert validation.check(2025, "year") is None
    assert validation.check(dt.date(2101, 1, 1), "date").startswith("日期须在")
    assert validation.check("1e20", "money").startswith("须在")
    assert validation.check("abc", "money") == "须为数字"
    assert validation.check(25, "event_hours").startswith("须在 0 到 16")


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"name": "李\x00四"}, "name"),
        ({"note": "备" * 300_000}, "note"),  # 1.8 MB of JSON (\u5907 escapes), within MAX_JSON_LENGTH
        ({"dues_base": "1e20"}, "dues_base"),
        ({"dues_base": 1e20}, "dues_base"),
        ({"joined_on": "0001-01-01"}, "joined_on"),
        ({"birth_date": "2012-01-01"}, "joined_on"),  # joined (2010) before born
        ({"party_group_id": 2**31}, "party_group_id"),
        ({"party_group_id": 2**63}, "party_group_id"),
    ],
)
def test_bad_member_values_answer_422_and_write_nothing(unit, admin_api, db, extra, field):
    before = _members(db, unit["tenant"])
    response = admin_api.post(f"{U}/members", _member_body(unit, **extra))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    errors = response.get_json()["errors"]["json"]
    assert field in errors, errors
    assert all("\u4e00" <= ch <= "\u9fff" for ch in errors[field][0][:1]), errors
    assert _members(db, unit["tenant"]) == before


def test_flush_check_refuses_what_no_service_checked(unit, db):
    """The backstop: a row written past the services still meets its columns' bounds."""
    with use_tenant(unit["tenant"].id):
        member = db.session.get(Member, unit["member"])
        member.ethnicity = "汉\x00"
        with pytest.raises(validation.RecordError) as error:
            db.session.flush()
        assert error.value.errors == {"ethnicity": "不能包含空字符（NUL）"}
        db.session.rollback()


def test_nested_json_is_a_400(unit, admin_api):
    response = admin_api.client.post(
        f"{U}/members", data="[" * 5000, content_type="application/json",
        headers={"Authorization": f"Bearer {admin_api.token}"},
    )
    assert response.status_code == 400
    assert "JSON" in response.get_json()["message"] or "请求" in response.get_json()["message"]


@pytest.mark.parametrize(
    "text, too_deep",
    [
        ("[" * 32 + "]" * 32, False),
        ("[" * 33 + "]" * 33, True),
        ("[" * 5000, True),
        ('{"a": [{"b": [[1, 2]]}], "c": "]]]]"}', False),
        (json.dumps({"note": "[" * 100 + '\\"' + "{" * 100}), False),  # brackets and \" in a string
        (json.dumps({"note": "x" * 70_000 + "[" * 40, "b": [[1]]}), False),  # a string across chunks
        (json.dumps([[["a\\"] * 3]] * 3), False),
        ("[" * 20 + '"x"' + "]" * 20 + "[" * 33 + '{"a": 1}' + "]" * 33, True),
    ],
)
def test_json_depth_is_measured_outside_strings(text, too_deep):
    from core.security import json_too_deep

    assert json_too_deep(text.encode()) is too_deep


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"note": "x" * 1_000_000}),
        '"' + '\\"' * 500_000 + '"',
        '"a",' * 250_000,
        "[]" * 500_000,
        ("[" * 32 + "]" * 32) * 15_000,
    ],
    ids=["long-string", "escapes", "many-strings", "many-pairs", "deep-pairs"],
)
def test_json_depth_check_costs_memory_linear_in_the_body(body):
    """Found live: the check's former regular expression kept ~115 bytes per character of a
    string, so a 1 MB note took 115 MB of a gunicorn worker (a 12 MB body over a gigabyte)."""
    import tracemalloc

    from core.security import json_too_deep

    data = body.encode()
    tracemalloc.start()
    try:
        json_too_deep(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(data), f"{peak / len(data):.0f} bytes per byte of body"


def test_body_size_is_bounded(app, unit, admin_api):
    body = json.dumps(_member_body(unit, note="x" * (app.config["MAX_CONTENT_LENGTH"] + 10)))
    response = admin_api.client.post(
        f"{U}/members", data=body, content_type="application/json",
        headers={"Authorization": f"Bearer {admin_api.token}"},
    )
    assert response.status_code == 413


def test_json_body_is_bounded_before_parsing(app, unit, admin_api, db):
    """Parsed JSON costs up to ~25 times its size (12 MB of ``{},`` took 275 MB in a worker): a
    JSON body over ``MAX_JSON_LENGTH`` is a 413 in Chinese before anything parses it."""
    limit = app.config["MAX_JSON_LENGTH"]
    before = _members(db, unit["tenant"])
    for body in ("[" + "{}," * (limit // 3) + "{}]", json.dumps(_member_body(unit, note="x" * limit))):
        response = admin_api.client.post(
            f"{U}/members", data=body, content_type="application/json",
            headers={"Authorization": f"Bearer {admin_api.token}"},
        )
        assert response.status_code == 413, response.get_data(as_text=True)[:300]
        assert "太大" in response.get_json()["message"]
    assert _members(db, unit["tenant"]) == before


@pytest.mark.parametrize(
    "path",
    [
        f"{U}/members/{2**31}",
        f"{U}/members/{2**63}",
        f"{U}/members/{2**64 + 5}",
        f"{U}/members?organization_id={2**31}",
        f"{U}/members?organization_id={2**63}",
        f"{U}/members?page={2**31}",
        f"{U}/members?page={2**63}",
        f"{U}/members?page_size={2**63}",
        f"{U}/scorecards?year=0",
        f"{U}/scorecards?year=10000",
        f"{U}/scorecards/snapshots?year=0",
        f"{U}/training-records?year=0",
        f"{U}/training-records?year=10000",
        f"{U}/alerts?as_of=2000-01-01",
        f"{U}/alerts?as_of=0001-01-01",
        "/api/v1/jobs?status=foo",
        f"/api/v1/jobs/{2**63}",
    ],
)
def test_api_out_of_range_is_4xx(unit, admin_api, path):
    response = admin_api.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.get_data(as_text=True)[:300])
    message = response.get_json()["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_page_out_of_range_is_4xx(unit, make_user, login, client):
    login(make_user("unit_admin", unit["tenant"]))
    for path in (
        f"/units/caizhengju/members/{2**31}",
        f"/units/caizhengju/members/{2**63}",
        f"/units/caizhengju/events/{2**63}/edit",
        f"/units/caizhengju/branches/b1/members?page={2**63}",
        "/units/caizhengju?year=0",
        "/units/caizhengju?year=10000",
        f"/jobs/{2**63}",
    ):
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)


def test_patch_without_a_body_is_422(unit, admin_api):
    path = f"{U}/members/{unit['member']}"
    for response in (admin_api.patch(path, {}), admin_api.request("PATCH", path)):
        assert response.status_code == 422, response.get_data(as_text=True)
        assert "至少" in response.get_json()["errors"]["json"]["_schema"][0]


def test_score_save_from_the_shell_works_and_stores_cards(unit, runner, db):
    """Issue 13: on PostgreSQL ``score --save`` stored the cards, then failed reading them back."""
    from core.cli import main
    from core.scoring.models import Scorecard

    result = runner.invoke(main, ["score", "--tenant", "caizhengju", "--year", "2025", "--as-of", "2025-12-31", "--save"])
    assert result.exit_code == 0, result.output
    assert "第一党支部" in result.output
    with use_tenant(unit["tenant"].id):
        assert db.session.scalar(select(func.count(Scorecard.id))) == 1


def test_a_nul_byte_in_a_form_or_query_is_a_400_in_chinese(client, make_user, login):
    # Found by the every-form fuzzing on PostgreSQL: a NUL reached a lookup (host parameters) and
    # the database refused the query with a 500.
    login(make_user("host_admin"))
    before = client.get("/host/parameters").get_data(as_text=True)
    posted = client.post("/host/parameters", data={"key": "\x00", "value": "1"})
    assert posted.status_code == 400 and "不能包含空字符（NUL）" in posted.get_data(as_text=True)
    queried = client.get("/host/audit?actor=a\x00b")
    assert queried.status_code == 400 and "“actor”不能包含空字符（NUL）" in queried.get_data(as_text=True)
    assert client.get("/host/parameters").get_data(as_text=True) == before
