"""schemathesis over every operation of the API, as a host admin and as a branch secretary.

Each operation gets a bounded, derandomised run of generated requests — valid ones and invalid
ones — against a unit holding one row of every record kind (so reads by id find something), with
the unit's slug fixed (a random slug only ever meets the 404 of a missing unit). The run fails on
any 5xx and on any response the OpenAPI document does not describe: a body that violates its
schema, an undocumented content type or a missing declared header (``X-Pagination``).

It runs in the normal suite on SQLite and on PostgreSQL (``.ci/run`` runs both). The number of
examples per operation and mode is ``BRANCHMARK_SCHEMATHESIS_EXAMPLES`` (default 10); a deeper
run: ``BRANCHMARK_SCHEMATHESIS_EXAMPLES=100 pytest tests/test_hardening_schemathesis.py``.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.accounts.models import User
from core.accounts.services import issue_token
from core.extensions import db
from core.jobs.models import Job
from tests.records import every_record_ids
from tests.test_hardening_isolation import segment_table

EXAMPLES = int(os.environ.get("BRANCHMARK_SCHEMATHESIS_EXAMPLES", "10"))
SLUG = "caizhengju"  # the ``tenant`` fixture's unit
CHECKS = [negative_data_rejection, not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance, response_headers_conformance]


def _settings() -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        # Shrinking a failure would multiply the run; the report names the failing request.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _table(path: str) -> str:
    """The table behind the last path segment before ``{record_id}`` / ``{scorecard_id}``."""
    return segment_table(path.rstrip("/").split("/")[-2])


def run_operation(operation, headers: dict[str, str], fixed: list[dict[str, Any]]) -> set[str]:
    """Run one operation's bounded set of cases; the distinct failures, one text each.

    :param fixed: sets of path parameters to hold fixed (each also mixed with generated ones).
    """
    failures: set[str] = set()
    strategies = [
        operation.as_strategy(generation_mode=mode, path_parameters=parameters)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for parameters in fixed
    ]

    @_settings()
    @given(case=st.one_of(strategies))
    def check(case) -> None:
        db.session.remove()
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.add(f"{operation.label}: {failure.title}: {failure.message[:600]}")
        except Exception as error:  # noqa: BLE001 - collect every failure, report them together
            failures.add(f"{operation.label}: {type(error).__name__}: {str(error)[:600]}")

    check()
    return failures


@pytest.fixture
def unit(tenant, make_user):
    """The unit with one row of every record kind, its secretary sitting in that row's branch."""
    ids, code = every_record_ids(db.session, tenant.id, "甲")
    users = {
        "host": make_user("host_admin").id,
        "secretary": make_user("secretary", tenant, organization_code=code).id,
    }
    jobs = {}
    for role, user_id in users.items():
        job = Job(kind="bulk_scorecards", user_id=user_id, status="running", total=4, done=1,
                  params={"year": 2025}, started_at=dt.datetime(2026, 1, 5, 9, 30))
        db.session.add(job)
        db.session.commit()
        jobs[role] = job.id
    return ids, users, jobs


@pytest.mark.slow
@pytest.mark.parametrize("role", ["host", "secretary"])
def test_every_api_operation_answers_as_documented(app, unit, role):
    ids, users, jobs = unit
    token = issue_token(db.session.get(User, users[role]), "schemathesis")
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        path = operation.path
        if path.endswith("/openapi.json"):
            continue
        generated: dict[str, Any] = {"slug": SLUG} if "{slug}" in path else {}
        fixed = [generated]
        for name in ("record_id", "scorecard_id"):
            if f"{{{name}}}" in path:
                fixed.append({**generated, name: ids[_table(path)]})
        if "{job_id}" in path:
            fixed.append({"job_id": jobs[role]})
        if "{unit_slug}" in path:
            fixed.append({"unit_slug": SLUG})
        failures += sorted(run_operation(operation, headers, fixed))
    assert not failures, f"{len(failures)} 处不符 / failures:\n" + "\n\n".join(failures[:60])
