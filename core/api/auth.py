"""Who is calling the API, and within which unit: token or session, CSRF, roles and scopes.

The rule, applied before every API view (see ``docs/api.md``):

- ``Authorization: Bearer <token>`` → the token's user (:func:`~core.accounts.services.user_for_token`).
  A token is never sent by a browser on its own, so a cross-site page cannot forge such a request:
  no CSRF token is needed.
- Otherwise the session cookie of a logged-in browser. Reads (GET, HEAD, OPTIONS) pass. Writes
  must come from our own pages: the ``Origin`` (or, without it, ``Referer``) header must name this
  server, and the ``X-CSRFToken`` header must carry the same CSRF token the pages' forms carry
  (checked whenever ``WTF_CSRF_ENABLED`` is on). The API blueprints are exempt from Flask-WTF's
  form check only because this check replaces it.
- Neither → 401.

Then the unit in the URL (``/units/<slug>/…``) is resolved: a unit the caller may not see answers
404, exactly like a unit that does not exist, so another unit's token learns nothing; a write by
someone who may only read (a supervisor) answers 403. The tenant filter and the audit actor are
set for the rest of the request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select

from core.accounts.access import can_edit_tenant, can_view_tenant
from core.accounts.models import User
from core.accounts.services import user_for_token
from core.audit.recorder import set_actor
from core.extensions import db
from core.host.models import Tenant
from core.tenancy import set_tenant

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: Roles that keep records; supervisors only read.
WRITER_ROLES = ("host_admin", "unit_admin", "secretary")
#: API blueprints whose writes are the supervisors' (findings, honours): their views decide who
#: may write (:func:`core.findings.services.can_record`), not the unit's editors rule.
SUPERVISOR_WRITES = {"findings", "honours"}


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def _check_session_write() -> None:
    if not _same_origin():
        abort(403, message=_("浏览器会话写入须来自本站页面（Origin 不符）；外部程序请使用 API 令牌"))
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except CSRFError:
            abort(403, message=_("缺少或无效的 CSRF 令牌（X-CSRFToken）"))
        except Exception:  # flask_wtf raises ValidationError for a missing or bad token
            abort(403, message=_("缺少或无效的 CSRF 令牌（X-CSRFToken）"))


def authenticate() -> User:
    """The caller of this request, with the audit actor and tenant set; aborts 401/403."""
    token = _bearer_token()
    if token is not None:
        user = user_for_token(token)
        if user is None:
            abort(401, message=_("API 令牌无效或已撤销"))
        # The token's last use (at most one UPDATE a minute) is kept even if the call fails.
        db.session.commit()
        g.api_auth = "token"
    elif current_user.is_authenticated:
        user = current_user._get_current_object()
        g.api_auth = "session"
        if request.method not in SAFE_METHODS:
            _check_session_write()
    else:
        abort(401, message=_("请提供 API 令牌（Authorization: Bearer …）或先登录"))
    if user.must_change_password:
        abort(403, message=_("管理员已重置您的密码：请先登录网页修改密码"))
    g.api_user = user
    set_actor(user.id, user.username)
    set_tenant(user.tenant_id)
    return user


def resolve_unit(slug: str) -> Tenant:
    """The unit named in the URL, checked against the caller; chosen as the current tenant.

    :raises: 404 when the unit does not exist or the caller may not see it; 403 for a write
        the caller may not make.
    """
    user: User = g.api_user
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or not can_view_tenant(user, tenant):
        abort(404, message=_("单位不存在"))
    if (
        request.method not in SAFE_METHODS
        and request.blueprint not in SUPERVISOR_WRITES
        and not can_edit_tenant(user, tenant)
    ):
        abort(403, message=_("您只能查看此单位的记录，不能修改"))
    set_tenant(tenant.id)
    g.unit = tenant
    return tenant


def before_api_request() -> None:
    """Runs before every API view: authenticate, then resolve ``<slug>`` if the URL has one."""
    authenticate()
    if request.view_args and "slug" in request.view_args:
        # Views receive the resolved unit through ``g.unit``, not the slug.
        resolve_unit(request.view_args.pop("slug"))


def current_api_user() -> User:
    """The authenticated caller (only inside API views)."""
    return g.api_user


def require_role(*roles: str) -> None:
    """Refuse (403) a caller whose role is not among ``roles``."""
    if g.api_user.role not in roles:
        abort(403, message=_("您的角色不能执行此操作"))


def secretary_branch_id() -> int | None:
    """The one branch a secretary may see and change; None for every other role."""
    user = g.api_user
    if user.role == "secretary":
        # A secretary without a branch sees nothing rather than the whole unit.
        return user.organization_id or -1
    return None
