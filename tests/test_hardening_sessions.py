"""Sessions that end, security headers, and login throttling that holds across app instances."""

from __future__ import annotations

import re
import time

import pytest
from flask import g
from sqlalchemy import select

from core import create_app
from core.accounts.models import User
from core.accounts.services import end_sessions
from core.audit.models import AuditLog
from core.extensions import db as _db
from core.tenancy import host_scope
from tests.conftest import TEST_PASSWORD


def _login(client, username: str, password: str = TEST_PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def _cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_captured_cookie_is_refused_after_logout(app, tenant, make_user, client):
    make_user("unit_admin", tenant, username="czj-admin")
    assert _login(client, "czj-admin").status_code == 302
    captured = _cookie(client)
    assert client.get("/units/caizhengju").status_code == 200
    assert client.post("/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", captured)
    response = thief.get("/units/caizhengju")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thief.get("/api/v1/units/caizhengju").status_code == 401


def test_end_sessions_refuses_every_open_session(app, tenant, make_user, client, db):
    user = make_user("unit_admin", tenant, username="czj-admin")
    assert _login(client, "czj-admin").status_code == 302
    assert client.get("/units/caizhengju").status_code == 200
    end_sessions(db.session.get(User, user.id))  # what a password change or reset calls
    db.session.commit()
    # The test's app context outlives requests; a real request starts with no cached user.
    g.pop("_login_user", None)
    assert client.get("/units/caizhengju").status_code == 302


class TestIdleAndLifetime:
    @pytest.fixture
    def app_config(self):
        return {"SESSION_IDLE_MINUTES": 30, "SESSION_MAX_HOURS": 8}

    def test_idle_and_old_sessions_end(self, app, tenant, make_user, client):
        make_user("unit_admin", tenant, username="czj-admin")
        assert _login(client, "czj-admin").status_code == 302
        assert client.get("/units/caizhengju").status_code == 200
        with client.session_transaction() as session:
            session["_seen"] = time.time() - 31 * 60
        assert client.get("/units/caizhengju").status_code == 302

        assert _login(client, "czj-admin").status_code == 302
        with client.session_transaction() as session:
            session["_started"] = time.time() - 9 * 3600
        assert client.get("/units/caizhengju").status_code == 302

    def test_csrf_tokens_expire_with_the_session(self, app):
        assert app.config["WTF_CSRF_TIME_LIMIT"] == 8 * 3600
        assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS
    assert "<script>" not in response.get_data(as_text=True)


class TestHttps:
    @pytest.fixture
    def app_config(self):
        return {"HTTPS": True, "TRUSTED_PROXIES": 1}

    def test_https_behind_a_trusted_proxy(self, tenant, make_user, client):
        make_user("unit_admin", tenant, username="czj-admin")
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        page = client.get("/login", headers=headers)
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        response = client.post("/login", data={"username": "czj-admin", "password": TEST_PASSWORD}, headers=headers)
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie


def test_templates_hold_no_inline_script():
    from core.paths import TEMPLATES_DIR

    # The CSP refuses inline script: <script> blocks and event-handler attributes (onclick, onchange …).
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.S)
    offenders = [
        str(path) for path in TEMPLATES_DIR.rglob("*.html")
        if "<script>" in (text := path.read_text(encoding="utf-8")) or handler.search(text)
    ]
    assert offenders == []


# --- throttling --------------------------------------------------------------------------------


class TestThrottle:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_MAX_PER_ADDRESS": 4, "LOGIN_LOCK_AFTER": 3, "LOGIN_LOCK_MINUTES": 5}

    def test_address_limit_holds_across_two_app_instances(self, app, database_url, tenant, make_user):
        """Two workers (two app objects) share the count: a 429 arrives at the 5th attempt."""
        make_user("unit_admin", tenant, username="czj-admin")
        other = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY")}, "TESTING": True,
                            "WTF_CSRF_ENABLED": False, "LOGIN_MAX_PER_ADDRESS": 4})
        clients = [app.test_client(), other.test_client()]
        codes = []
        for attempt in range(4):
            codes.append(_login(clients[attempt % 2], "ghost", "bad-guess").status_code)
        assert codes == [400, 400, 400, 400]
        for worker in clients:
            response = _login(worker, "czj-admin")  # even the right password waits now
            assert response.status_code == 429
            assert "分钟后再试" in response.get_data(as_text=True)
            assert int(response.headers["Retry-After"]) > 0
        with other.app_context():
            _db.engine.dispose()

    def test_account_locks_and_an_admin_unlocks(self, app, tenant, make_user, client, db):
        user = make_user("unit_admin", tenant, username="czj-admin")
        make_user("host_admin", username="county")
        for _ in range(3):
            assert _login(client, "czj-admin", "bad-guess").status_code == 400
        locked = _login(client, "czj-admin")
        assert locked.status_code == 429
        assert "已暂时锁定" in locked.get_data(as_text=True)

        admin = app.test_client()
        admin.environ_base["REMOTE_ADDR"] = "198.51.100.7"  # another address, not throttled
        assert _login(admin, "county").status_code == 302
        page = admin.get("/host/users").get_data(as_text=True)
        assert "解锁" in page
        assert admin.post(f"/host/users/{user.id}/unlock").status_code == 302
        db.session.expire_all()
        assert db.session.get(User, user.id).locked_until is None
        with host_scope():
            rows = db.session.scalars(
                select(AuditLog).where(AuditLog.table_name == "user_account", AuditLog.actor == "county")
            ).all()
        assert any((row.before or {}).get("locked_until") and "locked_until" in (row.after or {}) for row in rows), [
            (r.before, r.after) for r in rows
        ]

        client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
        assert _login(client, "czj-admin").status_code == 302
