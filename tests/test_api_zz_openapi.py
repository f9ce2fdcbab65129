"""Every operation in the OpenAPI document is exercised by some API test.

The API tests call the API through :class:`tests.test_api_client.ApiClient`, which records each
(path, method) it calls. In one process this module's name sorts after the other ``test_api_*``
modules, so it checks the record once they have all run. Under xdist the calls are spread over
the workers: each worker hands its record to the controller, and tests/conftest.py makes the same
check there at the session's end (:func:`missing_operations`), failing the run if one is missing.
Run alone (nothing recorded) it cannot judge, and skips saying why.
"""

from __future__ import annotations

import os

import pytest

from tests.test_api_client import CALLED, DOCUMENTED

#: Operations served by flask-smorest itself rather than by our views.
NOT_OURS = {("/api/v1/openapi.json", "get")}


def documented_operations(spec: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def missing_operations(documented: set[tuple[str, str]], called: set[tuple[str, str]]) -> list[str]:
    """The documented operations no test called, as ``METHOD /path``."""
    return [f"{method.upper()} {path}" for path, method in sorted(documented - called - NOT_OURS)]


def test_every_documented_operation_has_a_test(app):
    spec = app.extensions["branchmark_api"].spec.to_dict()
    DOCUMENTED.update(documented_operations(spec))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("在测试结束时由主进程汇总检查 / checked by the xdist controller at the session's end")
    if not CALLED:
        pytest.skip("未运行其他 API 测试 / run together with the other test_api_* modules")
    missing = missing_operations(DOCUMENTED, CALLED)
    assert not missing, "这些接口没有测试 / operations without a test: " + ", ".join(missing)


def test_the_recorder_sees_what_the_document_names(app):
    # Guard the guard: the recorder's path format must be the document's, or nothing matches.
    from tests.test_api_client import openapi_path

    assert openapi_path("/api/v1/units/<slug>/members/<int:record_id>") == "/api/v1/units/{slug}/members/{record_id}"
    spec = app.extensions["branchmark_api"].spec.to_dict()
    assert "/api/v1/units/{slug}/members/{record_id}" in spec["paths"]
