"""Request-level walls: bounded bodies, JSON depth, integers the database can hold, and the
security headers of every response.

Field values are bounded by :mod:`core.validation`; this module bounds what arrives before any
view runs, so a hostile request is a 4xx with a Chinese message rather than a crash.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_smorest import abort

from core.validation import INT_MAX

#: JSON nesting our schemas ever need is 3 or 4; far deeper is an attack on the parser.
JSON_MAX_DEPTH = 32
#: Query arguments holding integers: beyond :data:`~core.validation.INT_MAX` they are refused.
_INTEGER_ARGUMENT = re.compile(r"^(page|page_size|per_page|year|month|id|.*_id)$")
_DIGITS = re.compile(r"^[+-]?\d+$")
#: Bytes read at a time when cutting strings out of a JSON text (bounds the pieces in memory).
_JSON_CHUNK = 64 * 1024
#: Every byte but a bracket (deleted), and objects' brackets read as arrays'.
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_AS_ARRAYS = bytes.maketrans(b"{}", b"[]")


def json_too_deep(data: bytes, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether the arrays and objects of a JSON text nest deeper than ``limit`` (strings ignored).

    Linear in time and memory, with no Python step per byte or per string (a regular expression
    for strings kept about 115 bytes per character, or a list entry per string: a 12 MB body
    took over a gigabyte before any view ran): strings are cut out a chunk at a time, every
    other byte but the brackets deleted, then each pass removes the innermost pairs (``[]``), so
    ``limit`` passes remove every pair nested at most ``limit`` deep; a pair still there is
    deeper. Brackets left unclosed count too (more than ``limit`` of them is too deep); a text
    mixing both can pass with at most twice ``limit``, far below what the JSON parser survives.
    """
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")  # no quote inside a string now
    kept, inside = bytearray(), False
    for start in range(0, len(unescaped), _JSON_CHUNK):
        parts = unescaped[start : start + _JSON_CHUNK].split(b'"')
        kept += b"".join(parts[1 if inside else 0 :: 2]).translate(_AS_ARRAYS, _NOT_BRACKETS)
        inside ^= len(parts) % 2 == 0  # an odd number of quotes in this chunk
    brackets = bytes(kept)
    for _pass in range(limit):
        inner = brackets.replace(b"[]", b"")
        if len(inner) == len(brackets):
            break
        brackets = inner
    return b"[]" in brackets or brackets.count(b"[") > limit


def _check_request() -> None:
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not -INT_MAX - 1 <= value <= INT_MAX:
            abort(404)  # no row has such an id
    for name, value in request.args.items(multi=True):
        if _INTEGER_ARGUMENT.match(name) and _DIGITS.match(value.strip()) and abs(int(value)) > INT_MAX:
            abort(400, message=_("参数 %(name)s 超出范围", name=name))
    # PostgreSQL cannot hold a NUL byte even as a query parameter: a form field or query
    # argument carrying one would crash the first lookup it reaches. JSON bodies are checked
    # field by field by the API schemas.
    posted = request.form.items(multi=True) if request.method in ("POST", "PUT", "PATCH") else ()
    for name, value in (*request.args.items(multi=True), *posted):
        if "\x00" in name or "\x00" in value:
            abort(400, message=_("“%(name)s”不能包含空字符（NUL）", name=name.replace("\x00", "")[:30]))
    if request.is_json:
        limit = int(current_app.config["MAX_JSON_LENGTH"])
        if (request.content_length or 0) > limit:
            abort(413)
        body = request.get_data(cache=True)
        if len(body) > limit:  # sent without a length (chunked)
            abort(413)
        if body and json_too_deep(body):
            abort(400, message=_("JSON 嵌套层数过多"))


#: Content-Security-Policy: scripts and styles from this site only — no inline script, no
#: ``eval``, no CDN; no framing by any page (clickjacking); forms post to this site only.
#: Inline ``style`` attributes stay allowed: they cannot run code, and the scorecard templates
#: shared with the PDF renderer use them.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_app(app: Flask) -> None:
    """Install the request checks, the security headers and, when configured, the proxy fix.

    ``TRUSTED_PROXIES`` (a count) makes :class:`~werkzeug.middleware.proxy_fix.ProxyFix` believe
    that many proxies' ``X-Forwarded-For``, ``-Proto`` and ``-Host``; with 0 they are ignored, so a
    client cannot pick its own address (login throttling) or claim HTTPS. ``HTTPS`` turns on
    ``Secure`` cookies, HSTS and the redirect from plain HTTP (see ``docs/security.md``).
    """
    from flask_talisman import Talisman
    from werkzeug.middleware.proxy_fix import ProxyFix

    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    https = bool(app.config.get("HTTPS"))
    Talisman(
        app,
        force_https=https and not app.testing,
        strict_transport_security=https,
        strict_transport_security_max_age=365 * 24 * 3600,
        session_cookie_secure=https,
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
    )
    app.before_request(_check_request)
