"""Support for the API tests: a token client that records every API path it calls.

The paths called are kept in :data:`CALLED` so ``test_api_zz_openapi.py`` can fail when an
operation of the OpenAPI document was never exercised by any test. Import the fixtures from here
(``from tests.test_api_client import api_as, ...``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.exceptions import HTTPException

from core.accounts.models import User
from core.accounts.services import issue_token
from core.audit.models import AuditLog
from core.extensions import db
from core.tenancy import host_scope

#: (OpenAPI path, method) of every API request made by the tests in this process.
CALLED: set[tuple[str, str]] = set()
#: The operations the OpenAPI document names, filled by ``test_api_zz_openapi`` when it runs.
DOCUMENTED: set[tuple[str, str]] = set()


def openapi_path(rule: str) -> str:
    """Flask's ``/units/<slug>/x/<int:record_id>`` → OpenAPI's ``/units/{slug}/x/{record_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


class ApiClient:
    """A test client calling the API with one user's bearer token."""

    def __init__(self, app: Flask, token: str | None) -> None:
        self.app = app
        self.client = app.test_client()
        self.token = token

    def request(self, method: str, path: str, *, json_body: Any = None, headers: dict | None = None, **kwargs: Any):
        all_headers = dict(headers or {})
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body)
            kwargs["content_type"] = "application/json"
        response = self.client.open(path, method=method, headers=all_headers, **kwargs)
        self._record(method, path)
        return response

    def _record(self, method: str, path: str) -> None:
        adapter = self.app.url_map.bind("localhost")
        try:
            endpoint, _args = adapter.match(path.split("?")[0], method=method)
        except HTTPException:
            return
        for rule in self.app.url_map.iter_rules(endpoint):
            if method in (rule.methods or ()):
                CALLED.add((openapi_path(rule.rule), method.lower()))
                return

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any):
        return self.request("POST", path, json_body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any):
        return self.request("PATCH", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api_as(app: Flask, db) -> Callable[[User | None], ApiClient]:
    """``api_as(user)`` → a client with a fresh token of that user (``None``: no token)."""

    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient(app, None)
        token = issue_token(user, "tests")
        db.session.commit()
        return ApiClient(app, token)

    return make


def audit_rows(table: str, action: str | None = None) -> list[AuditLog]:
    """Audit rows written for ``table`` (the log is host-level: no unit needed)."""
    query = db.select(AuditLog).where(AuditLog.table_name == table).order_by(AuditLog.id)
    if action:
        query = query.where(AuditLog.action == action)
    with host_scope():  # the audit log has row-level security on PostgreSQL
        return list(db.session.scalars(query))
