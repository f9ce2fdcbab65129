"""Every operation in the OpenAPI document is exercised by some API test.

The API tests call the API through :class:`tests.test_api_client.ApiClient`, which records each
(path, method) it calls. This module's name sorts after the other ``test_api_*`` modules, so in a
normal run it checks the record once they have all run; under xdist, tests/conftest.py keeps the
API modules together on one worker (``--dist loadgroup``). Run alone (nothing recorded) it cannot
judge, and skips saying why.
"""

from __future__ import annotations

import pytest

from tests.test_api_client import CALLED

#: Operations served by flask-smorest itself rather than by our views.
NOT_OURS = {("/api/v1/openapi.json", "get")}


def documented_operations(spec: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_documented_operation_has_a_test(app):
    if not CALLED:
        pytest.skip("未运行其他 API 测试 / run together with the other test_api_* modules")
    spec = app.extensions["branchmark_api"].spec.to_dict()
    missing = sorted(documented_operations(spec) - CALLED - NOT_OURS)
    assert not missing, "这些接口没有测试 / operations without a test: " + ", ".join(
        f"{method.upper()} {path}" for path, method in missing
    )


def test_the_recorder_sees_what_the_document_names(app):
    # Guard the guard: the recorder's path format must be the document's, or nothing matches.
    from tests.test_api_client import openapi_path

    assert openapi_path("/api/v1/units/<slug>/members/<int:record_id>") == "/api/v1/units/{slug}/members/{record_id}"
    spec = app.extensions["branchmark_api"].spec.to_dict()
    assert "/api/v1/units/{slug}/members/{record_id}" in spec["paths"]
