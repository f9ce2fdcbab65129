"""Bounded fuzzing (hypothesis): whatever a form or the API receives, the answer is never a 5xx.

The examples are derandomised (the same ones every run) and few, so the test stays cheap; the
point is the kinds of value issue 13 found crashing workers: NUL bytes, huge numbers, odd dates,
very long text, the wrong type.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
