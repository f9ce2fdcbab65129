"""Configuration: defaults here, then an instance file, then ``BRANCHMARK_*`` environment variables."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask

from core.paths import PROJECT_ROOT

#: PostgreSQL role the application switches to after connecting; it does not own the tables,
#: so row-level security applies to it (a superuser or owner would bypass the policies).
APP_DB_ROLE = "branchmark_app"


class Defaults:
    """Settings every deployment starts from."""

    #: None → a random key created once in the instance folder (see :func:`_secret_key`).
    SECRET_KEY: str | None = None
    #: None → a SQLite file in the instance folder (see :func:`load_config`).
    DATABASE_URL: str | None = None
    #: Connect as the table owner for migrations; defaults to DATABASE_URL.
    MIGRATION_DATABASE_URL: str | None = None
    #: On PostgreSQL, ``SET ROLE`` to this role after connecting; empty string disables.
    DB_APP_ROLE = APP_DB_ROLE
    #: Key that opens county-wide (host) work past row-level security (see ``core/rls.py``).
    #: None → a random key in ``instance/db_host_key``. Every server and the migration must use
    #: the same one (like SECRET_KEY); the database stores only its digest.
    DB_HOST_SCOPE_KEY: str | None = None
    REDIS_URL: str | None = None
    #: How stored live results catch up with a write (see :mod:`core.scoring.live`): ``queue``
    #: (a job per unit, run by a worker) or ``sync`` (the next read re-scores the stale unit).
    #: None → ``queue`` with ``REDIS_URL``, else ``sync``; ``branchmark serve`` with job workers
    #: sets ``queue``.
    LIVE_RESULTS_MODE: str | None = None
    #: Seconds a worker's hold on a share of a job lasts unless it renews it (it renews every
    #: third of that while alive); a share whose worker died is retried after this long.
    JOB_LEASE_SECONDS = 30
    #: Jobs (and their files) older than this many days are deleted by a daily task and by
    #: ``branchmark jobs prune``.
    JOBS_RETENTION_DAYS = 7
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_RECORD_QUERIES = False
    BABEL_DEFAULT_LOCALE = "zh"
    #: The one time zone of every date and time shown (see :mod:`core.timezone`).
    TIME_ZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    WTF_CSRF_ENABLED = True
    #: None → the session's absolute lifetime (``SESSION_MAX_HOURS``): a token dies with its session.
    WTF_CSRF_TIME_LIMIT: int | None = None
    #: Largest request body (an Excel upload is at most 10 MB; a form or JSON body far less).
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    #: Largest JSON body (413 before parsing). A record is a few KB; parsed JSON costs up to ~25
    #: times its size in a worker (12 MB of ``{},`` took 275 MB), so the 12 MB above is far too much.
    MAX_JSON_LENGTH = 2 * 1024 * 1024
    #: Pool connections are tested before use, so a restarted PostgreSQL costs no request a 500.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: A session idle this long is ended (minutes) …
    SESSION_IDLE_MINUTES = 60
    #: … and any session this long after its login (hours).
    SESSION_MAX_HOURS = 12
    #: Served over HTTPS (directly or behind a proxy that says so): Secure cookies, HSTS, and
    #: plain-HTTP requests redirected. Set it in production.
    HTTPS = False
    #: Proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed (ProxyFix);
    #: 0 → those headers are ignored and the peer address is the client's.
    TRUSTED_PROXIES = 0
    #: Failed logins one client address may make per window, shared by every worker.
    LOGIN_MAX_PER_ADDRESS = 20
    LOGIN_WINDOW_SECONDS = 600
    #: Failures in a row that lock an account, and the first lock's length (doubling after).
    LOGIN_LOCK_AFTER = 5
    LOGIN_LOCK_MINUTES = 5
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Personal data (ID numbers, phones) shown unmasked only to these roles.
    PERSONAL_DATA_ROLES = ("host_admin", "unit_admin")
    TENANTS_DIR: str | None = None


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, ``instance/branchmark.cfg``, env and ``overrides``.

    :param app: the application being built.
    :param overrides: test or embedding settings; win over everything else.
    """
    app.config.from_object(Defaults)
    app.config.from_pyfile("branchmark.cfg", silent=True)
    app.config.from_prefixed_env("BRANCHMARK")
    if overrides:
        app.config.update(overrides)

    # One key: Flask-Babel's zone follows TIME_ZONE.
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config.get("TIME_ZONE") or "Asia/Shanghai"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    if not app.config.get("DB_HOST_SCOPE_KEY"):
        app.config["DB_HOST_SCOPE_KEY"] = _secret_key(Path(app.instance_path), "db_host_key")
    if not app.config.get("DATABASE_URL"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = _sqlite_url(Path(app.instance_path) / "branchmark.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("MIGRATION_DATABASE_URL", None)
    if not app.config["MIGRATION_DATABASE_URL"]:
        app.config["MIGRATION_DATABASE_URL"] = app.config["DATABASE_URL"]
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if app.config.get("WTF_CSRF_TIME_LIMIT") is None:
        app.config["WTF_CSRF_TIME_LIMIT"] = int(float(app.config["SESSION_MAX_HOURS"]) * 3600)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=float(app.config["SESSION_MAX_HOURS"]))
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if not app.config.get("TENANTS_DIR"):
        app.config["TENANTS_DIR"] = str(PROJECT_ROOT / "tenants")


def _secret_key(instance: Path, name: str = "secret_key") -> str:
    """The instance's own random key, created on first start (never a shared default)."""
    path = instance / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    os.makedirs(instance, exist_ok=True)
    key = secrets.token_hex(32)
    # Written whole under a private name, then linked into place: processes starting together
    # (gunicorn workers, test workers) never read a half-written key, and the first link wins.
    # Readable by the owner only: whoever holds it can forge sessions.
    fd, draft = tempfile.mkstemp(dir=instance, prefix=f".{name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
        os.link(draft, path)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    finally:
        os.unlink(draft)
    return key


def default_instance_path() -> str:
    """The instance folder: ``BRANCHMARK_INSTANCE_PATH`` or ``instance/`` in the project."""
    return os.environ.get("BRANCHMARK_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
