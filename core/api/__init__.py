"""The JSON API under ``/api/v1`` (flask-smorest): units' records, scorecards, alerts and jobs.

:func:`init_app` is the one call the app factory makes. It builds the :class:`Api`, registers one
blueprint per resource group, answers every error under ``/api/v1`` as JSON with Chinese
messages, and serves the OpenAPI document (``/api/v1/openapi.json``) and a documentation page
rendered on the server from it (``/api/v1/docs``), so the docs need no CDN and no network.
See ``docs/api.md``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from core.api.auth import before_api_request
from core.api.schemas import TRANSLATED_MESSAGES
from core.extensions import csrf

PREFIX = "/api/v1"

#: Chinese text for each status, used when a view gave no message of its own.
STATUS_MESSAGES = {
    400: _l("请求有误"),
    401: _l("需要登录或 API 令牌"),
    403: _l("没有权限"),
    404: _l("不存在"),
    405: _l("不支持此请求方法"),
    409: _l("与现有记录冲突"),
    413: _l("上传的内容太大"),
    415: _l("不支持的内容类型，请以 JSON 提交"),
    422: _l("提交的数据有误，未保存任何内容"),
    429: _l("请求过于频繁，请稍后再试"),
    500: _l("服务器出错了，请稍后再试"),
}


class Api(SmorestApi):
    """flask-smorest's Api, with its error handler bound to the API blueprints only.

    The stock handler is registered app-wide for every ``HTTPException``; the pages keep their
    own Chinese HTML error pages, so the JSON handler is attached per API blueprint instead.
    """

    def _register_error_handlers(self) -> None:
        return None

    def handle_http_exception(self, error: HTTPException):
        return json_error(error)


def json_error(error: HTTPException):
    """An error as JSON: smorest's shape, with a Chinese ``message`` and translated field errors."""
    payload: dict[str, Any] = {"code": error.code, "status": error.name}
    headers: dict[str, str] = {}
    data = getattr(error, "data", None) or {}
    payload["message"] = str(data.get("message") or STATUS_MESSAGES.get(error.code or 500, STATUS_MESSAGES[500]))
    errors = data.get("errors") or data.get("messages")
    if errors:
        payload["errors"] = _translate(errors)
    if data.get("headers"):
        headers = data["headers"]
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return payload, error.code, headers


def _translate(errors: Any) -> Any:
    """Chinese for the few English messages of schemas smorest builds itself (pagination)."""
    if isinstance(errors, dict):
        return {key: _translate(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [_translate(value) for value in errors]
    if isinstance(errors, str):
        return TRANSLATED_MESSAGES.get(errors, errors)
    return errors


#: Status codes the app answers with HTML pages; API blueprints answer them as JSON first.
_JSON_CODES = (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500)


def _blueprints() -> list[tuple[Blueprint, str]]:
    """(blueprint, URL prefix) of every resource group, in documentation order."""
    from core.api import (
        alerts,
        appraisals,
        committees,
        development,
        development_records,
        documents,
        dues,
        events,
        facilities,
        findings,
        funding,
        jobs,
        mass,
        members,
        organizations,
        publicity,
        scorecards,
        staffing,
        training,
        transfers,
        units,
    )

    unit = f"{PREFIX}/units/<slug>"
    return [
        (units.blp, f"{PREFIX}/units"),
        (organizations.blp, f"{unit}/organizations"),
        (committees.terms_blp, f"{unit}/terms"),
        (committees.groups_blp, f"{unit}/party-groups"),
        (committees.seats_blp, f"{unit}/committee-seats"),
        (members.blp, f"{unit}/members"),
        (transfers.periods_blp, f"{unit}/members"),
        (transfers.blp, f"{unit}/transfers"),
        (transfers.county_blp, f"{PREFIX}/transfers"),
        (events.blp, f"{unit}/events"),
        (training.blp, f"{unit}/training-records"),
        (dues.blp, f"{unit}/dues-payments"),
        (funding.blp, f"{unit}/funding-records"),
        (staffing.blp, f"{unit}/staff-posts"),
        (facilities.blp, f"{unit}/facility-checks"),
        (appraisals.blp, f"{unit}/appraisals"),
        (development.blp, f"{unit}/development-cases"),
        (development_records.records_blp, f"{unit}/development-records"),
        (development_records.decisions_blp, f"{unit}/probation-decisions"),
        (documents.blp, f"{unit}/party-documents"),
        (publicity.blp, f"{unit}/publicity-reports"),
        (mass.organizations_blp, f"{unit}/mass-organizations"),
        (mass.activities_blp, f"{unit}/mass-activities"),
        (findings.findings_blp, f"{unit}/findings"),
        (findings.honours_blp, f"{unit}/honours"),
        (findings.kinds_blp, f"{PREFIX}/finding-kinds"),
        (scorecards.blp, f"{unit}/scorecards"),
        (alerts.blp, f"{unit}/alerts"),
        (jobs.blp, f"{PREFIX}/jobs"),
    ]


SLUG_PARAMETER = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "单位代码 / unit slug",
    "schema": {"type": "string"},
}


def init_app(app: Flask) -> Api:
    """Create the API on ``app`` and register every resource group.

    :returns: the :class:`Api`, also in ``app.extensions["branchmark_api"]``.
    """
    app.config.setdefault("API_TITLE", "Branchmark API · 党支部标准化规范化建设平台")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearerAuth": []}, {"cookieAuth": []}],
            "info": {"description": "见 docs/api.md / see docs/api.md"},
        },
    )
    api = Api(app)
    for blp, prefix in _blueprints():
        # Token requests need no CSRF token; session writes are checked in before_api_request.
        csrf.exempt(blp)
        _prepare(blp)
        parameters = [SLUG_PARAMETER] if "<slug>" in prefix else None
        api.register_blueprint(blp, url_prefix=prefix, parameters=parameters)
    _declare_pagination_header(api)
    app.register_blueprint(_docs_blueprint(api))
    app.extensions["branchmark_api"] = api
    return api


def _declare_pagination_header(api: Api) -> None:
    """``X-Pagination`` is a JSON text: declare it with ``content`` (OpenAPI 3), not as an object."""
    headers = api.spec.components.headers
    if "PAGINATION" in headers:
        headers["PAGINATION"] = {
            "description": "分页信息（JSON 文本）/ Pagination metadata as JSON text",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PaginationMetadata"}}},
        }


def _prepare(blp) -> None:
    """Authentication and JSON errors on a blueprint, once (blueprints outlive each app)."""
    if getattr(blp, "_branchmark_prepared", False):
        return
    blp.before_request(before_api_request)
    _json_errors(blp)
    blp._branchmark_prepared = True


def _json_errors(blp) -> None:
    for code in _JSON_CODES:
        blp.register_error_handler(code, json_error)
    blp.register_error_handler(HTTPException, json_error)


def _docs_blueprint(api: Api) -> FlaskBlueprint:
    """The documentation page and JSON 404/405 for unknown paths under ``/api/v1``."""
    bp = FlaskBlueprint("api_docs_page", __name__, url_prefix=PREFIX)
    csrf.exempt(bp)
    _json_errors(bp)

    @bp.get("/docs")
    def docs():
        """The API reference, rendered from the OpenAPI document on the server (works offline)."""
        spec = api.spec.to_dict()
        return render_template("api/docs.html", spec=spec, operations=_operations(spec))

    @bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unknown(anything: str):
        # Routed here so the answer is JSON; a real path with the wrong method is a 405.
        adapter = current_app.url_map.bind_to_environ(request.environ)
        allowed = []
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            try:
                endpoint, _args = adapter.match(method=method)
            except (NotFound, MethodNotAllowed):
                continue
            if endpoint != "api_docs_page.unknown":
                allowed.append(method)
        if allowed:
            raise MethodNotAllowed(valid_methods=allowed)
        raise NotFound()

    return bp


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """(path, method, operation) in document order, for the docs page."""
    rows = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            rows.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "operation": operation,
                    "parameters": shared + operation.get("parameters", []),
                    "tag": (operation.get("tags") or [""])[0],
                }
            )
    return rows
