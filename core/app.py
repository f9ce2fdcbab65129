"""The application factory: a list of ``register_*`` steps, each doing one thing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, request, session
from flask_login import current_user, logout_user
from sqlalchemy import event

from core import audit, security, tenancy, validation
from core.config import default_instance_path, load_config
from core.extensions import babel, csrf, db, limiter, login_manager, migrate
from core.paths import MIGRATIONS_DIR, TEMPLATES_DIR, TRANSLATIONS_DIR


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Branchmark application.

    :param config: settings that win over defaults, the instance file and the environment.
    :returns: the configured Flask application.
    """
    app = Flask(
        "core",
        root_path=str(Path(__file__).resolve().parent),
        instance_path=default_instance_path(),
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(TEMPLATES_DIR / "static"),
    )
    load_config(app, config)
    security.init_app(app)  # first: bounds every request before any other hook reads it
    register_extensions(app)
    register_database(app)
    register_plugins(app)
    register_request_context(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_handlers(app)
    return app


def _select_locale() -> str:
    if not has_request_context():  # CLI, jobs and PDFs: Chinese first
        return "zh"
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in ("zh", "en"):
        return chosen
    return "zh"


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    limiter.init_app(app)
    from core.jobs import queue

    queue.init_app(app)


def register_database(app: Flask) -> None:
    """Tenant filter and audit log on every session; on PostgreSQL, a non-owner role."""
    from flask_sqlalchemy.session import Session

    import core.models  # noqa: F401 - every model must be mapped before the first query
    from core.members import periods as member_periods

    member_periods.install(Session)  # first: the periods it adds are stamped, checked and audited
    tenancy.install(Session)
    validation.install(Session)  # every row within its columns' bounds, or a Chinese RecordError
    audit.recorder.install(Session)
    from core.scoring import live

    live.install(Session)  # a write to a unit's records marks its stored results stale

    from sqlalchemy.exc import DBAPIError

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own teardown (registered earlier, so run later). When
        # the database ended the connection after the answer was made (a restart, an
        # administrator's pg_terminate_backend), the closing ROLLBACK fails: that transaction is
        # gone anyway, and the answer already made must not become a 500. Found live: 4 of 109
        # requests while every backend was ended five times.
        try:
            db.session.remove()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            db.session.remove()  # the connection is invalidated now: closing no longer talks to it

    role = app.config.get("DB_APP_ROLE")
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql" and role:

        @event.listens_for(engine, "connect")
        def _use_app_role(dbapi_connection, connection_record) -> None:
            # The tables belong to the migration owner; this role is subject to row-level security.
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f'SET ROLE "{role}"')
            dbapi_connection.commit()


def register_plugins(app: Flask) -> None:
    """The plugin registry, once the plugin system is present."""
    try:
        from core.plugins.manager import init_app
    except ImportError:  # plugin system not installed in this build
        return
    from core.metrics.registry import static_vocabularies

    init_app(app, metric_vocabularies=static_vocabularies())


def register_request_context(app: Flask) -> None:
    """Each request works as the logged-in user and, for unit users, within their unit."""
    from core.accounts.models import User
    from core.accounts.services import account_usable
    from core.accounts.sessions import session_expired

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        # "<id>:<session version>" (User.get_id): a session from before a logout or a password
        # change carries an older version and is refused. A deactivated user, or one of a
        # disabled unit, is logged out on their next request.
        number, _sep, version = user_id.partition(":")
        if not number.isdigit() or not version.isdigit() or int(number) > validation.INT_MAX:
            return None
        user = db.session.get(User, int(number))
        if not account_usable(user) or (user.session_version or 0) != int(version):
            return None
        return user

    @app.before_request
    def _bind_user_and_tenant() -> None:
        if request.args.get("lang") in ("zh", "en"):
            session["lang"] = request.args["lang"]
        tenancy.set_tenant(None)
        audit.recorder.set_actor(None, "anonymous")
        if current_user.is_authenticated and session_expired():
            logout_user()
            session.clear()
        if current_user.is_authenticated:
            audit.recorder.set_actor(current_user.id, current_user.username)
            tenancy.set_tenant(current_user.tenant_id)
        g.tenant = None
        if current_user.is_authenticated and current_user.must_change_password:
            return _forced_password_change()

    @app.teardown_request
    def _unbind(exc: BaseException | None) -> None:
        # Threads serve many requests: never let one request's unit leak into the next.
        tenancy.set_tenant(None)
        audit.recorder.set_actor(None, "system")


#: What a user whose password was reset may still reach before changing it.
PASSWORD_CHANGE_ENDPOINTS = {"accounts.password", "accounts.logout", "static"}


def _forced_password_change() -> Any:
    """Send a user whose password an admin reset to the change form; the API refuses them."""
    from flask import redirect, url_for
    from flask_babel import gettext as _

    if request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
        return None
    if request.path.startswith("/api/"):
        return {"code": 403, "status": "Forbidden",
                "message": _("管理员已重置您的密码：请先登录网页修改密码")}, 403
    return redirect(url_for("accounts.password"))


def register_blueprints(app: Flask) -> None:
    from core.accounts.views import bp as accounts_bp
    from core.jobs.views import bp as jobs_bp
    from core.web.views import bp as web_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(__import__("core.reports.views", fromlist=["bp"]).bp)
    __import__("core.api").api.init_app(app)  # JSON API under /api/v1 (core/api/__init__.py)
    app.register_blueprint(__import__("core.excel.views", fromlist=["bp"]).bp)  # Excel import/export
    app.register_blueprint(__import__("core.scoring.views", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("core.host.views", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("core.authoring.views", fromlist=["bp"]).bp)  # county standards
    app.register_blueprint(__import__("core.authoring.unit_views", fromlist=["bp"]).bp)  # unit's standard
    app.register_blueprint(__import__("core.organizations.views", fromlist=["bp"]).bp)  # record pages
    app.register_blueprint(__import__("core.members.views", fromlist=["bp"]).bp)  # record pages
    app.register_blueprint(__import__("core.events.views", fromlist=["bp"]).bp)  # record pages
    app.register_blueprint(__import__("core.dues.views", fromlist=["bp"]).bp)  # record pages
    app.register_blueprint(__import__("core.funding.views", fromlist=["bp"]).bp)  # record pages
    app.register_blueprint(__import__("core.staffing.views", fromlist=["bp"]).bp)  # record pages
    app.register_blueprint(__import__("core.facilities.views", fromlist=["bp"]).bp)  # record pages
    app.register_blueprint(__import__("core.findings.views", fromlist=["bp"]).bp)  # findings, honours
    app.register_blueprint(__import__("core.development.views", fromlist=["bp"]).bp)  # assessments, 预备期
    app.register_blueprint(__import__("core.events.analysis", fromlist=["bp"]).bp)  # attendance, 党课
    app.register_blueprint(__import__("core.documents.views", fromlist=["bp"]).bp)  # party documents
    app.register_blueprint(__import__("core.publicity.views", fromlist=["bp"]).bp)  # 报道
    app.register_blueprint(__import__("core.mass.views", fromlist=["bp"]).bp)  # 群团组织
    app.register_blueprint(__import__("core.ledger.views", fromlist=["bp"]).bp)  # 工作台账
    app.register_blueprint(__import__("core.transfers.views", fromlist=["bp"]).bp)  # 组织关系转接


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from core import vocabulary
    from core.web.navigation import menu_for

    def unit_type_label(key: str, sub_kind: str | None = None) -> str:
        """A unit type (and sub-kind) by its Chinese name; the code when no plugin knows it."""
        registry = app.extensions.get("branchmark_plugins")
        try:
            unit_type = registry.unit_type(key)
        except (AttributeError, KeyError):
            return key if not sub_kind else f"{key} · {sub_kind}"
        names = {k.key: k.name_zh for k in unit_type.sub_kinds}
        return unit_type.name_zh + (f" · {names.get(sub_kind, sub_kind)}" if sub_kind else "")

    def sub_kind_label(key: str, sub_kind: str | None) -> str:
        """A sub-kind's Chinese name from its unit type's plugin ("" when none is set)."""
        if not sub_kind:
            return ""
        label = unit_type_label(key, sub_kind)
        return label.split(" · ", 1)[1] if " · " in label else sub_kind

    app.jinja_env.globals.update(
        vocab=vocabulary,
        label=vocabulary.label,
        get_locale=get_locale,
        menu_for=menu_for,
        unit_type_label=unit_type_label,
        sub_kind_label=sub_kind_label,
    )
    from core.timezone import local_time

    # Every stored moment is shown in the one configured zone: {{ moment|localtime }}.
    app.jinja_env.filters["localtime"] = local_time
    from core.reports.content import plain_citation

    # A free-text source printed without provenance tags or file paths: {{ source|cite }}.
    app.jinja_env.filters["cite"] = plain_citation
    from core.standards.rules import PERIOD_WORDS

    # A period parameter's value (quarter, half) in Chinese; other values as they are.
    app.jinja_env.globals["period_word"] = lambda value: PERIOD_WORDS.get(value, value) if isinstance(value, str) else value


def register_error_handlers(app: Flask) -> None:
    """Errors as Chinese pages (the API answers JSON through its own handlers)."""
    from flask import render_template
    from flask_babel import gettext as _
    from werkzeug.exceptions import HTTPException

    messages = {
        400: lambda: _("请求有误，请检查后重试。"),
        403: lambda: _("您没有权限查看此页面。"),
        404: lambda: _("页面不存在。"),
        413: lambda: _("提交的内容太大。"),
        429: lambda: _("尝试次数过多，请稍后再试。"),
        500: lambda: _("服务器出错了，请稍后再试。"),
    }

    def _render(error: HTTPException):
        code = error.code or 500
        data = getattr(error, "data", None) or {}
        message = str(data.get("message") or messages.get(code, messages[500])())
        return render_template("error.html", code=code, message=message), code

    for code in messages:
        app.register_error_handler(code, _render)

    from core.plugins.manager import NoStandardInEffect

    def _no_standard(error: NoStandardInEffect):
        message = _("%(day)s 没有生效的评分标准，请换一个日期", day=error.on.isoformat())
        if request.path.startswith("/api/"):
            return {"code": 404, "status": "Not Found", "message": message}, 404
        return render_template("error.html", code=404, message=message), 404

    app.register_error_handler(NoStandardInEffect, _no_standard)

    from sqlalchemy.exc import DBAPIError

    def _connection_lost(error: DBAPIError):
        # The database dropped this request's connection (a restart, an administrator's
        # pg_terminate_backend): its transaction is gone, nothing was written. The pool has
        # discarded the connection and pre-pings the others, so asking again works: say so (503).
        if not error.connection_invalidated:
            raise error
        db.session.rollback()
        message = _("数据库连接中断，未保存任何内容，请重试。")
        headers = {"Retry-After": "1"}
        if request.path.startswith("/api/"):
            return {"code": 503, "status": "Service Unavailable", "message": message}, 503, headers
        return render_template("error.html", code=503, message=message), 503, headers

    app.register_error_handler(DBAPIError, _connection_lost)
