"""Bounded fuzzing (hypothesis): whatever a form or the API receives, the answer is never a 5xx.

The examples are derandomised (the same ones every run) and few, so the test stays cheap; the
point is the kinds of value issue 13 found crashing workers: NUL bytes, huge numbers, odd dates,
very long text, the wrong type.
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.accounts.models import ApiToken
from tests import test_api_client

api_as = test_api_client.api_as

FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Text a clumsy user or an attacker might send.
TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from("\x00=+-@\t\r'\"<>&"), max_size=10),
    st.just("长" * 2100),
)
#: Anything JSON can carry.
JSON_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False), TEXT, st.lists(st.integers(), max_size=3),
)
DATE_TEXT = st.one_of(st.dates().map(str), TEXT, st.sampled_from(["0000-00-00", "2025-02-30", "10000-01-01"]))


@pytest.fixture
def unit(tenant, make_organization):
    return {"tenant": tenant, "b1": make_organization(tenant, "b1", name="第一党支部").id}


def test_api_member_create_never_answers_5xx(unit, make_user, api_as):
    client = api_as(make_user("unit_admin", unit["tenant"]))

    @FUZZ
    @given(
        name=TEXT, joined_on=DATE_TEXT, dues_base=JSON_VALUE, party_group_id=JSON_VALUE,
        note=JSON_VALUE, birth_date=DATE_TEXT,
    )
    def check(name, joined_on, dues_base, party_group_id, note, birth_date):
        body = {
            "organization_id": unit["b1"], "name": name, "status": "full", "joined_on": joined_on,
            "dues_base": dues_base, "party_group_id": party_group_id, "note": note, "birth_date": birth_date,
        }
        response = client.post("/api/v1/units/caizhengju/members", body)
        assert response.status_code < 500, (body, response.get_data(as_text=True)[:300])

    check()


def test_member_form_never_answers_5xx(unit, make_user, login, client):
    login(make_user("unit_admin", unit["tenant"]))

    @FUZZ
    @given(
        name=TEXT, joined_on=DATE_TEXT, dues_base=TEXT, ethnicity=TEXT, party_group_id=TEXT,
        organization_id=st.one_of(TEXT, st.integers(min_value=-(2**70), max_value=2**70).map(str)),
    )
    def check(name, joined_on, dues_base, ethnicity, party_group_id, organization_id):
        form = {
            "organization_id": organization_id, "name": name, "status": "full", "joined_on": joined_on,
            "dues_base": dues_base, "ethnicity": ethnicity, "party_group_id": party_group_id,
            "dues_category": "employed",
        }
        response = client.post("/units/caizhengju/members/new", data=form)
        assert response.status_code < 500, (form, response.status_code)

    check()


# --- every page form --------------------------------------------------------------------------

#: Forms whose successful answer is a page (200) rather than a redirect, with the tables they write.
WRITES_ANSWERED_200 = {"/account/tokens": {"api_token", "audit_log"}}
_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.S)
#: Names a form may hold that the generated values never set (the CSRF token is off in tests).
_NOT_FUZZED = {"csrf_token"}


def _form_routes(app) -> list:
    """Every page route that accepts a POST (the API is schemathesis's)."""
    return [
        rule for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
        and rule.rule not in ("/login", "/logout")
    ]


def _own_url(rule, ids: dict[str, int], code: str) -> str:
    from tests.test_hardening_isolation import PARAM_TABLES, WORDS, _build, segment_table

    values = {}
    for name in rule.arguments:
        if name == "slug":
            values[name] = "caizhengju"
        elif name == "code":
            values[name] = code
        elif name in PARAM_TABLES:
            values[name] = ids[PARAM_TABLES[name]]
        elif name == "record_id":
            segment = rule.rule.split("/<int:record_id>")[0].rsplit("/", 1)[-1]
            values[name] = ids["finding"] if segment.startswith("<any") else ids[segment_table(segment)]
        elif name == "kind":
            values[name] = "findings" if "<any(" in rule.rule else "members"
        elif name in ("user_id", "tenant_id", "token_id", "job_id"):
            values[name] = ids[name]
        else:
            values[name] = WORDS[name]
    return _build(rule, values)


#: Fewer examples per form than for the member API: there are some ninety forms, and each example
#: fingerprints every table twice. ``BRANCHMARK_FORM_FUZZ_EXAMPLES`` deepens a local run.
FORM_FUZZ = settings(FUZZ, max_examples=int(os.environ.get("BRANCHMARK_FORM_FUZZ_EXAMPLES", "4")))
#: A value a form field might receive from a clumsy user or an attacker.
FORM_VALUE = st.one_of(
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "-1", "2025-02-30", "2025-03-05", "1e20", "NaN", "yes", "on", "full", "theme_day"]),
)


@pytest.fixture
def form_world(tenant, make_user):
    from core.accounts.services import issue_token
    from core.extensions import db
    from core.jobs.models import Job
    from tests.records import every_record_ids

    ids, code = every_record_ids(db.session, tenant.id, "甲方")
    host = make_user("host_admin", username="fuzz-host")
    admin = make_user("unit_admin", tenant, username="fuzz-admin")
    issue_token(admin, "fuzz")
    job = Job(kind="bulk_scorecards", user_id=host.id, status="done", params={"year": 2025})
    db.session.add(job)
    db.session.commit()
    ids.update(user_id=admin.id, tenant_id=tenant.id, job_id=job.id,
               token_id=db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == admin.id)))
    return ids, code


def _fuzz_form(client, owner_engine, problems: list[str], username: str, url: str, path: str, names: list[str], fresh) -> None:
    """POST generated values to one form: never a 5xx, and an answer that is not a redirect
    (the form shown again with its errors, or a 4xx) leaves every table as it was."""
    from tests.row_hashes import changed_tables, table_hashes

    # One fingerprint per example: the one taken after the previous answer is this one's "before".
    known = {"hashes": table_hashes(owner_engine)}

    @FORM_FUZZ
    @given(data=st.fixed_dictionaries({name: FORM_VALUE for name in names[:40]}))
    def check(data) -> None:
        fresh()
        response = client.post(url, data=data)
        fresh()
        before, known["hashes"] = known["hashes"], table_hashes(owner_engine)
        if response.status_code >= 500:
            problems.append(f"{username} POST {url}: {response.status_code} {data}")
            return
        if response.status_code in (301, 302, 303):
            return  # accepted: a write is what the user asked for
        changed = changed_tables(before, known["hashes"])
        if changed and not set(changed) <= WRITES_ANSWERED_200.get(path, set()):
            problems.append(f"{username} POST {url}: {response.status_code} yet changed {changed}: {data}")

    check()


@pytest.mark.slow
def test_every_page_form_never_answers_5xx_and_bad_values_change_nothing(app, client, owner_engine, form_world):
    from flask import g

    from core.extensions import db
    from tests.conftest import TEST_PASSWORD

    ids, code = form_world
    problems: list[str] = []
    forms = 0

    def fresh() -> None:
        g.pop("_login_user", None)
        db.session.remove()

    for username in ("fuzz-admin", "fuzz-host"):
        fresh()
        client.post("/logout")
        fresh()
        assert client.post("/login", data={"username": username, "password": TEST_PASSWORD}).status_code == 302
        for rule in _form_routes(app):
            if username == "fuzz-admin" and not rule.rule.startswith("/units/"):
                continue  # the host's pages are fuzzed as the host
            url = _own_url(rule, ids, code)
            fresh()
            page = client.get(url) if "GET" in rule.methods else None
            html = page is not None and page.status_code == 200 and page.mimetype == "text/html"
            names = sorted(set(_FIELD.findall(page.get_data(as_text=True))) - _NOT_FUZZED) if html else []
            names = names or ["name", "organization_id", "member_id", "year", "note", "reason", "item_id", "decision"]
            forms += 1

            _fuzz_form(client, owner_engine, problems, username, url, rule.rule, names, fresh)
    assert forms > 50
    assert not problems, "\n".join(problems[:40])
